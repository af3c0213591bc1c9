// __jump_table: the kernel's static keys (include/linux/jump_label.h, arm64 asm/jump_label.h). Each
// entry names an instruction that is a NOP (or a "b") in the image and is rewritten at run time into
// a branch to `target` (or back into a NOP) when the key flips. Both ways are real code paths: a
// function whose frame is set up only on the patched path (dynamic debug's pr_debug()) has that
// frame whenever the key is on.
//
//   1ec:  d503201f  nop            <- jump_entry.code; patched to "b 1f4" when __dyndbg is enabled
//   1f0:  d65f03c0  ret
//   1f4:  d503233f  paciasp        <- jump_entry.target
//   1f8:  a9bf7bfd  stp x29, x30, [sp, #-16]!
//
// arm64 uses relative entries (CONFIG_HAVE_ARCH_JUMP_LABEL_RELATIVE): struct jump_entry
// { s32 code; s32 target; long key; }, 16 bytes, offsets relative to each field. In a .ko the two
// fields carry R_AARCH64_PREL32 relocations.
import type { Diagnostic } from '../base/diag.ts';
import { R_AARCH64_PREL32 } from './elf-constants.ts';
import type { ElfFile } from './reader.ts';
import { relocationTargets } from './relocations.ts';
import { findSection, sectionAt } from './sections.ts';
import type { SymbolTable } from './symbols.ts';

const JUMP_ENTRY_SIZE = 16;
const PREL32 = new Set([R_AARCH64_PREL32]);

/** Jump-label sites: code section index → (site offset → target offset), both section offsets. */
export type JumpLabels = Map<number, Map<number, number>>;

export function readJumpLabels(
  elf: ElfFile,
  symbols: SymbolTable | undefined,
  diagnostics: Diagnostic[],
): JumpLabels {
  const out: JumpLabels = new Map();
  const sec = findSection(elf.sections, '__jump_table');
  if (sec === undefined || sec.sh_size < JUMP_ENTRY_SIZE) return out;
  const add = (shndx: number, code: number, target: number) => {
    let m = out.get(shndx);
    if (m === undefined) out.set(shndx, (m = new Map()));
    m.set(code, target);
  };
  const count = Math.floor(sec.sh_size / JUMP_ENTRY_SIZE);
  if (elf.isRelocatable) {
    if (symbols === undefined) return out;
    const t = relocationTargets(elf, symbols, sec, PREL32, diagnostics);
    for (let i = 0; i < count; i++) {
      const code = t.get(i * JUMP_ENTRY_SIZE);
      const target = t.get(i * JUMP_ENTRY_SIZE + 4);
      if (code === undefined || target === undefined || !('shndx' in code) || !('shndx' in target)) continue;
      if (code.shndx === target.shndx) add(code.shndx, code.offset, target.offset);
    }
    return out;
  }
  const d = elf.data(sec);
  const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
  for (let i = 0; i < count; i++) {
    const at = i * JUMP_ENTRY_SIZE;
    const entry = sec.sh_addr + BigInt(at);
    const code = entry + BigInt(dv.getInt32(at, true));
    const target = entry + 4n + BigInt(dv.getInt32(at + 4, true));
    const s = sectionAt(elf.sections, code);
    if (s === undefined || target < s.sh_addr || target >= s.sh_addr + BigInt(s.sh_size)) continue;
    add(s.index, Number(code - s.sh_addr), Number(target - s.sh_addr));
  }
  return out;
}

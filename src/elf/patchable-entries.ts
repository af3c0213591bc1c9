// __patchable_function_entries: one 64-bit address per function compiled with
// -fpatchable-function-entry=N (the kernel's DYNAMIC_FTRACE_WITH_REGS uses N = 2). ftrace rewrites
// those NOPs into "mov x9, x30; bl ftrace_caller", so a traced function calls the ftrace trampoline
// before its own prologue runs.
//
//   Relocation section '.rela__patchable_function_entries' at offset 0x103b0 contains 57 entries:
//     Offset          Info           Type              Sym. Value    Sym. Name + Addend
//   000000000000  000200000101 R_AARCH64_ABS64   0000000000000000 .text + 0
import type { Diagnostic } from '../base/diag.ts';
import { R_AARCH64_ABS64 } from './elf-constants.ts';
import type { ElfFile } from './reader.ts';
import { relocationTargets } from './relocations.ts';
import { sectionAt } from './sections.ts';
import type { SymbolTable } from './symbols.ts';

const ABS64 = new Set([R_AARCH64_ABS64]);

/** Patchable entry points as section offsets, per code section index; empty when the file has none. */
export function readPatchableEntries(
  elf: ElfFile,
  symbols: SymbolTable | undefined,
  diagnostics: Diagnostic[],
): Map<number, Set<number>> {
  const out = new Map<number, Set<number>>();
  const add = (shndx: number, offset: number) => {
    let s = out.get(shndx);
    if (s === undefined) out.set(shndx, (s = new Set()));
    s.add(offset);
  };
  // GCC writes one section per object; clang one per function (SHF_LINK_ORDER to its code section).
  for (const sec of elf.sections) {
    if (sec.name !== '__patchable_function_entries' || sec.sh_size === 0) continue;
    if (elf.isRelocatable) {
      if (symbols === undefined) return out;
      for (const t of relocationTargets(elf, symbols, sec, ABS64, diagnostics).values()) {
        if ('shndx' in t) add(t.shndx, t.offset);
      }
      continue;
    }
    const d = elf.data(sec);
    const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
    for (let at = 0; at + 8 <= d.length; at += 8) {
      const a = dv.getBigUint64(at, true);
      const s = sectionAt(elf.sections, a);
      if (s !== undefined) add(s.index, Number(a - s.sh_addr));
    }
  }
  return out;
}

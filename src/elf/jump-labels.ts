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
import { type Diagnostic, diag } from '../base/diag.ts';
import { branchOffset } from './aarch64/decode.ts';
import { R_AARCH64_JUMP26, R_AARCH64_PREL32 } from './elf-constants.ts';
import type { ElfFile } from './reader.ts';
import { forEachRelocationTarget, type RelocTarget, relocationTargets } from './relocations.ts';
import { Scratch } from './scratch.ts';
import { findSection, type SectionHeader, sectionAt } from './sections.ts';
import type { SymbolTable } from './symbols.ts';

const JUMP_ENTRY_SIZE = 16;
const JUMP26 = new Set([R_AARCH64_JUMP26]);

/** Jump-label sites: code section index → (site offset → target offset), both section offsets. */
export type JumpLabels = Map<number, Map<number, number>>;

/**
 * Records a site; false (nothing recorded) when the site or its target is not inside section
 * `shndx`: both are instructions of one code section, so an offset past it is damage, and it must
 * not size anything (a relocation against a section symbol with an 8 GB value once made the frame
 * analysis allocate a mark per word up to it).
 */
function addSite(out: JumpLabels, elf: ElfFile, shndx: number, code: number, target: number): boolean {
  const size = elf.sections[shndx]?.sh_size ?? 0;
  if (!(code >= 0 && code < size && code % 4 === 0 && target >= 0 && target < size)) return false;
  let m = out.get(shndx);
  if (m === undefined) out.set(shndx, (m = new Map()));
  m.set(code, target);
  return true;
}

/** One notice per table for the entries addSite() refused. */
function outside(diagnostics: Diagnostic[], elf: ElfFile, table: string, n: number): void {
  if (n > 0)
    diagnostics.push(
      diag(
        'elf/branch-table',
        'data-loss',
        `${n} ${table} entries point outside their code section: ignored`,
        {
          file: elf.name,
        },
      ),
    );
}

export function readJumpLabels(
  elf: ElfFile,
  symbols: SymbolTable | undefined,
  diagnostics: Diagnostic[],
  scratch = new Scratch(),
): JumpLabels {
  const out: JumpLabels = new Map();
  const sec = findSection(elf.sections, '__jump_table');
  if (sec === undefined) {
    // A linked vmlinux keeps the table inside another section, between two linker-script symbols.
    if (!elf.isRelocatable && symbols !== undefined)
      outside(diagnostics, elf, '__jump_table', readLinkedTable(elf, symbols, out));
    return out;
  }
  if (sec.sh_size < JUMP_ENTRY_SIZE) return out;
  const count = Math.floor(sec.sh_size / JUMP_ENTRY_SIZE);
  if (elf.isRelocatable) {
    if (symbols === undefined) return out;
    const t = relocatedFields(elf, symbols, sec, count, JUMP_ENTRY_SIZE, diagnostics, scratch);
    let bad = 0;
    for (let i = 0; i < count; i++) {
      const shndx = t.shndx0[i]!;
      if (shndx >= 0 && shndx === t.shndx4[i] && !addSite(out, elf, shndx, t.offset0[i]!, t.offset4[i]!))
        bad++;
    }
    outside(diagnostics, elf, '__jump_table', bad);
    return out;
  }
  outside(diagnostics, elf, '__jump_table', readEntries(elf, sec, 0, count, out));
  return out;
}

/**
 * The PREL32 targets of the first two s32 fields (at +0 and +4) of `count` entries of `size` bytes:
 * section index and offset per entry, shndx -1 when a field has no relocation to a defined symbol.
 */
function relocatedFields(
  elf: ElfFile,
  symbols: SymbolTable,
  sec: SectionHeader,
  count: number,
  size: number,
  diagnostics: Diagnostic[],
  scratch: Scratch,
): { shndx0: Int32Array; offset0: Float64Array; shndx4: Int32Array; offset4: Float64Array } {
  const t = {
    shndx0: scratch.int32('rel.shndx0', count, -1),
    offset0: scratch.float64('rel.offset0', count),
    shndx4: scratch.int32('rel.shndx4', count, -1),
    offset4: scratch.float64('rel.offset4', count),
  };
  forEachRelocationTarget(elf, symbols, sec, R_AARCH64_PREL32, diagnostics, (at, shndx, offset) => {
    if (!(at >= 0)) return;
    const i = Math.floor(at / size);
    if (i >= count) return;
    const field = at - i * size;
    if (field === 0) {
      t.shndx0[i] = shndx;
      t.offset0[i] = offset;
    } else if (field === 4) {
      t.shndx4[i] = shndx;
      t.offset4[i] = offset;
    }
  });
  return t;
}

/** __start___jump_table .. __stop___jump_table (include/asm-generic/vmlinux.lds.h JUMP_TABLE_DATA). */
function readLinkedTable(elf: ElfFile, symbols: SymbolTable, out: JumpLabels): number {
  let start: bigint | undefined;
  let stop: bigint | undefined;
  for (let i = 1; i < symbols.count && (start === undefined || stop === undefined); i++) {
    const f = symbols.firstByte(i);
    if (f !== 0x5f /* _ */) continue;
    const n = symbols.name(i);
    if (n === '__start___jump_table') start = symbols.value(i);
    else if (n === '__stop___jump_table') stop = symbols.value(i);
  }
  if (start === undefined || stop === undefined || stop <= start) return 0;
  const sec = sectionAt(elf.sections, start);
  if (sec === undefined || stop > sec.sh_addr + BigInt(sec.sh_size)) return 0;
  const first = Number(start - sec.sh_addr);
  return readEntries(elf, sec, first, Math.floor(Number(stop - start) / JUMP_ENTRY_SIZE), out);
}

/** `count` relative entries at byte `first` of a linked file's section; returns how many were refused. */
function readEntries(
  elf: ElfFile,
  sec: SectionHeader,
  first: number,
  count: number,
  out: JumpLabels,
): number {
  let bad = 0;
  const d = elf.data(sec);
  const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
  for (let i = 0; i < count; i++) {
    const at = first + i * JUMP_ENTRY_SIZE;
    if (at + 8 > d.length) break;
    const entry = sec.sh_addr + BigInt(at);
    const code = entry + BigInt(dv.getInt32(at, true));
    const target = entry + 4n + BigInt(dv.getInt32(at + 4, true));
    const s = sectionAt(elf.sections, code);
    if (s === undefined || target < s.sh_addr || target >= s.sh_addr + BigInt(s.sh_size)) continue;
    if (!addSite(out, elf, s.index, Number(code - s.sh_addr), Number(target - s.sh_addr))) bad++;
  }
  return bad;
}

/** sizeof(struct alt_instr) on arm64 (asm/alternative-macros.h): s32, s32, u16, u8, u8. */
const ALT_INSTR_SIZE = 12;

/**
 * .altinstructions: instructions the kernel rewrites at boot for the CPU's features. The ones that
 * decide a path are one-instruction branches: alternative_has_feature_likely() assembles
 * "b l_no" that becomes a NOP, alternative_has_feature_unlikely() a NOP that becomes "b l_yes"
 * (its replacement in .altinstr_replacement). Both ways are paths; they are added to `out` like
 * static keys (a "b" site also falls through, a NOP site also branches).
 */
export function readAlternatives(
  elf: ElfFile,
  symbols: SymbolTable | undefined,
  diagnostics: Diagnostic[],
  out: JumpLabels,
  scratch = new Scratch(),
): void {
  const sec = findSection(elf.sections, '.altinstructions');
  if (sec === undefined || sec.sh_size < ALT_INSTR_SIZE) return;
  const d = elf.data(sec);
  const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
  const count = Math.floor(d.length / ALT_INSTR_SIZE);
  if (elf.isRelocatable && symbols === undefined) return;
  const rel =
    elf.isRelocatable && symbols !== undefined
      ? relocatedFields(elf, symbols, sec, count, ALT_INSTR_SIZE, diagnostics, scratch)
      : undefined;
  /** A field's target as (section, offset): field 0 is orig_offset, 4 alt_offset. */
  const where = (i: number, field: 0 | 4): { shndx: number; offset: number } | undefined => {
    if (rel !== undefined) {
      const shndx = field === 0 ? rel.shndx0[i]! : rel.shndx4[i]!;
      return shndx < 0 ? undefined : { shndx, offset: field === 0 ? rel.offset0[i]! : rel.offset4[i]! };
    }
    const at = i * ALT_INSTR_SIZE + field;
    const a = sec.sh_addr + BigInt(at) + BigInt(dv.getInt32(at, true));
    const s = sectionAt(elf.sections, a);
    return s === undefined ? undefined : { shndx: s.index, offset: Number(a - s.sh_addr) };
  };
  // The last section looked at, as words and bytes (nearly every entry points into .text).
  let wordsOf = -1;
  let words: Uint32Array = new Uint32Array(0);
  let bytes: Uint8Array = new Uint8Array(0);
  const wordAt = (shndx: number, offset: number): number | undefined => {
    const s = elf.sections[shndx];
    if (s === undefined || offset < 0 || offset + 4 > s.sh_size || s.sh_type === 8) return undefined;
    if (shndx !== wordsOf) {
      wordsOf = shndx;
      words = elf.words(s);
      bytes = elf.data(s);
    }
    if (offset % 4 === 0) return words[offset / 4];
    return (
      (bytes[offset]! |
        (bytes[offset + 1]! << 8) |
        (bytes[offset + 2]! << 16) |
        (bytes[offset + 3]! << 24)) >>>
      0
    );
  };
  /** JUMP26 targets in the replacement sections, read once per section. */
  const jump26 = new Map<number, Map<number, RelocTarget>>();
  let bad = 0;
  for (let i = 0; i < count; i++) {
    const at = i * ALT_INSTR_SIZE;
    if (dv.getUint8(at + 10) !== 4) continue; // orig_len: one instruction
    const orig = where(i, 0);
    if (orig === undefined) continue;
    const w = wordAt(orig.shndx, orig.offset);
    if (w === undefined) continue;
    let target: number | undefined;
    if ((w & 0xfc000000) >>> 0 === 0x14000000) {
      // "b l_no" patched into a NOP. In an object the branch to a local label is already resolved.
      target = orig.offset + branchOffset(w);
    } else if (w === 0xd503201f && dv.getUint8(at + 11) === 4) {
      // A NOP patched into the replacement "b l_yes", which is pc-relative to where it is stored.
      const alt = where(i, 4);
      const r = alt === undefined ? undefined : wordAt(alt.shndx, alt.offset);
      if (alt === undefined || r === undefined || (r & 0xfc000000) >>> 0 !== 0x14000000) continue;
      const altSec = elf.sections[alt.shndx]!;
      const origSec = elf.sections[orig.shndx]!;
      const dest = altSec.sh_addr + BigInt(alt.offset) + BigInt(branchOffset(r));
      if (elf.isRelocatable) {
        // Unlinked: the replacement's branch is relocated too; without it the target is unknown.
        let targets = jump26.get(altSec.index);
        if (targets === undefined) {
          targets = relocationTargets(elf, symbols!, altSec, JUMP26, diagnostics);
          jump26.set(altSec.index, targets);
        }
        const rr = targets.get(alt.offset);
        if (rr === undefined || !('shndx' in rr) || rr.shndx !== orig.shndx) continue;
        target = rr.offset;
      } else target = Number(dest - origSec.sh_addr);
    } else continue;
    if (!out.get(orig.shndx)?.has(orig.offset) && !addSite(out, elf, orig.shndx, orig.offset, target)) bad++;
  }
  outside(diagnostics, elf, '.altinstructions', bad);
}

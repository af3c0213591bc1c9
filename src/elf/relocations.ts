// Elf64_Rela: relocation sections (.rela.text, .rela.init.text, .rela.plt ...).
//
//   Offset          Info           Type              Sym. Value    Sym. Name + Addend
//   0000000026e8  00620000011b R_AARCH64_CALL26  0000000000000000 kfree_skb_reason + 0
//   000000000204  00640000011a R_AARCH64_JUMP26  0000000000000000 ext + 0
//
// In a relocatable object (.o, .ko) a "bl" holds 0 until relocated: the callee is the relocation's
// symbol, which is how module calls into vmlinux exports are found.
import { type Diagnostic, diag } from '../base/diag.ts';
import { ELF64_REL_SIZE, ELF64_RELA_SIZE, SHN_UNDEF, SHT_REL, SHT_RELA } from './elf-constants.ts';
import type { ElfFile } from './reader.ts';
import type { SectionHeader } from './sections.ts';
import type { SymbolTable } from './symbols.ts';

/** The relocations of one SHT_RELA/SHT_REL section, column-wise. */
export interface Relocations {
  /** The relocation section itself. */
  readonly section: SectionHeader;
  /** The section the relocations apply to (sh_info), or undefined for dynamic relocations. */
  readonly target: SectionHeader | undefined;
  readonly count: number;
  /** r_offset: a section offset in ET_REL, an address in linked files (exact below 2^53, else NaN). */
  readonly r_offset: Float64Array;
  /** ELF64_R_SYM(r_info): index in the linked symbol table. */
  readonly sym: Uint32Array;
  /** ELF64_R_TYPE(r_info): one of the R_AARCH64_* constants. */
  readonly type: Uint32Array;
  /** r_addend (0 for SHT_REL). */
  readonly r_addend: Float64Array;
}

/** The relocation sections that patch section `target` (sh_info === target.index). */
export function relocationSectionsFor(elf: ElfFile, target: SectionHeader): SectionHeader[] {
  return elf.sections.filter(
    (s) => (s.sh_type === SHT_RELA || s.sh_type === SHT_REL) && s.sh_info === target.index && s.index !== 0,
  );
}

export function readRelocations(
  elf: ElfFile,
  section: SectionHeader,
  diagnostics: Diagnostic[],
): Relocations {
  const rela = section.sh_type === SHT_RELA;
  const entsize = rela ? ELF64_RELA_SIZE : ELF64_REL_SIZE;
  const target = section.sh_info > 0 ? elf.sections[section.sh_info] : undefined;
  if (section.sh_entsize !== entsize && section.sh_entsize !== 0) {
    diagnostics.push(
      diag(
        'elf/bad-relocation',
        'data-loss',
        `${section.name}: sh_entsize is ${section.sh_entsize}; section ignored`,
        { file: elf.name },
        `${entsize}`,
      ),
    );
    return empty(section, target);
  }
  const count = Math.floor(section.sh_size / entsize);
  const bytes = elf.data(section);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r: Relocations = {
    section,
    target,
    count,
    r_offset: new Float64Array(count),
    sym: new Uint32Array(count),
    type: new Uint32Array(count),
    r_addend: new Float64Array(count),
  };
  for (let i = 0; i < count; i++) {
    const at = i * entsize;
    const offHi = dv.getUint32(at + 4, true);
    r.r_offset[i] = offHi >= 0x200000 ? Number.NaN : offHi * 0x100000000 + dv.getUint32(at, true);
    r.type[i] = dv.getUint32(at + 8, true);
    r.sym[i] = dv.getUint32(at + 12, true);
    if (rela) r.r_addend[i] = dv.getInt32(at + 20, true) * 0x100000000 + dv.getUint32(at + 16, true);
  }
  return r;
}

function empty(section: SectionHeader, target: SectionHeader | undefined): Relocations {
  return {
    section,
    target,
    count: 0,
    r_offset: new Float64Array(0),
    sym: new Uint32Array(0),
    type: new Uint32Array(0),
    r_addend: new Float64Array(0),
  };
}

/** Where a relocation points: a section offset when the symbol is defined here, else the symbol's name. */
export type RelocTarget =
  | { readonly shndx: number; readonly offset: number }
  | { readonly name: string; readonly addend: number };

/**
 * The targets of the relocations that patch `section` (ET_REL only), keyed by section offset of the
 * patched field: `symbol + addend` resolved to a section offset for defined symbols (section symbols
 * included), or the name of an undefined one. Only the given relocation types are kept.
 */
export function relocationTargets(
  elf: ElfFile,
  symbols: SymbolTable,
  section: SectionHeader,
  types: ReadonlySet<number>,
  diagnostics: Diagnostic[],
): Map<number, RelocTarget> {
  const out = new Map<number, RelocTarget>();
  for (const rs of relocationSectionsFor(elf, section)) {
    if (rs.sh_link !== symbols.section.index) continue;
    const r = readRelocations(elf, rs, diagnostics);
    for (let i = 0; i < r.count; i++) {
      if (!types.has(r.type[i]!)) continue;
      const s = r.sym[i]!;
      if (s >= symbols.count) continue;
      const shndx = symbols.st_shndx(s);
      const at = r.r_offset[i]!;
      if (shndx === SHN_UNDEF) {
        out.set(at, { name: symbols.name(s), addend: r.r_addend[i]! });
        continue;
      }
      if (shndx >= elf.sections.length) continue;
      const base = symbols.offsetFrom(s, 0n);
      if (base === undefined) continue;
      out.set(at, { shndx, offset: base + r.r_addend[i]! });
    }
  }
  return out;
}

/**
 * relocationTargets() without a map or an object per relocation, for the tables a module tree reads
 * in every file (__jump_table, .altinstructions: 350k relocations): calls `visit` for each
 * relocation of type `type` that patches `section`, in order, with the section offset it patches and
 * its target: a section index and offset for a defined symbol, shndx -1 for an undefined one.
 * Relocations relocationTargets() skips are skipped; a later relocation of the same field wins there,
 * so callers keep the last one too.
 */
export function forEachRelocationTarget(
  elf: ElfFile,
  symbols: SymbolTable,
  section: SectionHeader,
  type: number,
  diagnostics: Diagnostic[],
  visit: (at: number, shndx: number, offset: number) => void,
): void {
  for (const rs of relocationSectionsFor(elf, section)) {
    if (rs.sh_link !== symbols.section.index) continue;
    const rela = rs.sh_type === SHT_RELA;
    const entsize = rela ? ELF64_RELA_SIZE : ELF64_REL_SIZE;
    if (rs.sh_entsize !== entsize && rs.sh_entsize !== 0) {
      readRelocations(elf, rs, diagnostics); // the diagnostic
      continue;
    }
    const count = Math.floor(rs.sh_size / entsize);
    const bytes = elf.data(rs);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < count; i++) {
      const base = i * entsize;
      if (dv.getUint32(base + 8, true) !== type) continue;
      const s = dv.getUint32(base + 12, true);
      if (s >= symbols.count) continue;
      const offHi = dv.getUint32(base + 4, true);
      const at = offHi >= 0x200000 ? Number.NaN : offHi * 0x100000000 + dv.getUint32(base, true);
      const shndx = symbols.st_shndx(s);
      if (shndx === SHN_UNDEF) {
        visit(at, -1, 0);
        continue;
      }
      if (shndx >= elf.sections.length) continue;
      const value = symbols.offsetFrom(s, 0n);
      if (value === undefined) continue;
      const addend = rela ? dv.getInt32(base + 20, true) * 0x100000000 + dv.getUint32(base + 16, true) : 0;
      visit(at, shndx, value + addend);
    }
  }
}

// Elf64_Sym: the symbol table (.symtab, or .dynsym in a stripped shared object).
//
//   Num:    Value          Size Type    Bind   Vis      Ndx Name
//    42: 0000000000002690   760 FUNC    LOCAL  DEFAULT    1 pfkey_sendmsg
//    97: 0000000000000000     0 NOTYPE  GLOBAL DEFAULT  UND kfree_skb_reason
//
// Stored column-wise (typed arrays) with names decoded on demand: a module tree has ~700k symbols
// and most are never looked at.
import { type Diagnostic, diag } from '../base/diag.ts';
import { type Addr, addr } from '../base/units.ts';
import {
  ELF64_SYM_SIZE,
  SHN_UNDEF,
  SHN_XINDEX,
  SHT_DYNSYM,
  SHT_STRTAB,
  SHT_SYMTAB,
  SHT_SYMTAB_SHNDX,
  STB_GLOBAL,
  STB_WEAK,
} from './elf-constants.ts';
import { cString, type ElfFile, nulAt } from './reader.ts';
import type { SectionHeader } from './sections.ts';

/** One Elf64_Sym, field names as in elf.h, for callers that want a plain object. */
export interface Elf64Sym {
  readonly index: number;
  readonly name: string;
  /** Offset of the name in the string table. */
  readonly st_name: number;
  /** Type (low 4 bits, STT_*) and binding (high 4 bits, STB_*). */
  readonly st_info: number;
  /** Visibility. */
  readonly st_other: number;
  /** Section index (SHN_XINDEX already resolved through .symtab_shndx). */
  readonly st_shndx: number;
  /** Value: an address (linked files) or a section offset (relocatable files). */
  readonly st_value: Addr;
  /** Size in bytes (0 when unknown). */
  readonly st_size: number;
}

/**
 * A symbol table read in place: fields are decoded from the section bytes on demand (a module tree
 * has ~700k symbols and most are never looked at), names when asked for.
 * Index 0 is the reserved null symbol.
 */
export class SymbolTable {
  readonly count: number;
  /** The section the table came from (.symtab or .dynsym). */
  readonly section: SectionHeader;
  private readonly dv: DataView;
  private readonly strtab: Uint8Array;
  private readonly xindex: DataView | undefined;
  private readonly sectionCount: number;

  constructor(
    section: SectionHeader,
    bytes: Uint8Array,
    strtab: Uint8Array,
    xindex: DataView | undefined,
    sectionCount: number,
  ) {
    this.section = section;
    this.count = Math.floor(bytes.length / ELF64_SYM_SIZE);
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.strtab = strtab;
    this.xindex = xindex;
    this.sectionCount = sectionCount;
  }

  /** Offset of the name in the string table. */
  st_name(i: number): number {
    return this.dv.getUint32(i * ELF64_SYM_SIZE, true);
  }

  /** Type (low 4 bits, STT_*) and binding (high 4 bits, STB_*). */
  st_info(i: number): number {
    return this.dv.getUint8(i * ELF64_SYM_SIZE + 4);
  }

  /** Visibility. */
  st_other(i: number): number {
    return this.dv.getUint8(i * ELF64_SYM_SIZE + 5);
  }

  /**
   * Section index, SHN_XINDEX resolved through .symtab_shndx; an index naming no section reads as
   * SHN_UNDEF (readSymbols counts those).
   */
  st_shndx(i: number): number {
    let shndx = this.dv.getUint16(i * ELF64_SYM_SIZE + 6, true);
    if (shndx === SHN_XINDEX) {
      const x = this.xindex;
      shndx = x !== undefined && i * 4 + 4 <= x.byteLength ? x.getUint32(i * 4, true) : SHN_UNDEF;
    }
    return shndx < 0xff00 && shndx >= this.sectionCount ? SHN_UNDEF : shndx;
  }

  /** st_shndx as stored: before SHN_XINDEX resolution and the range check. */
  rawShndx(i: number): number {
    return this.dv.getUint16(i * ELF64_SYM_SIZE + 6, true);
  }

  /** Size in bytes (0 when unknown or beyond 2^53). */
  st_size(i: number): number {
    const at = i * ELF64_SYM_SIZE + 16;
    const hi = this.dv.getUint32(at + 4, true);
    return hi >= 0x200000 ? 0 : hi * 0x100000000 + this.dv.getUint32(at, true);
  }

  /** The name, decoded from the string table (callers keep it; it is not cached). */
  name(i: number): string {
    return cString(this.strtab, this.st_name(i));
  }

  /** The string table the names live in. */
  get strings(): Uint8Array {
    return this.strtab;
  }

  /**
   * Where the name ends in `strings` (its NUL, or the end of the table); the name is the bytes
   * [st_name, nameEnd) when st_name lies inside the table, else empty (nameEnd returns st_name).
   */
  nameEnd(i: number): number {
    const off = this.st_name(i);
    if (off <= 0 || off >= this.strtab.length) return off;
    return nulAt(this.strtab, off);
  }

  /** First byte of the name (0 for none), without decoding it: mapping symbols start with "$". */
  firstByte(i: number): number {
    const off = this.st_name(i);
    return off > 0 && off < this.strtab.length ? this.strtab[off]! : 0;
  }

  type(i: number): number {
    return this.st_info(i) & 0xf;
  }

  bind(i: number): number {
    return this.st_info(i) >>> 4;
  }

  value(i: number): Addr {
    return addr(this.dv.getBigUint64(i * ELF64_SYM_SIZE + 8, true));
  }

  /**
   * st_value minus `base` as a number (a section offset), or undefined when the difference does not
   * fit 2^53 or is negative.
   */
  offsetFrom(i: number, base: bigint): number | undefined {
    const at = i * ELF64_SYM_SIZE + 8;
    const lo = this.dv.getUint32(at, true);
    const hi = this.dv.getUint32(at + 4, true);
    const d =
      base === 0n
        ? hi * 0x100000000 + lo
        : (hi - Number(base >> 32n)) * 0x100000000 + (lo - Number(base & 0xffffffffn));
    return d >= 0 && d <= Number.MAX_SAFE_INTEGER ? d : undefined;
  }

  /** A plain Elf64_Sym, for printing and tests. */
  get(i: number): Elf64Sym {
    return {
      index: i,
      name: this.name(i),
      st_name: this.st_name(i),
      st_info: this.st_info(i),
      st_other: this.st_other(i),
      st_shndx: this.st_shndx(i),
      st_value: this.value(i),
      st_size: this.st_size(i),
    };
  }

  /** Global or weak: visible to other objects (module exports, calls into vmlinux). */
  isGlobal(i: number): boolean {
    const b = this.bind(i);
    return b === STB_GLOBAL || b === STB_WEAK;
  }
}

/**
 * AArch64 mapping symbols ($x, $d, $x.123) mark code and data inside sections; they are not
 * functions and objdump does not print them as labels.
 */
export function isMappingSymbol(name: string): boolean {
  return name.length >= 2 && name.charCodeAt(0) === 0x24 /* $ */ && /^\$[xd](\.|$)/.test(name);
}

/**
 * Reads `section`, or else .symtab, or else .dynsym. Returns undefined when the file has no symbol
 * table (or the one named is unusable, with a diagnostic).
 */
export function readSymbols(
  elf: ElfFile,
  diagnostics: Diagnostic[],
  section?: SectionHeader,
): SymbolTable | undefined {
  const secs = elf.sections;
  const symtab =
    section ?? secs.find((s) => s.sh_type === SHT_SYMTAB) ?? secs.find((s) => s.sh_type === SHT_DYNSYM);
  if (symtab === undefined) return undefined;
  const loc = { file: elf.name };
  if (symtab.sh_entsize !== ELF64_SYM_SIZE && symtab.sh_entsize !== 0) {
    diagnostics.push(
      diag(
        'elf/bad-symtab',
        'error',
        `${symtab.name}: sh_entsize is ${symtab.sh_entsize}`,
        loc,
        `${ELF64_SYM_SIZE}`,
      ),
    );
    return undefined;
  }
  const strSec = secs[symtab.sh_link];
  let strtab: Uint8Array = new Uint8Array(0);
  if (strSec === undefined || strSec.sh_type !== SHT_STRTAB) {
    diagnostics.push(
      diag(
        'elf/bad-symtab',
        'data-loss',
        `${symtab.name}: sh_link ${symtab.sh_link} is not a string table; symbols have no names`,
        loc,
      ),
    );
  } else strtab = elf.data(strSec);
  let xindex: DataView | undefined;
  const shndxSec = secs.find((s) => s.sh_type === SHT_SYMTAB_SHNDX && s.sh_link === symtab.index);
  if (shndxSec !== undefined) {
    const x = elf.data(shndxSec);
    xindex = new DataView(x.buffer, x.byteOffset, x.byteLength);
  }
  const t = new SymbolTable(symtab, elf.data(symtab), strtab, xindex, secs.length);
  let badIndex = 0;
  for (let i = 1; i < t.count; i++) {
    const raw = t.rawShndx(i);
    if (raw < 0xff00 && raw >= secs.length) badIndex++;
  }
  if (badIndex > 0) {
    diagnostics.push(
      diag(
        'elf/bad-symbol',
        'data-loss',
        `${badIndex} symbol(s) name a section that does not exist; treated as undefined`,
        loc,
      ),
    );
  }
  return t;
}

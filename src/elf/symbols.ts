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
  SHN_XINDEX,
  SHT_DYNSYM,
  SHT_STRTAB,
  SHT_SYMTAB,
  SHT_SYMTAB_SHNDX,
  STB_GLOBAL,
  STB_WEAK,
  STT_FILE,
  STT_FUNC,
  STT_NOTYPE,
  STT_SECTION,
} from './elf-constants.ts';
import { cString, type ElfFile } from './reader.ts';
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

/** A symbol table, column-wise. Index 0 is the reserved null symbol. */
export class SymbolTable {
  readonly count: number;
  readonly st_name: Uint32Array;
  readonly st_info: Uint8Array;
  readonly st_other: Uint8Array;
  readonly st_shndx: Uint32Array;
  /** st_value split in 32-bit halves, so hot loops stay on numbers. */
  readonly valueLo: Uint32Array;
  readonly valueHi: Uint32Array;
  readonly st_size: Float64Array;
  /** The section the table came from (.symtab or .dynsym). */
  readonly section: SectionHeader;
  private readonly strtab: Uint8Array;
  private readonly names: (string | undefined)[];

  constructor(section: SectionHeader, count: number, strtab: Uint8Array) {
    this.section = section;
    this.count = count;
    this.st_name = new Uint32Array(count);
    this.st_info = new Uint8Array(count);
    this.st_other = new Uint8Array(count);
    this.st_shndx = new Uint32Array(count);
    this.valueLo = new Uint32Array(count);
    this.valueHi = new Uint32Array(count);
    this.st_size = new Float64Array(count);
    this.strtab = strtab;
    this.names = new Array<string | undefined>(count);
  }

  name(i: number): string {
    let n = this.names[i];
    if (n === undefined) {
      n = cString(this.strtab, this.st_name[i]!);
      this.names[i] = n;
    }
    return n;
  }

  type(i: number): number {
    return this.st_info[i]! & 0xf;
  }

  bind(i: number): number {
    return this.st_info[i]! >>> 4;
  }

  value(i: number): Addr {
    return addr((BigInt(this.valueHi[i]!) << 32n) | BigInt(this.valueLo[i]!));
  }

  /**
   * st_value minus `base` as a number (a section offset), or undefined when the difference does not
   * fit 2^53 or is negative.
   */
  offsetFrom(i: number, base: bigint): number | undefined {
    const baseHi = Number(base >> 32n);
    const baseLo = Number(base & 0xffffffffn);
    const d = (this.valueHi[i]! - baseHi) * 0x100000000 + (this.valueLo[i]! - baseLo);
    return d >= 0 && d <= Number.MAX_SAFE_INTEGER ? d : undefined;
  }

  /** A plain Elf64_Sym, for printing and tests. */
  get(i: number): Elf64Sym {
    return {
      index: i,
      name: this.name(i),
      st_name: this.st_name[i]!,
      st_info: this.st_info[i]!,
      st_other: this.st_other[i]!,
      st_shndx: this.st_shndx[i]!,
      st_value: this.value(i),
      st_size: this.st_size[i]!,
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

/** Can this symbol start a function label in a code section (what objdump -d prints as "<name>:")? */
export function isCodeLabel(t: SymbolTable, i: number): boolean {
  const type = t.type(i);
  if (type !== STT_FUNC && type !== STT_NOTYPE) return false;
  const name = t.name(i);
  return name.length > 0 && !isMappingSymbol(name);
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
  const count = Math.floor(symtab.sh_size / ELF64_SYM_SIZE);
  const bytes = elf.data(symtab);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const t = new SymbolTable(symtab, count, strtab);
  let xindex: DataView | undefined;
  const shndxSec = secs.find((s) => s.sh_type === SHT_SYMTAB_SHNDX && s.sh_link === symtab.index);
  if (shndxSec !== undefined) {
    const x = elf.data(shndxSec);
    xindex = new DataView(x.buffer, x.byteOffset, x.byteLength);
  }
  let badIndex = 0;
  for (let i = 0; i < count; i++) {
    const at = i * ELF64_SYM_SIZE;
    t.st_name[i] = dv.getUint32(at, true);
    t.st_info[i] = dv.getUint8(at + 4);
    t.st_other[i] = dv.getUint8(at + 5);
    let shndx = dv.getUint16(at + 6, true);
    if (shndx === SHN_XINDEX) {
      shndx = xindex !== undefined && i * 4 + 4 <= xindex.byteLength ? xindex.getUint32(i * 4, true) : 0;
    }
    if (shndx < 0xff00 && shndx >= secs.length) {
      badIndex++;
      shndx = 0;
    }
    t.st_shndx[i] = shndx;
    t.valueLo[i] = dv.getUint32(at + 8, true);
    t.valueHi[i] = dv.getUint32(at + 12, true);
    const sizeHi = dv.getUint32(at + 20, true);
    t.st_size[i] = sizeHi >= 0x200000 ? 0 : sizeHi * 0x100000000 + dv.getUint32(at + 16, true);
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

/** Symbol types that never name code (used to skip quickly). */
export function isNonCodeType(type: number): boolean {
  return type === STT_SECTION || type === STT_FILE;
}

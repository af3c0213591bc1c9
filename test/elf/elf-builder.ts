// A tiny ELF64 writer for tests: hand-made files for the reader's error paths and generated
// binaries for the fuzzers. Section 0 and .shstrtab are added automatically.
import {
  ELF64_SYM_SIZE,
  EM_AARCH64,
  ET_REL,
  SHF_ALLOC,
  SHF_EXECINSTR,
  SHT_PROGBITS,
  SHT_RELA,
  SHT_STRTAB,
  SHT_SYMTAB,
  STB_GLOBAL,
  STB_LOCAL,
  STT_FUNC,
} from '../../src/elf/elf-constants.ts';

export interface SectionSpec {
  name: string;
  type: number;
  flags?: number;
  data: Uint8Array;
  link?: number;
  info?: number;
  entsize?: number;
  addr?: bigint;
  align?: number;
}

export interface ElfSpec {
  type?: number;
  machine?: number;
  /** Sections after the null section; their indexes are 1, 2, ... in this order. */
  sections: SectionSpec[];
}

export function words(...ws: number[]): Uint8Array {
  const b = new Uint8Array(ws.length * 4);
  const dv = new DataView(b.buffer);
  ws.forEach((w, i) => {
    dv.setUint32(i * 4, w >>> 0, true);
  });
  return b;
}

export function buildElf(spec: ElfSpec): Uint8Array {
  const names = ['', ...spec.sections.map((s) => s.name), '.shstrtab'];
  const strOffsets: number[] = [];
  let strBytes = '';
  for (const n of names) {
    strOffsets.push(n === '' ? 0 : strBytes.length + 1);
    if (n !== '') strBytes += `${n}\0`;
  }
  const shstrtab = new TextEncoder().encode(`\0${strBytes}`);
  const all: SectionSpec[] = [...spec.sections, { name: '.shstrtab', type: SHT_STRTAB, data: shstrtab }];
  let off = 64;
  const offsets: number[] = [];
  for (const s of all) {
    off = (off + 7) & ~7;
    offsets.push(off);
    off += s.data.length;
  }
  const shoff = (off + 7) & ~7;
  const shnum = all.length + 1;
  const out = new Uint8Array(shoff + shnum * 64);
  const dv = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
  dv.setUint16(16, spec.type ?? ET_REL, true);
  dv.setUint16(18, spec.machine ?? EM_AARCH64, true);
  dv.setUint32(20, 1, true);
  dv.setBigUint64(40, BigInt(shoff), true);
  dv.setUint16(52, 64, true);
  dv.setUint16(58, 64, true);
  dv.setUint16(60, shnum, true);
  dv.setUint16(62, shnum - 1, true);
  all.forEach((s, i) => {
    out.set(s.data, offsets[i]!);
    const at = shoff + (i + 1) * 64;
    dv.setUint32(at, strOffsets[i + 1]!, true);
    dv.setUint32(at + 4, s.type, true);
    dv.setBigUint64(at + 8, BigInt(s.flags ?? 0), true);
    dv.setBigUint64(at + 16, s.addr ?? 0n, true);
    dv.setBigUint64(at + 24, BigInt(offsets[i]!), true);
    dv.setBigUint64(at + 32, BigInt(s.data.length), true);
    dv.setUint32(at + 40, s.link ?? 0, true);
    dv.setUint32(at + 44, s.info ?? 0, true);
    dv.setBigUint64(at + 48, BigInt(s.align ?? 4), true);
    dv.setBigUint64(at + 56, BigInt(s.entsize ?? 0), true);
  });
  return out;
}

export interface SymSpec {
  name: string;
  value: number | bigint;
  size?: number;
  shndx: number;
  type?: number;
  bind?: number;
}

/** .symtab + .strtab contents for the given symbols (the null symbol is added first). */
export function symtab(syms: SymSpec[]): { symtab: Uint8Array; strtab: Uint8Array; firstGlobal: number } {
  const sorted = [
    ...syms.filter((s) => (s.bind ?? STB_GLOBAL) === STB_LOCAL),
    ...syms.filter((s) => (s.bind ?? STB_GLOBAL) !== STB_LOCAL),
  ];
  let str = '\0';
  const tab = new Uint8Array((sorted.length + 1) * ELF64_SYM_SIZE);
  const dv = new DataView(tab.buffer);
  sorted.forEach((s, i) => {
    const at = (i + 1) * ELF64_SYM_SIZE;
    dv.setUint32(at, str.length, true);
    str += `${s.name}\0`;
    dv.setUint8(at + 4, ((s.bind ?? STB_GLOBAL) << 4) | (s.type ?? STT_FUNC));
    dv.setUint16(at + 6, s.shndx, true);
    dv.setBigUint64(at + 8, BigInt(s.value), true);
    dv.setBigUint64(at + 16, BigInt(s.size ?? 0), true);
  });
  const firstGlobal = 1 + sorted.filter((s) => (s.bind ?? STB_GLOBAL) === STB_LOCAL).length;
  return { symtab: tab, strtab: new TextEncoder().encode(str), firstGlobal };
}

export function rela(entries: { offset: number; sym: number; type: number; addend?: number }[]): Uint8Array {
  const b = new Uint8Array(entries.length * 24);
  const dv = new DataView(b.buffer);
  entries.forEach((e, i) => {
    dv.setBigUint64(i * 24, BigInt(e.offset), true);
    dv.setBigUint64(i * 24 + 8, (BigInt(e.sym) << 32n) | BigInt(e.type), true);
    dv.setBigInt64(i * 24 + 16, BigInt(e.addend ?? 0), true);
  });
  return b;
}

/**
 * A relocatable object with one .text holding `code`, functions at the given word offsets, and
 * optional relocations: sections are 1 .text, 2 .rela.text, 3 .symtab, 4 .strtab.
 */
export function objectWithCode(
  code: number[],
  functions: { name: string; at: number; size?: number }[],
  relocs: { offset: number; sym: number; type: number; addend?: number }[] = [],
  extraSyms: SymSpec[] = [],
): Uint8Array {
  const syms = symtab([
    ...functions.map((f) => ({ name: f.name, value: f.at * 4, size: (f.size ?? 0) * 4, shndx: 1 })),
    ...extraSyms,
  ]);
  return buildElf({
    sections: [
      { name: '.text', type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR, data: words(...code) },
      { name: '.rela.text', type: SHT_RELA, data: rela(relocs), link: 3, info: 1, entsize: 24 },
      { name: '.symtab', type: SHT_SYMTAB, data: syms.symtab, link: 4, info: syms.firstGlobal, entsize: 24 },
      { name: '.strtab', type: SHT_STRTAB, data: syms.strtab },
    ],
  });
}

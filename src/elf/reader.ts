// Reads an ELF64 little-endian AArch64 file: the Elf64_Ehdr and the section header table, then
// section contents on demand. Anything else (32-bit, big-endian, another machine, a core file,
// truncated or inconsistent tables) is a diagnostic with a stable code, never an exception.
//
//   $ readelf -h af_key.ko
//     Class: ELF64  Data: 2's complement, little endian  Type: REL  Machine: AArch64
//     Start of section headers: 69656 (bytes into file)  Number of section headers: 41
import { diag } from '../base/diag.ts';
import { err, ok, type Result } from '../base/result.ts';
import { type Addr, addr } from '../base/units.ts';
import type { ByteSource } from './byte-source.ts';
import {
  EI_CLASS,
  EI_DATA,
  EI_NIDENT,
  EI_VERSION,
  ELF64_EHDR_SIZE,
  ELF64_SHDR_SIZE,
  ELFCLASS32,
  ELFCLASS64,
  ELFDATA2LSB,
  ELFDATA2MSB,
  ELFMAG_U32LE,
  EM_AARCH64,
  EM_NAMES,
  ET_DYN,
  ET_EXEC,
  ET_NAMES,
  ET_REL,
  EV_CURRENT,
  SHN_UNDEF,
  SHN_XINDEX,
  SHT_NOBITS,
} from './elf-constants.ts';
import type { SectionHeader } from './sections.ts';

/** Elf64_Ehdr, field names as in elf.h. */
export interface FileHeader64 {
  /** Magic number and other info (16 bytes). */
  readonly e_ident: Uint8Array;
  /** Object file type, one of the ET_* constants. */
  readonly e_type: number;
  /** Architecture, one of the EM_* constants. */
  readonly e_machine: number;
  /** Object file version. */
  readonly e_version: number;
  /** Entry point virtual address. */
  readonly e_entry: Addr;
  /** Program header table file offset. */
  readonly e_phoff: number;
  /** Section header table file offset. */
  readonly e_shoff: number;
  /** Processor-specific flags. */
  readonly e_flags: number;
  /** ELF header size in bytes. */
  readonly e_ehsize: number;
  /** Program header table entry size. */
  readonly e_phentsize: number;
  /** Program header table entry count. */
  readonly e_phnum: number;
  /** Section header table entry size. */
  readonly e_shentsize: number;
  /** Section header table entry count (resolved through section 0 when it is 0). */
  readonly e_shnum: number;
  /** Section header string table index (resolved through section 0 when SHN_XINDEX). */
  readonly e_shstrndx: number;
}

/** Largest section count we accept: 2^20 sections is far beyond any real object and caps work on garbage. */
const MAX_SECTIONS = 1 << 20;

/** An opened ELF file: header and sections parsed, contents read lazily. */
export class ElfFile {
  readonly source: ByteSource;
  readonly header: FileHeader64;
  readonly sections: readonly SectionHeader[];
  private readonly cache = new Map<number, Uint8Array>();

  constructor(source: ByteSource, header: FileHeader64, sections: readonly SectionHeader[]) {
    this.source = source;
    this.header = header;
    this.sections = sections;
  }

  get name(): string {
    return this.source.name;
  }

  /** Relocatable object (.o, .ko): code addresses are section offsets and calls need relocations. */
  get isRelocatable(): boolean {
    return this.header.e_type === ET_REL;
  }

  /** A section's bytes (empty for SHT_NOBITS). Ranges were checked when the file was opened. */
  data(s: SectionHeader): Uint8Array {
    if (s.sh_type === SHT_NOBITS || s.sh_size === 0) return new Uint8Array(0);
    let d = this.cache.get(s.index);
    if (d === undefined) {
      d = this.source.read(s.sh_offset, s.sh_size);
      this.cache.set(s.index, d);
    }
    return d;
  }

  /** A code section as little-endian 32-bit words (trailing bytes that do not fill a word are dropped). */
  words(s: SectionHeader): Uint32Array {
    const d = this.data(s);
    const n = d.length >>> 2;
    if ((d.byteOffset & 3) === 0 && LITTLE_ENDIAN_HOST) return new Uint32Array(d.buffer, d.byteOffset, n);
    const out = new Uint32Array(n);
    const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
    for (let i = 0; i < n; i++) out[i] = dv.getUint32(i * 4, true);
    return out;
  }

  /**
   * Reads the contents of `sections` ahead, ranges closer than `gap` bytes merged into one read (a
   * module's code, symbols and relocations lie in a few clusters between data it does not need).
   */
  prefetch(sections: readonly SectionHeader[], gap = 16384): void {
    if (this.source.prefetch === undefined) return;
    const wanted = sections
      .filter((s) => s.sh_type !== SHT_NOBITS && s.sh_size > 0 && !this.cache.has(s.index))
      .sort((a, b) => a.sh_offset - b.sh_offset);
    const ranges: { offset: number; length: number }[] = [];
    for (const s of wanted) {
      const last = ranges[ranges.length - 1];
      if (last !== undefined && s.sh_offset <= last.offset + last.length + gap) {
        last.length = Math.max(last.length, s.sh_offset + s.sh_size - last.offset);
      } else ranges.push({ offset: s.sh_offset, length: s.sh_size });
    }
    if (ranges.length > 0) this.source.prefetch(ranges);
  }

  /** Drops cached section contents (the CLI calls this between files of a module tree). */
  release(): void {
    this.cache.clear();
  }
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function fail(src: ByteSource, code: string, message: string, expected?: string): Result<never> {
  return err(diag(code, 'error', message, { file: src.name }, expected));
}

/** Reads a u64 that must fit a JS number (offsets and sizes); undefined when it does not. */
function u64(dv: DataView, at: number): number | undefined {
  const lo = dv.getUint32(at, true);
  const hi = dv.getUint32(at + 4, true);
  if (hi >= 0x200000) return undefined;
  return hi * 0x100000000 + lo;
}

/** Opens an ELF file: validates the identification, the header and every section's file range. */
export function readElf(src: ByteSource): Result<ElfFile> {
  if (src.size < EI_NIDENT) {
    return fail(src, 'elf/truncated', `${src.size} bytes is too short for an ELF identification`, '>= 16');
  }
  // A copy (new Uint8Array), not .slice(): a Node Buffer's slice is a view into a shared pool.
  const ident = new Uint8Array(src.read(0, Math.min(src.size, ELF64_EHDR_SIZE)));
  const idv = new DataView(ident.buffer);
  if (idv.getUint32(0, true) !== ELFMAG_U32LE) {
    return fail(src, 'elf/not-elf', 'not an ELF file (bad magic)', 'bytes 7f 45 4c 46 ("\\x7fELF")');
  }
  const cls = ident[EI_CLASS];
  if (cls === ELFCLASS32) {
    return fail(src, 'elf/not-64-bit', '32-bit ELF (ELFCLASS32)', 'ELFCLASS64 (AArch64)');
  }
  if (cls !== ELFCLASS64) return fail(src, 'elf/bad-header', `EI_CLASS is ${cls}`, 'ELFCLASS64');
  const data = ident[EI_DATA];
  if (data === ELFDATA2MSB) {
    return fail(src, 'elf/big-endian', 'big-endian ELF (ELFDATA2MSB)', 'ELFDATA2LSB (little-endian AArch64)');
  }
  if (data !== ELFDATA2LSB) return fail(src, 'elf/bad-header', `EI_DATA is ${data}`, 'ELFDATA2LSB');
  if (ident[EI_VERSION] !== EV_CURRENT) {
    return fail(src, 'elf/bad-header', `EI_VERSION is ${ident[EI_VERSION]}`, 'EV_CURRENT (1)');
  }
  if (src.size < ELF64_EHDR_SIZE) {
    return fail(src, 'elf/truncated', `${src.size} bytes is too short for an Elf64_Ehdr`, '>= 64');
  }
  const e_type = idv.getUint16(16, true);
  const e_machine = idv.getUint16(18, true);
  if (e_machine !== EM_AARCH64) {
    const name = EM_NAMES[e_machine] ?? 'unknown';
    return fail(src, 'elf/not-aarch64', `e_machine is ${name} (${e_machine})`, 'EM_AARCH64 (183)');
  }
  if (e_type !== ET_REL && e_type !== ET_EXEC && e_type !== ET_DYN) {
    const name = ET_NAMES[e_type] ?? 'unknown';
    return fail(
      src,
      'elf/unsupported-type',
      `e_type is ${name} (${e_type})`,
      'ET_REL (.o, .ko), ET_EXEC or ET_DYN (vmlinux, programs, shared objects)',
    );
  }
  const e_entry = addr(idv.getBigUint64(24, true));
  const e_phoff = u64(idv, 32);
  const e_shoff = u64(idv, 40);
  if (e_phoff === undefined || e_shoff === undefined) {
    return fail(src, 'elf/bad-header', 'e_phoff or e_shoff beyond 2^53', 'offsets inside the file');
  }
  const e_shentsize = idv.getUint16(58, true);
  let e_shnum = idv.getUint16(60, true);
  let e_shstrndx = idv.getUint16(62, true);
  if (e_shoff === 0) {
    // No section table: nothing stacklab can analyse, but not malformed either.
    return fail(src, 'elf/no-sections', 'the file has no section header table (stripped of sections?)');
  }
  if (e_shentsize !== ELF64_SHDR_SIZE) {
    return fail(src, 'elf/bad-header', `e_shentsize is ${e_shentsize}`, `${ELF64_SHDR_SIZE}`);
  }
  if (e_shoff + ELF64_SHDR_SIZE > src.size) {
    return fail(
      src,
      'elf/truncated',
      `section header table at ${e_shoff} lies beyond the end of the file (${src.size} bytes)`,
    );
  }
  // Extended numbering: section 0 holds the real count (sh_size) and string table index (sh_link).
  const first = src.read(e_shoff, ELF64_SHDR_SIZE);
  const s0 = new DataView(first.buffer, first.byteOffset, ELF64_SHDR_SIZE);
  if (e_shnum === 0) {
    const n = u64(s0, 32);
    if (n === undefined || n > MAX_SECTIONS) {
      return fail(src, 'elf/bad-header', 'extended section count out of range', `<= ${MAX_SECTIONS}`);
    }
    e_shnum = n;
  }
  if (e_shstrndx === SHN_XINDEX) e_shstrndx = s0.getUint32(40, true);
  if (e_shoff + e_shnum * ELF64_SHDR_SIZE > src.size) {
    return fail(
      src,
      'elf/truncated',
      `${e_shnum} section headers at ${e_shoff} need ${e_shoff + e_shnum * ELF64_SHDR_SIZE} bytes, the file has ${src.size}`,
    );
  }
  if (e_shstrndx !== SHN_UNDEF && e_shstrndx >= e_shnum) {
    return fail(src, 'elf/bad-header', `e_shstrndx ${e_shstrndx} is not a section`, `< ${e_shnum}`);
  }
  const header: FileHeader64 = {
    e_ident: ident.slice(0, EI_NIDENT),
    e_type,
    e_machine,
    e_version: idv.getUint32(20, true),
    e_entry,
    e_phoff,
    e_shoff,
    e_flags: idv.getUint32(48, true),
    e_ehsize: idv.getUint16(52, true),
    e_phentsize: idv.getUint16(54, true),
    e_phnum: idv.getUint16(56, true),
    e_shentsize,
    e_shnum,
    e_shstrndx,
  };
  const table = src.read(e_shoff, e_shnum * ELF64_SHDR_SIZE);
  const tdv = new DataView(table.buffer, table.byteOffset, table.byteLength);
  let names: Uint8Array = new Uint8Array(0);
  if (e_shstrndx !== SHN_UNDEF) {
    const at = e_shstrndx * ELF64_SHDR_SIZE;
    const type = tdv.getUint32(at + 4, true);
    const off = u64(tdv, at + 24);
    const size = u64(tdv, at + 32);
    if (type !== SHT_NOBITS && off !== undefined && size !== undefined && off + size <= src.size) {
      names = src.read(off, size);
    }
  }
  const sections: SectionHeader[] = [];
  for (let i = 0; i < e_shnum; i++) {
    const at = i * ELF64_SHDR_SIZE;
    const sh_offset = u64(tdv, at + 24);
    const sh_size = u64(tdv, at + 32);
    const sh_addralign = u64(tdv, at + 48);
    const sh_entsize = u64(tdv, at + 56);
    if (
      sh_offset === undefined ||
      sh_size === undefined ||
      sh_addralign === undefined ||
      sh_entsize === undefined
    ) {
      return fail(src, 'elf/bad-section', `section ${i}: a size or offset is beyond 2^53`);
    }
    const sh_type = tdv.getUint32(at + 4, true);
    if (i > 0 && sh_type !== SHT_NOBITS && sh_size > 0 && sh_offset + sh_size > src.size) {
      return fail(
        src,
        'elf/truncated',
        `section ${i} needs bytes [${sh_offset}, ${sh_offset + sh_size}), the file has ${src.size}`,
      );
    }
    const sh_name = tdv.getUint32(at, true);
    sections.push({
      index: i,
      name: cString(names, sh_name),
      sh_name,
      sh_type,
      sh_flags: tdv.getUint32(at + 8, true),
      sh_addr: addr(tdv.getBigUint64(at + 16, true)),
      sh_offset,
      sh_size: i === 0 ? 0 : sh_size,
      sh_link: i === 0 ? 0 : tdv.getUint32(at + 40, true),
      sh_info: tdv.getUint32(at + 44, true),
      sh_addralign,
      sh_entsize,
    });
  }
  return ok(new ElfFile(src, header, sections));
}

/** A NUL-terminated string at `offset` (empty when out of range; cut at the end of the table). */
export function cString(table: Uint8Array, offset: number): string {
  if (offset <= 0 || offset >= table.length) return '';
  const end = nulAt(table, offset);
  if (end - offset <= 64) {
    // Symbol names are short ASCII: building the string directly beats a decoder call.
    let s = '';
    for (let i = offset; i < end; i++) {
      const c = table[i]!;
      if (c >= 0x80) return new TextDecoder('utf-8').decode(table.subarray(offset, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return new TextDecoder('utf-8').decode(table.subarray(offset, end));
}

/**
 * The index of the first NUL at or after `offset`, or the table's length. A loop, not indexOf(): names
 * are short, and the builtin's call costs more than the scan (190k names per module tree).
 */
export function nulAt(table: Uint8Array, offset: number): number {
  let i = offset;
  while (i < table.length && table[i] !== 0) i++;
  return i;
}

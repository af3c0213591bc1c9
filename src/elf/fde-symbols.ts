// Stripped binaries. Without .symtab, only .dynsym names functions: the exported ones of a shared
// object, none at all in a stripped executable (its .dynsym holds imports), and nothing in a static
// one (a static busybox has neither table). The FDEs of .eh_frame / .debug_frame still give every C
// function's start and length, so each FDE that starts where no symbol does becomes a function
// under an IDA-style name, "sub_<address in hex>". Without that, a static function would be counted
// as the tail of the exported function before it. Assembly without CFI stays as the symbols say.
//
// The result is a real Elf64_Sym array built in memory (the .dynsym entries, then one STT_FUNC,
// STB_LOCAL symbol per such FDE), so everything downstream reads it exactly like a .symtab.
import { type Diagnostic, diag } from '../base/diag.ts';
import type { CfiRanges } from './cfi.ts';
import { ELF64_SYM_SIZE, SHN_XINDEX, SHT_SYMTAB, STB_LOCAL, STT_FUNC } from './elf-constants.ts';
import type { ElfFile } from './reader.ts';
import type { SectionHeader } from './sections.ts';
import { SymbolTable } from './symbols.ts';

/**
 * `dynsym` (the table read, when it is .dynsym) plus a symbol for every FDE of `cfi` (a linked file's,
 * from readCfiFrames) no symbol starts at; the table unchanged when the FDEs add nothing; undefined
 * when there is neither.
 */
export function symbolsFromFdes(
  elf: ElfFile,
  dynsym: SymbolTable | undefined,
  cfi: ReadonlyMap<number, CfiRanges>,
  diagnostics: Diagnostic[],
): SymbolTable | undefined {
  const known = new Set<bigint>();
  if (dynsym !== undefined) {
    for (let i = 1; i < dynsym.count; i++) if (dynsym.type(i) === STT_FUNC) known.add(dynsym.value(i));
  }
  const fdes: { shndx: number; value: bigint; size: number }[] = [];
  for (const [shndx, ranges] of cfi) {
    const base = elf.sections[shndx]!.sh_addr;
    for (const r of ranges) {
      const value = base + BigInt(r.start);
      if (!known.has(value)) fdes.push({ shndx, value, size: r.size });
    }
  }
  if (fdes.length === 0) return dynsym;

  const enc = new TextEncoder();
  const kept = dynsym?.count ?? 1;
  const names: Uint8Array[] = [];
  let strBytes = 1; // strtab[0] = ""
  const syms = new Uint8Array((kept + fdes.length) * ELF64_SYM_SIZE);
  const dv = new DataView(syms.buffer);
  const put = (
    k: number,
    name: string,
    info: number,
    other: number,
    shndx: number,
    value: bigint,
    size: number,
  ) => {
    const bytes = enc.encode(`${name}\0`);
    const at = k * ELF64_SYM_SIZE;
    dv.setUint32(at, name === '' ? 0 : strBytes, true); // st_name
    dv.setUint8(at + 4, info); // st_info
    dv.setUint8(at + 5, other); // st_other
    dv.setUint16(at + 6, shndx, true); // st_shndx
    dv.setBigUint64(at + 8, value, true); // st_value
    dv.setBigUint64(at + 16, BigInt(size), true); // st_size
    if (name !== '') {
      names.push(bytes);
      strBytes += bytes.length;
    }
  };
  for (let i = 1; i < kept; i++) {
    const s = dynsym!.get(i);
    // SHN_XINDEX (a file of more than 65279 sections) has no place here: such a symbol becomes SHN_UNDEF.
    const raw = dynsym!.rawShndx(i);
    put(i, s.name, s.st_info, s.st_other, raw === SHN_XINDEX ? 0 : raw, s.st_value, s.st_size);
  }
  fdes.forEach((f, k) => {
    put(kept + k, `sub_${f.value.toString(16)}`, (STB_LOCAL << 4) | STT_FUNC, 0, f.shndx, f.value, f.size);
  });
  const strtab = new Uint8Array(strBytes);
  let p = 1;
  for (const n of names) {
    strtab.set(n, p);
    p += n.length;
  }
  // The .dynsym's index (its symbols keep their numbers, so .rela.dyn and .rela.plt still name them),
  // else one past the last real section.
  const header: SectionHeader = {
    index: dynsym?.section.index ?? elf.sections.length,
    name: '(symbols and FDEs)',
    sh_name: 0,
    sh_type: dynsym?.section.sh_type ?? SHT_SYMTAB,
    sh_flags: 0,
    sh_addr: dynsym?.section.sh_addr ?? (0n as SectionHeader['sh_addr']),
    sh_offset: 0,
    sh_size: syms.length,
    sh_link: elf.sections.length + 1,
    sh_info: 0,
    sh_addralign: 8,
    sh_entsize: ELF64_SYM_SIZE,
  };
  const what = dynsym === undefined ? 'no .symtab or .dynsym' : 'no .symtab';
  diagnostics.push(
    diag(
      'elf/fde-functions',
      'notice',
      `${what}: ${fdes.length} function(s) with no symbol taken from the call frame information (FDEs), named sub_<address>`,
      { file: elf.name },
    ),
  );
  return new SymbolTable(header, syms, strtab, undefined, elf.sections.length);
}

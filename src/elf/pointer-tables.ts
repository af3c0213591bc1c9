// Function-pointer tables named in the annotations (sys_call_table, an ops array): the functions
// their entries point at. In a relocatable object the entries are 0 plus R_AARCH64_ABS64
// relocations; in a linked file they are addresses, except in a relocatable kernel linked with
// --no-apply-dynamic-relocs (arm64 vmlinux), where they are 0 and the address is the addend of an
// R_AARCH64_RELATIVE entry in .rela.dyn.
//
//   softirq_vec:  { net_rx_action }, { run_timer_softirq }      stride 8, offset 0
import type { Diagnostic } from '../base/diag.ts';
import {
  ELF64_RELA_SIZE,
  R_AARCH64_ABS64,
  R_AARCH64_RELATIVE,
  SHT_RELA,
  STT_OBJECT,
} from './elf-constants.ts';
import type { ElfFile } from './reader.ts';
import { type RelocTarget, relocationTargets } from './relocations.ts';
import { sectionAt } from './sections.ts';
import type { SymbolTable } from './symbols.ts';

export interface TableRequest {
  readonly table: string;
  readonly stride: number;
  readonly offset: number;
}

/** One table entry: a section offset (defined here), an undefined symbol, or a raw address. */
export type TableEntry = RelocTarget | { readonly address: bigint };

const ABS64 = new Set([R_AARCH64_ABS64]);

/** The entries of each requested table this file defines (tables it does not define are absent). */
export function readPointerTables(
  elf: ElfFile,
  symbols: SymbolTable,
  requests: readonly TableRequest[],
  diagnostics: Diagnostic[],
): Map<string, TableEntry[]> {
  const out = new Map<string, TableEntry[]>();
  if (requests.length === 0) return out;
  const wanted = new Map(requests.map((r) => [r.table, r]));
  let relative: Map<bigint, bigint> | undefined;
  for (let i = 1; i < symbols.count; i++) {
    if (symbols.type(i) !== STT_OBJECT) continue;
    const req = wanted.get(symbols.name(i));
    if (req === undefined) continue;
    const shndx = symbols.st_shndx(i);
    const sec = elf.sections[shndx];
    if (sec === undefined || shndx === 0) continue;
    const size = symbols.st_size(i);
    const start = elf.isRelocatable ? symbols.offsetFrom(i, 0n) : symbols.offsetFrom(i, sec.sh_addr);
    if (start === undefined || start + size > sec.sh_size) continue;
    const entries: TableEntry[] = [];
    if (elf.isRelocatable) {
      const t = relocationTargets(elf, symbols, sec, ABS64, diagnostics);
      for (let at = start + req.offset; at + 8 <= start + size; at += req.stride) {
        const e = t.get(at);
        if (e !== undefined) entries.push(e);
      }
    } else {
      const d = elf.data(sec);
      const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
      for (let at = start + req.offset; at + 8 <= start + size && at + 8 <= d.length; at += req.stride) {
        let a = dv.getBigUint64(at, true);
        if (a === 0n) {
          relative ??= relativeRelocations(elf);
          a = relative.get(sec.sh_addr + BigInt(at)) ?? 0n;
        }
        if (a === 0n) continue;
        const s = sectionAt(elf.sections, a);
        entries.push(s === undefined ? { address: a } : { shndx: s.index, offset: Number(a - s.sh_addr) });
      }
    }
    out.set(req.table, entries);
  }
  return out;
}

/** R_AARCH64_RELATIVE relocations of a linked file: slot address -> the address it will hold. */
function relativeRelocations(elf: ElfFile): Map<bigint, bigint> {
  const out = new Map<bigint, bigint>();
  for (const sec of elf.sections) {
    if (sec.sh_type !== SHT_RELA || sec.sh_info !== 0) continue;
    const d = elf.data(sec);
    const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
    for (let at = 0; at + ELF64_RELA_SIZE <= d.length; at += ELF64_RELA_SIZE) {
      if (dv.getUint32(at + 8, true) !== R_AARCH64_RELATIVE) continue;
      out.set(dv.getBigUint64(at, true), BigInt.asUintN(64, dv.getBigInt64(at + 16, true)));
    }
  }
  return out;
}

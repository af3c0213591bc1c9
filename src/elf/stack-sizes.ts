// clang's -fstack-size-section: a .stack_sizes section per code section (SHF_LINK_ORDER), holding
// (function address: u64, static frame: ULEB128) pairs. In a relocatable object the address is 0
// plus an R_AARCH64_ABS64 relocation against the function (or its section). Functions with dynamic
// allocation are left out by the compiler. `llvm-readelf --stack-sizes` prints the same data:
//
//   Functions:  [frame_small]
//   Size:       224
import type { Diagnostic } from '../base/diag.ts';
import { diag } from '../base/diag.ts';
import { R_AARCH64_ABS64 } from './elf-constants.ts';
import type { ElfFile } from './reader.ts';
import { relocationTargets } from './relocations.ts';
import { sectionAt } from './sections.ts';
import type { SymbolTable } from './symbols.ts';

const ABS64 = new Set([R_AARCH64_ABS64]);

/** Reads an unsigned LEB128 at `at`; undefined when it runs past `end` or beyond 2^53. */
export function readUleb128(
  b: Uint8Array,
  at: number,
  end: number,
): { value: number; next: number } | undefined {
  let value = 0;
  let mul = 1;
  for (let i = at; i < end; i++) {
    const byte = b[i]!;
    value += (byte & 0x7f) * mul;
    if ((byte & 0x80) === 0) return value > Number.MAX_SAFE_INTEGER ? undefined : { value, next: i + 1 };
    mul *= 128;
    if (mul > 2 ** 63) return undefined;
  }
  return undefined;
}

/** Static frames from .stack_sizes, keyed by section index * 2^32 + section offset of the function. */
export function readStackSizes(
  elf: ElfFile,
  symbols: SymbolTable | undefined,
  diagnostics: Diagnostic[],
): Map<number, number> {
  const out = new Map<number, number>();
  for (const sec of elf.sections) {
    if (sec.name !== '.stack_sizes' || sec.sh_size === 0) continue;
    const d = elf.data(sec);
    const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
    const targets =
      elf.isRelocatable && symbols !== undefined
        ? relocationTargets(elf, symbols, sec, ABS64, diagnostics)
        : undefined;
    let at = 0;
    while (at + 8 < d.length) {
      const field = at;
      const a = dv.getBigUint64(at, true);
      const size = readUleb128(d, at + 8, d.length);
      if (size === undefined) {
        diagnostics.push(
          diag('elf/bad-stack-sizes', 'data-loss', `.stack_sizes: bad ULEB128 at offset ${at + 8}`, {
            file: elf.name,
          }),
        );
        break;
      }
      at = size.next;
      if (targets !== undefined) {
        const t = targets.get(field);
        if (t !== undefined && 'shndx' in t) out.set(t.shndx * 0x100000000 + t.offset, size.value);
        continue;
      }
      const s = sectionAt(elf.sections, a);
      if (s !== undefined) out.set(s.index * 0x100000000 + Number(a - s.sh_addr), size.value);
    }
  }
  return out;
}

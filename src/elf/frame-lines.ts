// `stacklab frames` in checkstack.pl's format, the fast way: every function's frame goes straight
// from the decoder into a CheckstackLines (names copied from the string table as bytes), with no
// BinaryFunction, name string or address BigInt per function. A module tree has 190k functions;
// analyzeBinary() is the reference, and `frames --json` still goes through it.
import type { Diagnostic } from '../base/diag.ts';
import { ok, type Result } from '../base/result.ts';
import { type CheckstackLines, checkstackAddress } from '../formats/checkstack.ts';
import { binaryTag, type ChosenFrame, chooseFrame, prepareBinary } from './binary.ts';
import type { ByteSource } from './byte-source.ts';
import { FrameAnalyzer, type SectionCode } from './frame-analysis.ts';
import type { Scratch } from './scratch.ts';

export interface FrameLinesOptions {
  /** Print checkstack.pl's sums instead of the frames (--emulate-checkstack). */
  readonly emulateCheckstack: boolean;
  /** Only frames larger than this many bytes. */
  readonly min: number;
  /** Reuse decoder buffers across files. */
  readonly analyzer?: FrameAnalyzer;
  /** Reuse table buffers across files. */
  readonly scratch?: Scratch;
}

/** What one file contributed, beyond its lines. */
export interface FrameLinesSummary {
  /** Function labels in the file. */
  readonly functions: number;
  /** Lines added (frames above the minimum). */
  readonly shown: number;
  /** Of those, functions that allocate dynamically (VLA/alloca). */
  readonly dynamic: number;
  /** Of those, functions whose frame differs from checkstack.pl's sum. */
  readonly differ: number;
  readonly diagnostics: readonly Diagnostic[];
}

const utf8 = new TextEncoder();

/** Appends a line per function of `src` whose frame is above `options.min` to `lines`. */
export function addFrameLines(
  src: ByteSource,
  options: FrameLinesOptions,
  lines: CheckstackLines,
): Result<FrameLinesSummary> {
  const prepared = prepareBinary(src, { details: false, scratch: options.scratch });
  if (!prepared.ok) return prepared;
  const p = prepared.value;
  const { elf, symbols, table, jumpLabels } = p;
  const analyzer = options.analyzer ?? new FrameAnalyzer();
  const tag = binaryTag(src.name);
  const tagBytes = utf8.encode(tag);
  const tagAscii = isAscii(tagBytes, 0, tagBytes.length);
  const names = symbols.strings;
  const frame: ChosenFrame = { frameBytes: 0, frameSource: 'prologue', cfiBytes: undefined };
  let shown = 0;
  let dynamic = 0;
  let differ = 0;
  let shndx = -1;
  let words: Uint32Array = new Uint32Array(0);
  let code: SectionCode = { relocated: undefined, jumpLabels: undefined };
  let baseHi = 0;
  let baseLo = 0;
  for (let k = 0; k < table.count; k++) {
    if (table.shndx[k] !== shndx) {
      shndx = table.shndx[k]!;
      const section = elf.sections[shndx]!;
      words = elf.words(section);
      code = { relocated: undefined, jumpLabels: jumpLabels.get(shndx) };
      baseHi = Number(section.sh_addr >> 32n);
      baseLo = Number(section.sh_addr & 0xffffffffn);
    }
    const offset = table.offset[k]!;
    const fnEnd = table.end[k]!;
    const sym = table.sym[k]!;
    const stSize = symbols.st_size(sym);
    const start = Math.ceil(offset / 4);
    const end = Math.max(start, Math.min(words.length, Math.floor(fnEnd / 4)));
    const walkEnd = stSize > 0 ? Math.min(end, start + Math.ceil(stSize / 4)) : end;
    const info = analyzer.analyze(words, start, end, undefined, code, walkEnd);
    const ownEnd = stSize > 0 ? Math.min(fnEnd, offset + stSize) : fnEnd;
    const { frameBytes } = chooseFrame(p, shndx, offset, ownEnd, info, frame);
    const bytes = options.emulateCheckstack ? info.checkstackBytes : frameBytes;
    if (!(bytes > options.min)) continue;
    shown++;
    if (info.dynamic) dynamic++;
    if (info.checkstackBytes !== frameBytes) differ++;
    const lo = baseLo + offset;
    const hi = baseHi + Math.floor(lo / 0x100000000);
    // The name's bytes in the string table (see cString), and whether they are all ASCII.
    const nameStart = symbols.st_name(sym);
    let nameEnd = nameStart;
    let ascii = tagAscii && nameStart > 0;
    if (nameStart > 0 && nameStart < names.length) {
      let or = 0;
      for (let c = names[nameEnd]!; c !== 0; c = names[++nameEnd] ?? 0) or |= c;
      if (or >= 0x80) ascii = false;
    }
    if (ascii && hi < 0x100000000 && nameEnd > nameStart) {
      lines.addAscii(hi, lo % 0x100000000, names, nameStart, nameEnd, tagBytes, bytes);
    } else {
      const address = BigInt(hi) * 0x100000000n + BigInt(lo % 0x100000000);
      lines.add({ address: checkstackAddress(address), function: symbols.name(sym), file: tag, bytes });
    }
  }
  return ok({ functions: table.count, shown, dynamic, differ, diagnostics: p.diagnostics });
}

function isAscii(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (b[i]! >= 0x80) return false;
  return true;
}

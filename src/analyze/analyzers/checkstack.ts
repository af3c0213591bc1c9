// `stacklab analyze` on scripts/checkstack.pl output (a pasted report, a CI log): the largest frames,
// which objects they live in, how each compares with CONFIG_FRAME_WARN and with the task stack of each
// kernel design (the text, and what checkstack.pl's numbers are not: report/analysis-text/checkstack.ts).

import { type CheckstackEntry, parseCheckstack, sniffCheckstack } from '../../formats/checkstack.ts';
import type { KernelProfile } from '../../model/profile.ts';
import {
  analyzeProfiles,
  FRAME_WARN_32,
  FRAME_WARN_64,
  type FrameShare,
  frameShares,
} from '../analyze-profiles.ts';
import { type Analyzer, parsedValue } from '../registry.ts';

/** How many of the largest frames the text lists. */
const TOP = 15;

export interface CheckstackExplanation {
  readonly entries: number;
  /** 64 when addresses are printed with more than 8 hex digits (objdump pads 64-bit ones to 16), else 32. */
  readonly bits: 32 | 64;
  readonly frameWarn: number;
  readonly overFrameWarn: number;
  /** Old-format "Dynamic (0x..)" lines (checkstack.pl before 2020). */
  readonly dynamic: number;
  readonly largest: readonly CheckstackEntry[];
  /** Per checkstack file tag (vmlinux, module name): functions listed and the largest frame. */
  readonly files: readonly { file: string; functions: number; largest: number; function: string }[];
  /** Per profile: the largest frame's share of THREAD_SIZE, and how many frames take more than 1/8 of it. */
  readonly profiles: readonly FrameShare[];
}

export function explainCheckstack(
  entries: readonly CheckstackEntry[],
  profiles: readonly KernelProfile[],
): CheckstackExplanation {
  const sorted = [...entries].sort((a, b) => b.bytes - a.bytes || a.line - b.line);
  const bits = entries.some((e) => e.address.length > 8) ? 64 : 32;
  const frameWarn = bits === 64 ? FRAME_WARN_64 : FRAME_WARN_32;
  const byFile = new Map<string, { file: string; functions: number; largest: number; function: string }>();
  for (const e of sorted) {
    const f = byFile.get(e.file);
    if (f === undefined)
      byFile.set(e.file, { file: e.file, functions: 1, largest: e.bytes, function: e.function });
    else f.functions++;
  }
  return {
    entries: entries.length,
    bits,
    frameWarn,
    overFrameWarn: sorted.filter((e) => e.bytes > frameWarn).length,
    dynamic: entries.filter((e) => e.dynamic).length,
    largest: sorted.slice(0, TOP),
    files: [...byFile.values()].sort((a, b) => b.largest - a.largest || a.file.localeCompare(b.file)),
    profiles: frameShares(
      entries.map((e) => e.bytes),
      profiles,
    ),
  };
}

export const checkstackAnalyzer: Analyzer = {
  id: 'checkstack',
  describes: 'scripts/checkstack.pl output ("0xADDR function [file]:<TAB>BYTES")',
  sniff: sniffCheckstack,
  run(text, file, opts) {
    const p = parseCheckstack(text, file, opts.firstLine);
    const v = parsedValue(p, file, { code: 'checkstack/empty', message: 'no checkstack.pl lines found' });
    if ('error' in v) return v;
    const ps = analyzeProfiles(opts);
    if (!ps.ok) return { error: ps.error };
    const x = explainCheckstack(v.value, ps.value);
    return {
      data: x,
      diagnostics: p.diagnostics.filter((d) => d.severity !== 'info'),
    };
  },
};

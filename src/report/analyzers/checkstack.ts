// `stacklab analyze` on scripts/checkstack.pl output (a pasted report, a CI log): the largest frames,
// which objects they live in, how each compares with CONFIG_FRAME_WARN and with the task stack of each
// kernel design, and what checkstack.pl's numbers are not. Importing this module registers it.

import {
  analyzeProfiles,
  FRAME_WARN_32,
  FRAME_WARN_64,
  type FrameShare,
  frameShares,
} from '../../analyze/analyze-profiles.ts';
import { type Analyzer, parsedValue } from '../../analyze/registry.ts';
import { type CheckstackEntry, parseCheckstack, sniffCheckstack } from '../../formats/checkstack.ts';
import type { KernelProfile } from '../../model/profile.ts';

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

export function renderCheckstackExplanation(x: CheckstackExplanation, file: string): string {
  let s = `${file}: scripts/checkstack.pl output, ${x.entries} function(s), ${x.bits}-bit addresses\n`;
  s += `  largest frames (checkstack.pl's sums):\n`;
  const w = Math.max(...x.largest.map((e) => e.function.length + e.file.length + 3), 10);
  for (const e of x.largest) {
    const name = `${e.function} [${e.file}]`.padEnd(w);
    s += `    ${name} ${String(e.bytes).padStart(6)} B${e.dynamic ? '  (an old "Dynamic" line: one sub sp, sp, #imm)' : ''}\n`;
  }
  if (x.entries > x.largest.length) s += `    ... ${x.entries - x.largest.length} more\n`;
  s += `  ${x.overFrameWarn} frame(s) above CONFIG_FRAME_WARN's ${x.bits}-bit default of ${x.frameWarn} B (GCC warns for these at build time)\n`;
  if (x.files.length > 1) {
    s += `  by object (${x.files.length}), largest frame first:\n`;
    for (const f of x.files.slice(0, 10))
      s += `    ${f.file.padEnd(24)} ${String(f.functions).padStart(5)} function(s), largest ${f.largest} B (${f.function})\n`;
    if (x.files.length > 10) s += `    ... ${x.files.length - 10} more\n`;
  }
  if (x.profiles.length > 0) {
    // 32-bit ARM: THREAD_SIZE_ORDER 1, 8 KB (arch/arm/include/asm/thread_info.h).
    s += `  against the task stack of each design${x.bits === 32 ? " (64-bit designs; 32-bit ARM's THREAD_SIZE is 8192)" : ''}:\n`;
    for (const p of x.profiles)
      s += `    ${p.id.padEnd(12)} THREAD_SIZE ${String(p.THREAD_SIZE).padStart(5)}: the largest frame is ${(p.largestShare * 100).toFixed(1)} %; ${p.overEighth} frame(s) take more than 1/8 (${p.THREAD_SIZE / 8} B)\n`;
  }
  if (x.dynamic > 0)
    s += `  ${x.dynamic} "Dynamic (0x..)" line(s): printed by checkstack.pl before 2020 for "sub sp, sp, #imm"; the amount is the adjustment\n`;
  s +=
    '  checkstack.pl adds every SP adjustment in a function, so shrink-wrapped paths are summed (too large),\n' +
    '  and it misses frames set by "mov xN, #imm; sub sp, sp, xN" and "str xN, [sp, #-N]!" (too small or absent).\n' +
    '  `stacklab frames BINARY` reads the same binary path by path; `--emulate-checkstack` prints these sums to diff.\n';
  return s;
}

export const checkstackAnalyzer: Analyzer = {
  id: 'checkstack',
  describes: 'scripts/checkstack.pl output ("0xADDR function [file]:<TAB>BYTES")',
  sniff: sniffCheckstack,
  run(text, file, options) {
    const p = parseCheckstack(text, file);
    const v = parsedValue(p, file, { code: 'checkstack/empty', message: 'no checkstack.pl lines found' });
    if ('error' in v) return v;
    const ps = analyzeProfiles(options);
    if (!ps.ok) return { error: ps.error };
    const x = explainCheckstack(v.value, ps.value);
    return {
      text: renderCheckstackExplanation(x, file),
      data: x,
      diagnostics: p.diagnostics.filter((d) => d.severity !== 'info'),
    };
  },
};

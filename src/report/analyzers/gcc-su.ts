// `stacklab analyze` on GCC's (or clang's) -fstack-usage output, .su lines pasted or found in a log:
// the largest frames, which are dynamic (alloca, VLAs: the number is a floor) and which are bounded,
// how each compares with CONFIG_FRAME_WARN and with the task stack of each kernel design.
import {
  analyzeProfiles,
  FRAME_WARN_64,
  type FrameShare,
  frameShares,
} from '../../analyze/analyze-profiles.ts';
import { type Analyzer, parsedValue } from '../../analyze/registry.ts';
import {
  parseGccStackUsage,
  type StackUsageEntry,
  sniffGccStackUsage,
} from '../../formats/gcc-stack-usage.ts';
import type { KernelProfile } from '../../model/profile.ts';

/** How many of the largest frames the text lists. */
const TOP = 15;

export interface GccSuExplanation {
  readonly functions: number;
  readonly static: number;
  readonly dynamic: number;
  readonly bounded: number;
  readonly frameWarn: number;
  readonly overFrameWarn: number;
  readonly largest: readonly StackUsageEntry[];
  /** Unbounded dynamic frames: their number is what GCC knows, the real frame is larger. */
  readonly unbounded: readonly StackUsageEntry[];
  readonly sourceFiles: number;
  readonly profiles: readonly FrameShare[];
}

export function explainGccSu(
  entries: readonly StackUsageEntry[],
  profiles: readonly KernelProfile[],
): GccSuExplanation {
  const sorted = [...entries].sort((a, b) => b.bytes - a.bytes || a.srcLine - b.srcLine);
  return {
    functions: entries.length,
    static: entries.filter((e) => e.qualifier === 'static').length,
    dynamic: entries.filter((e) => e.qualifier === 'dynamic').length,
    bounded: entries.filter((e) => e.qualifier === 'dynamic,bounded').length,
    frameWarn: FRAME_WARN_64,
    overFrameWarn: sorted.filter((e) => e.bytes > FRAME_WARN_64).length,
    largest: sorted.slice(0, TOP),
    unbounded: sorted.filter((e) => e.qualifier === 'dynamic').slice(0, TOP),
    sourceFiles: new Set(entries.map((e) => e.file)).size,
    profiles: frameShares(
      entries.map((e) => e.bytes),
      profiles,
    ),
  };
}

const where = (e: StackUsageEntry) => `${e.function} (${e.file}:${e.line})`;

export function renderGccSu(x: GccSuExplanation, file: string): string {
  let s = `${file}: -fstack-usage output (.su), ${x.functions} function(s) in ${x.sourceFiles} source file(s)\n`;
  s += `  ${x.static} static, ${x.bounded} dynamic but bounded, ${x.dynamic} dynamic (alloca or a VLA: the number is a floor)\n`;
  s += `  largest frames:\n`;
  const w = Math.max(...x.largest.map((e) => where(e).length), 10);
  for (const e of x.largest)
    s += `    ${where(e).padEnd(w)} ${String(e.bytes).padStart(6)} B  ${e.qualifier}\n`;
  if (x.functions > x.largest.length) s += `    ... ${x.functions - x.largest.length} more\n`;
  s += `  ${x.overFrameWarn} frame(s) above CONFIG_FRAME_WARN's 64-bit default of ${x.frameWarn} B\n`;
  if (x.unbounded.length > 0)
    s += `  unbounded dynamic frames (the worst case is not known statically): ${x.unbounded.map((e) => e.function).join(', ')}\n`;
  if (x.profiles.length > 0) {
    s += '  against the task stack of each design:\n';
    for (const p of x.profiles)
      s += `    ${p.id.padEnd(12)} THREAD_SIZE ${String(p.THREAD_SIZE).padStart(5)}: largest frame ${(p.largestShare * 100).toFixed(1)} %, ${p.overEighth} over 1/8 (${p.THREAD_SIZE / 8} B)\n`;
  }
  s +=
    '  A .su frame is one function alone; a stack is as deep as the sum along a call path:\n' +
    '  `stacklab paths BINARY` adds frames up path by path, `stacklab frames BINARY --su FILE.su` uses these sizes.\n';
  return s;
}

export const gccSuAnalyzer: Analyzer = {
  id: 'gcc-su',
  describes: 'GCC/clang -fstack-usage .su files ("file.c:12:5:func<TAB>48<TAB>static")',
  sniff: sniffGccStackUsage,
  run(text, file, options) {
    const p = parseGccStackUsage(text, file);
    const v = parsedValue(p, file, { code: 'gcc-su/empty', message: 'no .su lines found' });
    if ('error' in v) return v;
    const ps = analyzeProfiles(options);
    if (!ps.ok) return { error: ps.error };
    const x = explainGccSu(v.value, ps.value);
    return {
      text: renderGccSu(x, file),
      data: x,
      diagnostics: p.diagnostics.filter((d) => d.severity !== 'info'),
    };
  },
};

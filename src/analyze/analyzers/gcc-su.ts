// `stacklab analyze` on GCC's (or clang's) -fstack-usage output, .su lines pasted or found in a log:
// the largest frames, which are dynamic (alloca, VLAs: the number is a floor) and which are bounded,
// how each compares with CONFIG_FRAME_WARN and with the task stack of each kernel design (as data;
// the text is report/analysis-text/gcc-su.ts).

import {
  parseGccStackUsage,
  type StackUsageEntry,
  sniffGccStackUsage,
} from '../../formats/gcc-stack-usage.ts';
import type { KernelProfile } from '../../model/profile.ts';
import { analyzeProfiles, FRAME_WARN_64, type FrameShare, frameShares } from '../analyze-profiles.ts';
import { type Analyzer, parsedValue } from '../registry.ts';

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

export const gccSuAnalyzer: Analyzer = {
  id: 'gcc-su',
  describes: 'GCC/clang -fstack-usage .su files ("file.c:12:5:func<TAB>48<TAB>static")',
  sniff: sniffGccStackUsage,
  run(text, file, opts) {
    const p = parseGccStackUsage(text, file, opts.firstLine);
    const v = parsedValue(p, file, { code: 'gcc-su/empty', message: 'no .su lines found' });
    if ('error' in v) return v;
    const ps = analyzeProfiles(opts);
    if (!ps.ok) return { error: ps.error };
    const x = explainGccSu(v.value, ps.value);
    return {
      data: x,
      diagnostics: p.diagnostics.filter((d) => d.severity !== 'info'),
    };
  },
};

// The text of the .su analyzer (src/analyze/analyzers/gcc-su.ts): the largest frames, the dynamic
// ones, against CONFIG_FRAME_WARN and each design's task stack.
import type { GccSuExplanation } from '../../analyze/analyzers/gcc-su.ts';
import type { StackUsageEntry } from '../../formats/gcc-stack-usage.ts';

const where = (e: StackUsageEntry) => `${e.function} (${e.file}:${e.line})`;

export function renderGccSu(data: unknown, file: string): string {
  const x = data as GccSuExplanation;
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

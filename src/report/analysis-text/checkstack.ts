// The text of the checkstack analyzer (src/analyze/analyzers/checkstack.ts): the largest frames, by
// object, against CONFIG_FRAME_WARN and each design's task stack, and what checkstack.pl's sums are not.
import type { CheckstackExplanation } from '../../analyze/analyzers/checkstack.ts';

export function renderCheckstack(data: unknown, file: string): string {
  const x = data as CheckstackExplanation;
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

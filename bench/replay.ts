// Replay throughput: the seed table and a 500-row table (the kernel's STACK_TRACE_ENTRIES limit)
// replayed under all built-in profiles, against parsing the same text (the baseline, same run), and
// how replay time grows with the rows (ratio of 2n rows to n rows: ~2 linear, ~4 quadratic).
import { replayStackTraceText } from '../src/analyze/replay-table.ts';
import { parseFtraceStackTrace, printFtraceStackTrace } from '../src/formats/ftrace-stack-trace.ts';
import { PROFILES } from '../src/model/profiles.ts';
import { SEED_STACK_TRACE } from '../src/model/seed-table.ts';

function deepTable(rows: number): string {
  // A consistent 4.2-era syscall chain: 16- and 32-byte frames under el0_svc_naked, about 24 B a row
  // deep (the kernel tracer needs room for its own frames below the deepest one).
  const out: { depth: number; location: { text: string } }[] = [];
  let depth = 360;
  const chain = [{ depth, location: { text: 'el0_svc_naked+0x20/0x28' } }];
  for (let i = 1; i < rows; i++) {
    depth += 16 + 16 * (i % 2);
    chain.push({ depth, location: { text: `f${i}+0x${(4 * ((i * 7) % 200) + 4).toString(16)}/0x400` } });
  }
  for (let i = chain.length - 1; i >= 0; i--) out.push(chain[i]!);
  return printFtraceStackTrace({ rows: out });
}

/** Seconds per call: the best of 5 rounds of n calls (the machine is shared; the minimum is the least disturbed). */
function seconds(n: number, f: () => void): number {
  f(); // warm up
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) f();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9 / n);
  }
  return best;
}

function time(label: string, n: number, f: () => void): number {
  const s = seconds(n, f);
  console.log(`${label.padEnd(52)} ${(1 / s).toFixed(1).padStart(9)} /s`);
  return 1 / s;
}

const replayOnce = (text: string, threadSize: number) => () => {
  const profiles = PROFILES.map((p) => ({ ...p, THREAD_SIZE: threadSize, THREAD_ALIGN: 2 * threadSize }));
  const r = replayStackTraceText(text, 'b', profiles, { source: 'linux-4.2' });
  if (!r.ok || r.value.results[0]!.ftrace.text !== text)
    throw new Error('replay did not reproduce the table');
};

for (const [name, text, n] of [
  ['seed (51 rows)', SEED_STACK_TRACE, 20],
  ['deep (500 rows)', deepTable(500), 2],
] as const) {
  const parse = time(`parse ${name}`, n * 20, () => parseFtraceStackTrace(text, 'b'));
  const replay = time(`replay ${name} under ${PROFILES.length} profiles`, n, () => {
    const r = replayStackTraceText(text, 'b', PROFILES, { source: 'linux-4.2' });
    if (!r.ok || r.value.results[0]!.ftrace.text !== text)
      throw new Error('replay did not reproduce the table');
  });
  console.log(`  ratio parse/replay: ${(parse / replay).toFixed(0)}x\n`);
}

// Growth: THREAD_SIZE is raised with the rows so that every table fits its stack.
console.log('rows   replay (all profiles)   t(n) / t(n/2)');
let prev = 0;
for (const rows of [63, 125, 250, 500]) {
  const s = seconds(3, replayOnce(deepTable(rows), 65536));
  console.log(
    `${String(rows).padStart(4)}   ${(s * 1000).toFixed(0).padStart(8)} ms            ${prev ? (s / prev).toFixed(2) : '-'}`,
  );
  prev = s;
}

// Replay throughput: the seed table and a 500-row table (the kernel's STACK_TRACE_ENTRIES limit)
// replayed under all five profiles, against parsing the same text (the baseline, same run).
import { replayStackTraceText } from '../src/analyze/replay-table.ts';
import { parseFtraceStackTrace, printFtraceStackTrace } from '../src/formats/ftrace-stack-trace.ts';
import { PROFILES } from '../src/model/profiles.ts';
import { SEED_STACK_TRACE } from '../src/model/seed-table.ts';

function deepTable(rows: number): string {
  // A consistent 4.2-era syscall chain: 16- and 32-byte frames under el0_svc_naked, about 12 KB deep
  // (the kernel tracer needs room for its own frames below the deepest one).
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

function time(label: string, n: number, f: () => void): number {
  f(); // warm up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) f();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`${label.padEnd(52)} ${(n / s).toFixed(1).padStart(9)} /s`);
  return n / s;
}

for (const [name, text, n] of [
  ['seed (51 rows)', SEED_STACK_TRACE, 40],
  ['deep (500 rows)', deepTable(500), 2],
] as const) {
  const parse = time(`parse ${name}`, n * 50, () => parseFtraceStackTrace(text, 'b'));
  const replay = time(`replay ${name} under 5 profiles`, n, () => {
    const r = replayStackTraceText(text, 'b', PROFILES, { source: 'linux-4.2' });
    if (!r.ok || r.value.results[0]!.ftrace.text !== text)
      throw new Error('replay did not reproduce the table');
  });
  console.log(`  ratio parse/replay: ${(parse / replay).toFixed(0)}x\n`);
}

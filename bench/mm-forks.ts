// Whole-system speed: a 1 GB device simulated through 100,000 forks (the android workload on
// phone-1g-2015 and phone-1g-6.1: app launches, thread churn, reclaim, compaction, kswapd), timed
// against a bare typed-array push/pop loop measured in the same run. Target: under a minute on one core.
//
//   node --import tsx bench/mm-forks.ts            (MM_BENCH_FORKS=20000 for a quick look)
import { runMmExperiment } from '../src/device/experiment.ts';

const FORKS = Number(process.env.MM_BENCH_FORKS ?? 100_000);

function baselineOpsPerSec(): number {
  const n = 1 << 18;
  const stack = new Int32Array(n);
  let top = n;
  let sink = 0;
  const ops = 2e8;
  const t = performance.now();
  for (let i = 0; i < ops; i += 2) {
    const p = stack[--top]!;
    sink ^= p;
    stack[top++] = p + 1;
  }
  if (sink === 7) console.log('');
  return (ops / (performance.now() - t)) * 1000;
}

const base = baselineOpsPerSec();
console.log(`baseline typed-array push/pop: ${(base / 1e6).toFixed(0)} M ops/s`);
for (const [device, stacks] of [
  ['phone-1g-2015', '16k'],
  ['phone-1g-2015', 'vmap'],
  ['phone-1g-6.1', 'vmap'],
] as const) {
  const t = performance.now();
  const r = runMmExperiment({ device, stacks, seed: 1, forks: FORKS, warmup: 0 });
  const s = (performance.now() - t) / 1000;
  const pg = (r.window.pgalloc ?? 0) + (r.window.pgfree ?? 0);
  console.log(
    `${device} ${stacks.padEnd(4)}: ${r.forks.measured} forks in ${s.toFixed(1)} s ` +
      `(${(r.forks.measured / s).toFixed(0)} forks/s, ${r.measuredSeconds.toFixed(0)} s simulated, ` +
      `${(pg / s / 1e6).toFixed(1)} M page allocs+frees/s inside the simulation, baseline/this = ${(base / (pg / s)).toFixed(0)}x)`,
  );
}

// Dynamic kernel stacks (issue 13) priced under load: `mm compare` of all four strategies on each
// phone, with long measured windows (about an hour of simulated time at 100,000 forks) so that the
// panic probability per device-hour has a useful upper bound; then the design's sensitivity to its
// refill delay and pool size on the 1 GB 2015 phone. Wall times are printed as ratios against the
// vmap column measured in the same compare (the same fork path with four pages and no faults).
//
//   node --import tsx bench/dynamic-stacks.ts            (DYN_BENCH_FORKS=20000 for a quick look)
import { runMmCompare } from '../src/device/compare.ts';
import type { DeviceId } from '../src/device/devices.ts';
import { ageDevice, type MmRunResult, measureForks } from '../src/device/experiment.ts';
import { STACK_STRATEGIES } from '../src/device/kernel-stacks.ts';
import { BUILTIN_DEPTH_IDS, BUILTIN_DEPTHS } from '../src/device/stack-depths.ts';
import { pagesPerStack, stackMemoryKB } from '../src/report/mm-compare.ts';

const FORKS = Number(process.env.DYN_BENCH_FORKS ?? 100_000);
const WARMUP = Number(process.env.DYN_BENCH_WARMUP ?? 100);
/** Parts to run: compare (the four strategies per phone), sensitivity (refill and pool), depths. */
const PARTS = (process.env.DYN_BENCH_PARTS ?? 'compare,sensitivity,depths').split(',');

function p(v: number): string {
  return v === 0 ? '0' : v < 1e-3 ? v.toExponential(1) : v.toFixed(3);
}

function row(r: MmRunResult, wallS: number, vmapWallS: number): string {
  const d = r.dynamic;
  const kb = stackMemoryKB(r);
  const pct = (100 * kb) / (r.memory.managedPages * 4);
  const cells = [
    r.stacks.padEnd(7),
    kb.toFixed(0).padStart(7),
    `${pct.toFixed(2)} %`.padStart(7),
    pagesPerStack(r).toFixed(3).padStart(6),
    (d ? d.faultsPerSecond.toFixed(2) : '-').padStart(7),
    (d ? String(d.stats.refills) : '-').padStart(7),
    (d ? String(d.stats.refillFailures) : '-').padStart(5),
    (d ? String(d.stats.panics) : '-').padStart(6),
    (d
      ? `${p(d.panicPerDeviceHour.estimate)} [${p(d.panicPerDeviceHour.low)}, ${p(d.panicPerDeviceHour.high)}]`
      : '-'
    ).padStart(22),
    String(r.stackAllocs.slowpath).padStart(6),
    r.forks.latencyUs.p999.toFixed(2).padStart(7),
    `${(wallS / vmapWallS).toFixed(2)}x`.padStart(6),
  ];
  return cells.join(' ');
}

const HEAD =
  'stacks  stackKB   % RAM  pg/stk  faults/s refills fails panics  P(panic)/h [95 %]      slowp  p99.9  wall/vmap';

/** Ages the device once, then times each strategy's measured forks from a copy of that memory. */
function compare(device: DeviceId) {
  const aged = ageDevice({ device, stacks: 'vmap', seed: 1, warmup: WARMUP });
  const out: { r: MmRunResult; wallS: number }[] = [];
  for (const s of STACK_STRATEGIES) {
    const t = performance.now();
    const r = measureForks(aged, s, FORKS);
    out.push({ r, wallS: (performance.now() - t) / 1000 });
  }
  return out;
}

console.log(`${FORKS} forks per strategy after ${WARMUP} launches, seed 1, depths kstack-arm64-2024\n`);
for (const device of PARTS.includes('compare')
  ? (['phone-1g-2015', 'phone-1g-6.1', 'phone-4g-2026'] as const)
  : []) {
  const runs = compare(device);
  const vmapS = runs.find((x) => x.r.stacks === 'vmap')!.wallS;
  const first = runs[0]!.r;
  console.log(
    `${device}: ${first.memory.liveTasks} live tasks, ${first.measuredSeconds.toFixed(0)} s simulated per strategy`,
  );
  console.log(HEAD);
  for (const { r, wallS } of runs) console.log(row(r, wallS, vmapS));
  console.log('');
}

// Sensitivity: how late the refill may come, and how small the pool may be, before panics appear.
const SENSITIVITY = [
  [0, 3, 'atomic'],
  [10_000, 3, 'atomic'],
  [1_000_000, 3, 'atomic'],
  [10_000_000, 3, 'atomic'],
  [1_000_000, 1, 'atomic'],
  [10_000_000, 1, 'atomic'],
  [10_000_000, 1, 'kernel'],
] as const;
if (PARTS.includes('sensitivity')) {
  console.log('phone-1g-2015, dynamic only: refill delay and pool size (panics over the window)');
  console.log('refillDelayUs poolPages refillGfp  faults  refills fails panics  P(panic)/h [95 %]');
  for (const [refillDelayUs, poolPages, refillGfp] of SENSITIVITY) {
    const c = runMmCompare({
      device: 'phone-1g-2015',
      seed: 1,
      forks: FORKS,
      warmup: WARMUP,
      strategies: ['dynamic'],
      dynamic: {
        params: { refillDelayUs, poolPages, refillGfp },
        depths: BUILTIN_DEPTHS['kstack-arm64-2024'],
      },
    });
    const d = c.runs[0]!.dynamic!;
    const q = d.panicPerDeviceHour;
    console.log(
      `${String(refillDelayUs).padStart(13)} ${String(poolPages).padStart(9)} ${refillGfp.padStart(9)} ` +
        `${String(d.stats.faults).padStart(7)} ${String(d.stats.refills).padStart(8)} ${String(d.stats.refillFailures).padStart(5)} ` +
        `${String(d.stats.panics).padStart(6)}  ${p(q.estimate)} [${p(q.low)}, ${p(q.high)}]`,
    );
  }
  console.log('');
}

// The depth input: what each distribution makes of phone-4g-2026's stacks (dynamic only).
if (PARTS.includes('depths')) {
  console.log('phone-4g-2026, dynamic only, by depth input');
  console.log('depths               pg/stk  stackKB   % RAM  faults/s  cut vs 16 KB');
  for (const id of BUILTIN_DEPTH_IDS) {
    const c = runMmCompare({
      device: 'phone-4g-2026',
      seed: 1,
      forks: FORKS,
      warmup: WARMUP,
      strategies: ['dynamic'],
      dynamic: { depths: BUILTIN_DEPTHS[id] },
    });
    const r = c.runs[0]!;
    const kb = stackMemoryKB(r);
    const full = r.memory.liveTasks * 16;
    console.log(
      `${id.padEnd(20)} ${pagesPerStack(r).toFixed(3).padStart(6)} ${kb.toFixed(0).padStart(8)} ` +
        `${((100 * kb) / (r.memory.managedPages * 4)).toFixed(2).padStart(5)} % ${r.dynamic!.faultsPerSecond.toFixed(2).padStart(9)}` +
        `  ${((1 - kb / full) * 100).toFixed(1).padStart(10)} %`,
    );
  }
}

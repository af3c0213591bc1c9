// Seed section 7: the 2015 RFC (8 KB task stacks with an IRQ stack) and the 2024-2026 design (dynamic
// stacks: one page, grown on fault from a per-CPU pool) on the same device and workload. Memory and
// slow-path allocations come from mm compare on the seed's phone; the risk each design carries from
// the seed's simulation under load (overflow of an 8 KB stack) and from the dynamic run (refill panics).
// The simulated tasks' high-water marks under linux-6.1 price dynamic stacks under load.
import type { runSeedDynamic, SeedRunData } from '../analyze/seed-run.ts';
import { priceHighWater } from '../analyze/stack-pricing.ts';
import type { MmCompareResult } from '../device/compare.ts';
import type { MmRunResult } from '../device/experiment.ts';
import { overflowShare, stackMemoryKB } from './mm-compare.ts';

export interface SeedDynamicData {
  readonly device: string;
  readonly forks: number;
  readonly designs: readonly {
    readonly design: string;
    readonly stacks: string;
    readonly stackKB: number;
    readonly stackShareOfRam: number;
    readonly slowpath: number;
    readonly compactStalls: number;
    readonly forkP999Us: number;
    readonly risk: string;
  }[];
  /** The simulator run with dynamic stacks (faults, refills, panics under load), when there is one. */
  readonly simulated?: {
    readonly design: string;
    readonly seconds: number;
    readonly refillFailureP: number;
    readonly faults: number;
    readonly faultsPerSecond: number;
    readonly refills: number;
    readonly refillFailures: number;
    readonly panics: number;
    readonly panicsPerHour: { readonly estimate: number; readonly low: number; readonly high: number };
  };
  /** Stacks priced with the simulated tasks' high-water marks under load, per simulated design. */
  readonly underLoad: readonly {
    readonly design: string;
    readonly pricing: ReturnType<typeof priceHighWater>;
  }[];
}

const SIM_8K = 'rfc-2015, 8 KB + IRQ stack';
/** The 16 KB designs of section 5: IRQs on the task stack (4.2) and on the IRQ stack (6.1). */
const SIM_16K = ['linux-4.2, 16 KB', 'linux-6.1, 16 KB + IRQ stack'];

function perHour(v: { estimate: number; low: number; high: number }): string {
  const f = (x: number) => (x === 0 ? '0' : x.toPrecision(2));
  return `${f(v.estimate)}/h [${f(v.low)}, ${f(v.high)}]`;
}

/** The section; undefined pieces (a strategy not run) leave their row out. */
export function seedDynamicSection(
  compare: MmCompareResult,
  sim: SeedRunData,
  dynamicRun?: ReturnType<typeof runSeedDynamic>,
) {
  const run = (s: string) => compare.runs.find((r) => r.stacks === s);
  const rfc = sim.runs.find((r) => r.label === SIM_8K)?.result;
  const share8k = overflowShare('8k', compare.depths);
  const risk = (r: MmRunResult): string => {
    if (r.stacks === '8k')
      return rfc
        ? `overflow ${perHour(rfc.overflow.perHour)} (section 5, ${sim.seconds} s); ${(share8k * 100).toFixed(1)} % of tasks past 8 KiB (${compare.depths.id})`
        : '-';
    if (r.stacks === 'dynamic' && r.dynamic) {
      const p = r.dynamic.panicPerDeviceHour;
      const f = (x: number) => (x === 0 ? '0' : x.toPrecision(2));
      return `${r.dynamic.stats.panics} refill panics, ${r.dynamic.stats.refillFailures} refill failures; P(panic) per device-hour ${f(p.estimate)} [${f(p.low)}, ${f(p.high)}]`;
    }
    return 'the baseline: arm64 since 2014';
  };
  const label: Record<string, string> = {
    '16k': '16 KB (order 2)',
    '8k': '2015 RFC: 8 KB + IRQ stack',
    dynamic: '2024-26: dynamic',
  };
  const designs = ['16k', '8k', 'dynamic']
    .map(run)
    .filter((r): r is MmRunResult => r !== undefined)
    .map((r) => ({
      design: label[r.stacks]!,
      stacks: r.stacks,
      stackKB: stackMemoryKB(r),
      stackShareOfRam: stackMemoryKB(r) / (r.memory.managedPages * 4),
      slowpath: r.stackAllocs.slowpath,
      compactStalls: r.stackAllocs.compactStalls,
      forkP999Us: r.forks.latencyUs.p999,
      risk: risk(r),
    }));
  const underLoad = SIM_16K.flatMap((design) => {
    const tasks = sim.runs.find((r) => r.label === design)?.result.perTask ?? [];
    if (tasks.length === 0) return [];
    const hw = tasks.map((t, i) => ({ highWaterBytes: t.highWater, line: i + 1, caller: t.name }));
    return [{ design, pricing: priceHighWater(hw) }];
  });
  const d = dynamicRun?.result.dynamic;
  const simulated =
    dynamicRun && d
      ? {
          design: dynamicRun.label,
          seconds: dynamicRun.result.simulatedNs / 1e9,
          refillFailureP: dynamicRun.refillFailureP,
          faults: d.faults,
          faultsPerSecond: d.faultsPerSecond,
          refills: d.refills,
          refillFailures: d.refillFailures,
          panics: d.panics,
          panicsPerHour: d.panicsPerHour,
        }
      : undefined;
  const data: SeedDynamicData = {
    device: compare.device,
    forks: compare.forks,
    designs,
    underLoad,
    ...(simulated ? { simulated } : {}),
  };
  const w = Math.max(...designs.map((d) => d.design.length));
  let text = `Same device (${compare.device}), workload (${compare.scenario}) and aged memory, ${compare.forks} forks each;\n`;
  text += `memory with every live task on the design, depths ${compare.depths.id}:\n`;
  text += `  ${'design'.padEnd(w)}  ${'stacks, kB'.padStart(10)}  ${'% RAM'.padStart(6)}  slow path  stalls  fork p99.9\n`;
  for (const d of designs)
    text +=
      `  ${d.design.padEnd(w)}  ${d.stackKB.toFixed(0).padStart(10)}  ${(d.stackShareOfRam * 100).toFixed(1).padStart(4)} %` +
      `  ${String(d.slowpath).padStart(9)}  ${String(d.compactStalls).padStart(6)}  ${d.forkP999Us.toFixed(2).padStart(7)} µs\n`;
  text += 'the risk each design carries:\n';
  for (const d of designs) text += `  ${d.design}: ${d.risk}\n`;
  if (underLoad.length > 0)
    text += `\nUnder load (seed-dragonboard, section 5), priced by the simulated tasks' high-water marks:\n`;
  for (const u of underLoad) {
    const dyn = u.pricing.designs.find((d) => d.design === 'dynamic')!;
    const base = u.pricing.designs.find((d) => d.design === '16k')!;
    const saved = base.kB.high > 0 ? (1 - dyn.kB.high / base.kB.high) * 100 : 0;
    const deepest = Math.max(0, ...u.pricing.perTask.map((t) => t.highWaterBytes));
    text += `  ${u.design}: ${u.pricing.tasks} tasks, deepest ${deepest} B; dynamic ${dyn.pages.high} pages `;
    text += `(${saved.toFixed(0)} % less than 16 KB), ${dyn.faulting.high} task${dyn.faulting.high === 1 ? '' : 's'} fault, `;
    text += `${u.pricing.designs.find((d) => d.design === '8k')!.overflowing.high} past 8 KB\n`;
  }
  if (simulated && dynamicRun) {
    const r = dynamicRun.result;
    text +=
      `\nSimulated with dynamic stacks (${simulated.design}, ${sim.scenario}, ${simulated.seconds} s; each refill allocation` +
      ` fails with probability ${simulated.refillFailureP}, the rate the device rows above measured): ${simulated.faults} stack faults` +
      ` (${simulated.faultsPerSecond.toFixed(1)}/s), ${simulated.refills} refills, ${simulated.refillFailures} refill failures,` +
      ` ${simulated.panics} panics (${perHour(simulated.panicsPerHour)}). Task stacks reached ${r.maxDepth.task} B, ${r.highwater.task} B` +
      " with the stack tracer's own frames, which fault too. The simulated tasks live for the whole run, so each faults once" +
      ' per page it grows to; task churn (the device rows) is what keeps faults coming.\n';
  }
  text +=
    '\n(The RFC bought memory with an IRQ stack and a smaller static stack, whose risk is overflow;\n' +
    'dynamic stacks save more and move the risk to the page pool: a fault that finds it empty panics.\n' +
    'stacklab mm compare --device phone-1g-2015 --stacks 16k,8k,dynamic gives the rows.)\n';
  return {
    title: '7. The 2015 RFC and the 2024-2026 dynamic stacks, side by side (phone-1g-2015, seed-dragonboard)',
    text,
    data,
  };
}

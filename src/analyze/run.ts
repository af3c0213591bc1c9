// What a simulation run means for a user: the numbers of `stacklab run --json` (the contract users'
// scripts read), derived from the raw measurements of src/kernel/sim. Rates carry exact Poisson
// intervals; an overflow never seen is reported as an upper bound for the time simulated, next to
// an extreme-value extrapolation that says what it assumes.
import { fitGevPwm, gevExceedance, poissonRate, type RateInterval } from '../engine/stats.ts';
import { NS_PER_HOUR, NS_PER_S } from '../engine/time.ts';
import { printFtraceStackTrace } from '../formats/ftrace-stack-trace.ts';
import type { DynamicRunOutput } from '../kernel/sim/dynamic-sim.ts';
import { HIST_BUCKET, KINDS, THRESHOLDS } from '../kernel/sim/sim-stats.ts';
import { type SimOptions, type SimOutput, simulate } from '../kernel/sim/simulate.ts';
import { SOFTIRQ_NAMES } from '../model/constants.ts';
import type { MachineDynamicStack } from '../model/dynamic-stack-params.ts';
import { kstackHistogram as kstackCounts } from '../model/kstack-histogram.ts';

export const RUN_RESULT_VERSION = '1.0';

type Kind = (typeof KINDS)[number];
type PerKind<T> = Record<Kind, T>;

export interface Histogram {
  readonly bucketBytes: number;
  readonly counts: readonly number[];
}

/**
 * Dynamic task stacks (stackAllocation `dynamic`, issue 13): what the run's stack faults cost.
 * Absent for every other design.
 */
export interface RunDynamic {
  /** The design's parameters as run (defaults and sources: src/model/dynamic-stack-params.ts). */
  readonly params: MachineDynamicStack;
  /** Where a refill's order-0 allocation gets its answer. */
  readonly allocator: string;
  readonly faults: number;
  readonly faultsPerSecond: number;
  /** Pool refill allocations that succeeded, and those that failed. */
  readonly refills: number;
  readonly refillFailures: number;
  /** Faults that found the CPU's pool empty: kernel panics (each stops its CPU unless panic: reboot). */
  readonly panics: number;
  readonly panicsPerHour: RateInterval;
  readonly unmaps: number;
  readonly tasks: number;
  readonly tasksFaulted: number;
  /** Fault and unmap work at the declared costs, µs, and its share of the CPUs' time. */
  readonly faultUs: number;
  readonly faultCpuShare: number;
  /** Task-stack pages mapped at the end (kB: 4 KiB each) and pool pages left, over all tasks and CPUs. */
  readonly pagesMapped: number;
  readonly kBMapped: number;
  readonly poolPagesLeft: number;
  /** The first panics (up to 100). */
  readonly panicEvents: readonly {
    readonly atNs: number;
    readonly cpu: number;
    readonly task: string;
    readonly depth: number;
    readonly frame: string;
  }[];
}

export interface RunResult {
  readonly kind: 'run';
  readonly version: string;
  readonly scenario: string;
  readonly profile: { readonly id: string; readonly title: string };
  readonly seed: number;
  readonly durationNs: number;
  readonly simulatedNs: number;
  /** `time`, or why the run stopped early (the numbers cover `simulatedNs`). */
  readonly stop: SimOutput['stop'];
  readonly threadSize: number;
  readonly irqStackSize: number;
  readonly overflowStackSize: number;
  /** Deepest bytes seen on each stack kind over all CPUs and tasks (kernel tracer frames excluded). */
  readonly maxDepth: PerKind<number>;
  /** The same with the kernel tracer's own frames counted (what a scan of zeroed stacks reads back). */
  readonly highwater: PerKind<number>;
  readonly perCpu: readonly {
    readonly cpu: number;
    readonly maxDepth: PerKind<number>;
    /** Episode high-water histograms: a syscall or interrupt from user mode, one IRQ-stack occupancy, ... */
    readonly histogram: PerKind<Histogram>;
    readonly softirqs: Readonly<Record<string, number>>;
    readonly interrupts: Readonly<Record<string, number>>;
    readonly ksoftirqdWakeups: number;
  }[];
  readonly ftrace: {
    readonly enabled: boolean;
    readonly stackMaxSize: number;
    /** What `cat stack_trace` prints after this run, byte for byte under the profile's era. */
    readonly table: string;
    readonly entries: number;
    readonly samples: number;
    readonly samplesOffTaskStack: number;
    /** The deepest this_size among the samples the tracer ignored (not on the task stack). */
    readonly deepestIgnored: number;
    /**
     * Interrupts that arrived while the tracer's callback ran (on its frames: scenario
     * stackTracerCost), and those before its recursion guard, whose functions it sampled.
     */
    readonly interruptsInTracer: { readonly count: number; readonly sampled: number };
  };
  /** Task-stack depth when an interrupt arrives. */
  readonly atInterrupt: Histogram & {
    readonly interrupts: number;
    readonly p50: number;
    readonly p99: number;
    readonly max: number;
  };
  /** How many episodes crossed 4, 6, 8 and 12 KB, per stack kind, and how often per hour. */
  readonly thresholds: PerKind<Record<string, { readonly count: number; readonly perHour: RateInterval }>>;
  readonly overflow: OverflowResult;
  readonly kstack: {
    readonly buckets: readonly { readonly name: string; readonly count: number }[];
    readonly text: string;
  };
  readonly frameEvents: number;
  readonly queueEvents: number;
  readonly depthSeries: readonly {
    readonly cpu: number;
    readonly stack: Kind;
    readonly bucketNs: number;
    readonly maxBytes: readonly number[];
  }[];
  /** The deepest stack seen on each kind (kinds never used are absent). */
  readonly deepest: Partial<PerKind<DeepestStack>>;
  /** Dynamic task stacks: faults, refills, panics (stackAllocation `dynamic` only). */
  readonly dynamic?: RunDynamic;
  /** Every simulated task with the deepest point its own stack reached (its high-water mark). */
  readonly perTask: readonly {
    readonly name: string;
    readonly kind: 'idle' | 'ksoftirqd' | 'work';
    readonly cpu: number;
    readonly highWater: number;
  }[];
  readonly notes: readonly string[];
}

export interface DeepestStack {
  readonly cpu: number;
  readonly task: string;
  readonly depth: number;
  readonly atNs: number;
  /** Outermost first. */
  readonly frames: readonly {
    readonly name: string;
    readonly size: number;
    readonly stack: Kind;
    readonly depth: number;
  }[];
}

export interface OverflowResult {
  /** Episodes that ran past the usable size of their stack (panics and silent corruption). */
  readonly count: number;
  readonly perStack: PerKind<number>;
  /**
   * Per device-hour. With overflows seen: the observed rate and its exact 95 % interval. With none:
   * estimate 0 and `high` the exact Poisson upper bound for the time simulated.
   */
  readonly perHour: RateInterval;
  readonly basis: 'observed' | 'not-observed';
  /** Block maxima of the depth fitted with a GEV: the rate of passing each stack's limit, extrapolated. */
  readonly extrapolation: PerKind<Extrapolation | NoExtrapolation>;
  /** The first overflow and the kernel's report of it (absent when none was seen). */
  readonly first?: {
    readonly atNs: number;
    readonly cpu: number;
    readonly stack: Kind;
    readonly type: string;
    readonly report: string;
  };
  readonly events: readonly {
    readonly atNs: number;
    readonly cpu: number;
    readonly stack: Kind;
    readonly type: string;
    readonly what?: string;
    readonly frame: string;
  }[];
}

export interface NoExtrapolation {
  readonly method: 'gev-block-maxima';
  readonly available: false;
  readonly reason: string;
}

export interface Extrapolation {
  readonly method: 'gev-block-maxima';
  readonly available: true;
  /** What the number rests on. */
  readonly assumption: string;
  readonly blocks: number;
  readonly blockSeconds: number;
  readonly limit: number;
  readonly mu: number;
  readonly sigma: number;
  readonly xi: number;
  /** The largest depth the fit allows (xi < 0), bytes. */
  readonly upperEnd: number | null;
  /** P(one block's deepest point passes the limit). */
  readonly pBlock: number;
  readonly perHour: number;
}

const KIND_IDX: Record<Kind, 0 | 1 | 2> = { task: 0, irq: 1, overflow: 2 };

/** Runs a simulation and derives its result. */
export function runScenario(opts: SimOptions): { result: RunResult; raw: SimOutput } {
  const raw = simulate(opts);
  return { result: runResult(raw), raw };
}

export function runResult(o: SimOutput): RunResult {
  const hours = o.simulatedNs / NS_PER_HOUR;
  const usable = usableSizes(o);
  const perKind = <T>(f: (k: Kind, i: 0 | 1 | 2) => T): PerKind<T> => ({
    task: f('task', 0),
    irq: f('irq', 1),
    overflow: f('overflow', 2),
  });
  const hist = (counts: readonly number[]): Histogram => ({
    bucketBytes: HIST_BUCKET,
    counts: trimZeros(counts),
  });
  const count = o.overflowEpisodes[0] + o.overflowEpisodes[1] + o.overflowEpisodes[2];
  const table = o.tracer.table;
  const notes: string[] = [];
  if (o.stop !== 'time')
    notes.push(
      `the run stopped early (${o.stop}) at ${(o.simulatedNs / NS_PER_S).toFixed(3)} s of ${(o.requestedNs / NS_PER_S).toFixed(3)} s: every rate covers the time simulated`,
    );
  if (o.events.some((e) => e.type === 'overflow-panic') && o.reboots === 0)
    notes.push(
      'a kernel panic stopped a CPU (as the kernel would); the other CPUs went on. `--set panic=reboot` restarts it to keep measuring',
    );
  if ((o.dynamic?.panics ?? 0) > 0 && o.reboots === 0)
    notes.push(
      "a dynamic stack fault found its CPU's pool empty: the kernel panics there, so that CPU stopped; `--set panic=reboot` restarts it",
    );
  if (o.reboots > 0)
    notes.push(`${o.reboots} CPU reboot${o.reboots === 1 ? '' : 's'} after a panic (panic: reboot)`);
  return {
    kind: 'run',
    version: RUN_RESULT_VERSION,
    scenario: o.scenarioName,
    profile: { id: o.profile.id, title: o.profile.title },
    seed: o.seed,
    durationNs: o.requestedNs,
    simulatedNs: o.simulatedNs,
    stop: o.stop,
    threadSize: o.threadSize,
    irqStackSize: o.irqStackSize,
    overflowStackSize: o.profile.OVERFLOW_STACK_SIZE,
    maxDepth: perKind((_, i) => o.maxDepth[i]),
    highwater: perKind((_, i) =>
      o.tracer.enabled ? Math.max(o.maxDepth[i], o.highwaterWithTracer[i]) : o.maxDepth[i],
    ),
    perCpu: o.cpus.map((c) => ({
      cpu: c.cpu,
      maxDepth: perKind((_, i) => c.maxDepth[i]),
      histogram: perKind((_, i) => hist(c.histogram[i])),
      softirqs: Object.fromEntries(SOFTIRQ_NAMES.map((v, i) => [v, c.softirqs[i]!])),
      interrupts: Object.fromEntries(o.sources.map((s, i) => [s, c.interrupts[i]!])),
      ksoftirqdWakeups: c.ksoftirqdWakeups,
    })),
    ftrace: {
      enabled: o.tracer.enabled,
      stackMaxSize: o.tracer.maxSize,
      table: printFtraceStackTrace({
        rows: table?.rows ?? [],
        disabled: !o.tracer.enabled && o.tracer.maxSize === 0,
      }),
      entries: table?.rows.length ?? 0,
      samples: o.tracer.samples,
      samplesOffTaskStack: o.tracer.offStackSamples,
      deepestIgnored: o.tracer.offStackMaxThisSize,
      interruptsInTracer: { count: o.tracer.interrupted, sampled: o.tracer.interruptedOpen },
    },
    atInterrupt: atInterrupt(o.atInterrupt),
    thresholds: perKind((_, i) =>
      Object.fromEntries(
        THRESHOLDS.map((t, j) => {
          const n = o.crossings[i * THRESHOLDS.length + j]!;
          return [String(t), { count: n, perHour: poissonRate(n, hours) }];
        }),
      ),
    ),
    overflow: {
      count,
      perStack: perKind((_, i) => o.overflowEpisodes[i]),
      perHour: poissonRate(count, hours),
      basis: count > 0 ? 'observed' : 'not-observed',
      extrapolation: perKind((k, i) => extrapolate(o.blocks[i], o.blockNs, usable[k])),
      ...firstOverflow(o),
      events: o.events.slice(0, 100).map((e) => ({
        atNs: e.atNs,
        cpu: e.cpu,
        stack: e.stack,
        type: e.type,
        ...(e.what ? { what: e.what } : {}),
        frame: e.frame,
      })),
    },
    kstack: kstackHistogram(o),
    frameEvents: o.frameEvents,
    queueEvents: o.queueEvents,
    depthSeries: o.cpus.flatMap((c) =>
      KINDS.filter((k) => k !== 'overflow' || c.maxDepth[2] > 0).map((k) => ({
        cpu: c.cpu,
        stack: k,
        bucketNs: o.seriesBucketNs,
        maxBytes: c.series[KIND_IDX[k]],
      })),
    ),
    deepest: Object.fromEntries(
      KINDS.flatMap((k, i) => {
        const d = deepestOf(o, i);
        return d === null ? [] : [[k, d]];
      }),
    ),
    perTask: o.tasks.map((t) => ({ name: t.name, kind: t.kind, cpu: t.cpu, highWater: t.highWater })),
    notes,
    ...(o.dynamic ? { dynamic: runDynamic(o, o.dynamic) } : {}),
  };
}

function runDynamic(o: SimOutput, d: DynamicRunOutput): RunDynamic {
  const seconds = o.simulatedNs / NS_PER_S;
  const cpuUs = seconds * 1e6 * o.cpus.length;
  const perSecond = (n: number) => (seconds > 0 ? n / seconds : 0);
  return {
    params: d.params,
    allocator: `declared: each refill allocation fails with probability ${d.params.refillFailureP} (refillFailureP; the simulator has no memory pressure of its own)`,
    faults: d.faults,
    faultsPerSecond: perSecond(d.faults),
    refills: d.refills,
    refillFailures: d.refillFailures,
    panics: d.panics,
    panicsPerHour: poissonRate(d.panics, o.simulatedNs / NS_PER_HOUR),
    unmaps: d.unmaps,
    tasks: d.tasks,
    tasksFaulted: d.tasksFaulted,
    faultUs: d.faultUs,
    faultCpuShare: cpuUs > 0 ? d.faultUs / cpuUs : 0,
    pagesMapped: d.pagesMapped,
    kBMapped: d.pagesMapped * 4,
    poolPagesLeft: d.poolPagesLeft,
    panicEvents: d.panicEvents.map((e) => ({
      atNs: e.atNs,
      cpu: e.cpu,
      task: o.tasks[e.task]?.name ?? `task${e.task}`,
      depth: e.depth,
      frame: e.frame,
    })),
  };
}

/** Bytes each stack kind can hold before an overflow (the fast machine's limit: thread_info and STACK_END_MAGIC excluded). */
function usableSizes(o: SimOutput): PerKind<number> {
  const p = o.profile;
  // Dynamic stacks keep no STACK_END_MAGIC: the whole stack is usable.
  const reserved =
    p.stackAllocation === 'dynamic' ? 0 : (p.threadInfo === 'stack-bottom' ? p.THREAD_INFO_SIZE : 0) + 8;
  return {
    task: p.THREAD_SIZE - reserved,
    irq: p.irqStack?.IRQ_STACK_SIZE ?? 0,
    overflow: p.OVERFLOW_STACK_SIZE,
  };
}

function extrapolate(
  blocks: readonly number[],
  blockNs: number,
  limit: number,
): Extrapolation | NoExtrapolation {
  const none = (reason: string): NoExtrapolation => ({
    method: 'gev-block-maxima',
    available: false,
    reason,
  });
  if (limit <= 0) return none('this design has no such stack');
  const used = blocks.filter((b) => b > 0);
  if (used.length < 10)
    return none(
      `${used.length} blocks with frames on this stack; the fit needs at least 10 (simulate longer)`,
    );
  const fit = fitGevPwm(used);
  if (fit === null)
    return none(
      'the deepest point is the same in every block: nothing to fit (the code model has one deepest path)',
    );
  const p = gevExceedance(fit, limit);
  const perBlockHour = NS_PER_HOUR / blockNs;
  return {
    method: 'gev-block-maxima',
    available: true,
    assumption:
      'the deepest point of each block is an independent draw from one GEV distribution (fitted by probability-weighted moments) and the tail keeps that shape past the depths simulated; with xi < 0 the fit has an upper end and no overflow beyond it',
    blocks: used.length,
    blockSeconds: blockNs / NS_PER_S,
    limit,
    mu: fit.mu,
    sigma: fit.sigma,
    xi: fit.xi,
    upperEnd: fit.upperEnd,
    pBlock: p,
    perHour: p >= 1 ? perBlockHour : -Math.log1p(-p) * perBlockHour,
  };
}

function firstOverflow(o: SimOutput): Pick<OverflowResult, 'first'> {
  const e = o.events.find((x) => x.report !== undefined) ?? o.events[0];
  if (e === undefined) return {};
  const first = {
    atNs: e.atNs,
    cpu: e.cpu,
    stack: e.stack,
    type: e.type,
    report:
      e.report ??
      `${e.what ?? e.type} on the ${e.stack} stack, in ${e.frame} (no report: the kernel does not notice)\n`,
  };
  return { first };
}

function atInterrupt(counts: readonly number[]): RunResult['atInterrupt'] {
  const total = counts.reduce((a, b) => a + b, 0);
  const q = (f: number) => {
    let acc = 0;
    for (let i = 0; i < counts.length; i++) {
      acc += counts[i]!;
      if (acc >= f * total) return (i + 1) * HIST_BUCKET;
    }
    return 0;
  };
  let max = 0;
  counts.forEach((c, i) => {
    if (c > 0) max = (i + 1) * HIST_BUCKET;
  });
  return {
    bucketBytes: HIST_BUCKET,
    counts: trimZeros(counts),
    interrupts: total,
    p50: total ? q(0.5) : 0,
    p99: total ? q(0.99) : 0,
    max,
  };
}

/**
 * /proc/vmstat's kstack_* histogram (6.12+, CONFIG_DEBUG_STACK_USAGE): each simulated task counted once
 * in the first bucket its high-water fits, as if it exited at the end of the run; kernel threads
 * (idle, ksoftirqd) never exit and are not counted. Buckets per THREAD_SIZE: ../model/kstack-histogram.ts
 * (a task deeper than THREAD_SIZE fits none: the kernel has no else branch there).
 * @kernel kstack_histogram() kernel/exit.c, vmstat_text[] mm/vmstat.c (6.12)
 */
function kstackHistogram(o: SimOutput): RunResult['kstack'] {
  const counts = kstackCounts(
    o.tasks.filter((t) => t.kind === 'work').map((t) => t.highWater),
    o.threadSize,
  );
  const buckets = [...counts].map(([name, count]) => ({ name, count }));
  return { buckets, text: buckets.map((b) => `${b.name} ${b.count}\n`).join('') };
}

function deepestOf(o: SimOutput, i: number): DeepestStack | null {
  const d = o.deepest[i];
  if (d === null || d === undefined) return null;
  return {
    cpu: d.cpu,
    task: o.tasks[d.task]?.name ?? `task${d.task}`,
    depth: d.depth,
    atNs: d.atNs,
    frames: d.frames.map((f) => ({
      name: o.frameName(f.kind, f.id),
      size: f.size,
      stack: KINDS[f.stackKind]!,
      depth: f.depth,
    })),
  };
}

function trimZeros(a: readonly number[]): number[] {
  let n = a.length;
  while (n > 0 && a[n - 1] === 0) n--;
  return a.slice(0, n);
}

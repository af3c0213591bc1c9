// One simulation run: the scenario's machine built on the fast stack machine, interrupt sources as
// event-queue processes, the CPUs advanced window by window, and the raw measurements out. The
// numbers a user reads (rates with intervals, tables as text) are derived in src/analyze/run.ts.
import { assertTrue } from '../../base/assert.ts';
import { type RunEnd, Simulation } from '../../engine/simulation.ts';
import { RngStreams } from '../../engine/streams.ts';
import { NS_PER_MS, NS_PER_S } from '../../engine/time.ts';
import { MAX_SOFTIRQ_TIME_NS } from '../../model/constants.ts';
import type { KernelProfile } from '../../model/profile.ts';
import type { TracerTable } from '../check-stack.ts';
import { isDynamic } from '../dynamic-pages.ts';
import { CompiledModel } from './compiled.ts';
import { type DynamicRunOutput, SimDynamicStacks } from './dynamic-sim.ts';
import { ExactShadow } from './exact-shadow.ts';
import { FastMachine } from './fast-machine.ts';
import {
  ARR_WAKE,
  KernelSim,
  type SimEvent,
  type SliceRecorder,
  type SourceSpec,
  TASK_IDLE,
  TASK_KSOFTIRQD,
  TASK_WORK,
  type TaskSpec,
} from './kernel-sim.ts';
import type { Scenario } from './scenario.ts';
import { type DeepestSnapshot, SimStats } from './sim-stats.ts';

/** Block length for the block maxima the extreme-value estimate fits. */
export const BLOCK_NS = 100 * NS_PER_MS;
/** Most buckets in a depth-over-time series. */
export const SERIES_BUCKETS = 1000;

export interface SimOptions {
  readonly scenario: Scenario;
  readonly profile: KernelProfile;
  readonly seed: number;
  readonly durationNs: number;
  /** Stop after this many frame events (pushes + pops); the partial result says so. */
  readonly maxFrameEvents?: number;
  /** Stop after this many queue events. */
  readonly maxQueueEvents?: number;
  readonly recorder?: SliceRecorder;
  /** Called after every window with the kernel (property tests check invariants there). */
  readonly inspect?: (sim: KernelSim) => void;
  /** Called about every simulated 10 ms with the time reached. */
  readonly onProgress?: (doneNs: number, totalNs: number) => void;
}

export interface CpuOutput {
  readonly cpu: number;
  /** Deepest bytes per stack kind (task, irq, overflow) on this CPU. */
  readonly maxDepth: readonly [number, number, number];
  /** Episode high-water histograms per kind, HIST_BUCKET-byte buckets. */
  readonly histogram: readonly [number[], number[], number[]];
  /** Softirq actions run, per vector (HI ... RCU). */
  readonly softirqs: readonly number[];
  /** Interrupts taken per source, then resched and call-function IPIs. */
  readonly interrupts: readonly number[];
  readonly ksoftirqdWakeups: number;
  /** Depth over time: the deepest point per bucket, per kind. */
  readonly series: readonly [number[], number[], number[]];
}

export interface SimOutput {
  readonly profile: KernelProfile;
  readonly scenarioName: string;
  readonly seed: number;
  readonly requestedNs: number;
  /** Simulated time actually covered. */
  readonly simulatedNs: number;
  /** Why the run ended: `time` (all of it), `frame-budget`, `event-budget`, `halted` (every CPU panicked). */
  readonly stop: 'time' | 'frame-budget' | 'event-budget' | 'halted';
  readonly frameEvents: number;
  readonly queueEvents: number;
  readonly maxDepth: readonly [number, number, number];
  readonly highwaterWithTracer: readonly [number, number, number];
  readonly deepest: readonly (DeepestSnapshot | null)[];
  readonly crossings: readonly number[];
  readonly overflowEpisodes: readonly [number, number, number];
  readonly atInterrupt: readonly number[];
  readonly events: readonly SimEvent[];
  readonly cpus: readonly CpuOutput[];
  readonly seriesBucketNs: number;
  readonly blockNs: number;
  /** Block maxima per kind (over all CPUs). */
  readonly blocks: readonly [number[], number[], number[]];
  readonly tracer: {
    readonly enabled: boolean;
    readonly table: TracerTable | null;
    readonly maxSize: number;
    readonly samples: number;
    readonly offStackSamples: number;
    readonly offStackMaxThisSize: number;
    readonly interrupted: number;
    readonly interruptedOpen: number;
  };
  readonly tasks: readonly {
    readonly name: string;
    readonly kind: 'idle' | 'ksoftirqd' | 'work';
    readonly cpu: number;
    readonly highWater: number;
  }[];
  readonly sources: readonly string[];
  readonly reboots: number;
  /** Name of each frame of a snapshot (for reports). */
  readonly frameName: (kind: number, id: number) => string;
  readonly threadSize: number;
  readonly irqStackSize: number;
  /** Dynamic task stacks (stackAllocation `dynamic`): faults, refills, panics. */
  readonly dynamic?: DynamicRunOutput;
}

/** Builds the task list: swapper/N and ksoftirqd/N per CPU, then the scenario's tasks. */
function buildTasks(s: Scenario, code: CompiledModel): TaskSpec[] {
  const none = new Int32Array(0);
  const tasks: TaskSpec[] = [];
  for (let c = 0; c < s.cpus; c++)
    tasks.push({
      name: `swapper/${c}`,
      kind: TASK_IDLE,
      cpu: c,
      think: null,
      thinkScale: 0,
      syscalls: none,
      weights: new Float64Array(0),
    });
  for (let c = 0; c < s.cpus; c++)
    tasks.push({
      name: `ksoftirqd/${c}`,
      kind: TASK_KSOFTIRQD,
      cpu: c,
      think: null,
      thinkScale: 0,
      syscalls: none,
      weights: new Float64Array(0),
    });
  for (const t of s.tasks) {
    const think = code.sampler(t.think);
    const syscalls = Int32Array.from(t.syscalls.map((x) => code.index.get(x.call)!));
    const weights = new Float64Array(t.syscalls.length);
    let acc = 0;
    t.syscalls.forEach((x, i) => {
      acc += x.weight;
      weights[i] = acc;
    });
    for (let k = 0; k < t.count; k++)
      tasks.push({
        name: t.count > 1 ? `${t.name}-${k}` : t.name,
        kind: TASK_WORK,
        cpu: t.cpu,
        think: think.table,
        thinkScale: think.scale,
        syscalls,
        weights,
      });
  }
  return tasks;
}

export function simulate(opts: SimOptions): SimOutput {
  const { scenario: s, profile } = opts;
  assertTrue(opts.durationNs > 0, 'simulate: duration must be positive');
  const code = new CompiledModel(s.codeModel);
  const tasks = buildTasks(s, code);
  const fm = new FastMachine(profile, code, s.cpus, tasks.length);
  const shadow = new ExactShadow(profile, code, s.cpus, tasks.length);
  const stats = new SimStats(fm, s.cpus, tasks.length);
  const streams = new RngStreams(opts.seed);
  const tickNs = NS_PER_S / s.hz;
  const fnId = (n: string | undefined) => (n === undefined ? -1 : code.index.get(n)!);
  const sources: SourceSpec[] = [
    { name: 'arch_timer', handler: fnId(s.timer.handler), isTimer: true, onlyIdle: false },
    ...s.irqs.map((q) => ({ name: q.name, handler: fnId(q.handler), isTimer: false, onlyIdle: false })),
  ];
  if (s.idleTimerRate > 0)
    sources.push({ name: 'idle timers', handler: fnId(s.timer.handler), isTimer: false, onlyIdle: true });
  const sim = new KernelSim({
    profile,
    code,
    fm,
    shadow,
    stats,
    tasks,
    sources,
    rngs: Array.from({ length: s.cpus }, (_, c) => streams.stream('cpu', c)),
    tickNs,
    timesliceNs: s.timeslice,
    preempt: s.preempt,
    nohzIdle: s.nohzIdle,
    stackTracer: s.stackTracer,
    tracerCost: s.stackTracerCost,
    tracerOpen: s.stackTracerOpen,
    ipiHandler: [fnId(s.ipi.resched), fnId(s.ipi['call-function'])],
    ipiLatencyNs: s.ipiLatency,
    panic: s.panic,
    softirqJiffies: Math.ceil(MAX_SOFTIRQ_TIME_NS / tickNs),
    deferToKsoftirqd: profile.softirq.deferToKsoftirqd ?? false,
    dynamic: isDynamic(profile) ? SimDynamicStacks.forRun(fm, profile, opts.seed) : null,
  });
  if (opts.recorder) sim.recorder = opts.recorder;
  stats.clock = () => sim.now;
  const engine = new Simulation(['timer', 'device', 'ipi', 'wake']);
  scheduleSources(engine, sim, s, streams, tickNs);
  return runWindows(opts, { engine, sim, fm, stats, shadow, code, tasks, sources });
}

/** The interrupt sources as queue processes: each arrival lands in its CPU's inbox. */
function scheduleSources(
  engine: Simulation,
  sim: KernelSim,
  s: Scenario,
  streams: RngStreams,
  tickNs: number,
): void {
  const timer = engine.priority('timer');
  const device = engine.priority('device');
  for (let c = 0; c < s.cpus; c++) {
    // CPUs' ticks are spread over one period (a fixed phase per CPU).
    const phase = (tickNs * (c + 1)) / (s.cpus + 1);
    const tickAt = (at: number) =>
      engine.at(
        at,
        timer,
        () => {
          sim.inbox[c]!.add(at, 0, 0);
          tickAt(at + tickNs);
        },
        'tick',
      );
    tickAt(phase);
  }
  s.irqs.forEach((q, i) => {
    const rng = streams.stream('irq', i);
    const mask = q.cpus ?? Array.from({ length: s.cpus }, (_, c) => c);
    const mean = NS_PER_S / q.rate;
    const next = (from: number) => {
      const at = from + rng.exponential(mean);
      engine.at(
        at,
        device,
        () => {
          sim.inbox[mask[mask.length === 1 ? 0 : rng.int(mask.length)]!]!.add(at, 1 + i, 0);
          next(at);
        },
        q.name,
      );
    };
    next(0);
  });
  if (s.idleTimerRate > 0) {
    const src = 1 + s.irqs.length;
    for (let c = 0; c < s.cpus; c++) {
      const rng = streams.stream('idle-timer', c);
      const next = (from: number) => {
        const at = from + rng.exponential(NS_PER_S / s.idleTimerRate);
        engine.at(
          at,
          device,
          () => {
            sim.inbox[c]!.add(at, src, 0);
            next(at);
          },
          'idle timer',
        );
      };
      next(0);
    }
  }
}

interface Parts {
  readonly engine: Simulation;
  readonly sim: KernelSim;
  readonly fm: FastMachine;
  readonly stats: SimStats;
  readonly shadow: ExactShadow;
  readonly code: CompiledModel;
  readonly tasks: readonly TaskSpec[];
  readonly sources: readonly SourceSpec[];
}

function runWindows(opts: SimOptions, p: Parts): SimOutput {
  const { scenario: s } = opts;
  const { engine, sim, fm } = p;
  const window = s.window;
  const total = opts.durationNs;
  const bucketNs = Math.max(window, Math.ceil(total / SERIES_BUCKETS / window) * window);
  const nb = Math.ceil(total / bucketNs);
  const series = Array.from({ length: s.cpus * 3 }, () => new Array<number>(nb).fill(0));
  const blocks: [number[], number[], number[]] = [[], [], []];
  const blockCur = [0, 0, 0];
  const ipi = engine.priority('ipi');
  const wake = engine.priority('wake');
  const maxFrames = opts.maxFrameEvents ?? Number.POSITIVE_INFINITY;
  const taskCpu = Int32Array.from(p.tasks.map((t) => t.cpu));
  let stop: SimOutput['stop'] = 'time';
  let now = 0;
  let nowBlock = 0; // Math.floor(now / BLOCK_NS)
  let nextProgress = 10 * NS_PER_MS;
  // Most windows have no arrival to hand out: the queue runs only when its next event is due.
  let due = engine.nextAt() ?? Number.POSITIVE_INFINITY;
  while (now < total) {
    const wEnd = Math.min(total, now + window);
    if (due <= wEnd) {
      const r: RunEnd = engine.run({
        untilNs: wEnd,
        ...(opts.maxQueueEvents ? { maxEvents: opts.maxQueueEvents - engine.events } : {}),
      });
      due = engine.nextAt() ?? Number.POSITIVE_INFINITY;
      if (r.reason === 'events') {
        stop = 'event-budget';
        if (now > 0)
          foldWindow(fm, taskCpu, series, Math.min(nb - 1, Math.floor((now - 1) / bucketNs)), blockCur);
        break;
      }
    }
    for (let c = 0; c < s.cpus; c++) {
      sim.now = now;
      sim.runCpu(c, wEnd);
    }
    if (sim.ipiOut.length > 0 || sim.wakeOut.length > 0) {
      handOff(engine, sim, wEnd, ipi, wake);
      due = engine.nextAt() ?? Number.POSITIVE_INFINITY;
    }
    opts.inspect?.(sim);
    if (fm.frameEvents >= maxFrames) stop = 'frame-budget';
    else if (allHalted(fm)) stop = 'halted';
    // The stacks' maxima are folded once a series bucket or a block is over, not every window (a
    // loop over every stack): the maximum over several windows is the maximum of theirs, each with
    // the depth live at its start (carryLive), so the series and blocks come out the same.
    const bucket = Math.min(nb - 1, Math.floor(now / bucketNs));
    const wBlock = Math.floor(wEnd / BLOCK_NS);
    const last = wEnd >= total || stop !== 'time';
    if (last || wBlock > nowBlock || Math.min(nb - 1, Math.floor(wEnd / bucketNs)) !== bucket) {
      foldWindow(fm, taskCpu, series, bucket, blockCur);
    } else carryLive(fm);
    if (wBlock > nowBlock || wEnd >= total) {
      for (let k = 0; k < 3; k++) {
        blocks[k as 0 | 1 | 2].push(blockCur[k]!);
        blockCur[k] = 0;
      }
    }
    nowBlock = wBlock;
    now = wEnd;
    if (opts.onProgress && now >= nextProgress) {
      opts.onProgress(now, total);
      nextProgress = now + 10 * NS_PER_MS;
    }
    if (stop !== 'time') break;
  }
  return output(opts, p, { now, stop, series, blocks, bucketNs });
}

/** The IPIs and wakeups the CPUs raised in the window just run: queue events, no earlier than its end. */
function handOff(engine: Simulation, sim: KernelSim, wEnd: number, ipi: number, wake: number): void {
  for (const e of sim.ipiOut) {
    const kind = e.kind;
    const cpu = e.cpu;
    engine.at(Math.max(e.at, wEnd), ipi, () => sim.inbox[cpu]!.add(Math.max(e.at, wEnd), kind, 0), 'ipi');
  }
  sim.ipiOut.length = 0;
  for (const e of sim.wakeOut) {
    const { cpu, task } = e;
    const at = Math.max(e.at, wEnd);
    engine.at(at, wake, () => sim.inbox[cpu]!.add(at, ARR_WAKE, task), 'wake');
  }
  sim.wakeOut.length = 0;
}

function allHalted(fm: FastMachine): boolean {
  for (let c = 0; c < fm.cpus.length; c++) if (!fm.cpus[c]!.halted) return false;
  return true;
}

/** Folds one window's per-stack maxima into the per-CPU series bucket and the current block. */
function foldWindow(
  fm: FastMachine,
  taskCpu: Int32Array,
  series: number[][],
  b: number,
  blockCur: number[],
): void {
  const w = fm.windowMax;
  for (let st = 0; st < w.length; st++) {
    const d = w[st]!;
    if (d === 0) continue;
    const kind = fm.stackKind[st]!;
    // A task stack belongs to its task's CPU (tasks do not migrate); IRQ and overflow stacks to theirs.
    const cpu = kind === 0 ? taskCpu[st]! : fm.owner[st]!;
    w[st] = 0;
    const row = series[cpu * 3 + kind]!;
    if (d > row[b]!) row[b] = d;
    if (d > blockCur[kind]!) blockCur[kind] = d;
  }
  // What is live at the window's end counts in the next window too, even if nothing more is pushed.
  for (const cpu of fm.cpus) w[cpu.stack] = cpu.depth;
}

/** What is live at a window's end counts in the next window too, even if nothing more is pushed. */
function carryLive(fm: FastMachine): void {
  const w = fm.windowMax;
  for (const cpu of fm.cpus) if (cpu.depth > w[cpu.stack]!) w[cpu.stack] = cpu.depth;
}

function output(
  opts: SimOptions,
  p: Parts,
  r: {
    now: number;
    stop: SimOutput['stop'];
    series: number[][];
    blocks: [number[], number[], number[]];
    bucketNs: number;
  },
): SimOutput {
  const { sim, fm, stats, shadow, tasks, sources, engine } = p;
  const s = opts.scenario;
  const nb = stats.nBuckets;
  const cpus: CpuOutput[] = fm.cpus.map((cpu) => {
    const c = cpu.id;
    const hist = (k: number) => Array.from(stats.hist.subarray((c * 3 + k) * nb, (c * 3 + k + 1) * nb));
    const nSrc = sources.length;
    return {
      cpu: c,
      maxDepth: [stats.cpuMax[c * 3]!, stats.cpuMax[c * 3 + 1]!, stats.cpuMax[c * 3 + 2]!],
      histogram: [hist(0), hist(1), hist(2)],
      softirqs: Array.from(sim.softirqCount.subarray(c * 10, c * 10 + 10)),
      interrupts: Array.from(sim.irqCount.subarray(c * (nSrc + 2), (c + 1) * (nSrc + 2))),
      ksoftirqdWakeups: sim.ksoftirqdWakeups[c]!,
      series: [r.series[c * 3]!, r.series[c * 3 + 1]!, r.series[c * 3 + 2]!],
    };
  });
  return {
    profile: opts.profile,
    scenarioName: s.name,
    seed: opts.seed,
    requestedNs: opts.durationNs,
    simulatedNs: r.now,
    stop: r.stop,
    frameEvents: fm.frameEvents,
    queueEvents: engine.events,
    maxDepth: [stats.globalMax[0]!, stats.globalMax[1]!, stats.globalMax[2]!],
    highwaterWithTracer: [
      sim.tracer.highwaterWithTracer[0]!,
      sim.tracer.highwaterWithTracer[1]!,
      sim.tracer.highwaterWithTracer[2]!,
    ],
    deepest: stats.deepest,
    crossings: Array.from(stats.crossings),
    overflowEpisodes: [stats.overflowEpisodes[0]!, stats.overflowEpisodes[1]!, stats.overflowEpisodes[2]!],
    atInterrupt: Array.from(stats.atInterrupt),
    events: sim.events,
    cpus,
    seriesBucketNs: r.bucketNs,
    blockNs: BLOCK_NS,
    blocks: r.blocks,
    tracer: {
      enabled: s.stackTracer,
      table: shadow.table,
      maxSize: shadow.tracer.maxSize,
      samples: sim.tracer.samples,
      offStackSamples: sim.tracer.offStackSamples,
      offStackMaxThisSize: sim.tracer.offStackMaxThisSize,
      interrupted: sim.tracer.interrupted,
      interruptedOpen: sim.tracer.interruptedOpen,
    },
    tasks: tasks.map((t, i) => ({
      name: t.name,
      kind: t.kind === TASK_IDLE ? 'idle' : t.kind === TASK_KSOFTIRQD ? 'ksoftirqd' : 'work',
      cpu: t.cpu,
      highWater: Math.max(stats.taskLifeMax[i]!, fm.episodeMax[i]!),
    })),
    sources: [...sources.map((x) => x.name), 'IPI resched', 'IPI call-function'],
    reboots: sim.reboots,
    frameName: (kind, id) => fm.frameName(kind, id),
    threadSize: opts.profile.THREAD_SIZE,
    irqStackSize: opts.profile.irqStack?.IRQ_STACK_SIZE ?? 0,
    ...(sim.cfg.dynamic ? { dynamic: sim.cfg.dynamic.output() } : {}),
  };
}

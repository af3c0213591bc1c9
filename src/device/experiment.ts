// One page-allocator experiment: a device, a kernel mode, a stack strategy and a workload, run from a
// seed to a number of measured forks. The result carries what /proc would show (buddyinfo,
// pagetypeinfo, vmstat, the extfrag indices) as data, plus fork latency and failures. Printing the
// /proc formats is done by src/formats; rendering tables by src/report.
import { Rng } from '../engine/rng.ts';
import { poissonRate } from '../engine/stats.ts';
import { checkZone } from '../mm/check.ts';
import { MAX_ORDER } from '../mm/constants.ts';
import { fragmentationIndex, unusableFreeIndex } from '../mm/frag-index.ts';
import {
  LRU_ACTIVE_ANON,
  LRU_ACTIVE_FILE,
  LRU_INACTIVE_ANON,
  LRU_INACTIVE_FILE,
  POOL_SLAB_RECLAIMABLE,
} from '../mm/lru.ts';
import {
  type KernelMode,
  MIGRATE_MOVABLE,
  MIGRATE_RECLAIMABLE,
  MIGRATE_TYPES,
  MIGRATE_UNMOVABLE,
  MIGRATETYPE_NAMES,
  printedMigratetypes,
} from '../mm/migratetype.ts';
import { MmNode, type MmParams } from '../mm/node.ts';
import {
  kindIsMovable,
  PG_FREE,
  PG_PCP,
  PG_RESERVED,
  PG_SLAB_RECLAIMABLE,
  PG_TAIL,
} from '../mm/page-kind.ts';
import type { VmEvents } from '../mm/vmstat.ts';
import {
  checkDynamicStackParams,
  DEFAULT_DYNAMIC_STACK,
  type DynamicStackParams,
} from '../model/dynamic-stack-params.ts';
import { DEVICES, type DeviceId, type DeviceSpec, deviceParams } from './devices.ts';
import type { DynamicStackStats } from './dynamic-stacks.ts';
import type { StackStrategy } from './kernel-stacks.ts';
import { BUILTIN_DEPTHS, DEFAULT_DEPTHS, type StackDepths } from './stack-depths.ts';
import { SCENARIOS, type ScenarioId, Workload } from './workloads.ts';

export interface MmRunOptions {
  readonly device: DeviceId | DeviceSpec;
  readonly stacks: StackStrategy;
  /** Kernel mode; the device's own mode when absent. */
  readonly mode?: KernelMode;
  readonly scenario?: ScenarioId;
  readonly seed: number;
  /** Task creations to measure after the warm-up. */
  readonly forks: number;
  /** Launches (android) / compiles (build) of warm-up ageing before measuring; scenario default if absent. */
  readonly warmup?: number;
  /**
   * Stacks used while ageing: 'native' (default) = the device kernel's own (16 KB in 2015 mode,
   * VMAP in 6.1), so every strategy starts from the same aged memory; 'same' = the measured strategy
   * from boot on.
   */
  readonly ageWith?: 'native' | 'same';
  /** Parameter overrides applied after the device's (e.g. costs, pageblockOrder). */
  readonly params?: Partial<MmParams>;
  /** Dynamic stacks: the design's parameters and how deep tasks get. */
  readonly dynamic?: DynamicOptions;
  readonly onProgress?: (done: number, total: number) => void;
}

/** How a dynamic-stack run is set up; each field defaults (DEFAULT_DYNAMIC_STACK, DEFAULT_DEPTHS). */
export interface DynamicOptions {
  readonly params?: Partial<DynamicStackParams>;
  readonly depths?: StackDepths;
}

/** What a dynamic-stack run adds to its result. */
export interface DynamicRunResult {
  readonly params: DynamicStackParams;
  readonly depths: { readonly id: string; readonly source: string; readonly tasksByPages: readonly number[] };
  readonly stats: DynamicStackStats;
  /** Pages in the per-CPU pools at the end. */
  readonly poolPages: number;
  /** Live dynamic stacks at the end. */
  readonly liveStacks: number;
  /**
   * Pages a task's stack holds once it has run (the fork-time pages and its faults that found a
   * page), averaged over the window's tasks: the design's figure for a long-lived task.
   */
  readonly pagesPerStack: number;
  /** Stack faults per second of the measured window. */
  readonly faultsPerSecond: number;
  /**
   * Probability of at least one panic (a fault on an empty pool) in one device-hour, from the panics
   * counted over the measured window: 1 - exp(-rate) with the exact Poisson (Garwood) 95 % interval.
   */
  readonly panicPerDeviceHour: { readonly estimate: number; readonly low: number; readonly high: number };
}

export interface Percentiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
}

export interface ZoneSnapshot {
  readonly zone: string;
  readonly nrFree: readonly number[];
  /** free_list counts per printed migratetype (pagetypeinfo rows). */
  readonly freeByType: readonly { readonly type: string; readonly counts: readonly number[] }[];
  readonly blockTypes: readonly string[];
  readonly blockCounts: readonly number[];
  readonly mixedCounts: readonly number[];
  readonly pageblockOrder: number;
  readonly unusableIndex: readonly number[];
  readonly extfragIndex: readonly number[];
}

export interface MmRunResult {
  readonly device: string;
  readonly mode: KernelMode;
  readonly stacks: StackStrategy;
  readonly scenario: ScenarioId;
  readonly seed: number;
  /** Stacks used during the warm-up, and its length (launches or compiles). */
  readonly agedWith: StackStrategy;
  readonly warmup: number;
  readonly virtualSeconds: number;
  readonly measuredSeconds: number;
  readonly watermarks: {
    readonly minFreeKbytes: number;
    readonly min: number;
    readonly low: number;
    readonly high: number;
  };
  readonly forks: {
    readonly measured: number;
    readonly failed: number;
    /** Forks whose allocations entered the page allocator's slow path. */
    readonly slowpath: number;
    readonly latencyUs: Percentiles;
  };
  readonly stackAllocs: {
    readonly allocs: number;
    readonly slowpath: number;
    readonly compactStalls: number;
    readonly directReclaims: number;
    readonly failures: number;
    readonly cacheHits: number;
    readonly cacheMisses: number;
  };
  /** Event counters over the measured window (after - before), kernel names. */
  readonly window: Readonly<Record<string, number>>;
  /** /proc/vmstat at the end, in the mode's order and names. */
  readonly vmstat: readonly { readonly name: string; readonly value: number }[];
  readonly zone: ZoneSnapshot;
  readonly memory: {
    readonly managedPages: number;
    readonly freePages: number;
    readonly pcpPages: number;
    readonly anonPages: number;
    readonly filePages: number;
    readonly slabUnreclaimablePages: number;
    readonly slabReclaimablePages: number;
    readonly zramPoolPages: number;
    readonly zramStoredPages: number;
    readonly kernelStackPages: number;
    readonly liveTasks: number;
    readonly liveProcs: number;
  };
  readonly background: { readonly kswapdCpuMs: number; readonly kcompactdCpuMs: number };
  readonly kills: { readonly oom: number; readonly lmk: number };
  readonly invariantViolations: readonly string[];
  /** The simulated kernel livelocked before every fork was measured. */
  readonly stall?: MmStall | undefined;
  /** The zone sampled over the measured window (for the report's memory view). */
  readonly timeline?: MmTimeline;
  /** Dynamic stacks only. */
  readonly dynamic?: DynamicRunResult | undefined;
}

/**
 * The zone over the measured window, sampled about TIMELINE_SAMPLES times at fixed fork counts:
 * /proc/buddyinfo's free blocks per order, free pages per migratetype (pagetypeinfo summed over
 * orders), and the slow-path events of each interval (deltas of the kernel's counters).
 */
export interface MmTimeline {
  /** Virtual seconds since the measured window began, per sample. */
  readonly seconds: readonly number[];
  /** Forks measured at each sample. */
  readonly forks: readonly number[];
  /** Free blocks per order at each sample: nrFree[sample][order]. */
  readonly nrFree: readonly (readonly number[])[];
  /** Free pages per migratetype at each sample. */
  readonly freeByType: readonly { readonly type: string; readonly pages: readonly number[] }[];
  /** Events in the interval ending at each sample (the first sample's interval is empty). */
  readonly events: readonly { readonly name: string; readonly counts: readonly number[] }[];
}

export const TIMELINE_SAMPLES = 120;

/** The interval counters the timeline keeps, by kernel name, and what each counts. */
export const TIMELINE_EVENTS = [
  ['stack_slowpath', 'stack allocations that entered the slow path'],
  ['compact_stall', 'direct compactions'],
  ['allocstall', 'direct reclaims'],
  ['pageoutrun', 'kswapd runs'],
] as const;

class TimelineRecorder {
  private readonly seconds: number[] = [];
  private readonly forks: number[] = [];
  private readonly nrFree: number[][] = [];
  private readonly byType: number[][];
  private readonly events: number[][] = TIMELINE_EVENTS.map(() => []);
  private last: number[] | null = null;
  private readonly types: number[];
  next = 0;

  constructor(
    private readonly node: MmNode,
    private readonly w: Workload,
    private readonly every: number,
    private readonly t0: number,
  ) {
    this.types = printedMigratetypes(node.zone.mode, node.zone.configCma, node.zone.configIsolate);
    this.byType = this.types.map(() => []);
  }

  private counters(): number[] {
    const vm = this.node.zone.vm;
    return [this.w.stacks.stats.slowpath, vm.compact_stall, vm.allocstall, vm.pageoutrun];
  }

  sample(forks: number): void {
    const z = this.node.zone;
    this.seconds.push((this.node.now - this.t0) / 1e6);
    this.forks.push(forks);
    this.nrFree.push(Array.from(z.nrFree));
    this.types.forEach((mt, i) => {
      let pages = 0;
      for (let o = 0; o < MAX_ORDER; o++) pages += z.nrFreeList[o * MIGRATE_TYPES + mt]! << o;
      this.byType[i]!.push(pages);
    });
    const now = this.counters();
    now.forEach((v, i) => {
      this.events[i]!.push(this.last ? v - this.last[i]! : 0);
    });
    this.last = now;
    this.next = forks + this.every;
  }

  lastForks(): number | undefined {
    return this.forks[this.forks.length - 1];
  }

  result(): MmTimeline {
    return {
      seconds: this.seconds,
      forks: this.forks,
      nrFree: this.nrFree,
      freeByType: this.types.map((mt, i) => ({ type: MIGRATETYPE_NAMES[mt]!, pages: this.byType[i]! })),
      events: TIMELINE_EVENTS.map(([name], i) => ({ name, counts: this.events[i]! })),
    };
  }
}

/** Cap on events processed (a run that stops producing forks ends instead of spinning). */
const MAX_EVENTS = 50_000_000;
/**
 * Direct reclaims and compactions with no fork (or warm-up launch) completed in between: the simulated
 * kernel is livelocked (2015's order <= 3 allocations never fail, they retry), so the run ends there
 * and says so instead of spinning for minutes. A heavily loaded healthy run stays far below it.
 */
const STALL_SLOWPATH = 10_000;
/**
 * Events with no fork measured in between (10x that for a warm-up launch). Healthy runs of every
 * device see at most ~600 (4,000-fork runs, 16k and vmap); a run past this is going nowhere.
 */
const STALL_EVENTS = 200_000;

/** Why a run ended before it measured every fork. */
export interface MmStall {
  readonly phase: 'warm-up' | 'forks';
  /** Forks measured (or launches done in the warm-up) when it stopped. */
  readonly done: number;
  readonly wanted: number;
  /** Direct reclaims + compactions, and events, since the last fork (or launch) completed. */
  readonly slowpathEntries: number;
  readonly events: number;
}

/** Watches one loop for a stall: `done` (forks or launches) not moving while the allocator works on. */
class StallWatch {
  private done: number;
  private mark: number;
  private lastEvent: number;

  constructor(
    private readonly vm: VmEvents,
    private readonly phase: MmStall['phase'],
    private readonly wanted: number,
    private readonly maxEvents: number,
    done: number,
    events: number,
  ) {
    this.done = done;
    this.mark = this.work();
    this.lastEvent = events;
  }

  private work(): number {
    return this.vm.allocstall + this.vm.compact_stall;
  }

  /** The stall after `events` events with `done` done, or undefined while there is progress. */
  check(done: number, events: number): MmStall | undefined {
    if (done !== this.done) {
      this.done = done;
      this.mark = this.work();
      this.lastEvent = events;
      return undefined;
    }
    const slowpathEntries = this.work() - this.mark;
    const idle = events - this.lastEvent;
    if (slowpathEntries <= STALL_SLOWPATH && idle <= this.maxEvents) return undefined;
    return { phase: this.phase, done, wanted: this.wanted, slowpathEntries, events: idle };
  }
}

export function percentiles(values: Float64Array, n: number): Percentiles {
  if (n === 0) return { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  const a = values.slice(0, n).sort();
  const at = (q: number) => a[Math.min(n - 1, Math.floor(q * n))]!;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += a[i]!;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: a[n - 1]!, mean: sum / n };
}

/** The stacks a mode's real arm64 kernel uses: 16 KB direct in 2015, VMAP_STACK in 6.1 (PA §0). */
export function nativeStacks(mode: KernelMode): StackStrategy {
  return mode === '6.1' ? 'vmap' : '16k';
}

/** A device after its warm-up, ready to be measured (possibly several times, from copies). */
export interface AgedDevice {
  readonly device: DeviceSpec;
  readonly mode: KernelMode;
  readonly scenario: ScenarioId;
  readonly seed: number;
  readonly agedWith: StackStrategy;
  readonly warmup: number;
  readonly workload: Workload;
  events: number;
  /** The warm-up livelocked (see STALL_SLOWPATH): nothing can be measured after it. */
  readonly stall?: MmStall | undefined;
}

/** Boots the device and runs the warm-up (ageing) part of the workload. */
export function ageDevice(
  o: Omit<MmRunOptions, 'forks' | 'stacks'> & { readonly stacks: StackStrategy },
): AgedDevice {
  const device = typeof o.device === 'string' ? DEVICES[o.device] : o.device;
  const mode = o.mode ?? device.mode;
  const params: MmParams = { ...deviceParams(device, mode), ...o.params, mode };
  const scenario = o.scenario ?? device.defaultScenario;
  const agedWith = o.ageWith === 'same' ? o.stacks : nativeStacks(mode);
  const node = new MmNode(params, o.seed);
  const w = new Workload(node, SCENARIOS[scenario], agedWith, new Rng(o.seed ^ 0x5eed), device.lmkMinfreeMB);
  if (agedWith === 'dynamic') {
    const p = dynamicParams(o.dynamic);
    w.stacks.useDynamic(p, o.dynamic?.depths ?? BUILTIN_DEPTHS[DEFAULT_DEPTHS], o.seed);
  }
  w.boot();
  const warmup = o.warmup ?? w.spec.warmup;
  let events = 0;
  let stall: MmStall | undefined;
  const watch = new StallWatch(node.zone.vm, 'warm-up', warmup, 10 * STALL_EVENTS, w.launches, events);
  while (w.launches < warmup && events++ < MAX_EVENTS && w.step()) {
    if (o.onProgress && (events & 0xffff) === 0) o.onProgress(-w.launches, warmup);
    stall = watch.check(w.launches, events);
    if (stall) break;
  }
  return { device, mode, scenario, seed: o.seed, agedWith, warmup, workload: w, events, stall };
}

/**
 * Measures `forks` task creations with `stacks` on a copy of the aged device (the aged state itself
 * is left untouched, so it can serve the next strategy).
 */
export function measureForks(
  aged: AgedDevice,
  stacks: StackStrategy,
  forks: number,
  onProgress?: (done: number, total: number) => void,
  dynamic: DynamicOptions = {},
): MmRunResult {
  const w = aged.workload.clone();
  if (stacks === 'dynamic' && w.stacks.dynamic === undefined)
    w.stacks.useDynamic(dynamicParams(dynamic), dynamic.depths ?? BUILTIN_DEPTHS[DEFAULT_DEPTHS], aged.seed);
  else w.stacks.strategy = stacks;
  const node = w.node;
  const before = node.zone.vm.clone();
  const st0 = { ...w.stacks.stats };
  const t0 = node.now;
  w.measuring = true;
  let events = aged.events;
  let lastReport = 0;
  let stall = aged.stall;
  const watch = new StallWatch(node.zone.vm, 'forks', forks, STALL_EVENTS, w.measuredForks, events);
  const timeline = new TimelineRecorder(node, w, Math.max(1, Math.ceil(forks / TIMELINE_SAMPLES)), t0);
  timeline.sample(w.measuredForks);
  while (stall === undefined && w.measuredForks < forks && events++ < MAX_EVENTS && w.step()) {
    if (w.measuredForks >= timeline.next) timeline.sample(w.measuredForks);
    if (onProgress && w.measuredForks - lastReport >= 500) {
      lastReport = w.measuredForks;
      onProgress(w.measuredForks, forks);
    }
    stall = watch.check(w.measuredForks, events);
  }
  onProgress?.(Math.min(w.measuredForks, forks), forks);
  if (timeline.lastForks() !== w.measuredForks) timeline.sample(w.measuredForks);
  const z = node.zone;
  const st = w.stacks.stats;
  const r = w.records;
  let slow = 0;
  for (let i = 0; i < r.count; i++) slow += r.slowpath[i]!;
  return {
    device: aged.device.id,
    mode: aged.mode,
    stacks,
    scenario: aged.scenario,
    seed: aged.seed,
    agedWith: aged.agedWith,
    warmup: aged.warmup,
    virtualSeconds: node.now / 1e6,
    measuredSeconds: (node.now - t0) / 1e6,
    watermarks: { minFreeKbytes: node.minFreeKbytes, min: z.wmarkMin, low: z.wmarkLow, high: z.wmarkHigh },
    forks: {
      measured: w.measuredForks,
      failed: w.measuredFailures,
      slowpath: slow,
      latencyUs: percentiles(r.latencyUs, r.count),
    },
    stackAllocs: {
      allocs: st.allocs - st0.allocs,
      slowpath: st.slowpath - st0.slowpath,
      compactStalls: st.compactStalls - st0.compactStalls,
      directReclaims: st.directReclaims - st0.directReclaims,
      failures: st.failures - st0.failures,
      cacheHits: st.cacheHits - st0.cacheHits,
      cacheMisses: st.cacheMisses - st0.cacheMisses,
    },
    window: diffEvents(before, z.vm),
    vmstat: vmstatLines(node, w),
    zone: zoneSnapshot(node),
    memory: {
      managedPages: z.managed,
      freePages: z.freePages,
      pcpPages: z.pcpPages,
      anonPages: node.lru.anonPages,
      filePages: node.lru.filePages,
      slabUnreclaimablePages: w.slabs.pages,
      slabReclaimablePages: node.lru.count[POOL_SLAB_RECLAIMABLE]!,
      zramPoolPages: node.zram.poolPages,
      zramStoredPages: node.zram.stored,
      kernelStackPages: w.stacks.pagesHeld,
      liveTasks: w.liveTasks,
      liveProcs: w.liveProcs,
    },
    background: { kswapdCpuMs: node.kswapd.cpuUs / 1000, kcompactdCpuMs: node.kcompactd.cpuUs / 1000 },
    kills: { oom: z.vm.oom_kill, lmk: z.vm.lmk_kill },
    invariantViolations: checkZone(z),
    stall,
    timeline: timeline.result(),
    dynamic: w.stacks.dynamic && dynamicResult(w, (node.now - t0) / 1e6),
  };
}

function pagesPerTask(p: DynamicStackParams, st: DynamicStackStats): number {
  if (st.tasks === 0) return p.pagesAtFork;
  if (p.unmapOnReturnToUser) return p.pagesAtFork;
  return p.pagesAtFork + (st.faults - st.panics) / st.tasks;
}

/** The dynamic-stack parameters of a run: defaults with the overrides, checked. */
function dynamicParams(o: DynamicOptions | undefined): DynamicStackParams {
  const p: DynamicStackParams = { ...DEFAULT_DYNAMIC_STACK, ...o?.params };
  const bad = checkDynamicStackParams(p);
  if (bad !== undefined) throw new RangeError(`dynamic stacks: ${bad}`);
  return p;
}

function dynamicResult(w: Workload, seconds: number): DynamicRunResult {
  const d = w.stacks.dynamic!;
  const st = { ...d.stats };
  let poolPages = 0;
  for (let c = 0; c < w.node.params.nrCpus; c++) poolPages += d.poolSize(c);
  const perHour = seconds > 0 ? poissonRate(st.panics, seconds / 3600) : { estimate: 0, low: 0, high: 1 };
  const p = (rate: number) => (Number.isFinite(rate) ? 1 - Math.exp(-rate) : 1);
  return {
    params: d.params,
    depths: { id: d.depths.id, source: d.depths.source, tasksByPages: d.depths.tasksByPages },
    stats: st,
    poolPages,
    liveStacks: w.stacks.dynamicLive,
    pagesPerStack: pagesPerTask(d.params, st),
    faultsPerSecond: seconds > 0 ? st.faults / seconds : 0,
    panicPerDeviceHour: { estimate: p(perHour.estimate), low: p(perHour.low), high: p(perHour.high) },
  };
}

/** One experiment: age the device, then measure `forks` forks with `stacks`. */
export function runMmExperiment(o: MmRunOptions): MmRunResult {
  return measureForks(ageDevice(o), o.stacks, o.forks, o.onProgress, o.dynamic);
}

function diffEvents(a: VmEvents, b: VmEvents): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(b) as (keyof VmEvents)[]) {
    const v = b[k];
    if (typeof v === 'number') out[k] = v - (a[k] as number);
  }
  return out;
}

/** The zone as /proc/buddyinfo and /proc/pagetypeinfo show it, with the debugfs indices. */
export function zoneSnapshot(node: MmNode): ZoneSnapshot {
  const z = node.zone;
  const nrFree = Array.from(z.nrFree);
  const types = printedMigratetypes(z.mode, z.configCma, z.configIsolate);
  const blockCounts = new Array<number>(MIGRATE_TYPES).fill(0);
  const mixed = new Array<number>(MIGRATE_TYPES).fill(0);
  const zsMovable = z.mode === '6.1';
  for (let b = 0; b < z.nrPageblocks; b++) {
    const bt = z.pbType[b]!;
    blockCounts[bt]!++;
    const start = b << z.pageblockOrder;
    for (let p = start; p < start + z.pageblockNrPages; p++) {
      const k = z.kind[p]!;
      if (k === PG_FREE) {
        p += (1 << z.order[p]!) - 1;
        continue;
      }
      if (k === PG_TAIL || k === PG_PCP || k === PG_RESERVED) continue;
      const amt = kindIsMovable(k, zsMovable)
        ? MIGRATE_MOVABLE
        : k === PG_SLAB_RECLAIMABLE
          ? MIGRATE_RECLAIMABLE
          : MIGRATE_UNMOVABLE;
      const blockAsAlloc =
        bt === MIGRATE_MOVABLE || bt === MIGRATE_UNMOVABLE || bt === MIGRATE_RECLAIMABLE ? bt : -1;
      if (blockAsAlloc >= 0 && amt !== blockAsAlloc) {
        mixed[bt]!++;
        break;
      }
    }
  }
  return {
    zone: z.name,
    nrFree,
    freeByType: types.map((mt) => ({
      type: MIGRATETYPE_NAMES[mt]!,
      counts: Array.from({ length: MAX_ORDER }, (_, o) => z.nrFreeList[o * MIGRATE_TYPES + mt]!),
    })),
    blockTypes: types.map((mt) => MIGRATETYPE_NAMES[mt]!),
    blockCounts: types.map((mt) => blockCounts[mt]!),
    mixedCounts: types.map((mt) => mixed[mt]!),
    pageblockOrder: z.pageblockOrder,
    unusableIndex: nrFree.map((_, o) => unusableFreeIndex(nrFree, o)),
    extfragIndex: nrFree.map((_, o) => fragmentationIndex(nrFree, o)),
  };
}

/**
 * /proc/vmstat lines the model drives, in the mode's order. 6.1: names and order of mm/vmstat.c
 * vmstat_text[] (checked against the real fork-256M file). 2015: the 3.10-3.18 names (per-zone
 * pgsteal/pgscan, one allocstall, nr_kernel_stack counted in stacks), reconstructed (PA §3.2).
 */
export function vmstatLines(node: MmNode, w: Workload): { name: string; value: number }[] {
  const z = node.zone;
  const vm = z.vm;
  const lru = node.lru;
  const zn = z.name.toLowerCase();
  const zoneVal = (name: string, v: number) => (name === zn ? v : 0);
  const c = lru.count;
  const slabR = c[POOL_SLAB_RECLAIMABLE]!;
  const pt = countKind(node, 7);
  if (z.mode === '6.1') {
    return [
      ['nr_free_pages', z.freePages],
      ['nr_zone_inactive_anon', c[LRU_INACTIVE_ANON]!],
      ['nr_zone_active_anon', c[LRU_ACTIVE_ANON]!],
      ['nr_zone_inactive_file', c[LRU_INACTIVE_FILE]!],
      ['nr_zone_active_file', c[LRU_ACTIVE_FILE]!],
      ['nr_zspages', node.zram.poolPages],
      ['nr_free_cma', z.freeCma],
      ['nr_inactive_anon', c[LRU_INACTIVE_ANON]!],
      ['nr_active_anon', c[LRU_ACTIVE_ANON]!],
      ['nr_inactive_file', c[LRU_INACTIVE_FILE]!],
      ['nr_active_file', c[LRU_ACTIVE_FILE]!],
      ['nr_slab_reclaimable', slabR],
      ['nr_slab_unreclaimable', w.slabs.pages],
      ['workingset_refault_anon', vm.workingset_refault_anon],
      ['workingset_refault_file', vm.workingset_refault_file],
      ['nr_anon_pages', lru.anonPages],
      ['nr_file_pages', lru.filePages],
      ['nr_kernel_stack', w.stacks.nrKernelStack()],
      ['nr_page_table_pages', pt],
      ['pswpin', vm.pswpin],
      ['pswpout', vm.pswpout],
      ['pgalloc_dma', zoneVal('dma', vm.pgalloc)],
      ['pgalloc_dma32', zoneVal('dma32', vm.pgalloc)],
      ['pgalloc_normal', zoneVal('normal', vm.pgalloc)],
      ['pgalloc_movable', zoneVal('movable', vm.pgalloc)],
      ['allocstall_dma', zoneVal('dma', vm.allocstall)],
      ['allocstall_dma32', zoneVal('dma32', vm.allocstall)],
      ['allocstall_normal', zoneVal('normal', vm.allocstall)],
      ['allocstall_movable', zoneVal('movable', vm.allocstall)],
      ['pgfree', vm.pgfree],
      ['pgactivate', vm.pgactivate],
      ['pgdeactivate', vm.pgdeactivate],
      ['pgsteal_kswapd', vm.pgsteal_kswapd],
      ['pgsteal_direct', vm.pgsteal_direct],
      ['pgscan_kswapd', vm.pgscan_kswapd],
      ['pgscan_direct', vm.pgscan_direct],
      ['pgscan_direct_throttle', vm.pgscan_direct_throttle],
      ['pgscan_anon', vm.pgscan_anon],
      ['pgscan_file', vm.pgscan_file],
      ['pgsteal_anon', vm.pgsteal_anon],
      ['pgsteal_file', vm.pgsteal_file],
      ['slabs_scanned', vm.slabs_scanned],
      ['kswapd_low_wmark_hit_quickly', vm.kswapd_low_wmark_hit_quickly],
      ['kswapd_high_wmark_hit_quickly', vm.kswapd_high_wmark_hit_quickly],
      ['pageoutrun', vm.pageoutrun],
      ['oom_kill', vm.oom_kill],
      ['pgmigrate_success', vm.pgmigrate_success],
      ['pgmigrate_fail', vm.pgmigrate_fail],
      ['compact_migrate_scanned', vm.compact_migrate_scanned],
      ['compact_free_scanned', vm.compact_free_scanned],
      ['compact_isolated', vm.compact_isolated],
      ['compact_stall', vm.compact_stall],
      ['compact_fail', vm.compact_fail],
      ['compact_success', vm.compact_success],
      ['compact_daemon_wake', vm.compact_daemon_wake],
      ['compact_daemon_migrate_scanned', vm.compact_daemon_migrate_scanned],
      ['compact_daemon_free_scanned', vm.compact_daemon_free_scanned],
    ].map(([name, value]) => ({ name: name as string, value: value as number }));
  }
  const perZone = (prefix: string, v: number) =>
    ['dma', 'normal', 'movable'].map((zz) => [`${prefix}_${zz}`, zoneVal(zz, v)] as [string, number]);
  return [
    ['nr_free_pages', z.freePages],
    ['nr_inactive_anon', c[LRU_INACTIVE_ANON]!],
    ['nr_active_anon', c[LRU_ACTIVE_ANON]!],
    ['nr_inactive_file', c[LRU_INACTIVE_FILE]!],
    ['nr_active_file', c[LRU_ACTIVE_FILE]!],
    ['nr_anon_pages', lru.anonPages],
    ['nr_file_pages', lru.filePages],
    ['nr_slab_reclaimable', slabR],
    ['nr_slab_unreclaimable', w.slabs.pages],
    ['nr_page_table_pages', pt],
    ['nr_kernel_stack', w.stacks.nrKernelStack()],
    ['nr_free_cma', z.freeCma],
    ['pswpin', vm.pswpin],
    ['pswpout', vm.pswpout],
    ...perZone('pgalloc', vm.pgalloc),
    ['pgfree', vm.pgfree],
    ['pgactivate', vm.pgactivate],
    ['pgdeactivate', vm.pgdeactivate],
    ...perZone('pgsteal_kswapd', vm.pgsteal_kswapd),
    ...perZone('pgsteal_direct', vm.pgsteal_direct),
    ...perZone('pgscan_kswapd', vm.pgscan_kswapd),
    ...perZone('pgscan_direct', vm.pgscan_direct),
    ['pgscan_direct_throttle', vm.pgscan_direct_throttle],
    ['slabs_scanned', vm.slabs_scanned],
    ['kswapd_low_wmark_hit_quickly', vm.kswapd_low_wmark_hit_quickly],
    ['kswapd_high_wmark_hit_quickly', vm.kswapd_high_wmark_hit_quickly],
    ['pageoutrun', vm.pageoutrun],
    ['allocstall', vm.allocstall],
    ['pgmigrate_success', vm.pgmigrate_success],
    ['pgmigrate_fail', vm.pgmigrate_fail],
    ['compact_migrate_scanned', vm.compact_migrate_scanned],
    ['compact_free_scanned', vm.compact_free_scanned],
    ['compact_isolated', vm.compact_isolated],
    ['compact_stall', vm.compact_stall],
    ['compact_fail', vm.compact_fail],
    ['compact_success', vm.compact_success],
  ].map(([name, value]) => ({ name: name as string, value: value as number }));
}

function countKind(node: MmNode, kind: number): number {
  const k = node.zone.kind;
  let n = 0;
  for (let i = 0; i < k.length; i++) if (k[i] === kind) n++;
  return n;
}

// Workloads on a simulated device (PA §6.2): what allocates and frees pages, in virtual time.
//
//   android     app switches (zygote forks with 25-60 threads, anonymous and page-cache growth,
//               graphics buffers), thread churn in the foreground app and system_server, network
//               kmallocs, zram swap, lowmemorykiller
//   build       a kernel build on a board: short-lived compiler processes with anonymous memory,
//               page cache for sources and objects, make/sh forks
//   fork-storm  a parent forking short-lived children N at a time (the real fork-256M run)
//
// Every task creation (process fork or thread clone) allocates its kernel stack with the run's
// strategy; its synchronous allocation cost is the fork latency. Rates, sizes and lifetimes are
// model parameters (PA §6.2 marks the real ones unconfirmed); they are the same for all strategies,
// so a comparison on one seed differs only in the stacks.
import { EventQueue } from '../engine/event-queue.ts';
import type { Rng } from '../engine/rng.ts';
import { allocPages, freePages } from '../mm/alloc.ts';
import { cloneShallow } from '../mm/clone.ts';
import {
  ___GFP_NORETRY,
  ___GFP_NOWARN,
  ___GFP_RECLAIMABLE,
  GFP_ATOMIC,
  GFP_HIGHUSER_MOVABLE,
  GFP_KERNEL,
  NO_PAGE,
} from '../mm/constants.ts';
import { advanceBackground } from '../mm/kswapd.ts';
import { LRU_ACTIVE_ANON, LRU_INACTIVE_FILE, POOL_SLAB_RECLAIMABLE } from '../mm/lru.ts';
import type { AllocTrace, MmNode } from '../mm/node.ts';
import { PG_ANON, PG_FILE, PG_KERNEL, PG_PAGETABLE, PG_SLAB_RECLAIMABLE } from '../mm/page-kind.ts';
import { zramRelease } from '../mm/reclaim.ts';
import { KernelStacks, type StackStrategy } from './kernel-stacks.ts';
import { type SlabCache, SlabCaches } from './slab.ts';

export type ScenarioId = 'android' | 'build' | 'fork-storm' | 'android-2026';
export const SCENARIO_IDS: readonly ScenarioId[] = ['android', 'build', 'fork-storm', 'android-2026'];

type Range = readonly [number, number];

export interface PersistentProc {
  readonly name: string;
  readonly anonMB: number;
  readonly threads: number;
  readonly adj: number;
}

/** A scenario's parameters (sizes in MB or pages, times in µs, rates per second). */
export interface ScenarioSpec {
  readonly id: ScenarioId;
  readonly title: string;
  /** Unmovable kernel memory allocated at boot (slab, drivers), MB. */
  readonly bootKernelMB: number;
  /** Graphics/ION memory allocated at boot in order-4 chunks (falling back to order 0), MB. */
  readonly bootGraphicsMB: number;
  readonly persistent: readonly PersistentProc[];
  // android
  readonly apps: number;
  readonly appAnonMB: Range;
  readonly appFileMB: Range;
  readonly appThreads: Range;
  /** Graphics buffers of the foreground app (freed when it leaves the foreground), MB. */
  readonly appGraphicsMB: number;
  readonly appSwitchMeanUs: number;
  /** Share of an app's swapped-out pages faulted back when it returns to the foreground. */
  readonly refaultFraction: number;
  readonly threadSpawnPerSec: number;
  readonly threadLifetimeMeanUs: number;
  // build
  readonly jobs: number;
  readonly compileAnonMB: Range;
  readonly compileLifetimeUs: Range;
  readonly compileFileMB: number;
  readonly shellForksPerCompile: number;
  // fork-storm
  readonly stormParallel: number;
  readonly stormChildAnonPages: number;
  readonly stormChildPtPages: number;
  readonly stormChildLifetimeUs: number;
  // background
  readonly fileReadMBPerSec: number;
  /** Reclaimable slab pages (dentries, inodes) per MB of file read. */
  readonly rslabPagesPerFileMB: number;
  readonly kmallocPerSec: number;
  readonly kmallocLifetimeUs: number;
  /** Unmovable slab objects a process accumulates over its life (files, binder, VMAs ...), KB. */
  readonly procSlabKB: number;
  /** Page-table pages a new process starts with (libraries mapped), and one more per this many anon pages. */
  readonly procPtPages: number;
  readonly ptPerAnonPages: number;
  /** Mean interval between garbage-collector heap trims of the foreground app (µs; 0 = none). */
  readonly gcMeanUs: number;
  /** Share of the app's anonymous pages a trim returns (every other page of its newest ones). */
  readonly gcFraction: number;
  /** Number of launches (android) or compiles (build) before measurement starts. */
  readonly warmup: number;
  /** Forks measured by default (the build allocates much more memory per fork than the others). */
  readonly defaultForks: number;
}

const NONE: Range = [0, 0];

const BASE_SCENARIOS: Readonly<Record<Exclude<ScenarioId, 'android-2026'>, ScenarioSpec>> = {
  android: {
    id: 'android',
    title: 'Android app switching with thread churn (zygote forks, zram, lowmemorykiller)',
    bootKernelMB: 48,
    bootGraphicsMB: 32,
    persistent: [
      { name: 'system_server', anonMB: 60, threads: 150, adj: -900 },
      { name: 'surfaceflinger', anonMB: 25, threads: 25, adj: -1000 },
      { name: 'systemui', anonMB: 35, threads: 40, adj: -800 },
      { name: 'launcher', anonMB: 30, threads: 30, adj: 100 },
      { name: 'zygote', anonMB: 20, threads: 4, adj: -1000 },
      { name: 'daemons', anonMB: 40, threads: 80, adj: -1000 },
    ],
    apps: 30,
    appAnonMB: [20, 50],
    appFileMB: [10, 25],
    appThreads: [25, 60],
    appGraphicsMB: 8,
    appSwitchMeanUs: 8_000_000,
    refaultFraction: 0.3,
    threadSpawnPerSec: 25,
    threadLifetimeMeanUs: 1_500_000,
    jobs: 0,
    compileAnonMB: NONE,
    compileLifetimeUs: NONE,
    compileFileMB: 0,
    shellForksPerCompile: 0,
    stormParallel: 0,
    stormChildAnonPages: 0,
    stormChildPtPages: 0,
    stormChildLifetimeUs: 0,
    fileReadMBPerSec: 0.5,
    rslabPagesPerFileMB: 3,
    kmallocPerSec: 100,
    kmallocLifetimeUs: 20_000,
    procSlabKB: 768,
    procPtPages: 24,
    ptPerAnonPages: 256,
    gcMeanUs: 2_000_000,
    gcFraction: 0.08,
    warmup: 600,
    defaultForks: 20_000,
  },
  build: {
    id: 'build',
    title: 'kernel build, make -j8: short-lived compilers, page cache, no swap',
    bootKernelMB: 24,
    bootGraphicsMB: 0,
    persistent: [{ name: 'make', anonMB: 20, threads: 1, adj: 0 }],
    apps: 0,
    appAnonMB: NONE,
    appFileMB: NONE,
    appThreads: NONE,
    appGraphicsMB: 0,
    appSwitchMeanUs: 0,
    refaultFraction: 0,
    threadSpawnPerSec: 0,
    threadLifetimeMeanUs: 0,
    jobs: 8,
    compileAnonMB: [10, 40],
    compileLifetimeUs: [300_000, 2_500_000],
    compileFileMB: 1.5,
    shellForksPerCompile: 4,
    stormParallel: 0,
    stormChildAnonPages: 0,
    stormChildPtPages: 0,
    stormChildLifetimeUs: 0,
    fileReadMBPerSec: 2,
    rslabPagesPerFileMB: 4,
    kmallocPerSec: 50,
    kmallocLifetimeUs: 20_000,
    procSlabKB: 64,
    procPtPages: 8,
    ptPerAnonPages: 512,
    gcMeanUs: 0,
    gcFraction: 0,
    warmup: 200,
    defaultForks: 4_000,
  },
  'fork-storm': {
    id: 'fork-storm',
    title: 'fork storm: a parent forks short-lived children 8 at a time (stackwork fork 2000 8)',
    bootKernelMB: 0,
    bootGraphicsMB: 0,
    persistent: [{ name: 'stackwork', anonMB: 0.2, threads: 1, adj: 0 }],
    apps: 0,
    appAnonMB: NONE,
    appFileMB: NONE,
    appThreads: NONE,
    appGraphicsMB: 0,
    appSwitchMeanUs: 0,
    refaultFraction: 0,
    threadSpawnPerSec: 0,
    threadLifetimeMeanUs: 0,
    jobs: 0,
    compileAnonMB: NONE,
    compileLifetimeUs: NONE,
    compileFileMB: 0,
    shellForksPerCompile: 0,
    stormParallel: 8,
    stormChildAnonPages: 20,
    stormChildPtPages: 5,
    stormChildLifetimeUs: 3_000,
    fileReadMBPerSec: 0,
    rslabPagesPerFileMB: 0,
    kmallocPerSec: 0,
    kmallocLifetimeUs: 0,
    procSlabKB: 8,
    procPtPages: 4,
    ptPerAnonPages: 512,
    gcMeanUs: 0,
    gcFraction: 0,
    warmup: 0,
    defaultForks: 20_000,
  },
};

/**
 * A 2026 Android phone with 4 GB (phone-4g-2026): the android workload with the thread counts David
 * Stevens gives for Android system processes (2000-3000 threads; DS = reference/dynamic-stacks.md)
 * and more cached apps. The split of those threads over processes and the memory sizes are model
 * assumptions scaled from android, not measurements.
 */
const ANDROID_2026: ScenarioSpec = {
  ...BASE_SCENARIOS.android,
  id: 'android-2026',
  title: 'Android 2026: system processes of ~2,400 threads, 40 cached apps, zram, lmkd',
  bootKernelMB: 96,
  bootGraphicsMB: 128,
  persistent: [
    { name: 'system_server', anonMB: 200, threads: 900, adj: -900 },
    { name: 'surfaceflinger', anonMB: 60, threads: 120, adj: -1000 },
    { name: 'systemui', anonMB: 120, threads: 250, adj: -800 },
    { name: 'launcher', anonMB: 80, threads: 120, adj: 100 },
    { name: 'zygote', anonMB: 30, threads: 8, adj: -1000 },
    { name: 'daemons', anonMB: 150, threads: 1000, adj: -1000 },
  ],
  apps: 40,
  appAnonMB: [30, 90],
  appFileMB: [15, 40],
  appThreads: [40, 90],
  appGraphicsMB: 16,
  warmup: 200,
  defaultForks: 20_000,
};

export const SCENARIOS: Readonly<Record<ScenarioId, ScenarioSpec>> = {
  ...BASE_SCENARIOS,
  'android-2026': ANDROID_2026,
};

interface Task {
  readonly id: number;
  stack: number;
  task: number;
  misc: number;
}

interface Proc {
  slot: number;
  name: string;
  app: number;
  adj: number;
  persistent: boolean;
  alive: boolean;
  threads: Task[];
  pt: number[];
  misc: number[];
  /** Process-level 1 KB objects (mm_struct, signal, sighand, files). */
  big: number[];
  gfx: number[];
  lastUsed: number;
  anonFaulted: number;
  /** Slab objects still to allocate over the process's life. */
  slabDue: number;
}

const EV_SWITCH = 1;
const EV_SPAWN = 2;
const EV_TEXIT = 3;
const EV_ANON = 4;
const EV_FILE = 5;
const EV_KMALLOC = 6;
const EV_KFREE = 7;
const EV_COMPILE = 8;
const EV_PEXIT = 9;
const EV_STORM = 10;
const EV_GC = 11;
const EV_READ = 12;

/**
 * Page faults and reads are issued in bursts of at most this many pages per event, spread over the
 * time they take, so forks and kswapd interleave with them as they would on other CPUs.
 */
const FAULT_CHUNK = 64;

interface Ev {
  readonly k: number;
  readonly a: number;
  readonly b: number;
}

/** Lowmemorykiller levels: oom_score_adj of each minfree level (ProcessList, PA §5.5). */
const LMK_ADJ = [0, 100, 200, 300, 900, 906];
/** A kill waits this long before the next (lowmem_deathpending_timeout). */
const LMK_DEATH_PENDING_US = 50_000;

/** Per-fork record kept while measuring. */
export interface ForkRecords {
  latencyUs: Float64Array;
  slowpath: Uint8Array;
  count: number;
}

export class Workload {
  readonly node: MmNode;
  readonly spec: ScenarioSpec;
  readonly stacks: KernelStacks;
  readonly slabs: SlabCaches;
  private readonly taskCache: SlabCache;
  private readonly miscCache: SlabCache;
  private readonly kmalloc1k: SlabCache;
  private readonly rng: Rng;
  private readonly q = new EventQueue<Ev>();
  private readonly procs: (Proc | undefined)[] = [];
  private readonly freeSlots: number[] = [];
  private fg: Proc | undefined;
  private readonly appProc: (Proc | undefined)[] = [];
  private kmallocs = 0;
  private taskIds = 1;
  private lastLmkKill = -LMK_DEATH_PENDING_US;
  private readonly lmkMinfreePages: readonly number[] | null;
  private stormParent: Proc | undefined;
  /** No new task is created once `forks` reaches this (lets a run drain at its end). */
  maxForks = Number.POSITIVE_INFINITY;
  /** Task creations so far (processes and threads), and those measured. */
  forks = 0;
  forkFailures = 0;
  launches = 0;
  measuring = false;
  measuredForks = 0;
  measuredFailures = 0;
  readonly records: ForkRecords = {
    latencyUs: new Float64Array(1024),
    slowpath: new Uint8Array(1024),
    count: 0,
  };
  /** Synchronous cost of the fork being created. */
  private forkCost = 0;
  private forkSlow = false;
  private charge: (t: AllocTrace) => void = () => {};

  constructor(
    node: MmNode,
    spec: ScenarioSpec,
    strategy: StackStrategy,
    rng: Rng,
    lmkMinfreeMB: readonly number[] | null,
  ) {
    this.node = node;
    this.spec = spec;
    this.rng = rng;
    this.slabs = new SlabCaches(node.zone.spanned);
    // Sizes as SLUB lays them out with 4 CPUs (min_objects 16): task_struct (~3.5 KB on arm64) in
    // order-3 slabs of 8, 1 KB objects (signal, sighand, files, mm_struct) in order-2 slabs of 16,
    // small objects (cred, pid, vm_area_struct ...) and vmap_area in order-0 slabs.
    this.taskCache = this.slabs.create('task_struct', 1, 3);
    this.kmalloc1k = this.slabs.create('kmalloc-1k', 4, 2);
    this.miscCache = this.slabs.create('kmalloc-256', 16, 0);
    const vmapCache = this.slabs.create('vmap_area', 32, 0);
    this.stacks = new KernelStacks(node, strategy, vmapCache);
    this.lmkMinfreePages = lmkMinfreeMB === null ? null : lmkMinfreeMB.map((mb) => (mb * 1024) / 4);
    this.bind();
  }

  /** Connects the allocator's last resorts and the fork cost accounting to this workload. */
  private bind(): void {
    this.charge = (t: AllocTrace) => {
      this.forkCost += t.costUs;
      if (t.slowpath) this.forkSlow = true;
    };
    this.node.hooks = {
      oomKill: () => this.oomKill(),
      lowMemoryKill: () => this.lowMemoryKill(),
    };
  }

  /**
   * An independent copy of the whole running system (node, processes, caches, pending events), so
   * several experiments can continue from one aged state. Measurement counters start empty.
   */
  clone(): Workload {
    const node = this.node.clone();
    const slabs = this.slabs.clone();
    const cache = (c: SlabCache) => slabs.caches[this.slabs.caches.indexOf(c)]!;
    const procs = this.procs.map((p) =>
      p === undefined
        ? undefined
        : {
            ...p,
            threads: p.threads.map((t) => ({ ...t })),
            pt: p.pt.slice(),
            misc: p.misc.slice(),
            big: p.big.slice(),
            gfx: p.gfx.slice(),
          },
    );
    const map = (p: Proc | undefined) => (p === undefined ? undefined : procs[p.slot]);
    const vmap = slabs.caches.find((c) => c.name === 'vmap_area')!;
    const w = cloneShallow(this, {
      node,
      slabs,
      taskCache: cache(this.taskCache),
      kmalloc1k: cache(this.kmalloc1k),
      miscCache: cache(this.miscCache),
      stacks: this.stacks.clone(node, vmap),
      rng: cloneShallow(this.rng),
      q: cloneShallow(this.q),
      procs,
      fg: map(this.fg),
      appProc: this.appProc.map(map),
      stormParent: map(this.stormParent),
      records: { latencyUs: new Float64Array(1024), slowpath: new Uint8Array(1024), count: 0 },
      measuring: false,
      measuredForks: 0,
      measuredFailures: 0,
    });
    w.bind();
    return w;
  }

  // ---- processes and tasks ----

  private newProc(name: string, app: number, adj: number, persistent: boolean): Proc | undefined {
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      slot = this.procs.length + 1;
      if (slot >= this.node.lru.maxOwners) return undefined;
    }
    const p: Proc = {
      slot,
      name,
      app,
      adj,
      persistent,
      alive: true,
      threads: [],
      pt: [],
      misc: [],
      big: [],
      gfx: [],
      lastUsed: this.node.now,
      anonFaulted: 0,
      slabDue: 0,
    };
    this.procs[slot] = p;
    return p;
  }

  /** copy_process() for a task of `p`: task_struct, stack, small objects, and for a process its mm. */
  private createTask(p: Proc, isProcess: boolean): Task | undefined {
    const node = this.node;
    node.zone.cpu = this.rng.int(node.params.nrCpus);
    this.forkCost = 0;
    this.forkSlow = false;
    this.forks++;
    let ok = true;
    const task = this.taskCache.alloc(node);
    this.charge(node.trace);
    let stack = -1;
    let misc = NO_PAGE;
    if (task === NO_PAGE) ok = false;
    else {
      stack = this.stacks.alloc(this.charge);
      if (stack < 0) ok = false;
      else {
        misc = this.miscCache.alloc(node);
        this.charge(node.trace);
        if (misc === NO_PAGE) ok = false;
      }
    }
    if (ok && isProcess && p.alive) {
      for (let i = 0; i < 4 && ok; i++) {
        const m = this.kmalloc1k.alloc(node);
        this.charge(node.trace);
        if (m === NO_PAGE) ok = false;
        else p.big.push(m);
      }
      for (let i = 0; i < this.spec.procPtPages && ok; i++) ok = this.addPageTable(p);
      p.slabDue = Math.floor(this.spec.procSlabKB * 4);
      const now = Math.floor(p.slabDue / 4);
      for (let i = 0; i < now && ok; i++) ok = this.procObject(p);
    }
    if (!p.alive) ok = false;
    const t: Task = { id: this.taskIds++, stack, task, misc };
    if (!ok) {
      this.releaseTask(t);
      this.forkFailures++;
    }
    if (this.measuring) {
      this.measuredForks++;
      if (!ok) this.measuredFailures++;
      this.record(this.forkCost, this.forkSlow);
    }
    if (!ok) return undefined;
    // Its first run takes the task to its stack high-water mark (a dynamic stack faults pages in,
    // and its pool may refill: an allocation that can end in a kill, of this very process too).
    this.stacks.grow(stack);
    if (!p.alive) {
      this.releaseTask(t);
      return undefined;
    }
    p.threads.push(t);
    return t;
  }

  private record(us: number, slow: boolean): void {
    const r = this.records;
    if (r.count === r.latencyUs.length) {
      const l = new Float64Array(r.count * 2);
      l.set(r.latencyUs);
      r.latencyUs = l;
      const s = new Uint8Array(r.count * 2);
      s.set(r.slowpath);
      r.slowpath = s;
    }
    r.latencyUs[r.count] = us;
    r.slowpath[r.count] = slow ? 1 : 0;
    r.count++;
  }

  private releaseTask(t: Task): void {
    const node = this.node;
    if (t.stack >= 0) this.stacks.free(t.stack);
    if (t.misc !== NO_PAGE) this.miscCache.free(node, t.misc);
    if (t.task !== NO_PAGE) this.taskCache.free(node, t.task);
    t.stack = -1;
    t.misc = NO_PAGE;
    t.task = NO_PAGE;
  }

  private exitTask(p: Proc, t: Task): void {
    this.node.zone.cpu = this.rng.int(this.node.params.nrCpus);
    const i = p.threads.indexOf(t);
    if (i >= 0) {
      p.threads[i] = p.threads[p.threads.length - 1]!;
      p.threads.pop();
    }
    this.releaseTask(t);
  }

  /** One process-lifetime kernel object (256 B, 16 per slab page). */
  private procObject(p: Proc): boolean {
    const m = this.miscCache.alloc(this.node);
    this.charge(this.node.trace);
    if (m === NO_PAGE) return false;
    if (!p.alive) {
      this.miscCache.free(this.node, m);
      return false;
    }
    p.misc.push(m);
    if (p.slabDue > 0) p.slabDue--;
    return true;
  }

  private addPageTable(p: Proc): boolean {
    const pfn = allocPages(this.node, 0, GFP_KERNEL, PG_PAGETABLE);
    this.charge(this.node.trace);
    if (pfn === NO_PAGE) return false;
    if (!p.alive) {
      freePages(this.node.zone, pfn);
      return false;
    }
    p.pt.push(pfn);
    return true;
  }

  /** Process death: every task, page table, object, anonymous page and zram entry goes. */
  private killProc(p: Proc): void {
    if (!p.alive) return;
    p.alive = false;
    const node = this.node;
    const z = node.zone;
    const lru = node.lru;
    while (p.threads.length > 0) this.exitTask(p, p.threads[p.threads.length - 1]!);
    for (const pfn of p.pt) freePages(z, pfn);
    for (const m of p.misc) this.miscCache.free(node, m);
    for (const m of p.big) this.kmalloc1k.free(node, m);
    for (const g of p.gfx) freePages(z, g);
    p.pt = [];
    p.misc = [];
    p.big = [];
    p.gfx = [];
    for (let pfn = lru.ownerFirst(p.slot); pfn >= 0; pfn = lru.ownerFirst(p.slot)) {
      lru.remove(pfn);
      freePages(z, pfn);
    }
    const swapped = lru.swapped[p.slot]!;
    lru.swapped[p.slot] = 0;
    if (swapped > 0) zramRelease(node, swapped);
    if (p.app >= 0 && this.appProc[p.app] === p) this.appProc[p.app] = undefined;
    if (this.fg === p) this.fg = undefined;
    this.procs[p.slot] = undefined;
    this.freeSlots.push(p.slot);
  }

  /** Faults in `n` anonymous pages for `p` (plus a page-table page per 512). Returns pages added. */
  private faultAnon(p: Proc, n: number): number {
    const node = this.node;
    const lru = node.lru;
    let done = 0;
    for (; done < n && p.alive; done++) {
      const pfn = allocPages(node, 0, GFP_HIGHUSER_MOVABLE, PG_ANON);
      if (pfn === NO_PAGE) break;
      if (!p.alive) {
        freePages(node.zone, pfn);
        break;
      }
      lru.add(pfn, LRU_ACTIVE_ANON);
      lru.ownerLink(pfn, p.slot);
      if (++p.anonFaulted % this.spec.ptPerAnonPages === 0) this.addPageTable(p);
    }
    // The process's kernel objects accumulate along with its memory, interleaved with everyone else's.
    const objs = Math.min(p.slabDue, Math.ceil(done / 16));
    for (let i = 0; i < objs && p.alive; i++) this.procObject(p);
    return done;
  }

  /** Page-cache reads: new file pages plus the reclaimable slab that comes with them. */
  private readFile(pages: number): void {
    const node = this.node;
    for (let i = 0; i < pages; i++) {
      const pfn = allocPages(node, 0, GFP_HIGHUSER_MOVABLE, PG_FILE);
      if (pfn === NO_PAGE) return;
      node.lru.add(pfn, LRU_INACTIVE_FILE);
    }
    const rslab = Math.floor((pages / 256) * this.spec.rslabPagesPerFileMB + this.rng.float());
    for (let i = 0; i < rslab; i++) {
      const pfn = allocPages(node, 0, GFP_KERNEL | ___GFP_RECLAIMABLE, PG_SLAB_RECLAIMABLE);
      if (pfn === NO_PAGE) return;
      node.lru.add(pfn, POOL_SLAB_RECLAIMABLE);
    }
  }

  /** Graphics buffers: order-4 attempts without retry, falling back to order 0 (ION-style). */
  private allocGraphics(p: Proc | undefined, mb: number): void {
    const node = this.node;
    let pages = Math.floor((mb * 1024) / 4);
    while (pages > 0) {
      let pfn = NO_PAGE;
      if (pages >= 16) pfn = allocPages(node, 4, GFP_KERNEL | ___GFP_NORETRY | ___GFP_NOWARN, PG_KERNEL);
      if (pfn === NO_PAGE) pfn = allocPages(node, 0, GFP_KERNEL, PG_KERNEL);
      if (pfn === NO_PAGE) return;
      pages -= 1 << node.zone.order[pfn]!;
      if (p === undefined) continue;
      if (!p.alive) {
        freePages(node.zone, pfn);
        return;
      }
      p.gfx.push(pfn);
    }
  }

  private releaseGraphics(p: Proc): void {
    for (const g of p.gfx) freePages(this.node.zone, g);
    p.gfx = [];
  }

  // ---- last resorts, called from inside the allocator ----

  private victim(minAdj: number): Proc | undefined {
    let best: Proc | undefined;
    const lru = this.node.lru;
    for (const p of this.procs) {
      if (p === undefined || !p.alive || p.adj < minAdj || p === this.stormParent) continue;
      if (
        best === undefined ||
        p.adj > best.adj ||
        (p.adj === best.adj &&
          lru.ownerPages[p.slot]! + p.pt.length > lru.ownerPages[best.slot]! + best.pt.length)
      )
        best = p;
    }
    return best;
  }

  private oomKill(): boolean {
    const v = this.victim(-999) ?? this.victim(-1000);
    if (v === undefined) return false;
    this.killProc(v);
    return true;
  }

  /** lowmem_scan() (drivers/staging/android/lowmemorykiller.c, PA §5.5). */
  private lowMemoryKill(): boolean {
    const levels = this.lmkMinfreePages;
    if (levels === null) return false;
    const node = this.node;
    if (node.now - this.lastLmkKill < LMK_DEATH_PENDING_US) return false;
    const z = node.zone;
    const otherFree = z.freePages - z.wmarkHigh;
    const otherFile = node.lru.filePages;
    let minAdj = 1001;
    for (let i = 0; i < levels.length; i++) {
      if (otherFree < levels[i]! && otherFile < levels[i]!) {
        minAdj = LMK_ADJ[i]!;
        break;
      }
    }
    if (minAdj > 1000) return false;
    const v = this.victim(minAdj);
    if (v === undefined) return false;
    this.lastLmkKill = node.now;
    z.vm.lmk_kill++;
    this.killProc(v);
    return true;
  }

  // ---- scenario events ----

  private at(dt: number, k: number, a = 0, b = 0): void {
    this.q.schedule(this.node.now + Math.max(1, Math.round(dt)), 0, { k, a, b });
  }

  private range(r: Range): number {
    return r[0] + this.rng.float() * (r[1] - r[0]);
  }

  /** Boot: kernel memory, graphics carve-in, persistent processes, background activity. */
  boot(): void {
    const s = this.spec;
    const node = this.node;
    for (let i = 0; i < (s.bootKernelMB * 1024) / 4; i++) {
      const pfn = allocPages(node, 0, GFP_KERNEL, PG_KERNEL);
      if (pfn === NO_PAGE) break;
    }
    this.allocGraphics(undefined, s.bootGraphicsMB);
    for (const pp of s.persistent) {
      const p = this.newProc(pp.name, -1, pp.adj, true);
      if (p === undefined) break;
      this.createTask(p, true);
      for (let i = 1; i < pp.threads; i++) this.createTask(p, false);
      this.faultAnon(p, Math.floor((pp.anonMB * 1024) / 4));
      if (pp.name === 'stackwork') this.stormParent = p;
    }
    if (s.fileReadMBPerSec > 0) this.at(100_000, EV_FILE);
    if (s.kmallocPerSec > 0) this.at(this.rng.exponential(1e6 / s.kmallocPerSec), EV_KMALLOC);
    if (s.apps > 0) this.at(1_000, EV_SWITCH);
    if (s.gcMeanUs > 0) this.at(this.rng.exponential(s.gcMeanUs), EV_GC);
    if (s.threadSpawnPerSec > 0) this.at(this.rng.exponential(1e6 / s.threadSpawnPerSec), EV_SPAWN);
    if (s.jobs > 0) for (let j = 0; j < s.jobs; j++) this.at(1_000 + j * 1_000, EV_COMPILE);
    if (s.stormParallel > 0) this.startStorm();
  }

  /** True once the warm-up is over. */
  warmedUp(): boolean {
    return this.launches >= this.spec.warmup;
  }

  /** Processes the next event; false when there is none. */
  step(): boolean {
    const ev = this.q.pop();
    if (ev === undefined) return false;
    advanceBackground(this.node, ev.tick);
    this.stacks.flushRcu(this.node.now);
    const { k, a, b } = ev.payload;
    switch (k) {
      case EV_SWITCH:
        this.appSwitch();
        break;
      case EV_SPAWN:
        this.spawnThread();
        break;
      case EV_TEXIT: {
        const p = this.procs[a];
        const t = p?.alive ? p.threads.find((x) => x.id === b) : undefined;
        if (p !== undefined && t !== undefined) this.exitTask(p, t);
        break;
      }
      case EV_ANON: {
        const p = this.procs[a];
        if (p?.alive) this.faultAnon(p, b);
        break;
      }
      case EV_FILE:
        this.readFile(Math.max(1, Math.round(this.spec.fileReadMBPerSec * 25.6)));
        this.at(100_000, EV_FILE);
        break;
      case EV_KMALLOC: {
        const r = this.rng.float();
        const order = r < 0.9 ? 0 : r < 0.97 ? 1 : r < 0.99 ? 2 : 3;
        const pfn = allocPages(this.node, order, GFP_ATOMIC | ___GFP_NOWARN, PG_KERNEL);
        if (pfn !== NO_PAGE) {
          this.kmallocs++;
          this.at(this.rng.exponential(this.spec.kmallocLifetimeUs), EV_KFREE, pfn);
        }
        this.at(this.rng.exponential(1e6 / this.spec.kmallocPerSec), EV_KMALLOC);
        break;
      }
      case EV_KFREE:
        freePages(this.node.zone, a);
        this.kmallocs--;
        break;
      case EV_COMPILE:
        this.compile();
        break;
      case EV_PEXIT: {
        const p = this.procs[a];
        if (p?.alive && p.lastUsed === b) this.killProc(p);
        if (this.spec.jobs > 0) this.at(1_000, EV_COMPILE);
        break;
      }
      case EV_STORM:
        this.stormFork();
        break;
      case EV_GC:
        this.gc();
        break;
      case EV_READ:
        this.readFile(a);
        break;
    }
    return true;
  }

  /** Schedules `pages` anonymous faults for `slot` in chunks spread over `durationUs` from `startUs`. */
  private spreadFaults(slot: number, pages: number, startUs: number, durationUs: number): void {
    const n = Math.max(1, Math.ceil(pages / FAULT_CHUNK));
    for (let i = 0; i < n; i++)
      this.at(startUs + (durationUs * (i + 1)) / n, EV_ANON, slot, Math.ceil(pages / n));
  }

  /** Schedules a `pages`-page read in chunks spread over `durationUs`. */
  private spreadRead(pages: number, durationUs: number): void {
    const n = Math.max(1, Math.ceil(pages / FAULT_CHUNK));
    for (let i = 0; i < n; i++) this.at((durationUs * (i + 1)) / n, EV_READ, Math.ceil(pages / n));
  }

  /** Android: the user switches to an app (Zipf-like popularity). */
  private appSwitch(): void {
    const s = this.spec;
    const node = this.node;
    this.launches++;
    const u = this.rng.float();
    const app = Math.min(s.apps - 1, Math.floor(s.apps * u * u));
    const prev = this.fg;
    if (prev?.alive) {
      this.releaseGraphics(prev);
      prev.adj = 900;
      prev.lastUsed = node.now;
    }
    // Older cached apps drift towards CACHED_MAX so the LMK kills the least recently used first.
    for (const p of this.procs)
      if (p?.alive && !p.persistent && p !== prev && p.adj >= 900 && p.adj < 906) p.adj++;
    let p = this.appProc[app];
    if (p?.alive) {
      p.adj = 0;
      p.lastUsed = node.now;
      const lru = node.lru;
      const back = Math.floor(lru.swapped[p.slot]! * s.refaultFraction);
      if (back > 0) {
        const got = this.faultAnon(p, back);
        lru.swapped[p.slot]! -= got;
        zramRelease(node, got);
        node.zone.vm.pswpin += got;
        node.zone.vm.workingset_refault_anon += got;
      }
      this.spreadRead(Math.floor((this.range(s.appFileMB) * 256) / 4), 500_000);
    } else {
      p = this.newProc(`app${app}`, app, 0, false);
      if (p === undefined) return;
      this.appProc[app] = p;
      if (this.createTask(p, true) === undefined) {
        this.killProc(p);
      } else {
        const threads = Math.round(this.range(s.appThreads));
        for (let i = 1; i < threads && p.alive; i++) this.createTask(p, false);
        const anon = Math.floor((this.range(s.appAnonMB) * 1024) / 4);
        // The working set is faulted in over about two seconds.
        this.spreadFaults(p.slot, anon, 0, 800_000);
        this.spreadRead(Math.floor((this.range(s.appFileMB) * 1024) / 4), 1_000_000);
      }
    }
    this.fg = p;
    if (p.alive) this.allocGraphics(p, s.appGraphicsMB);
    this.at(this.rng.exponential(s.appSwitchMeanUs), EV_SWITCH);
  }

  /**
   * A garbage-collector heap trim (ART's madvise of free heap pages) in the foreground app or
   * system_server: every other page of its newest anonymous pages goes back, to be faulted in again
   * about a second later. This is what scatters order-0 holes through memory while apps run.
   */
  private gc(): void {
    const s = this.spec;
    let p = this.fg;
    if (p === undefined || !p.alive || this.rng.float() < 0.3)
      p = this.procs.find((x) => x?.alive && x.persistent);
    if (p?.alive) {
      const node = this.node;
      const lru = node.lru;
      const target = Math.floor(lru.ownerPages[p.slot]! * s.gcFraction);
      let freed = 0;
      let pfn = lru.ownerFirst(p.slot);
      while (pfn >= 0 && freed < target) {
        const next = lru.onext[pfn]!;
        const victim = pfn;
        pfn = next >= node.zone.spanned ? -1 : lru.onext[next]!;
        if (pfn >= node.zone.spanned) pfn = -1;
        lru.remove(victim);
        freePages(node.zone, victim);
        freed++;
      }
      if (freed > 0) this.spreadFaults(p.slot, freed, 500_000, 1_000_000);
    }
    this.at(this.rng.exponential(s.gcMeanUs), EV_GC);
  }

  /** A short-lived thread in the foreground app or system_server. */
  private spawnThread(): void {
    const s = this.spec;
    let p = this.fg;
    if (p === undefined || !p.alive || this.rng.float() < 0.4)
      p = this.procs.find((x) => x?.alive && x.persistent);
    if (p?.alive) {
      const t = this.createTask(p, false);
      if (t !== undefined) this.at(this.rng.exponential(s.threadLifetimeMeanUs), EV_TEXIT, p.slot, t.id);
    }
    this.at(this.rng.exponential(1e6 / s.threadSpawnPerSec), EV_SPAWN);
  }

  /** Build: a compiler job (fork + exec from make, with a few sh forks around it). */
  private compile(): void {
    const s = this.spec;
    const make = this.procs.find((x) => x?.alive && x.persistent);
    this.launches++;
    for (let i = 0; i < s.shellForksPerCompile; i++) {
      const sh = this.newProc('sh', -1, 0, false);
      if (sh === undefined) break;
      this.createTask(sh, true);
      this.faultAnon(sh, 30);
      this.killProc(sh);
    }
    const cc = this.newProc('cc1', -1, 0, false);
    if (cc === undefined || make === undefined) return;
    if (this.createTask(cc, true) === undefined) {
      this.killProc(cc);
      this.at(10_000, EV_COMPILE);
      return;
    }
    this.readFile(Math.floor((s.compileFileMB * 1024) / 4));
    const anon = Math.floor((this.range(s.compileAnonMB) * 1024) / 4);
    const life = this.range(s.compileLifetimeUs);
    this.spreadFaults(cc.slot, anon, 0, (life * 10) / 12);
    cc.lastUsed = this.node.now;
    this.at(life, EV_PEXIT, cc.slot, cc.lastUsed);
  }

  /** Starts (again) the fork storm's parallel chains, e.g. after a drained warm-up. */
  startStorm(): void {
    for (let j = 0; j < this.spec.stormParallel; j++) this.at(100 + j * 10, EV_STORM);
  }

  /** Fork storm: one child forked, touching its stack and heap, exiting after a short life. */
  private stormFork(): void {
    const s = this.spec;
    if (this.forks >= this.maxForks) return;
    const child = this.newProc('child', -1, 0, false);
    if (child === undefined) return;
    if (this.createTask(child, true) === undefined) {
      this.killProc(child);
      this.at(1_000, EV_STORM);
      return;
    }
    for (let i = 4; i < s.stormChildPtPages; i++) this.addPageTable(child);
    this.faultAnon(child, s.stormChildAnonPages);
    child.lastUsed = this.node.now;
    const life = this.rng.exponential(s.stormChildLifetimeUs);
    this.at(life, EV_PEXIT, child.slot, child.lastUsed);
    this.at(life + 50, EV_STORM);
  }

  /** Live tasks (threads of every process). */
  get liveTasks(): number {
    let n = 0;
    for (const p of this.procs) if (p?.alive) n += p.threads.length;
    return n;
  }

  get liveProcs(): number {
    let n = 0;
    for (const p of this.procs) if (p?.alive) n++;
    return n;
  }

  get pendingKmallocs(): number {
    return this.kmallocs;
  }
}

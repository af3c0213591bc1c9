// Kernel stacks at fork, the experiment's independent variable (PA §1):
//
//   16k   one order-2 (4 contiguous pages) UNMOVABLE block, THREADINFO_GFP — arm64 since 2013
//   8k    one order-1 block — the RFC's target once IRQs have their own stack
//   vmap  VMAP_STACK: a per-CPU cache of NR_CACHED_STACKS = 2 freed stacks (a hit allocates nothing);
//         a miss allocates four order-0 UNMOVABLE pages plus a vmap_area / vm_struct and the pages[]
//         array from slab, and now and then a page-table page for the vmalloc range
//   dynamic  the 2024 RFC "Dynamic Kernel Stacks" (../model/dynamic-stack-params.ts): a vmap stack with only
//         pagesAtFork pages mapped; the rest fault in from a per-CPU pool refilled by order-0
//         allocations; a fault on an empty pool is a panic, counted (dynamic-stacks.ts)
//
// Direct stacks are freed through RCU (call_rcu) at exit; a vmap stack is parked in the exiting CPU's
// cache if there is room, else vfree'd after RCU (kernel/fork.c, 6.1). Model simplifications: an RCU
// grace period is a fixed delay; the vmalloc page-table page is charged once per 102 vmap areas
// (a 2 MB PTE page span / 20 KB per stack with its guard page) and never freed.

import { allocPages, freePages } from '../mm/alloc.ts';
import { cloneShallow } from '../mm/clone.ts';
import { NO_PAGE, THREADINFO_GFP } from '../mm/constants.ts';
import type { AllocTrace, MmNode } from '../mm/node.ts';
import { PG_PAGETABLE, PG_STACK, PG_VMALLOC } from '../mm/page-kind.ts';
import { NR_CACHED_STACKS } from '../model/constants.ts';
import type { DynamicStackParams } from '../model/dynamic-stack-params.ts';
import { DynamicStacks } from './dynamic-stacks.ts';
import type { SlabCache } from './slab.ts';
import type { StackDepths } from './stack-depths.ts';

export type StackStrategy = '16k' | '8k' | 'vmap' | 'dynamic';
export const STACK_STRATEGIES: readonly StackStrategy[] = ['16k', '8k', 'vmap', 'dynamic'];

/** THREAD_SIZE in KB of each strategy (virtual size for dynamic stacks: they map less). */
export const STACK_KB: Readonly<Record<StackStrategy, number>> = {
  '16k': 16,
  '8k': 8,
  vmap: 16,
  dynamic: 16,
};

/** Page allocations of a vmap stack on a cache miss (THREAD_SIZE / PAGE_SIZE). */
const VMAP_PAGES = 4;
/** vmap areas per vmalloc page-table page (2 MB of PTEs / (16 KB + 4 KB guard)). */
const VMAP_AREAS_PER_PTE_PAGE = 102;
/** Fixed RCU grace period of the model (µs). */
export const RCU_DELAY_US = 10_000;

export interface StackStats {
  allocs: number;
  failures: number;
  /** Allocations that entered the slow path of the page allocator (any of their page requests). */
  slowpath: number;
  compactStalls: number;
  directReclaims: number;
  /** vmap: served from the per-CPU cache. */
  cacheHits: number;
  cacheMisses: number;
  frees: number;
}

const KIND_CODE: Readonly<Record<StackStrategy, number>> = { '16k': 0, '8k': 1, vmap: 2, dynamic: 3 };
const KIND_DYNAMIC = 3;
/** Pages and KB held by a stack of each kind (a dynamic stack: as many as it has mapped, see `mapped`). */
const KIND_PAGES = [4, 2, VMAP_PAGES, 0];
const KIND_KB = [16, 8, 16, 0];

export class KernelStacks {
  /** Strategy of new stacks; a stack keeps the kind it was allocated with. */
  strategy: StackStrategy;
  private node: MmNode;
  private vmapSlab: SlabCache;
  /** Up to 4 PFNs per stack id (1 for direct stacks), the slab page of its vm_struct, and its kind. */
  private pfns = new Int32Array(4 * 1024);
  private slabPage = new Int32Array(1024);
  private kinds = new Uint8Array(1024);
  private freeIds: number[] = [];
  private nextId = 0;
  /** Per-CPU cache of free vmap stacks: ids, NR_CACHED_STACKS per CPU (-1 = empty). */
  private cache: Int32Array;
  private pendingIds: number[] = [];
  private pendingTimes: number[] = [];
  private pendingHead = 0;
  private vmapAreas = 0;
  private ptePages = 0;
  /** Dynamic stacks: their pages, pool and counters (undefined until useDynamic()). */
  private dyn: DynamicStacks | undefined;
  /** Pages held by stacks: live, cached and waiting for RCU, plus vmalloc page tables. */
  pagesHeld = 0;
  /** Tasks holding a stack, and their stacks' size (nr_kernel_stack). */
  live = 0;
  liveKB = 0;
  /** Of those, tasks on a dynamic stack. */
  dynamicLive = 0;
  stats: StackStats = {
    allocs: 0,
    failures: 0,
    slowpath: 0,
    compactStalls: 0,
    directReclaims: 0,
    cacheHits: 0,
    cacheMisses: 0,
    frees: 0,
  };

  constructor(node: MmNode, strategy: StackStrategy, vmapSlab: SlabCache) {
    this.node = node;
    this.strategy = strategy;
    this.vmapSlab = vmapSlab;
    this.cache = new Int32Array(node.params.nrCpus * NR_CACHED_STACKS).fill(-1);
  }

  /** A copy bound to a cloned node and slab cache. */
  clone(node: MmNode, vmapSlab: SlabCache): KernelStacks {
    const c = cloneShallow(this, { node, vmapSlab, stats: { ...this.stats } });
    c.dyn = this.dyn?.clone(node, c);
    return c;
  }

  /**
   * New stacks from now on are dynamic, with `params` and tasks as deep as `depths` (drawn from
   * their own stream of `seed`, so the other strategies' runs see no extra draws). Fills the pools.
   */
  useDynamic(params: DynamicStackParams, depths: StackDepths, seed: number): void {
    this.strategy = 'dynamic';
    this.dyn = new DynamicStacks(this.node, this, params, depths, seed);
    this.pagesHeld += this.dyn.fillAll();
    // The pools' first fill happens when the design is switched on; refills count after it.
    this.dyn.stats.refills = 0;
  }

  /** The dynamic stacks' state, when dynamic stacks are in use. */
  get dynamic(): DynamicStacks | undefined {
    return this.dyn;
  }

  /** The pages of stack `id` (its PFNs; for a direct stack the head of its block). */
  stackPfns(id: number): number[] {
    const kind = this.kinds[id]!;
    const n = kind === KIND_DYNAMIC ? this.dyn!.mapped(id) : kind === KIND_CODE.vmap ? VMAP_PAGES : 1;
    return Array.from(this.pfns.subarray(id * 4, id * 4 + n));
  }

  /** Stores PFN `pfn` as page `i` of stack `id` (dynamic stacks, as they fault in). */
  setStackPfn(id: number, i: number, pfn: number): void {
    this.pfns[id * 4 + i] = pfn;
  }

  /** live KB of stacks changes as dynamic stacks map and unmap pages (nr_kernel_stack). */
  addLiveKB(kb: number): void {
    this.liveKB += kb;
  }

  private newId(): number {
    const id = this.freeIds.pop();
    if (id !== undefined) return id;
    if (this.nextId >= this.kinds.length) {
      const n = this.kinds.length * 2;
      const p = new Int32Array(n * 4);
      p.set(this.pfns);
      this.pfns = p;
      const s = new Int32Array(n);
      s.set(this.slabPage);
      this.slabPage = s;
      const k = new Uint8Array(n);
      k.set(this.kinds);
      this.kinds = k;
    }
    return this.nextId++;
  }

  private taken(id: number, kind: number): number {
    this.kinds[id] = kind;
    this.live++;
    this.liveKB += KIND_KB[kind]!;
    return id;
  }

  /**
   * alloc_thread_stack_node(): a stack for a new task on the current CPU, or -1 when the allocation
   * failed (fork returns -ENOMEM). `charge` receives the trace of every page allocation made.
   */
  alloc(charge: (t: AllocTrace) => void): number {
    const node = this.node;
    const st = this.stats;
    st.allocs++;
    const kind = KIND_CODE[this.strategy];
    if (this.strategy === 'dynamic') return this.allocDynamic(charge);
    if (this.strategy !== 'vmap') {
      const order = this.strategy === '16k' ? 2 : 1;
      const p = allocPages(node, order, THREADINFO_GFP, PG_STACK);
      if (node.trace.slowpath) st.slowpath++;
      this.accountTrace(node.trace);
      charge(node.trace);
      if (p === NO_PAGE) {
        st.failures++;
        return -1;
      }
      const id = this.newId();
      this.pfns[id * 4] = p;
      this.pagesHeld += 1 << order;
      return this.taken(id, kind);
    }
    const cpu = node.zone.cpu;
    for (let i = 0; i < NR_CACHED_STACKS; i++) {
      const id = this.cache[cpu * NR_CACHED_STACKS + i]!;
      if (id >= 0) {
        this.cache[cpu * NR_CACHED_STACKS + i] = -1;
        st.cacheHits++;
        node.trace.reset(0);
        node.charge(node.params.costs.pcpUs);
        charge(node.trace);
        return this.taken(id, kind);
      }
    }
    st.cacheMisses++;
    const area = this.mapVmArea(charge, VMAP_PAGES);
    if ('failed' in area) return area.failed;
    const { id, slowpath } = area;
    if (slowpath) st.slowpath++;
    return this.taken(id, kind);
  }

  /** A dynamic stack: this CPU's cache of freed ones first, else a vmap area with pagesAtFork pages. */
  private allocDynamic(charge: (t: AllocTrace) => void): number {
    const node = this.node;
    const st = this.stats;
    const d = this.dyn!;
    const hit = d.takeCached();
    if (hit >= 0) {
      st.cacheHits++;
      node.trace.reset(0);
      node.charge(node.params.costs.pcpUs);
      charge(node.trace);
      this.kinds[hit] = KIND_DYNAMIC;
      this.live++;
      this.dynamicLive++;
      this.addLiveKB(d.mapped(hit) * 4);
      return hit;
    }
    st.cacheMisses++;
    const atFork = d.params.pagesAtFork;
    const area = this.mapVmArea(charge, atFork);
    if ('failed' in area) return area.failed;
    const { id, slowpath } = area;
    d.setMapped(id, atFork);
    if (slowpath) st.slowpath++;
    this.kinds[id] = KIND_DYNAMIC;
    this.live++;
    this.dynamicLive++;
    this.addLiveKB(atFork * 4);
    return id;
  }

  /**
   * The task on stack `id` runs as deep as it will: a dynamic stack faults in the pages it needs
   * (nothing happens for the other kinds). Model: a task reaches its high-water mark once, at its
   * first run after fork.
   */
  grow(id: number): void {
    if (this.kinds[id] === KIND_DYNAMIC) this.dyn!.grow(id);
  }

  /**
   * A vmalloc'ed stack's area (vmap and dynamic stacks): its vmap_area from the slab, `pages` order-0
   * pages, the vmalloc cost and, every VMAP_AREAS_PER_PTE_PAGE areas, a page-table page. Returns the
   * new stack's id, or what fail() returned when a page could not be had.
   */
  private mapVmArea(
    charge: (t: AllocTrace) => void,
    pages: number,
  ): { id: number; slowpath: boolean } | { failed: number } {
    const node = this.node;
    const id = this.newId();
    let slowpath = false;
    const vm = this.vmapSlab.alloc(node);
    slowpath ||= node.trace.slowpath;
    this.accountTrace(node.trace);
    charge(node.trace);
    if (vm === NO_PAGE) return { failed: this.fail(id, 0, -1, slowpath) };
    this.slabPage[id] = vm;
    for (let i = 0; i < pages; i++) {
      const p = allocPages(node, 0, THREADINFO_GFP, PG_VMALLOC);
      slowpath ||= node.trace.slowpath;
      this.accountTrace(node.trace);
      charge(node.trace);
      if (p === NO_PAGE) return { failed: this.fail(id, i, vm, slowpath) };
      this.pfns[id * 4 + i] = p;
    }
    this.pagesHeld += pages;
    node.trace.reset(0);
    node.charge(node.params.costs.vmallocUs);
    if (++this.vmapAreas > this.ptePages * VMAP_AREAS_PER_PTE_PAGE) {
      const p = allocPages(node, 0, THREADINFO_GFP, PG_PAGETABLE);
      if (p !== NO_PAGE) {
        this.ptePages++;
        this.pagesHeld++;
      }
    }
    charge(node.trace);
    return { id, slowpath };
  }

  /** Pages held changes as the dynamic pools refill and stacks give pages back. */
  addPagesHeld(n: number): void {
    this.pagesHeld += n;
  }

  private fail(id: number, allocated: number, vm: number, slowpath: boolean): number {
    const z = this.node.zone;
    for (let i = 0; i < allocated; i++) freePages(z, this.pfns[id * 4 + i]!);
    if (vm >= 0) this.vmapSlab.free(this.node, vm);
    this.freeIds.push(id);
    this.stats.failures++;
    if (slowpath) this.stats.slowpath++;
    return -1;
  }

  private accountTrace(t: AllocTrace): void {
    this.stats.compactStalls += t.compactStalls;
    this.stats.directReclaims += t.directReclaims;
  }

  /** free_thread_stack() at task exit: cache it (vmap, room on this CPU) or free after RCU. */
  free(id: number): void {
    const kind = this.kinds[id]!;
    this.live--;
    if (kind === KIND_DYNAMIC) {
      this.dynamicLive--;
      this.addLiveKB(-this.dyn!.mapped(id) * 4);
    } else this.liveKB -= KIND_KB[kind]!;
    this.stats.frees++;
    if (kind === KIND_DYNAMIC && this.dyn!.cacheOnExit(id)) return;
    if (kind === KIND_CODE.vmap) {
      const cpu = this.node.zone.cpu;
      for (let i = 0; i < NR_CACHED_STACKS; i++) {
        if (this.cache[cpu * NR_CACHED_STACKS + i]! < 0) {
          this.cache[cpu * NR_CACHED_STACKS + i] = id;
          return;
        }
      }
    }
    this.pendingIds.push(id);
    this.pendingTimes.push(this.node.now + RCU_DELAY_US);
  }

  /** Runs the RCU callbacks whose grace period ended by `now` (and the dynamic pools' refills). */
  flushRcu(now: number): void {
    const z = this.node.zone;
    this.dyn?.refill(now);
    while (this.pendingHead < this.pendingIds.length && this.pendingTimes[this.pendingHead]! <= now) {
      const id = this.pendingIds[this.pendingHead++]!;
      const kind = this.kinds[id]!;
      if (kind === KIND_CODE.vmap) {
        for (let i = 0; i < VMAP_PAGES; i++) freePages(z, this.pfns[id * 4 + i]!);
        this.vmapSlab.free(this.node, this.slabPage[id]!);
      } else if (kind === KIND_DYNAMIC) {
        const n = this.dyn!.mapped(id);
        for (let i = 0; i < n; i++) freePages(z, this.pfns[id * 4 + i]!);
        this.vmapSlab.free(this.node, this.slabPage[id]!);
        this.pagesHeld -= n;
        this.dyn!.setMapped(id, 0);
      } else freePages(z, this.pfns[id * 4]!);
      this.pagesHeld -= KIND_PAGES[kind]!;
      this.freeIds.push(id);
    }
    if (this.pendingHead > 4096 && this.pendingHead * 2 > this.pendingIds.length) {
      this.pendingIds = this.pendingIds.slice(this.pendingHead);
      this.pendingTimes = this.pendingTimes.slice(this.pendingHead);
      this.pendingHead = 0;
    }
  }

  /** nr_kernel_stack: KB in 6.1 (NR_KERNEL_STACK_KB), stacks in 2015 (counted per stack before 4.9). */
  nrKernelStack(): number {
    return this.node.params.mode === '6.1' ? this.liveKB : this.live;
  }
}

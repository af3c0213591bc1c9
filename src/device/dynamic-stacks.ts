// The per-CPU page pools and fault accounting of dynamic kernel stacks (parameters and their
// sources: ../model/dynamic-stack-params.ts). KernelStacks owns the stacks' PFNs; this file owns what is new
// in the design: how many pages each stack has mapped, the pools the faults take from, the refills,
// and the counters a comparison reports (faults, refills, refill failures, panics).
//
//   fork ─▶ pagesAtFork mapped ─▶ first run: fault, fault ... (one pool page each)
//                                     │ pool empty: panic (counted; the model maps nothing and goes on)
//                                     ▼
//            next event (+refillDelayUs): order-0 allocations top the pool up; a failure retries
//            refillRetryUs later

import { Rng } from '../engine/rng.ts';
import { allocPages, freePages } from '../mm/alloc.ts';
import { GFP_ATOMIC, NO_PAGE, THREADINFO_GFP } from '../mm/constants.ts';
import type { MmNode } from '../mm/node.ts';
import { PG_VMALLOC } from '../mm/page-kind.ts';
import { NR_CACHED_STACKS } from '../model/constants.ts';
import type { DynamicStackParams } from '../model/dynamic-stack-params.ts';
import type { KernelStacks } from './kernel-stacks.ts';
import { type StackDepths, samplePages } from './stack-depths.ts';

/** The GFP flags of a pool refill. */
export function refillGfp(p: DynamicStackParams): number {
  return p.refillGfp === 'atomic' ? GFP_ATOMIC : THREADINFO_GFP;
}

export interface DynamicStackStats {
  /** Stack faults: pages mapped from a pool. */
  faults: number;
  /** Tasks that faulted at least once. */
  tasksFaulted: number;
  /** Tasks that grew: all of them, faulting or not (the denominator of tasksFaulted). */
  tasks: number;
  /** Tasks deeper than THREAD_SIZE (an overflow under any 16 KiB design). */
  overflows: number;
  /** Pages allocated to refill the pools, and refill allocations that failed. */
  refills: number;
  refillFailures: number;
  /** Faults that found their CPU's pool empty: a panic in the real kernel. */
  panics: number;
  /** Pages given back on return to user (unmapOnReturnToUser). */
  unmaps: number;
  /** Fault and unmap work, µs. */
  faultUs: number;
}

export class DynamicStacks {
  readonly params: DynamicStackParams;
  readonly depths: StackDepths;
  private node: MmNode;
  private owner: KernelStacks;
  private rng: Rng;
  /** Pages mapped per stack id (grows with the ids). */
  private mappedPages = new Uint8Array(1024);
  /** Per CPU: pool pages (poolPages slots each) and how many are there. */
  private pool: Int32Array;
  private poolCount: Int32Array;
  /** Per CPU: when the pool's refill is due (µs of virtual time), or -1 when none is pending. */
  private refillDue: Float64Array;
  /** Per CPU: NR_CACHED_STACKS freed dynamic stacks (ids, -1 = empty), as VMAP_STACK caches its own. */
  private cache: Int32Array;
  stats: DynamicStackStats = {
    faults: 0,
    tasksFaulted: 0,
    tasks: 0,
    overflows: 0,
    refills: 0,
    refillFailures: 0,
    panics: 0,
    unmaps: 0,
    faultUs: 0,
  };

  constructor(
    node: MmNode,
    owner: KernelStacks,
    params: DynamicStackParams,
    depths: StackDepths,
    seed: number,
  ) {
    this.node = node;
    this.owner = owner;
    this.params = params;
    this.depths = depths;
    // Its own stream: the workload's generator must see the same draws whatever the strategy.
    this.rng = new Rng(seed).fork(0xd57ac);
    const cpus = node.params.nrCpus;
    this.pool = new Int32Array(cpus * Math.max(1, params.poolPages)).fill(-1);
    this.poolCount = new Int32Array(cpus);
    this.refillDue = new Float64Array(cpus).fill(-1);
    this.cache = new Int32Array(cpus * NR_CACHED_STACKS).fill(-1);
  }

  clone(node: MmNode, owner: KernelStacks): DynamicStacks {
    const c = Object.create(DynamicStacks.prototype) as DynamicStacks;
    Object.assign(c, this, {
      node,
      owner,
      rng: Object.assign(Object.create(Rng.prototype), this.rng),
      mappedPages: this.mappedPages.slice(),
      pool: this.pool.slice(),
      poolCount: this.poolCount.slice(),
      refillDue: this.refillDue.slice(),
      cache: this.cache.slice(),
      stats: { ...this.stats },
    });
    return c;
  }

  mapped(id: number): number {
    return id < this.mappedPages.length ? this.mappedPages[id]! : 0;
  }

  setMapped(id: number, n: number): void {
    if (id >= this.mappedPages.length) {
      const m = new Uint8Array(Math.max(id + 1, this.mappedPages.length * 2));
      m.set(this.mappedPages);
      this.mappedPages = m;
    }
    this.mappedPages[id] = n;
  }

  /** Pages in `cpu`'s pool. */
  poolSize(cpu: number): number {
    return this.poolCount[cpu]!;
  }

  /** The PFNs in every pool (for invariant checks). */
  poolPfns(): number[] {
    const out: number[] = [];
    const n = Math.max(1, this.params.poolPages);
    for (let c = 0; c < this.poolCount.length; c++)
      for (let i = 0; i < this.poolCount[c]!; i++) out.push(this.pool[c * n + i]!);
    return out;
  }

  /** Ids of the stacks parked in the per-CPU caches. */
  cachedIds(): number[] {
    return Array.from(this.cache).filter((id) => id >= 0);
  }

  /** Fills every CPU's pool (when dynamic stacks are switched on); returns the pages taken. */
  fillAll(): number {
    let n = 0;
    const z = this.node.zone;
    const cpu = z.cpu;
    for (let c = 0; c < this.poolCount.length; c++) {
      z.cpu = c;
      n += this.fill(c, this.node.now);
    }
    z.cpu = cpu;
    return n;
  }

  /** Tops `cpu`'s pool up; on a failed allocation schedules a retry. Returns the pages added. */
  private fill(cpu: number, now: number): number {
    const size = this.params.poolPages;
    const gfp = refillGfp(this.params);
    let added = 0;
    while (this.poolCount[cpu]! < size) {
      const p = allocPages(this.node, 0, gfp, PG_VMALLOC);
      if (p === NO_PAGE) {
        this.stats.refillFailures++;
        this.refillDue[cpu] = now + this.params.refillRetryUs;
        return added;
      }
      this.stats.refills++;
      this.pool[cpu * size + this.poolCount[cpu]!++] = p;
      added++;
    }
    return added;
  }

  /** Runs the refills due by `now`, each on its own CPU. */
  refill(now: number): void {
    const z = this.node.zone;
    const cpu = z.cpu;
    for (let c = 0; c < this.refillDue.length; c++) {
      const due = this.refillDue[c]!;
      if (due < 0 || due > now) continue;
      this.refillDue[c] = -1;
      z.cpu = c;
      this.owner.addPagesHeld(this.fill(c, now));
    }
    z.cpu = cpu;
  }

  /** A stack from this CPU's cache of freed dynamic stacks, or -1. */
  takeCached(): number {
    const base = this.node.zone.cpu * NR_CACHED_STACKS;
    for (let i = 0; i < NR_CACHED_STACKS; i++) {
      const id = this.cache[base + i]!;
      if (id >= 0) {
        this.cache[base + i] = -1;
        return id;
      }
    }
    return -1;
  }

  /**
   * At exit: parks the stack in this CPU's cache when there is room, keeping its fork-time pages and
   * freeing the faulted ones (model: the RFC's exact policy for them is not modelled). False when the
   * cache is full (the stack is freed after RCU).
   */
  cacheOnExit(id: number): boolean {
    const base = this.node.zone.cpu * NR_CACHED_STACKS;
    for (let i = 0; i < NR_CACHED_STACKS; i++) {
      if (this.cache[base + i]! >= 0) continue;
      const keep = this.params.pagesAtFork;
      const pfns = this.owner.stackPfns(id);
      for (let p = keep; p < pfns.length; p++) freePages(this.node.zone, pfns[p]!);
      this.owner.addPagesHeld(-(pfns.length - keep));
      this.setMapped(id, keep);
      this.cache[base + i] = id;
      return true;
    }
    return false;
  }

  /**
   * The task on `id` reaches its high-water mark: faults in the pages it touches. Its first run is a
   * scheduling point: refills due by now (refillDelayUs 0: every one pending) run before it, so a
   * launch that creates many threads in one event refills between them.
   */
  grow(id: number): void {
    const p = this.params;
    const st = this.stats;
    this.refill(this.node.now);
    let want = samplePages(this.depths, this.rng.float());
    st.tasks++;
    if (want > p.threadPages) {
      st.overflows++;
      want = p.threadPages;
    }
    const had = this.mapped(id);
    if (want > had) st.tasksFaulted++;
    for (let i = had; i < want; i++) this.fault(id);
    if (p.unmapOnReturnToUser) this.unmap(id);
  }

  /** One fault on stack `id`: a page from this CPU's pool, or a panic when it is empty. */
  private fault(id: number): void {
    const st = this.stats;
    const cpu = this.node.zone.cpu;
    st.faults++;
    st.faultUs += this.params.faultUs;
    if (this.refillDue[cpu]! < 0) this.refillDue[cpu] = this.node.now + this.params.refillDelayUs;
    if (this.poolCount[cpu] === 0) {
      // The real kernel dies here. The model counts it and maps nothing, so the run goes on.
      st.panics++;
      return;
    }
    const pfn = this.pool[cpu * this.params.poolPages + --this.poolCount[cpu]!]!;
    this.pool[cpu * this.params.poolPages + this.poolCount[cpu]!] = -1;
    const n = this.mapped(id);
    this.owner.setStackPfn(id, n, pfn);
    this.setMapped(id, n + 1);
    this.owner.addLiveKB(4);
  }

  /** Return to user: pages above the fork-time ones back to this CPU's pool, or freed when it is full. */
  private unmap(id: number): void {
    const keep = this.params.pagesAtFork;
    const pfns = this.owner.stackPfns(id);
    const cpu = this.node.zone.cpu;
    const size = this.params.poolPages;
    for (let i = pfns.length - 1; i >= keep; i--) {
      if (this.poolCount[cpu]! < size) this.pool[cpu * size + this.poolCount[cpu]!++] = pfns[i]!;
      else {
        freePages(this.node.zone, pfns[i]!);
        this.owner.addPagesHeld(-1);
      }
      this.stats.unmaps++;
      this.stats.faultUs += this.params.unmapUs;
      this.owner.addLiveKB(-4);
    }
    this.setMapped(id, keep);
  }
}

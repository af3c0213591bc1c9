// Dynamic kernel stacks (issue 13) in the stack machine: which pages of each task stack are mapped,
// the per-CPU pools the stack faults take pages from, the refills and the panics. The exact machine
// (machine.ts) and the simulator's fast machine (sim/dynamic-sim.ts) both drive this one class, so
// the property test that keeps them equal covers the faults too. Parameters, defaults and sources:
// ../model/dynamic-stack-params.ts.
//
//   task stack (THREAD_SIZE 16 KiB, depth measured from the top as everywhere in the machine):
//     top ┬ page 0   mapped at fork (pagesAtFork)        depth (0, 4096]
//         │ page 1   mapped on the first push below 4 KiB depth (a stack fault)
//         │ page 2   ...
//         │ page 3
//     low ┴ guard    never backed: a push there is an overflow, caught as with VMAP_STACK
//
//   fault     a page from this CPU's pool, or (pool empty) a panic: the kernel cannot sleep in the
//             fault to allocate one (Guzik's objection, reference/dynamic-stacks.md)
//   refill    when the task leaves the CPU (the RFC's dynamic_stack() in __schedule), once the refill
//             is due (refillDelayUs after the fault): order-0 allocations top the pool up; a failed
//             one leaves it short and retries refillRetryUs later
//   return    to user: with unmapOnReturnToUser the faulted pages go back to the pool (freed when full)
import { assertTrue } from '../base/assert.ts';
import type { Rng } from '../engine/rng.ts';
import { PAGE_SIZE } from '../model/constants.ts';
import { type MachineDynamicStack, machineDynamicStack } from '../model/dynamic-stack-params.ts';
import type { KernelProfile } from '../model/profile.ts';

/** Where a dynamic stack's pages come from: an order-0 allocator that may say no. */
export interface PageSource {
  /** One order-0 page, or -1 when the allocation fails. `boot`: fork and boot-time pool fills. */
  alloc(why: 'boot' | 'refill'): number;
  free(pfn: number): void;
}

/**
 * The default source: page numbers from a counter and a freed list, and a refill allocation that
 * fails with the declared probability refillFailureP (REFILL_FAILURE_PARAM says why a probability).
 * Model simplification: the pages of fork and of boot-time pool fills never fail (the simulator's
 * tasks exist from boot; fork failure is the device experiment's subject).
 */
export class DeclaredFailurePages implements PageSource {
  private next = 0;
  private readonly freed: number[] = [];
  constructor(
    private readonly failureP: number,
    private readonly rng: Rng | null,
  ) {}

  alloc(why: 'boot' | 'refill'): number {
    if (why === 'refill' && this.failureP > 0 && this.rng !== null && this.rng.float() < this.failureP)
      return -1;
    return this.freed.pop() ?? this.next++;
  }

  free(pfn: number): void {
    this.freed.push(pfn);
  }

  /** Pages handed out and not given back. */
  get live(): number {
    return this.next - this.freed.length;
  }
}

export interface DynamicPageStats {
  /** Stack faults (a push below the mapped pages), panics included. */
  faults: number;
  /** Faults that found the CPU's pool empty: a kernel panic. */
  panics: number;
  /** Pool refill allocations that succeeded, and those that failed. */
  refills: number;
  refillFailures: number;
  /** Pages given back on return to user (unmapOnReturnToUser). */
  unmaps: number;
  /** Tasks that faulted at least once. */
  tasksFaulted: number;
  /** Fault and unmap work at the declared costs, µs. */
  faultUs: number;
}

/** Is this profile's task stack dynamic? */
export function isDynamic(p: KernelProfile): boolean {
  return p.stackAllocation === 'dynamic';
}

/** The profile's dynamic-stack parameters with their declared defaults. */
export function dynamicParams(p: KernelProfile): MachineDynamicStack {
  return machineDynamicStack(p.THREAD_SIZE, p.dynamicStack);
}

export class DynamicPages {
  readonly stats: DynamicPageStats = {
    faults: 0,
    panics: 0,
    refills: 0,
    refillFailures: 0,
    unmaps: 0,
    tasksFaulted: 0,
    faultUs: 0,
  };
  /** Pages mapped per task stack (page 0 is the top one). */
  private readonly mappedPages: Uint8Array;
  /** Per task, threadPages slots: the page number mapped at each page of the stack, -1 when none. */
  private readonly pfns: Int32Array;
  private readonly everFaulted: Uint8Array;
  /** Per CPU, poolPages slots, and how many are filled. */
  private readonly pool: Int32Array;
  private readonly poolCount: Int32Array;
  /** Per CPU: when the pool's refill is due, ns; -1 when none is pending. */
  private readonly refillDueNs: Float64Array;
  private readonly slots: number;

  constructor(
    readonly params: MachineDynamicStack,
    readonly nCpus: number,
    readonly nTasks: number,
    private readonly source: PageSource,
  ) {
    const tp = params.threadPages;
    assertTrue(params.pagesAtFork >= 1 && params.pagesAtFork <= tp, 'pagesAtFork must be 1..threadPages');
    this.slots = Math.max(1, params.poolPages);
    this.mappedPages = new Uint8Array(nTasks);
    this.everFaulted = new Uint8Array(nTasks);
    this.pfns = new Int32Array(nTasks * tp).fill(-1);
    this.pool = new Int32Array(nCpus * this.slots).fill(-1);
    this.poolCount = new Int32Array(nCpus);
    this.refillDueNs = new Float64Array(nCpus).fill(-1);
    for (let t = 0; t < nTasks; t++) this.fork(t);
    for (let c = 0; c < nCpus; c++) this.fillAtBoot(c);
  }

  /** Pages task `t`'s stack has mapped. */
  mapped(t: number): number {
    return this.mappedPages[t]!;
  }

  /** Bytes below the top a push may reach on task `t`'s stack without a fault. */
  mappedBytes(t: number): number {
    return this.mappedPages[t]! * PAGE_SIZE;
  }

  poolSize(cpu: number): number {
    return this.poolCount[cpu]!;
  }

  /** Every page held: mapped in a stack or waiting in a pool (for the conservation properties). */
  heldPfns(): number[] {
    const out: number[] = [];
    for (const p of this.pfns) if (p >= 0) out.push(p);
    for (let c = 0; c < this.nCpus; c++)
      for (let i = 0; i < this.poolCount[c]!; i++) out.push(this.pool[c * this.slots + i]!);
    return out;
  }

  /**
   * A push on CPU `cpu` reaches `depth` bytes below the top of task `t`'s stack: faults in the pages
   * it touches (never the guard page: depths past THREAD_SIZE are the overflow rules' business).
   * Returns false when a fault found the pool empty: the kernel panics.
   */
  touch(cpu: number, t: number, depth: number, nowNs: number): boolean {
    const want = Math.min(this.params.threadPages, Math.ceil(depth / PAGE_SIZE));
    while (this.mappedPages[t]! < want) if (!this.fault(cpu, t, nowNs)) return false;
    return true;
  }

  private fault(cpu: number, t: number, nowNs: number): boolean {
    const st = this.stats;
    st.faults++;
    st.faultUs += this.params.faultUs;
    if (!this.everFaulted[t]) {
      this.everFaulted[t] = 1;
      st.tasksFaulted++;
    }
    if (this.refillDueNs[cpu]! < 0) this.refillDueNs[cpu] = nowNs + this.params.refillDelayUs * 1000;
    if (this.poolCount[cpu] === 0) {
      st.panics++;
      return false;
    }
    const i = cpu * this.slots + --this.poolCount[cpu]!;
    const n = this.mappedPages[t]!;
    this.pfns[t * this.params.threadPages + n] = this.pool[i]!;
    this.pool[i] = -1;
    this.mappedPages[t] = n + 1;
    return true;
  }

  /**
   * A task leaves CPU `cpu` (a scheduling point): the refill runs when one is due by now. Returns
   * the pages added.
   * @kernel dynamic_stack() include/linux/sched/task_stack.h (RFC 00/14, called from __schedule)
   */
  schedulePoint(cpu: number, nowNs: number): number {
    const due = this.refillDueNs[cpu]!;
    if (due < 0 || due > nowNs) return 0;
    this.refillDueNs[cpu] = -1;
    let added = 0;
    while (this.poolCount[cpu]! < this.params.poolPages) {
      const pfn = this.source.alloc('refill');
      if (pfn < 0) {
        this.stats.refillFailures++;
        this.refillDueNs[cpu] = nowNs + this.params.refillRetryUs * 1000;
        return added;
      }
      this.stats.refills++;
      this.pool[cpu * this.slots + this.poolCount[cpu]!++] = pfn;
      added++;
    }
    return added;
  }

  /** Task `t` returns to user on CPU `cpu`: with unmapOnReturnToUser its faulted pages go back. */
  returnToUser(cpu: number, t: number): void {
    const p = this.params;
    if (!p.unmapOnReturnToUser) return;
    const base = t * p.threadPages;
    for (let n = this.mappedPages[t]! - 1; n >= p.pagesAtFork; n--) {
      const pfn = this.pfns[base + n]!;
      this.pfns[base + n] = -1;
      if (this.poolCount[cpu]! < p.poolPages) this.pool[cpu * this.slots + this.poolCount[cpu]!++] = pfn;
      else this.source.free(pfn);
      this.stats.unmaps++;
      this.stats.faultUs += p.unmapUs;
    }
    this.mappedPages[t] = Math.min(this.mappedPages[t]!, p.pagesAtFork);
  }

  /**
   * CPU `cpu` starts again after a panic (`panic: reboot`). Model simplification: its pool is filled
   * as at boot and no refill is pending.
   */
  reboot(cpu: number): void {
    this.refillDueNs[cpu] = -1;
    this.fillAtBoot(cpu);
  }

  private fork(t: number): void {
    const base = t * this.params.threadPages;
    for (let n = 0; n < this.params.pagesAtFork; n++) {
      const pfn = this.source.alloc('boot');
      assertTrue(pfn >= 0, 'the page source failed a fork-time page');
      this.pfns[base + n] = pfn;
    }
    this.mappedPages[t] = this.params.pagesAtFork;
  }

  private fillAtBoot(cpu: number): void {
    while (this.poolCount[cpu]! < this.params.poolPages) {
      const pfn = this.source.alloc('boot');
      assertTrue(pfn >= 0, 'the page source failed a boot-time pool page');
      this.pool[cpu * this.slots + this.poolCount[cpu]!++] = pfn;
    }
  }
}

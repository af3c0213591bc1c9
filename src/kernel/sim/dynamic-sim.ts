// Dynamic kernel stacks in the simulator (issue 13): the hook between the fast machine and the
// dynamic pages of ../dynamic-pages.ts, which the exact machine drives too. The fast machine pays one
// compare per push: its pushLimit already is the lower of a stack's limit and its mapped bytes, so
// only a push below the mapped pages (or past the limit) leaves the hot path and comes here.
//
//   push below the mapped pages ─▶ fault(): a pool page per page touched, or a panic (this CPU stops,
//                                  as for an overflow panic; `panic: reboot` starts it again)
//   schedule() switching tasks  ─▶ schedulePoint(): the refill, when due
//   return to user              ─▶ returnToUser(): unmapOnReturnToUser gives the pages back
import { RngStreams } from '../../engine/streams.ts';
import { PAGE_SIZE } from '../../model/constants.ts';
import type { MachineDynamicStack } from '../../model/dynamic-stack-params.ts';
import type { KernelProfile } from '../../model/profile.ts';
import { DeclaredFailurePages, DynamicPages, dynamicParams } from '../dynamic-pages.ts';
import type { FastCpu, FastDynamic, FastMachine } from './fast-machine.ts';

/** One dynamic-stack panic of a run. */
export interface DynamicPanicEvent {
  readonly atNs: number;
  readonly cpu: number;
  readonly task: number;
  /** Depth the faulting push reached, bytes. */
  readonly depth: number;
  readonly frame: string;
}

/** What a run reports about its dynamic stacks (src/analyze/run.ts derives the rates). */
export interface DynamicRunOutput {
  readonly params: MachineDynamicStack;
  readonly faults: number;
  readonly panics: number;
  readonly refills: number;
  readonly refillFailures: number;
  readonly unmaps: number;
  readonly tasksFaulted: number;
  readonly tasks: number;
  readonly faultUs: number;
  /** Task-stack pages mapped at the end of the run, all tasks. */
  readonly pagesMapped: number;
  /** Pages waiting in the pools at the end of the run, all CPUs. */
  readonly poolPagesLeft: number;
  readonly panicEvents: readonly DynamicPanicEvent[];
}

/** Panic events a run keeps (the count is exact; the list is for reports). */
const MAX_PANIC_EVENTS = 100;

export class SimDynamicStacks implements FastDynamic {
  readonly pages: DynamicPages;
  readonly panicEvents: DynamicPanicEvent[] = [];
  /** Called after a panic stopped a CPU (the simulator decides about rebooting it). */
  onPanic: ((cpu: FastCpu) => void) | null = null;
  /** The simulator's clock, ns. */
  clock: () => number = () => 0;

  constructor(
    private readonly fm: FastMachine,
    pages: DynamicPages,
  ) {
    this.pages = pages;
    for (let t = 0; t < fm.nTasks; t++) this.limit(t);
    fm.dynamic = this;
  }

  /** The simulator's dynamic stacks for `profile`: the declared refill failure on its own stream. */
  static forRun(fm: FastMachine, profile: KernelProfile, seed: number): SimDynamicStacks {
    const params = dynamicParams(profile);
    const rng = new RngStreams(seed).stream('dynamic-stack-refill');
    const source = new DeclaredFailurePages(params.refillFailureP, rng);
    return new SimDynamicStacks(fm, new DynamicPages(params, fm.nCpus, fm.nTasks, source));
  }

  fault(cpu: FastCpu, t: number, nd: number, frameName: string): boolean {
    const ok = this.pages.touch(cpu.id, t, nd, this.clock());
    this.limit(t);
    if (ok) return true;
    if (this.panicEvents.length < MAX_PANIC_EVENTS)
      this.panicEvents.push({ atNs: this.clock(), cpu: cpu.id, task: t, depth: nd, frame: frameName });
    cpu.halted = true;
    this.onPanic?.(cpu);
    return false;
  }

  /** A task switch on `cpu`: the outgoing task leaves the CPU, the pool is refilled when due. */
  schedulePoint(cpu: FastCpu): void {
    this.pages.schedulePoint(cpu.id, this.clock());
  }

  /** The CPU's task returns to user mode (its kernel stack is empty). */
  returnToUser(cpu: FastCpu): void {
    this.pages.returnToUser(cpu.id, cpu.task);
    this.limit(cpu.task);
  }

  /** A CPU restarts after a panic (`panic: reboot`). */
  reboot(cpu: FastCpu): void {
    this.pages.reboot(cpu.id);
  }

  output(): DynamicRunOutput {
    const st = this.pages.stats;
    let mapped = 0;
    for (let t = 0; t < this.fm.nTasks; t++) mapped += this.pages.mapped(t);
    let pool = 0;
    for (let c = 0; c < this.fm.nCpus; c++) pool += this.pages.poolSize(c);
    return {
      params: this.pages.params,
      faults: st.faults,
      panics: st.panics,
      refills: st.refills,
      refillFailures: st.refillFailures,
      unmaps: st.unmaps,
      tasksFaulted: st.tasksFaulted,
      tasks: this.fm.nTasks,
      faultUs: st.faultUs,
      pagesMapped: mapped,
      poolPagesLeft: pool,
      panicEvents: this.panicEvents,
    };
  }

  /** The fast machine's push limit for task `t`: its stack limit, or where its mapped pages end. */
  private limit(t: number): void {
    const fm = this.fm;
    const mapped = this.pages.mapped(t) * PAGE_SIZE;
    fm.pushLimit[t] = Math.min(fm.stackLimit[t]!, mapped);
  }
}

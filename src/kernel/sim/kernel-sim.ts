// The simulated SMP kernel: CPUs walking the code model on the fast stack machine. Tasks think in
// user mode and make syscalls; interrupts arrive at their times and land on whatever stack SP is on;
// irq_exit and local_bh_enable run softirqs where the profile puts them; __do_softirq restarts up to
// MAX_SOFTIRQ_RESTART times or MAX_SOFTIRQ_TIME and then wakes ksoftirqd; a simple per-CPU round
// robin scheduler switches tasks at preemption points. Both stack tracers watch.
//
// Each CPU runs alone for one window (scenario `window`) and the CPUs meet between windows; an IPI
// raised in one window arrives no earlier than the next. Inside a window a CPU is a loop over its
// current task's activations (activations.ts), with no event queue in the way.
import { assertTrue } from '../../base/assert.ts';
import type { Rng } from '../../engine/rng.ts';
import { pick } from '../../engine/sampler.ts';
import { MAX_SOFTIRQ_RESTART, SOFTIRQ_NOW_MASK } from '../../model/constants.ts';
import type { KernelProfile } from '../../model/profile.ts';
import { KSTACK_OFFSET_MAX_BYTES } from '../../model/profiles.ts';
import {
  A_ACTIONS,
  A_BH,
  A_FN,
  A_IDLE,
  A_IRQ,
  A_IRQ_EXIT,
  A_KSOFTIRQD,
  A_POP,
  A_SOFTIRQ,
  A_SWITCHED,
  A_SYSCALL,
  A_USER,
  Activations,
  FLAG_IRQ_TOP,
  FLAG_SOFTIRQ_TOP,
  Inbox,
} from './activations.ts';
import {
  type CompiledModel,
  IPI_RESCHED,
  ST_BH_DISABLE,
  ST_BH_ENABLE,
  ST_CALL,
  ST_COND_RESCHED,
  ST_IPI,
  ST_IRQ_EXIT,
  ST_RAISE,
  ST_SLEEP,
  ST_SOFTIRQ_ACTIONS,
  TO_ALL,
  TO_OTHER,
} from './compiled.ts';
import type { SimDynamicStacks } from './dynamic-sim.ts';
import type { ExactShadow } from './exact-shadow.ts';
import {
  CTX_HARDIRQ,
  CTX_TASK,
  F,
  F_ID,
  F_KIND,
  F_LOC,
  F_PREV_DEPTH,
  F_PREV_STACK,
  F_STACK,
  type FastCpu,
  type FastMachine,
  FK_FN,
  KIND_TASK,
  LOC_TRACER_PC,
  MAX_FRAMES,
  type OverflowSink,
  type OverflowWhat,
  STEP_FN,
  writeRecord,
} from './fast-machine.ts';
import { FastKernelTracer } from './fast-tracer.ts';
import type { SimStats } from './sim-stats.ts';

export const TASK_IDLE = 0;
export const TASK_KSOFTIRQD = 1;
export const TASK_WORK = 2;

export const ST_RUNNING = 0;
export const ST_RUNNABLE = 1;
export const ST_SLEEPING = 2;

/** Inbox arrival kinds (below 0); >= 0 is a device or timer source index. */
export const ARR_IPI_RESCHED = -1;
export const ARR_IPI_CALL = -2;
/** A sleeping task's hrtimer fires: a timer interrupt that wakes task `arg`. */
export const ARR_WAKE = -3;

const U32 = 4294967296;
/**
 * Vectors whose raises queue work items (a packet on the backlog, a completed request, a tasklet):
 * the action runs once per item. The others (TIMER, SCHED, HRTIMER, RCU) run once for any raises.
 */
const QUEUE_VECTORS = (1 << 0) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6);
/**
 * Items one action invocation handles at most: net_rx_action's netdev_budget (300 packets,
 * net/core/dev.c). Model simplification: netdev_budget_usecs (2 ms) and NAPI weights are not modelled.
 */
const SOFTIRQ_BUDGET = 300;

/** A kernel-visible event of the run (overflows and what the tracer's BUG() saw). */
export interface SimEvent {
  readonly type: 'overflow-panic' | 'stack-end-panic' | 'corruption';
  readonly atNs: number;
  readonly cpu: number;
  readonly task: number;
  readonly stack: 'task' | 'irq' | 'overflow';
  readonly what?: string;
  readonly frame: string;
  readonly report?: string;
}

export interface TaskSpec {
  readonly name: string;
  readonly kind: number;
  readonly cpu: number;
  /** Think time (a shape table and its scale: CompiledModel.sampler) and syscall choice (workload tasks). */
  readonly think: Float64Array | null;
  readonly thinkScale: number;
  readonly syscalls: Int32Array;
  /** Cumulative weights, last = total. */
  readonly weights: Float64Array;
}

export interface SourceSpec {
  readonly name: string;
  readonly handler: number;
  /** The arch timer's tick (its arrivals drive the scheduler tick and stop on idle CPUs with NO_HZ). */
  readonly isTimer: boolean;
  /** Pending timers of an idle CPU: delivered only while the CPU idles. */
  readonly onlyIdle: boolean;
}

export interface KernelSimConfig {
  readonly profile: KernelProfile;
  readonly code: CompiledModel;
  readonly fm: FastMachine;
  readonly shadow: ExactShadow;
  readonly stats: SimStats;
  readonly tasks: readonly TaskSpec[];
  readonly sources: readonly SourceSpec[];
  readonly rngs: readonly Rng[];
  readonly tickNs: number;
  readonly timesliceNs: number;
  readonly preempt: 'none' | 'voluntary' | 'full';
  readonly nohzIdle: boolean;
  readonly stackTracer: boolean;
  /**
   * Time the stack tracer's callback takes at a traced function's entry (ns, out of its self time),
   * with its frames (profile tracer.interrupt) on the stack: an interrupt arriving then lands on top
   * of them. 0 when the tracer is off or the profile does not say what those frames are.
   */
  readonly tracerCost: number;
  /** Share of the interrupts inside the tracer that come before its recursion guard (sampled). */
  readonly tracerOpen: number;
  readonly ipiHandler: readonly [number, number];
  readonly ipiLatencyNs: number;
  readonly panic: 'halt' | 'reboot';
  /** MAX_SOFTIRQ_TIME in jiffies (msecs_to_jiffies(2)). */
  readonly softirqJiffies: number;
  /** 4.9+ ksoftirqd_running(): irq_exit and do_softirq leave pending work to a running ksoftirqd. */
  readonly deferToKsoftirqd: boolean;
  /** Dynamic task stacks (stackAllocation `dynamic`): faults, refills and panics. */
  readonly dynamic?: SimDynamicStacks | null;
}

/** Trace slices the simulator reports (for --trace): a recorder decides what to keep. */
export interface SliceRecorder {
  slice(track: string, name: string, startNs: number, endNs: number): void;
}

export class KernelSim implements OverflowSink {
  readonly acts: Activations[];
  readonly inbox: Inbox[];
  readonly taskState: Uint8Array;
  readonly runq: number[][];
  readonly needResched: Uint8Array;
  readonly pending: Int32Array;
  /** Per CPU and vector: raises not yet handled (packets in the backlog, requests to complete). */
  readonly queued: Float64Array;
  readonly switchedInAt: Float64Array;
  /** Per CPU: the irq_exit of the innermost hard IRQ is still to run. */
  readonly irqExitPending: Uint8Array;
  /** Per CPU: __do_softirq's actions are still to run (the marker step or its end runs them). */
  readonly actionsPending: Uint8Array;
  /** Per CPU and vector: softirq actions run (/proc/softirqs). */
  readonly softirqCount: Float64Array;
  /** Per CPU and source: interrupts taken (/proc/interrupts); IPIs after the sources. */
  readonly irqCount: Float64Array;
  readonly ksoftirqdWakeups: Float64Array;
  readonly events: SimEvent[] = [];
  readonly ipiOut: { at: number; cpu: number; kind: number }[] = [];
  readonly wakeOut: { at: number; cpu: number; task: number }[] = [];
  readonly tracer: FastKernelTracer;
  recorder: SliceRecorder | null = null;
  // The hot loop's data, hoisted out of cfg.
  private readonly fm: FastMachine;
  private readonly code: CompiledModel;
  private readonly rngs: readonly Rng[];
  private readonly stepStart: Int32Array;
  private readonly stKind: Uint8Array;
  private readonly stArg: Int32Array;
  private readonly selfShape: Int32Array;
  private readonly selfScale: Float64Array;
  private readonly shapes: readonly Float64Array[];
  private readonly traced: Uint8Array;
  private readonly tracing: boolean;
  private readonly tracerCost: number;
  private readonly hookAfter: boolean;
  /** Open slices for the recorder: per task its syscall, per CPU its hard IRQ and softirq. */
  private readonly trace = {
    sys: [] as ({ name: string; start: number } | undefined)[],
    irq: [] as ({ name: string; start: number } | undefined)[],
    soft: [] as ({ name: string; start: number } | undefined)[],
  };
  now = 0;
  /** CPUs rebooted after a panic (`panic: reboot`). */
  reboots = 0;
  private readonly rebootPending: Uint8Array;
  private readonly ksoftirqdOf: Int32Array;
  private readonly idleOf: Int32Array;
  private readonly nSrc: number;
  /** Location ids of the entry paths' call sites (syscall, IRQ from EL0, IRQ from EL1). */
  private readonly syscallSite: number;
  private readonly el0IrqSite: number;
  private readonly el1IrqSite: number;

  constructor(readonly cfg: KernelSimConfig) {
    const { fm, tasks } = cfg;
    const nCpus = fm.nCpus;
    this.fm = fm;
    this.code = cfg.code;
    this.rngs = cfg.rngs;
    this.stepStart = cfg.code.stepStart;
    this.stKind = cfg.code.stKind;
    this.stArg = cfg.code.stArg;
    this.selfShape = cfg.code.selfShape;
    this.selfScale = cfg.code.selfScale;
    this.shapes = cfg.code.shapes;
    this.traced = cfg.code.traced;
    this.tracing = cfg.stackTracer;
    this.tracerCost = cfg.stackTracer && cfg.profile.tracer.interrupt ? cfg.tracerCost : 0;
    this.hookAfter = cfg.profile.tracer.hook === 'mcount-after-prologue';
    this.acts = tasks.map(() => new Activations());
    this.inbox = Array.from({ length: nCpus }, () => new Inbox());
    this.taskState = new Uint8Array(tasks.length);
    this.runq = Array.from({ length: nCpus }, () => []);
    this.needResched = new Uint8Array(nCpus);
    this.pending = new Int32Array(nCpus);
    this.queued = new Float64Array(nCpus * 10);
    this.switchedInAt = new Float64Array(nCpus);
    this.irqExitPending = new Uint8Array(nCpus);
    this.actionsPending = new Uint8Array(nCpus);
    this.softirqCount = new Float64Array(nCpus * 10);
    this.nSrc = cfg.sources.length;
    this.irqCount = new Float64Array(nCpus * (this.nSrc + 2));
    this.ksoftirqdWakeups = new Float64Array(nCpus);
    this.ksoftirqdOf = new Int32Array(nCpus).fill(-1);
    this.idleOf = new Int32Array(nCpus).fill(-1);
    this.rebootPending = new Uint8Array(nCpus);
    this.tracer = new FastKernelTracer(fm, cfg.shadow, cfg.profile);
    this.syscallSite = cfg.code.loc(cfg.profile.entry.syscall.callSite);
    this.el0IrqSite = cfg.code.loc(cfg.profile.entry.el0Irq.callSite);
    this.el1IrqSite = cfg.code.loc(cfg.profile.entry.el1Irq.callSite);
    fm.overflowSink = this;
    fm.depthSink = cfg.stats;
    if (cfg.dynamic) {
      cfg.dynamic.clock = () => this.now;
      // A pool that ran dry panics the kernel: this CPU stops, as for an overflow panic.
      cfg.dynamic.onPanic = (cpu) => {
        if (cfg.panic === 'reboot') this.rebootPending[cpu.id] = 1;
      };
    }
    if (cfg.stackTracer) fm.entryTraceHook = (cpu, id) => this.sampleEntry(cpu, id);
    this.boot();
  }

  // ---------------------------------------------------------------- boot

  private boot(): void {
    const { fm, tasks, code } = this.cfg;
    tasks.forEach((t, id) => {
      if (t.kind === TASK_IDLE) this.idleOf[t.cpu] = id;
      if (t.kind === TASK_KSOFTIRQD) this.ksoftirqdOf[t.cpu] = id;
    });
    tasks.forEach((t, id) => {
      const cpu = fm.cpus[t.cpu]!;
      cpu.task = id;
      cpu.stack = id;
      cpu.depth = fm.startGapTask;
      const A = this.acts[id]!;
      if (t.kind === TASK_IDLE) {
        this.pushPlumbing(cpu, code.idle, -1);
        A.push(A_IDLE, -1, fm.nFrames[id]!, 0);
        this.taskState[id] = ST_RUNNING;
      } else if (t.kind === TASK_KSOFTIRQD) {
        fm.enterFromUser(cpu, 'kthread');
        this.pushPlumbing(cpu, code.ksoftirqd, -1);
        A.push(A_KSOFTIRQD, -1, fm.nFrames[id]!, 0);
        this.taskState[id] = ST_SLEEPING;
      } else {
        A.push(A_USER, -1, 0, this.think(t.cpu, t));
        this.taskState[id] = ST_RUNNABLE;
        this.runq[t.cpu]!.push(id);
      }
      fm.taskDepth[id] = cpu.depth;
      fm.resetEpisode(id, cpu.depth);
    });
    // Every CPU starts in its idle task, with its workload runnable.
    for (const cpu of fm.cpus) {
      const idle = this.idleOf[cpu.id]!;
      assertTrue(idle >= 0, `CPU ${cpu.id} has no idle task`);
      cpu.task = idle;
      cpu.stack = idle;
      cpu.depth = fm.taskDepth[idle]!;
      if (this.runq[cpu.id]!.length > 0) this.needResched[cpu.id] = 1;
    }
  }

  /** Pushes kernel-path frames (no walk): each returns into the previous one. */
  private pushPlumbing(cpu: FastCpu, fns: Int32Array, firstRet: number): boolean {
    const code = this.cfg.code;
    let ret = firstRet;
    for (let i = 0; i < fns.length; i++) {
      const fn = fns[i]!;
      if (!this.enterFn(cpu, fn, ret)) return false;
      ret = code.fnLoc[fn]!;
    }
    return true;
  }

  private think(cpu: number, t: TaskSpec): number {
    return t.think === null ? 0 : pick(t.think, this.cfg.rngs[cpu]!.nextU32()) * t.thinkScale;
  }

  // ---------------------------------------------------------------- the window loop of one CPU

  /** Runs CPU `c` from `this.now` to `until`. */
  runCpu(c: number, until: number): void {
    const fm = this.fm;
    const cpu = fm.cpus[c]!;
    const inbox = this.inbox[c]!;
    for (;;) {
      if (cpu.halted) {
        if (!this.rebootPending[c]) break;
        this.reboot(cpu);
        continue;
      }
      const A = this.acts[cpu.task]!;
      const i = A.n - 1;
      const type = A.type[i]!;
      // Interrupts are taken where time passes with IRQs unmasked: in code, in user mode, in idle.
      // The kernel's own exit sequences between them run with IRQs masked.
      const irqsOn = cpu.context !== CTX_HARDIRQ && (type === A_FN || type === A_USER || type === A_IDLE);
      if (irqsOn && inbox.n > 0 && inbox.headTime() <= this.now) {
        this.arrive(cpu, inbox);
        continue;
      }
      let horizon = until;
      if (irqsOn && inbox.n > 0) {
        const h = inbox.headTime();
        if (h < horizon) horizon = h;
      }
      if (type === A_FN) {
        // The common case: code-model walking until the next arrival, the window's end or a special step.
        if (this.walk(cpu, A, horizon) && horizon >= until) break;
        continue;
      }
      const left = A.left[i]!;
      if (left > 0) {
        const end = this.now + left;
        if (end <= horizon) {
          this.now = end;
          A.left[i] = 0;
        } else {
          A.left[i] = end - horizon;
          this.now = horizon;
          if (horizon >= until) break;
          continue;
        }
      }
      this.dispatch(cpu, A, i);
    }
    this.now = until;
  }

  /**
   * The hot loop: walks code-model functions of the current task, their time gaps and call steps,
   * until `horizon` (returns true: time reached it), a step, return or call that needs the general
   * path, or an activation that is not a function (returns false). No arrival can come before
   * `horizon`. Function frames stay on the stack SP is on, so the walk keeps that stack's depth,
   * frame count and maxima in locals and writes them back when it leaves: a push here is
   * FastMachine.pushFnFast (same record, writeRecord; the general push when it does not apply), a
   * pop is popFast, a quiet tracer sample is FastKernelTracer.quietBound's count.
   */
  private walk(cpu: FastCpu, A: Activations, until: number): boolean {
    // A float64 from here on: the parameter arrives tagged, and a tagged value in the time phi makes
    // V8 box every time step (a heap number per frame).
    const horizon = +until;
    const fm = this.fm;
    const { stepStart, stKind, stArg, shapes, selfShape, selfScale } = this;
    const { stArg2, stThreshold, stLoc, frame, traced } = this.code;
    const rng = this.rngs[cpu.id]!;
    const t = cpu.task;
    const s = cpu.stack;
    const fr = fm.frames[t]!;
    const limit = fm.pushLimit[s]!;
    const notify = fm.notifyAbove[s]!;
    const tracing = this.tracing;
    const after = this.hookAfter;
    const delta = this.tracer.delta;
    const quiet = tracing ? this.tracer.quietBound(s) : 0;
    const cost = this.tracerCost;
    const { type, fn: aFn, step: aStep, rep: aRep, arg: aArg, frames: aFrames, left: aLeft, gap: aGap } = A;
    const cap = type.length;
    let now = this.now;
    let n = fm.nFrames[t]!;
    let depth = cpu.depth;
    let an = A.n;
    let epMax = fm.episodeMax[s]!;
    let wMax = fm.windowMax[s]!;
    let events = 0;
    let samples = 0;
    let reached = false;
    let call = -1; // a call step the general callFn must make (st)
    for (;;) {
      const i = an - 1;
      if (type[i] !== A_FN) break;
      const left = aLeft[i]!;
      if (left > 0) {
        const end = now + left;
        if (end > horizon) {
          aLeft[i] = end - horizon;
          now = horizon;
          reached = true;
          break;
        }
        now = end;
        aLeft[i] = 0;
      }
      const fn = aFn[i]!;
      const st = aStep[i]!;
      if (st >= stepStart[fn + 1]!) {
        // An IRQ handler's or softirq entry's end (irq_exit, the action loop), or a frame popTo must pop.
        const o = (n - 1) * F;
        if (aArg[i] !== 0 || n !== aFrames[i]! + 1 || fr[o + F_PREV_STACK] !== fr[o + F_STACK]) break;
        n--;
        depth = fr[o + F_PREV_DEPTH]!;
        events++;
        an--;
        // The caller's call step with no repeat left is done: its next step now (what the next pass
        // would do, without the pass).
        const c = i - 1;
        if (type[c] === A_FN && aRep[c] === 0 && aLeft[c]! <= 0 && stKind[aStep[c]!] === ST_CALL) {
          aStep[c]!++;
          aRep[c] = -1;
          aLeft[c] = aGap[c]!;
        }
        continue;
      }
      const kind = stKind[st]!;
      if (kind !== ST_CALL) {
        // Steps that move no frame and no task are done here (as stepFn does them), the rest there.
        if (kind === ST_BH_DISABLE) cpu.bhCount++;
        else if (kind === ST_RAISE) {
          const p = stThreshold[st]!;
          if (p >= U32 || rng.nextU32() < p) this.raise(cpu, stArg[st]!);
        } else if (kind === ST_BH_ENABLE) {
          if (cpu.bhCount <= 1 && cpu.context === CTX_TASK && this.softirqsMayRun(cpu)) break;
          if (cpu.bhCount > 0) cpu.bhCount--;
        } else break;
        aStep[i] = st + 1;
        aRep[i] = -1;
        aLeft[i] = aGap[i]!;
        continue;
      }
      let rep = aRep[i]!;
      if (rep < 0) rep = stArg2[st]!;
      const thr = stThreshold[st]!;
      let called = false;
      while (rep > 0) {
        rep--;
        if (thr >= U32 || rng.nextU32() < thr) {
          called = true;
          break;
        }
      }
      if (!called) {
        aStep[i] = st + 1;
        aRep[i] = -1;
        aLeft[i] = aGap[i]!;
        continue;
      }
      aRep[i] = rep;
      const callee = stArg[st]!;
      const size = frame[callee]!;
      const nd = depth + size;
      const sampled = tracing && traced[callee] === 1;
      const dl = (after ? nd : depth) + delta;
      if (
        n >= MAX_FRAMES ||
        nd > limit ||
        (nd > epMax && nd > notify) ||
        an === cap ||
        (sampled && (dl <= 0 || dl > quiet))
      ) {
        call = st;
        break;
      }
      if (sampled) samples++;
      writeRecord(fr, n * F, FK_FN, callee, size, s, depth, STEP_FN, stLoc[st]!, -1);
      n++;
      depth = nd;
      events++;
      if (nd > wMax) wMax = nd;
      if (nd > epMax) epMax = nd;
      const sh = selfShape[callee]!;
      const first = stepStart[callee]!;
      const self = sh < 0 ? 0 : pick(shapes[sh]!, rng.nextU32()) * selfScale[callee]!;
      const tr = sampled ? Math.min(cost, self) : 0; // the tracer's part, first (inTracer())
      const gap = (self - tr) / (stepStart[callee + 1]! - first + 1);
      type[an] = A_FN;
      aFn[an] = callee;
      aStep[an] = first;
      aRep[an] = -1;
      aArg[an] = 0;
      aFrames[an] = n - 1;
      aLeft[an] = gap + tr;
      aGap[an] = gap;
      an++;
    }
    this.now = now;
    fm.nFrames[t] = n;
    cpu.depth = depth;
    fm.episodeMax[s] = epMax;
    fm.windowMax[s] = wMax;
    fm.frameEvents += events;
    this.tracer.samples += samples;
    A.n = an;
    if (reached) return true;
    if (call >= 0) this.callFn(cpu, stArg[call]!, stLoc[call]!, 0);
    else if (type[an - 1] === A_FN) this.stepFn(cpu, A, an - 1);
    return false;
  }

  private dispatch(cpu: FastCpu, A: Activations, i: number): void {
    switch (A.type[i]) {
      case A_FN:
        this.stepFn(cpu, A, i);
        return;
      case A_USER:
        this.syscall(cpu, A, i);
        return;
      case A_SYSCALL:
        this.syscallExit(cpu, A, i);
        return;
      case A_IRQ:
        this.irqReturn(cpu, A, i);
        return;
      case A_IRQ_EXIT:
        this.irqExitStep(cpu, A, i);
        return;
      case A_SOFTIRQ:
        this.cfg.fm.exitEntry(cpu);
        A.n--;
        return;
      case A_ACTIONS:
        this.actionsStep(cpu, A, i);
        return;
      case A_POP:
        if (A.arg[i] === 1) this.tracer.guarded[cpu.id]!--;
        this.cfg.fm.popTo(cpu, A.frames[i]!);
        A.n--;
        return;
      case A_BH:
        this.cfg.fm.popTo(cpu, A.frames[i]!);
        A.n--;
        return;
      case A_KSOFTIRQD:
        this.ksoftirqdStep(cpu, A, i);
        return;
      case A_IDLE:
        if (this.needResched[cpu.id]) this.schedule(cpu);
        else A.left[i] = Number.POSITIVE_INFINITY;
        return;
      case A_SWITCHED:
        this.cfg.fm.popTo(cpu, A.frames[i]!);
        A.n--;
        return;
    }
  }

  // ---------------------------------------------------------------- code-model walk

  /** Calls code-model function `fn` (its frame, its tracer sample, its walk). */
  private callFn(cpu: FastCpu, fn: number, retLoc: number, flags: number): boolean {
    const before = this.fm.nFrames[cpu.task]!;
    if (!this.enterFn(cpu, fn, retLoc)) return false;
    const sh = this.selfShape[fn]!;
    const ss = this.stepStart;
    const self = sh < 0 ? 0 : pick(this.shapes[sh]!, this.rngs[cpu.id]!.nextU32()) * this.selfScale[fn]!;
    const tr = this.tracing && this.traced[fn] === 1 ? Math.min(this.tracerCost, self) : 0;
    const gap = (self - tr) / (ss[fn + 1]! - ss[fn]! + 1);
    this.acts[cpu.task]!.pushFn(fn, before, gap, ss[fn]!, flags, gap + tr);
    return true;
  }

  /** Pushes `fn`'s frame, sampling it for the kernel tracer where the profile hooks it. */
  private enterFn(cpu: FastCpu, fn: number, retLoc: number): boolean {
    const fm = this.fm;
    const traced = this.tracing && this.traced[fn] === 1;
    if (traced && !this.hookAfter) this.sampleFn(cpu, fn, retLoc);
    if (!fm.pushFnFast(cpu, fn, retLoc) && !fm.pushFn(cpu, fn, retLoc)) return false;
    if (traced && this.hookAfter) this.sampleFn(cpu, fn, retLoc);
    return !cpu.halted;
  }

  /** A traced function's tracer sample: only counted when it is quiet, else the whole check. */
  private sampleFn(cpu: FastCpu, fn: number, retLoc: number): void {
    const tracer = this.tracer;
    const dl = cpu.depth + tracer.delta;
    if (dl > 0 && dl <= tracer.quietBound(cpu.stack)) tracer.samples++;
    else this.sample(cpu, fn, retLoc);
  }

  private stepFn(cpu: FastCpu, A: Activations, i: number): void {
    const code = this.code;
    const fn = A.fn[i]!;
    const st = A.step[i]!;
    if (st >= this.stepStart[fn + 1]!) {
      this.fnDone(cpu, A, i);
      return;
    }
    switch (this.stKind[st]) {
      case ST_CALL: {
        if (A.rep[i]! < 0) A.rep[i] = code.stArg2[st]!;
        const thr = code.stThreshold[st]!;
        const rng = this.rngs[cpu.id]!;
        while (A.rep[i]! > 0) {
          A.rep[i]!--;
          if (thr >= U32 || rng.nextU32() < thr) {
            this.callFn(cpu, this.stArg[st]!, code.stLoc[st]!, 0);
            return;
          }
        }
        break;
      }
      case ST_RAISE:
        if (this.hit(cpu, code.stThreshold[st]!)) this.raise(cpu, code.stArg[st]!);
        break;
      case ST_BH_DISABLE:
        cpu.bhCount++;
        break;
      case ST_BH_ENABLE:
        this.nextStep(A, i);
        if (cpu.bhCount > 0) cpu.bhCount--;
        if (cpu.bhCount === 0 && cpu.context === CTX_TASK && this.softirqsMayRun(cpu))
          this.bhSoftirq(cpu, code.stLoc[st]!);
        return;
      case ST_IPI:
        if (this.hit(cpu, code.stThreshold[st]!)) this.sendIpi(cpu, code.stArg[st]!, code.stArg2[st]!);
        break;
      case ST_COND_RESCHED:
        this.nextStep(A, i);
        if (this.cfg.preempt !== 'none' && this.needResched[cpu.id] && this.preemptible(cpu))
          this.schedule(cpu);
        return;
      case ST_SLEEP:
        this.nextStep(A, i);
        if (
          this.hit(cpu, code.stThreshold[st]!) &&
          this.preemptible(cpu) &&
          this.cfg.tasks[cpu.task]!.kind === TASK_WORK
        )
          this.sleep(cpu, pick(code.tables[code.stArg[st]!]!, this.cfg.rngs[cpu.id]!.nextU32()));
        return;
      case ST_IRQ_EXIT:
        this.nextStep(A, i);
        if (this.cfg.profile.softirq.irqExitRunsIn === 'handler' && this.irqExitPending[cpu.id])
          this.startIrqExit(cpu);
        return;
      case ST_SOFTIRQ_ACTIONS:
        this.nextStep(A, i);
        if (this.actionsPending[cpu.id]) this.startActions(cpu);
        return;
    }
    this.nextStep(A, i);
  }

  private nextStep(A: Activations, i: number): void {
    // (hot: keep it small)
    A.step[i]!++;
    A.rep[i] = -1;
    A.left[i] = A.gap[i]!;
  }

  private hit(cpu: FastCpu, thr: number): boolean {
    return thr >= U32 || this.cfg.rngs[cpu.id]!.nextU32() < thr;
  }

  private fnDone(cpu: FastCpu, A: Activations, i: number): void {
    const flags = A.arg[i]!;
    if (
      flags & FLAG_IRQ_TOP &&
      this.cfg.profile.softirq.irqExitRunsIn === 'handler' &&
      this.irqExitPending[cpu.id]
    ) {
      this.startIrqExit(cpu);
      return;
    }
    if (flags & FLAG_SOFTIRQ_TOP && this.actionsPending[cpu.id]) {
      this.startActions(cpu);
      return;
    }
    this.cfg.fm.popTo(cpu, A.frames[i]!);
    A.n--;
  }

  // ---------------------------------------------------------------- syscalls and user mode

  private syscall(cpu: FastCpu, A: Activations, i: number): void {
    const { fm, tasks, profile, code } = this.cfg;
    const t = tasks[cpu.task]!;
    A.left[i] = this.think(cpu.id, t);
    const rng = this.cfg.rngs[cpu.id]!;
    let k = 0;
    if (t.syscalls.length > 1) {
      const total = t.weights[t.weights.length - 1]!;
      const x = rng.float() * total;
      while (k < t.weights.length - 1 && x >= t.weights[k]!) k++;
    }
    if (this.recorder) this.trace.sys[cpu.task] = { name: code.names[t.syscalls[k]!]!, start: this.now };
    if (!fm.enterFromUser(cpu, 'syscall')) return;
    if (profile.RANDOMIZE_KSTACK_OFFSET) {
      const x = rng.nextU32() & 0x3ff;
      if (!fm.pushKstackOffset(cpu, Math.min(KSTACK_OFFSET_MAX_BYTES, (x + 15) & ~15))) return;
    }
    A.push(A_SYSCALL, -1, fm.nFrames[cpu.task]!, 0);
    this.callFn(cpu, t.syscalls[k]!, this.syscallSite, 0);
  }

  /** The syscall function returned: exit_to_user_mode (schedule if asked), then user mode. */
  private syscallExit(cpu: FastCpu, A: Activations, i: number): void {
    const fm = this.cfg.fm;
    if (A.step[i] === 0 && this.needResched[cpu.id]) {
      A.step[i] = 1;
      this.schedule(cpu);
      return;
    }
    const sys = this.trace.sys[cpu.task];
    if (this.recorder && sys)
      this.recorder.slice(`${this.cfg.tasks[cpu.task]!.name} syscalls`, sys.name, sys.start, this.now);
    this.cfg.stats.episodeEnd(cpu, cpu.task);
    fm.popTo(cpu, 0);
    this.cfg.dynamic?.returnToUser(cpu);
    A.n--;
  }

  // ---------------------------------------------------------------- interrupts

  private arrive(cpu: FastCpu, inbox: Inbox): void {
    const kind = inbox.headKind();
    const arg = inbox.headArg();
    inbox.shift();
    const fm = this.cfg.fm;
    const src = kind >= 0 ? this.cfg.sources[kind]! : null;
    const A = this.acts[cpu.task]!;
    const top = A.n - 1;
    const idle = A.type[top] === A_IDLE;
    if (src?.isTimer && this.cfg.nohzIdle && idle && cpu.nEntries === 0) return; // tick stopped while idle
    if (src?.onlyIdle && !(idle && cpu.nEntries === 0)) return;
    if (kind === ARR_WAKE) this.wake(arg);
    if (src?.isTimer) this.tick(cpu);
    if (kind === ARR_IPI_RESCHED) this.needResched[cpu.id] = 1;
    const handler =
      src !== null
        ? src.handler
        : kind === ARR_WAKE
          ? this.cfg.sources[0]!.handler
          : this.cfg.ipiHandler[kind === ARR_IPI_RESCHED ? 0 : 1];
    this.irqCount[
      cpu.id * (this.nSrc + 2) + (kind >= 0 ? kind : kind === ARR_WAKE ? 0 : this.nSrc - 1 - kind)
    ]!++;
    if (handler < 0) return;
    if (idle) A.left[top] = 0;
    const fromUser = A.type[top] === A_USER;
    // Inside the tracer: its frames are under the interrupt, popped when it returns (A_POP).
    const traced = fromUser ? -1 : this.inTracer(A, top);
    if (traced >= 0) {
      const j = A.push(A_POP, -1, fm.nFrames[cpu.task]!, 0);
      this.tracer.interrupted++;
      // After the tracer's recursion guard went up, it samples nothing until the interrupt returns.
      if (this.rngs[cpu.id]!.float() >= this.cfg.tracerOpen) {
        A.arg[j] = 1;
        this.tracer.guarded[cpu.id]!++;
      } else this.tracer.interruptedOpen++;
      if (!fm.pushTracerFrames(cpu, traced)) return;
    }
    this.cfg.stats.atInterrupt[this.cfg.stats.bucket(this.taskStackDepth(cpu))]!++;
    const name =
      src?.name ??
      (kind === ARR_IPI_RESCHED ? 'IPI resched' : kind === ARR_WAKE ? 'hrtimer' : 'IPI call-function');
    if (this.recorder) this.trace.irq[cpu.id] = { name, start: this.now };
    const before = fm.nFrames[cpu.task]!;
    let ok: boolean;
    if (fromUser) ok = fm.enterFromUser(cpu, 'irq');
    else {
      const [elr, lr] = traced >= 0 ? [LOC_TRACER_PC, -1] : this.interruptedPc(cpu);
      ok = fm.takeIrq(cpu, elr, lr);
    }
    if (!ok) return;
    const j = A.push(A_IRQ, -1, before, 0);
    A.arg[j] = fromUser ? 1 : 0;
    this.irqExitPending[cpu.id] = 1;
    this.callFn(cpu, handler, fromUser ? this.el0IrqSite : this.el1IrqSite, FLAG_IRQ_TOP);
  }

  /**
   * The traced function whose tracer callback runs on top activation `i` (the tracer's part of its
   * first time slice is not over: walk()), or -1. Model simplification: the rest of the tracer's
   * time after an interrupt runs without its frames.
   */
  private inTracer(A: Activations, i: number): number {
    if (this.tracerCost === 0 || A.type[i] !== A_FN) return -1;
    const fn = A.fn[i]!;
    if (this.traced[fn] !== 1 || A.step[i] !== this.stepStart[fn] || A.rep[i] !== -1) return -1;
    return A.left[i]! > A.gap[i]! ? fn : -1;
  }

  /** ELR and x30 of the interrupted code: the innermost function frame (location ids). */
  private interruptedPc(cpu: FastCpu): [number, number] {
    const fm = this.cfg.fm;
    const fr = fm.frames[cpu.task]!;
    for (let k = fm.nFrames[cpu.task]! - 1; k >= 0; k--) {
      if (fr[k * F + F_KIND] === FK_FN) return [this.cfg.code.elrLoc[fr[k * F + F_ID]!]!, fr[k * F + F_LOC]!];
    }
    return [-1, -1];
  }

  /** Depth of the current task's own stack (where SP is, or where it left it for an IRQ stack). */
  taskStackDepth(cpu: FastCpu): number {
    const fm = this.cfg.fm;
    if (cpu.stack === cpu.task) return cpu.depth;
    const fr = fm.frames[cpu.task]!;
    for (let k = fm.nFrames[cpu.task]! - 1; k >= 0; k--) {
      const o = k * F;
      if (fr[o + 3] !== cpu.task && fr[o + 4] === cpu.task) return fr[o + 5]!;
    }
    return fm.taskDepth[cpu.task]!;
  }

  /** The scheduler tick: a task past its slice with another runnable gives way. */
  private tick(cpu: FastCpu): void {
    const t = cpu.task;
    if (this.cfg.tasks[t]!.kind === TASK_IDLE) return;
    if (this.now - this.switchedInAt[cpu.id]! >= this.cfg.timesliceNs && this.runq[cpu.id]!.length > 0)
      this.needResched[cpu.id] = 1;
  }

  /** The handler function returned. */
  private irqReturn(cpu: FastCpu, A: Activations, i: number): void {
    const fm = this.cfg.fm;
    if (this.irqExitPending[cpu.id]) {
      // v5.16+: irq_exit_rcu() in the entry code, after the handler left the IRQ stack.
      if (this.cfg.profile.softirq.irqExitRunsIn === 'entry') fm.returnToEntryCode(cpu);
      this.startIrqExit(cpu);
      return;
    }
    const fromUser = A.arg[i] === 1;
    // arm64_preempt_schedule_irq() / exit_to_user_mode(): pt_regs is still on the stack.
    if (A.step[i] === 0 && this.needResched[cpu.id] && cpu.nEntries === 1) {
      const mayPreempt =
        fromUser || (this.cfg.preempt === 'full' && cpu.bhCount === 0 && this.interruptedTask(cpu));
      if (mayPreempt) {
        A.step[i] = 1;
        fm.exitEntryCounters(cpu);
        this.schedule(cpu);
        return;
      }
    }
    if (A.step[i] === 1) fm.popTo(cpu, A.frames[i]!);
    else fm.exitEntry(cpu);
    A.n--;
    const irq = this.trace.irq[cpu.id];
    if (this.recorder && irq) this.recorder.slice(`cpu${cpu.id} hardirq`, irq.name, irq.start, this.now);
    if (fromUser) {
      this.cfg.stats.episodeEnd(cpu, cpu.task);
      this.cfg.dynamic?.returnToUser(cpu);
    }
    const top = A.n - 1;
    if (A.type[top] === A_IDLE) {
      this.cfg.stats.episodeEnd(cpu, cpu.task, cpu.depth);
      A.left[top] = 0;
    }
  }

  /** The interrupted context is a task's own code (not a softirq, not another entry). */
  private interruptedTask(cpu: FastCpu): boolean {
    const A = this.acts[cpu.task]!;
    const below = A.type[A.n - 2];
    return below === A_FN && this.cfg.tasks[cpu.task]!.kind === TASK_WORK;
  }

  // ---------------------------------------------------------------- irq_exit and softirqs

  private startIrqExit(cpu: FastCpu): void {
    this.irqExitPending[cpu.id] = 0;
    const A = this.acts[cpu.task]!;
    A.push(A_IRQ_EXIT, -1, this.cfg.fm.nFrames[cpu.task]!, 0);
  }

  /**
   * irq_exit(): with the hard IRQ count dropped, pending softirqs run unless the interrupted context
   * was a softirq or had bottom halves disabled (in_interrupt()), or ksoftirqd is already on it.
   * Then tick_irq_exit() and the rest of __irq_exit_rcu, in their frames.
   */
  private irqExitStep(cpu: FastCpu, A: Activations, i: number): void {
    const fm = this.cfg.fm;
    const phase = A.step[i]!;
    A.step[i] = phase + 1;
    if (phase === 0) {
      const inInterrupt = cpu.softirqDepth > 0 || cpu.bhCount > 0;
      // PREEMPT_RT: invoke_softirq() only wakes ksoftirqd (softirqs run in task context).
      if (!inInterrupt && this.cfg.profile.PREEMPT_RT && this.pending[cpu.id] !== 0)
        this.wakeKsoftirqd(cpu.id);
      else if (!inInterrupt && this.softirqsMayRun(cpu)) this.runSoftirq(cpu, 'irq-exit', -1);
      return;
    }
    if (phase === 1) {
      // The irq exit frames, and what they call (tick_irq_exit -> idle_cpu ...), sampled by the tracer.
      A.frames[i] = fm.nFrames[cpu.task]!;
      const calls = this.cfg.code.irqExitCalls;
      if (!fm.pushIrqExitFrames(cpu)) return;
      const ret = fm.nFrames[cpu.task]! > A.frames[i]! ? fm.topFrameLoc(cpu) : -1;
      for (let k = calls.length - 1; k >= 0; k--) this.callFn(cpu, calls[k]!, ret, 0);
      return;
    }
    fm.popTo(cpu, A.frames[i]!);
    A.n--;
  }

  /** Softirqs are pending and may run now (not deferred to a running ksoftirqd). */
  private softirqsMayRun(cpu: FastCpu): boolean {
    const p = this.pending[cpu.id]!;
    if (p === 0) return false;
    if (!this.cfg.deferToKsoftirqd || (p & SOFTIRQ_NOW_MASK) !== 0) return true;
    const k = this.ksoftirqdOf[cpu.id]!;
    return k < 0 || this.taskState[k] === ST_SLEEPING;
  }

  private raise(cpu: FastCpu, vec: number): void {
    this.pending[cpu.id]! |= 1 << vec;
    this.queued[cpu.id * 10 + vec]!++;
    // raise_softirq_irqoff(): outside interrupt context only ksoftirqd would notice.
    if (cpu.context === CTX_TASK && cpu.bhCount === 0) this.wakeKsoftirqd(cpu.id);
  }

  /** local_bh_enable() with softirqs pending: do_softirq() through the profile's own-stack path. */
  private bhSoftirq(cpu: FastCpu, callerLoc: number): void {
    const fm = this.cfg.fm;
    const A = this.acts[cpu.task]!;
    const before = fm.nFrames[cpu.task]!;
    A.push(A_BH, -1, before, 0);
    if (!this.pushPlumbing(cpu, this.cfg.code.bhEnable, callerLoc)) return;
    this.runSoftirq(cpu, 'bh-enable', -1);
  }

  /** Enters softirq processing on `path` and calls __do_softirq; A_SOFTIRQ leaves it afterwards. */
  private runSoftirq(cpu: FastCpu, path: 'irq-exit' | 'bh-enable' | 'ksoftirqd', _ret: number): void {
    const fm = this.cfg.fm;
    const code = this.cfg.code;
    const A = this.acts[cpu.task]!;
    if (!fm.enterSoftirq(cpu, path)) return;
    A.push(A_SOFTIRQ, -1, fm.nFrames[cpu.task]!, 0);
    this.actionsPending[cpu.id] = 1;
    if (this.recorder) this.trace.soft[cpu.id] = { name: `softirq (${path})`, start: this.now };
    if (code.softirqFn >= 0) this.callFn(cpu, code.softirqFn, fm.topFrameLoc(cpu), FLAG_SOFTIRQ_TOP);
    else this.startActions(cpu);
  }

  /** __do_softirq's restart loop, one pass per A_ACTIONS activation. */
  private startActions(cpu: FastCpu): void {
    this.actionsPending[cpu.id] = 0;
    const A = this.acts[cpu.task]!;
    const i = A.push(A_ACTIONS, 0, 0, 0);
    A.step[i] = -1; // the vector whose action runs now (none yet); fn: its runs left; frames: runs done
    A.rep[i] = MAX_SOFTIRQ_RESTART;
    // end = jiffies + MAX_SOFTIRQ_TIME, in jiffies.
    A.gap[i] = this.jiffies() + this.cfg.softirqJiffies;
    A.arg[i] = this.pending[cpu.id]!;
    this.pending[cpu.id] = 0;
  }

  private jiffies(): number {
    return Math.floor(this.now / this.cfg.tickNs);
  }

  /**
   * __do_softirq's action loop: picks the next pending vector and runs its action once per queued
   * item; restarts or wakes ksoftirqd when the pass is done. Loops until it calls an action or ends
   * (nothing else can happen in between: interrupts are masked here and no time passes).
   */
  private actionsStep(cpu: FastCpu, A: Activations, i: number): void {
    const code = this.cfg.code;
    const c = cpu.id;
    for (;;) {
      // A vector with queued work runs its action once per queued item (a packet, a request), up to
      // the budget; A.step holds the vector, A.fn the runs left.
      if (A.fn[i]! <= 0 && A.step[i]! >= 0) this.absorb(c, A, i);
      if (A.fn[i]! > 0) {
        A.fn[i]!--;
        A.frames[i]!++;
        const fn = code.actions[A.step[i]!]!;
        if (fn < 0) continue;
        this.callFn(cpu, fn, code.actionsLoc, 0);
        return;
      }
      const bits = A.arg[i]!;
      if (bits !== 0) {
        const vec = 31 - Math.clz32(bits & -bits);
        A.arg[i] = bits & (bits - 1);
        this.softirqCount[c * 10 + vec]!++;
        const q = this.queued[c * 10 + vec]!;
        const runs = QUEUE_VECTORS & (1 << vec) ? Math.max(1, Math.min(q, SOFTIRQ_BUDGET)) : 1;
        this.queued[c * 10 + vec] = QUEUE_VECTORS & (1 << vec) ? Math.max(0, q - runs) : 0;
        // Work left over stays pending: the restart loop or ksoftirqd takes it.
        if (this.queued[c * 10 + vec]! > 0) this.pending[c]! |= 1 << vec;
        A.step[i] = vec;
        A.fn[i] = runs;
        A.frames[i] = 0;
        continue;
      }
      const pending = this.pending[cpu.id]!;
      if (pending !== 0) {
        A.rep[i]!--;
        if (this.jiffies() < A.gap[i]! && !this.needResched[cpu.id] && A.rep[i]! > 0) {
          A.arg[i] = pending;
          this.pending[cpu.id] = 0;
          continue;
        }
        this.wakeKsoftirqd(cpu.id);
      }
      const soft = this.trace.soft[cpu.id];
      if (this.recorder && soft) this.recorder.slice(`cpu${cpu.id} softirq`, soft.name, soft.start, this.now);
      A.n--;
      return;
    }
  }

  /**
   * The running action takes the items raised while it ran, up to its budget (process_backlog polls
   * until the backlog is empty: a loopback reply is handled by the same net_rx_action).
   */
  private absorb(c: number, A: Activations, i: number): void {
    const vec = A.step[i]!;
    if (!(QUEUE_VECTORS & (1 << vec))) {
      A.step[i] = -1;
      return;
    }
    const q = this.queued[c * 10 + vec]!;
    const more = Math.min(q, SOFTIRQ_BUDGET - A.frames[i]!);
    if (more <= 0) {
      A.step[i] = -1;
      return;
    }
    this.queued[c * 10 + vec] = q - more;
    if (q - more === 0) this.pending[c]! &= ~(1 << vec);
    A.fn[i] = more;
  }

  private ksoftirqdStep(cpu: FastCpu, A: Activations, i: number): void {
    if (A.step[i] === 1) {
      // After a run: cond_resched(), then look again.
      A.step[i] = 0;
      this.cfg.stats.episodeEnd(cpu, cpu.task, cpu.depth);
      if (this.needResched[cpu.id] && this.cfg.preempt !== 'none') {
        this.schedule(cpu);
        return;
      }
    }
    if (this.pending[cpu.id] !== 0) {
      A.step[i] = 1;
      this.runSoftirq(cpu, 'ksoftirqd', -1);
      return;
    }
    this.taskState[cpu.task] = ST_SLEEPING;
    this.schedule(cpu);
  }

  private wakeKsoftirqd(c: number): void {
    const k = this.ksoftirqdOf[c]!;
    if (k < 0 || this.taskState[k] !== ST_SLEEPING) return;
    this.ksoftirqdWakeups[c]!++;
    this.makeRunnable(k);
  }

  // ---------------------------------------------------------------- scheduling

  private preemptible(cpu: FastCpu): boolean {
    return cpu.context === CTX_TASK && cpu.nEntries === 0 && cpu.bhCount === 0;
  }

  private makeRunnable(t: number): void {
    const c = this.cfg.tasks[t]!.cpu;
    if (this.taskState[t] !== ST_SLEEPING) return;
    this.taskState[t] = ST_RUNNABLE;
    this.runq[c]!.push(t);
    this.needResched[c] = 1;
  }

  private wake(t: number): void {
    this.makeRunnable(t);
  }

  private sleep(cpu: FastCpu, ns: number): void {
    const t = cpu.task;
    this.taskState[t] = ST_SLEEPING;
    this.wakeOut.push({ at: this.now + ns, cpu: cpu.id, task: t });
    this.schedule(cpu);
  }

  /**
   * schedule(): the next runnable task of this CPU (round robin; idle when none). The outgoing task
   * keeps its frames, with the schedule frames on top, until it is switched back in.
   * @kernel __schedule() kernel/sched/core.c; schedule_debug() checks STACK_END_MAGIC
   */
  schedule(cpu: FastCpu): void {
    const { fm, profile, tasks } = this.cfg;
    const c = cpu.id;
    this.needResched[c] = 0;
    const prev = cpu.task;
    if (profile.SCHED_STACK_END_CHECK && fm.magicGone[prev]) {
      this.stackEndPanic(
        cpu,
        'schedule',
        'Kernel panic - not syncing: corrupted stack end detected inside scheduler\n',
      );
      return;
    }
    const q = this.runq[c]!;
    const prevWork = tasks[prev]!.kind !== TASK_IDLE && this.taskState[prev] === ST_RUNNING;
    if (q.length === 0 && (prevWork || tasks[prev]!.kind === TASK_IDLE)) return;
    const next = q.length > 0 ? q.shift()! : this.idleOf[c]!;
    this.cfg.dynamic?.schedulePoint(cpu);
    if (prevWork) {
      this.taskState[prev] = ST_RUNNABLE;
      q.push(prev);
    }
    const A = this.acts[prev]!;
    const before = fm.nFrames[prev]!;
    A.push(A_SWITCHED, -1, before, 0);
    if (!this.pushPlumbing(cpu, this.cfg.code.schedule, fm.topFrameLoc(cpu))) return;
    fm.taskDepth[prev] = cpu.depth;
    if (this.recorder) this.recorder.slice(`cpu${c}`, tasks[prev]!.name, this.switchedInAt[c]!, this.now);
    cpu.task = next;
    cpu.stack = next;
    cpu.depth = fm.taskDepth[next]!;
    cpu.bhCount = 0;
    this.taskState[next] = ST_RUNNING;
    this.switchedInAt[c] = this.now;
  }

  private sendIpi(cpu: FastCpu, kind: number, to: number): void {
    const n = this.cfg.fm.nCpus;
    if (n < 2) return;
    const at = this.now + this.cfg.ipiLatencyNs;
    const k = kind === IPI_RESCHED ? ARR_IPI_RESCHED : ARR_IPI_CALL;
    if (to === TO_ALL) {
      for (let c = 0; c < n; c++) if (c !== cpu.id) this.ipiOut.push({ at, cpu: c, kind: k });
      return;
    }
    let target = to;
    if (to === TO_OTHER) {
      target = this.cfg.rngs[cpu.id]!.int(n - 1);
      if (target >= cpu.id) target++;
    }
    if (target >= 0 && target < n && target !== cpu.id) this.ipiOut.push({ at, cpu: target, kind: k });
  }

  // ---------------------------------------------------------------- the kernel stack tracer

  /** A traced entry frame (do_el0_svc, irq_exit_rcu, do_softirq_own_stack ...). */
  private sampleEntry(cpu: FastCpu, entryId: number): void {
    const fm = this.cfg.fm;
    const f = fm.entryFrames[entryId]!;
    // The parent is the frame record's return address: the profile's, or a return into the frame below.
    const parent = f.ret !== undefined ? fm.entryFrameLoc[entryId]! : fm.topFrameLoc(cpu);
    this.sampleNamed(cpu, f.name, parent);
  }

  private sample(cpu: FastCpu, fn: number, retLoc: number): void {
    this.sampleNamed(cpu, this.cfg.code.names[fn]!, retLoc);
  }

  private sampleNamed(cpu: FastCpu, name: string, parentLoc: number): void {
    if (!this.tracer.needsWork(cpu)) return;
    const fm = this.fm;
    const s = cpu.stack;
    const dl = cpu.depth + this.tracer.delta;
    if (dl > fm.stackLimit[s]!) {
      // The tracer's own frames run out of stack: an overflow like any other (they are real pushes).
      this.cfg.stats.overflowOf(s, dl);
      if (fm.stackKind[s] === 0 && dl > fm.magicDepth[s]! - 8) fm.magicGone[s] = 1;
    }
    const events = this.tracer.sample(cpu, name, parentLoc);
    if (events === null) return;
    for (const e of events) {
      // The shadow's machine has no dynamic pages ('off'): it never reports a stack fault.
      if (e.type === 'dynamic-stack-panic') continue;
      this.exactEvent(
        cpu,
        e.type,
        e.type === 'corruption' ? e.what : undefined,
        e.frame,
        'report' in e ? e.report : undefined,
      );
    }
    // check_stack() BUG()s when it records a maximum with STACK_END_MAGIC gone (once per corruption).
    const sawCorruption = this.cfg.shadow.tracer.stackEndCorrupted;
    this.cfg.shadow.tracer.stackEndCorrupted = false;
    if (sawCorruption && !cpu.halted)
      this.stackEndPanic(cpu, name, 'kernel BUG: the stack tracer found STACK_END_MAGIC corrupted\n');
  }

  // ---------------------------------------------------------------- overflows

  overflow(cpu: FastCpu, s: number, newDepth: number, what: OverflowWhat, frameName: string): boolean {
    const { fm, shadow } = this.cfg;
    const stack = (['task', 'irq', 'overflow'] as const)[fm.stackKind[s]!]!;
    let report: string | undefined;
    if (what === 'panic' && !this.events.some((e) => e.report !== undefined)) {
      cpu.halted = false;
      const e = shadow.overflowEvent(fm, cpu, frameName, newDepth - cpu.depth);
      cpu.halted = true;
      if (e !== null && 'report' in e) report = e.report;
    }
    this.events.push({
      type: what === 'panic' ? 'overflow-panic' : 'corruption',
      atNs: this.now,
      cpu: cpu.id,
      task: cpu.task,
      stack,
      ...(what === 'panic' ? {} : { what }),
      frame: frameName,
      ...(report !== undefined ? { report } : {}),
    });
    if (what === 'panic' && this.cfg.panic === 'reboot') this.rebootPending[cpu.id] = 1;
    return what !== 'panic';
  }

  private exactEvent(
    cpu: FastCpu,
    type: SimEvent['type'],
    what: string | undefined,
    frame: string,
    report: string | undefined,
  ): void {
    this.events.push({
      type,
      atNs: this.now,
      cpu: cpu.id,
      task: cpu.task,
      stack: fmKind(this.cfg.fm, cpu.stack),
      ...(what !== undefined ? { what } : {}),
      frame,
      ...(report !== undefined ? { report } : {}),
    });
  }

  private stackEndPanic(cpu: FastCpu, frame: string, report: string): void {
    this.events.push({
      type: 'stack-end-panic',
      atNs: this.now,
      cpu: cpu.id,
      task: cpu.task,
      stack: 'task',
      frame,
      report,
    });
    cpu.halted = true;
    if (this.cfg.panic === 'reboot') this.rebootPending[cpu.id] = 1;
  }

  /**
   * `panic: reboot`: the CPU starts again so a long run keeps measuring. Model simplification: only
   * this CPU's current task restarts (in user mode); its stacks are clean again.
   */
  private reboot(cpu: FastCpu): void {
    const { fm, tasks } = this.cfg;
    this.rebootPending[cpu.id] = 0;
    this.reboots++;
    cpu.halted = false;
    this.cfg.dynamic?.reboot(cpu);
    const t = cpu.task;
    fm.resetToTop(cpu, t);
    fm.magicGone[t] = 0;
    fm.corruption[t] = 0;
    if (fm.hasIrqStack) fm.corruption[fm.irqBase + cpu.id] = 0;
    this.irqExitPending[cpu.id] = 0;
    this.actionsPending[cpu.id] = 0;
    this.tracer.guarded[cpu.id] = 0;
    const A = this.acts[t]!;
    A.n = 0;
    const spec = tasks[t]!;
    if (spec.kind === TASK_WORK) A.push(A_USER, -1, 0, this.think(cpu.id, spec));
    else {
      this.pushPlumbing(cpu, spec.kind === TASK_IDLE ? this.cfg.code.idle : this.cfg.code.ksoftirqd, -1);
      A.push(spec.kind === TASK_IDLE ? A_IDLE : A_KSOFTIRQD, -1, fm.nFrames[t]!, 0);
    }
  }
}

function fmKind(fm: FastMachine, s: number): 'task' | 'irq' | 'overflow' {
  const k = fm.stackKind[s]!;
  return k === KIND_TASK ? 'task' : k === 1 ? 'irq' : 'overflow';
}

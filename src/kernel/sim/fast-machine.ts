// The simulator's stack machine: the same stacks, frames and entry rules as machine.ts and
// entry.ts, with depths as numbers and frames in typed arrays, so a frame costs a few array writes
// instead of bigint arithmetic and Map updates. The two are kept equal by a property test
// (test/kernel/sim-equivalence.test.ts) that drives both with the same random event sequences.
//
//   stack ids:  0 .. T-1          task stacks (task t's own stack)
//               T .. T+C-1        per-CPU IRQ stacks (when the profile has them)
//               T+C .. T+2C-1     per-CPU overflow stacks (VMAP profiles)
//
// Depth is measured from a stack's top (its high address), START_SP gaps included, as the
// all-stacks tracer measures it. A frame pushed on stack s at depth d occupies (d, d + size].
import { AssertionFailed, assertTrue } from '../../base/assert.ts';
import type { EntryFrame, KernelProfile } from '../../model/profile.ts';
import { stackLayout } from '../layout.ts';
import type { CompiledModel } from './compiled.ts';

export const FK_FN = 0;
export const FK_REGS = 1;
export const FK_ENTRY = 2;
export const FK_LINK = 3;
export const FK_KOFF = 4;
/** The tracer's own frames under an interrupt that arrived while it ran (profile tracer.interrupt). */
export const FK_TRACE = 5;

/** What created a frame, for rebuilding the exact machine: the first frame of each step carries it. */
export const STEP_NONE = 0;
export const STEP_FN = 1;
export const STEP_USER_SYSCALL = 2;
export const STEP_USER_IRQ = 3;
export const STEP_EL1_IRQ = 4;
export const STEP_SWITCH = 5;
export const STEP_SOFTIRQ_IRQ_EXIT = 6;
export const STEP_SOFTIRQ_BH = 7;
export const STEP_SOFTIRQ_KSOFTIRQD = 8;
export const STEP_KOFF = 9;
export const STEP_USER_KTHREAD = 10;
export const STEP_IRQ_EXIT_FRAMES = 11;
/** One of the tracer's frames (id: its index in tracer.interrupt.frames, aux: the traced function). */
export const STEP_TRACE = 12;
/** The ELR location of an interrupt that arrived inside the tracer (tracer.interrupt.pc). */
export const LOC_TRACER_PC = -2;

/** Frame fields, stride F: kind, id, size, stack, prevStack, prevDepth, step, loc, aux. */
export const F = 9;
export const F_KIND = 0;
export const F_ID = 1;
export const F_SIZE = 2;
export const F_STACK = 3;
export const F_PREV_STACK = 4;
export const F_PREV_DEPTH = 5;
export const F_STEP = 6;
/** Return-address location id (FN, ENTRY); ELR location id (REGS); switch reason (LINK: 0 irq, 1 softirq). */
export const F_LOC = 7;
/** LR location id (REGS), -1 when x30 held no return address. */
export const F_AUX = 8;

export const KIND_TASK = 0;
export const KIND_IRQ = 1;
export const KIND_OVERFLOW = 2;

export const CTX_TASK = 0;
export const CTX_HARDIRQ = 1;
export const CTX_SOFTIRQ = 2;

const ENTRY_IRQ = 0;
const ENTRY_SOFTIRQ = 1;
/** Entry record fields: framesBefore, framesAtHandler, context, kind, switched, countedX86, markedInuse, bumpedIrqCount. */
const E = 8;

/** Frames a task's array holds (task + interrupt frames on top); deeper is a runaway code model. */
export const MAX_FRAMES = 4096;

function tooDeep(): never {
  throw new AssertionFailed(
    `more than ${MAX_FRAMES} frames on one task: the code model recurses without end`,
  );
}

function popEmpty(t: number): never {
  throw new AssertionFailed(`pop on an empty task ${t}`);
}

/**
 * The record of a frame of `size` bytes pushed at `depth` on stack `s`, at offset `o` of a task's
 * frame array (the simulator's hot loop writes function frames with it too).
 */
export function writeRecord(
  fr: Int32Array,
  o: number,
  kind: number,
  id: number,
  size: number,
  s: number,
  depth: number,
  step: number,
  loc: number,
  aux: number,
): void {
  fr[o + F_KIND] = kind;
  fr[o + F_ID] = id;
  fr[o + F_SIZE] = size;
  fr[o + F_STACK] = s;
  fr[o + F_PREV_STACK] = s;
  fr[o + F_PREV_DEPTH] = depth;
  fr[o + F_STEP] = step;
  fr[o + F_LOC] = loc;
  fr[o + F_AUX] = aux;
}

export class FastCpu {
  task = 0;
  stack = 0;
  depth = 0;
  context = CTX_TASK;
  hardirqDepth = 0;
  softirqDepth = 0;
  irqCountX86 = -1;
  irqCount = 0;
  hardirqStackInuse = false;
  /** local_bh_disable() nesting in the interrupted task context. */
  bhCount = 0;
  halted = false;
  readonly entries = new Int32Array(64 * E);
  nEntries = 0;
  constructor(readonly id: number) {}
}

/** Called on a push that runs out of stack; returns false to stop the CPU (a panic). */
export interface OverflowSink {
  overflow(cpu: FastCpu, stack: number, newDepth: number, what: OverflowWhat, frameName: string): boolean;
}
export type OverflowWhat = 'panic' | 'STACK_END_MAGIC' | 'thread_info' | 'below-stack';

/** Dynamic task stacks (dynamic-sim.ts): called on a push below a task stack's mapped pages. */
export interface FastDynamic {
  /** Maps the pages down to depth `nd` of task `t`'s stack; false when the pool ran dry (a panic). */
  fault(cpu: FastCpu, t: number, nd: number, frameName: string): boolean;
}

/** Per-push statistics the simulator keeps (the machine calls it only when a maximum moves). */
export interface DepthSink {
  /** A push took stack `s` from its episode maximum `prev` to `depth` (episodeMax already updated). */
  deeper(cpu: FastCpu, s: number, prev: number, depth: number): void;
  /** A pop left stack `s` for another one (an IRQ-stack episode ended). */
  left(cpu: FastCpu, s: number): void;
}

export class FastMachine {
  readonly nTasks: number;
  readonly nCpus: number;
  readonly cpus: FastCpu[] = [];
  readonly stackKind: Uint8Array;
  readonly stackSize: Int32Array;
  /** Deepest depth without touching thread_info / STACK_END_MAGIC (size - reserved bottom). */
  readonly stackLimit: Int32Array;
  /**
   * Deepest depth a push may reach on the fast path; deeper goes through pastPushLimit():
   * stackLimit, or less where a dynamic task stack's mapped pages end (dynamic-sim.ts keeps it), so
   * only a push that faults or runs out of stack leaves the hot path.
   */
  readonly pushLimit: Int32Array;
  /** Dynamic task stacks (stackAllocation `dynamic`), or null. */
  dynamic: FastDynamic | null = null;
  /** Depth at which a task stack's STACK_END_MAGIC word is overwritten (size - magic offset). */
  readonly magicDepth: Int32Array;
  /** (stack high address) mod THREAD_SIZE, for the tracer's masking. */
  readonly highMod: Int32Array;
  readonly owner: Int32Array;
  /** Deepest depth pushed since the stack was last empty (the all-stacks tracer's running maximum). */
  readonly episodeMax: Int32Array;
  /** The episode maximum the depth sink was last told of, and the depth above which it must be told again. */
  readonly notifiedMax: Int32Array;
  readonly notifyAbove: Int32Array;
  /** The current episode of the stack has been counted as an overflow. */
  readonly overflowCounted: Uint8Array;
  /** Deepest depth pushed per stack since the simulator last reset it (one window). */
  readonly windowMax: Int32Array;
  /** Corruption level reached per stack: 0 none, 1 STACK_END_MAGIC, 2 thread_info, 3 below. */
  readonly corruption: Uint8Array;
  readonly magicGone: Uint8Array;
  readonly frames: Int32Array[] = [];
  readonly nFrames: Int32Array;
  /** A switched-out task's depth on its own stack. */
  readonly taskDepth: Int32Array;
  readonly startGapTask: number;
  readonly startGapIrq: number;
  readonly irqBase: number;
  readonly ovfBase: number;
  /** Entry frames of the profile, by id (FK_ENTRY frames index this). */
  readonly entryFrames: EntryFrame[] = [];
  readonly entryFrameLoc: number[] = [];
  /** Location of each entry frame's bare name (a return into it). */
  readonly entryNameLoc: number[] = [];
  private readonly pathIds: Record<
    'syscall' | 'el1Irq' | 'el0Irq' | 'irqExit' | 'ownStack' | 'afterSwitch',
    number[]
  >;
  /** Frame events executed (pushes + pops). */
  frameEvents = 0;
  overflowSink: OverflowSink | null = null;
  depthSink: DepthSink | null = null;
  /** Traced entry frames call this before (patchable/fentry) or after (mcount) their push. */
  entryTraceHook: ((cpu: FastCpu, entryId: number, phase: 0 | 1) => void) | null = null;

  constructor(
    readonly profile: KernelProfile,
    readonly code: CompiledModel,
    nCpus: number,
    nTasks: number,
  ) {
    this.nCpus = nCpus;
    this.nTasks = nTasks;
    const nStacks = nTasks + 2 * nCpus;
    this.irqBase = nTasks;
    this.ovfBase = nTasks + nCpus;
    this.stackKind = new Uint8Array(nStacks);
    this.stackSize = new Int32Array(nStacks);
    this.stackLimit = new Int32Array(nStacks);
    this.pushLimit = new Int32Array(nStacks);
    this.magicDepth = new Int32Array(nStacks);
    this.highMod = new Int32Array(nStacks);
    this.owner = new Int32Array(nStacks);
    this.episodeMax = new Int32Array(nStacks);
    this.windowMax = new Int32Array(nStacks);
    this.notifiedMax = new Int32Array(nStacks);
    this.notifyAbove = new Int32Array(nStacks);
    this.overflowCounted = new Uint8Array(nStacks);
    this.corruption = new Uint8Array(nStacks);
    this.magicGone = new Uint8Array(nStacks);
    this.nFrames = new Int32Array(nTasks);
    this.taskDepth = new Int32Array(nTasks);
    this.startGapTask = profile.THREAD_START_SP_GAP;
    this.startGapIrq = profile.irqStack?.IRQ_STACK_START_GAP ?? 0;
    const layout = stackLayout(profile);
    const T = BigInt(profile.THREAD_SIZE);
    const magicOff = profile.threadInfo === 'stack-bottom' ? profile.THREAD_INFO_SIZE : 0;
    // Dynamic stacks keep no STACK_END_MAGIC (machine.ts): the whole stack is usable, nothing to smash.
    const dynamic = profile.stackAllocation === 'dynamic';
    for (let t = 0; t < nTasks; t++) {
      this.stackKind[t] = KIND_TASK;
      this.stackSize[t] = profile.THREAD_SIZE;
      this.stackLimit[t] = dynamic ? profile.THREAD_SIZE : profile.THREAD_SIZE - magicOff - 8;
      this.magicDepth[t] = dynamic ? 0x7fffffff : profile.THREAD_SIZE - magicOff;
      this.highMod[t] = Number((layout.taskStackLow(t) + T) % T);
      this.owner[t] = t;
      this.frames.push(new Int32Array(MAX_FRAMES * F));
      this.taskDepth[t] = this.startGapTask;
    }
    for (let c = 0; c < nCpus; c++) {
      const irq = this.irqBase + c;
      const size = profile.irqStack?.IRQ_STACK_SIZE ?? 0;
      this.stackKind[irq] = KIND_IRQ;
      this.stackSize[irq] = size;
      this.stackLimit[irq] = size;
      this.magicDepth[irq] = size + 1;
      this.highMod[irq] = Number((layout.irqStackLow(c) + BigInt(size)) % T);
      this.owner[irq] = c;
      const ovf = this.ovfBase + c;
      this.stackKind[ovf] = KIND_OVERFLOW;
      this.stackSize[ovf] = profile.OVERFLOW_STACK_SIZE;
      this.stackLimit[ovf] = profile.OVERFLOW_STACK_SIZE;
      this.magicDepth[ovf] = profile.OVERFLOW_STACK_SIZE + 1;
      this.highMod[ovf] = Number((layout.overflowStackLow(c) + BigInt(profile.OVERFLOW_STACK_SIZE)) % T);
      this.owner[ovf] = c;
      const cpu = new FastCpu(c);
      cpu.task = c % nTasks;
      cpu.stack = cpu.task;
      cpu.depth = this.startGapTask;
      this.cpus.push(cpu);
    }
    const reg = (frames: readonly EntryFrame[]) =>
      frames.map((f) => {
        this.entryFrames.push(f);
        this.entryFrameLoc.push(code.loc(f.ret ?? f.name));
        this.entryNameLoc.push(code.loc(f.name));
        return this.entryFrames.length - 1;
      });
    const e = profile.entry;
    const s = profile.softirq;
    this.pathIds = {
      syscall: reg(e.syscall.frames),
      el1Irq: reg(e.el1Irq.frames),
      el0Irq: reg(e.el0Irq.frames),
      irqExit: reg(s.irqExitFrames),
      ownStack: reg(s.ownStackFrames),
      afterSwitch: reg(s.afterSwitchFrames),
    };
    this.pushLimit.set(this.stackLimit);
    code.internProfile(profile);
  }

  /** Is the IRQ stack present? */
  get hasIrqStack(): boolean {
    return this.profile.irqStack !== null;
  }

  // ---------------------------------------------------------------- frames

  /**
   * Pushes a frame on the CPU's current stack. Returns false when the push overflowed and the
   * profile's detection stopped the CPU.
   */
  push(
    cpu: FastCpu,
    kind: number,
    id: number,
    size: number,
    step: number,
    loc: number,
    aux: number,
  ): boolean {
    if (cpu.halted) return false;
    const t = cpu.task;
    const n = this.nFrames[t]!;
    if (n >= MAX_FRAMES) tooDeep();
    const s = cpu.stack;
    const nd = cpu.depth + size;
    if (nd > this.pushLimit[s]! && !this.pastPushLimit(cpu, s, nd, kind, id)) return false;
    this.writeFrame(cpu, t, n, kind, id, size, step, loc, aux);
    if (nd > this.episodeMax[s]!) {
      this.episodeMax[s] = nd;
      // The sink is told only when something it counts can change (a maximum, a threshold, the limit).
      if (nd > this.notifyAbove[s]!) {
        const prev = this.notifiedMax[s]!;
        this.notifiedMax[s] = nd;
        this.depthSink?.deeper(cpu, s, prev, nd);
      }
    }
    return true;
  }

  /**
   * pushFn() for the simulator's hot loop: the same frame, when the push stays within the push
   * limit and moves no maximum the depth sink must hear of. Otherwise does nothing and returns false
   * (the caller then calls pushFn, which handles every case).
   */
  pushFnFast(cpu: FastCpu, fn: number, retLoc: number): boolean {
    const t = cpu.task;
    const n = this.nFrames[t]!;
    const s = cpu.stack;
    const size = this.code.frame[fn]!;
    const nd = cpu.depth + size;
    if (
      cpu.halted ||
      n >= MAX_FRAMES ||
      nd > this.pushLimit[s]! ||
      (nd > this.episodeMax[s]! && nd > this.notifyAbove[s]!)
    )
      return false;
    this.writeFrame(cpu, t, n, FK_FN, fn, size, STEP_FN, retLoc, -1);
    if (nd > this.episodeMax[s]!) this.episodeMax[s] = nd;
    return true;
  }

  /** Writes frame `n` of task `t` on the CPU's current stack and moves SP below it. */
  private writeFrame(
    cpu: FastCpu,
    t: number,
    n: number,
    kind: number,
    id: number,
    size: number,
    step: number,
    loc: number,
    aux: number,
  ): void {
    const s = cpu.stack;
    const nd = cpu.depth + size;
    writeRecord(this.frames[t]!, n * F, kind, id, size, s, cpu.depth, step, loc, aux);
    this.nFrames[t] = n + 1;
    cpu.depth = nd;
    this.frameEvents++;
    if (nd > this.windowMax[s]!) this.windowMax[s] = nd;
  }

  /** A code-model function's frame. */
  pushFn(cpu: FastCpu, fn: number, retLoc: number, step = STEP_FN): boolean {
    return this.push(cpu, FK_FN, fn, this.code.frame[fn]!, step, retLoc, -1);
  }

  /** Pops the top frame, going back to the stack and depth it was pushed from. */
  pop(cpu: FastCpu): void {
    const t = cpu.task;
    const n = this.nFrames[t]! - 1;
    if (n < 0) popEmpty(t);
    const fr = this.frames[t]!;
    const o = n * F;
    this.nFrames[t] = n;
    const s = fr[o + F_STACK]!;
    const prev = fr[o + F_PREV_STACK]!;
    cpu.stack = prev;
    cpu.depth = fr[o + F_PREV_DEPTH]!;
    this.frameEvents++;
    if (prev !== s) this.depthSink?.left(cpu, s);
  }

  /**
   * pop() of the top frame when it is frame `n - 1` and was pushed on the stack SP is on (a function
   * frame on the hot path): true when done, false (nothing done) when popTo is needed.
   */
  popFast(cpu: FastCpu, n: number): boolean {
    const t = cpu.task;
    if (this.nFrames[t] !== n + 1) return false;
    const fr = this.frames[t]!;
    const o = n * F;
    const prev = fr[o + F_PREV_STACK]!;
    if (prev !== fr[o + F_STACK]) return false;
    this.nFrames[t] = n;
    cpu.stack = prev;
    cpu.depth = fr[o + F_PREV_DEPTH]!;
    this.frameEvents++;
    return true;
  }

  /** Starts a new episode of stack `s` at `depth` (the next deeper push is reported). */
  resetEpisode(s: number, depth: number): void {
    this.episodeMax[s] = depth;
    this.notifiedMax[s] = depth;
    this.notifyAbove[s] = -1;
    this.overflowCounted[s] = 0;
  }

  /** Is SP inside stack `s` (the kernel's on_*_stack() range test: low <= sp < high)? */
  contains(cpu: FastCpu, s: number): boolean {
    return cpu.stack === s && cpu.depth > 0 && cpu.depth <= this.stackSize[s]!;
  }

  popTo(cpu: FastCpu, n: number): void {
    while (this.nFrames[cpu.task]! > n) this.pop(cpu);
  }

  /** Name of what a frame stands for (for reports and overflow texts). */
  frameName(kind: number, id: number): string {
    switch (kind) {
      case FK_FN:
        return this.code.names[id]!;
      case FK_ENTRY:
        return this.entryFrames[id]!.name;
      case FK_REGS:
        return 'pt_regs';
      case FK_LINK:
        return 'irq stack linkage';
      case FK_TRACE:
        return this.profile.tracer.interrupt?.frames[id]?.name ?? 'tracer';
      default:
        return 'add_random_kstack_offset';
    }
  }

  /**
   * A push to `nd` passed the stack's push limit: false when the CPU stops. The one place a push
   * leaves the fast path for depth: a dynamic stack's fault (machine.ts stackFault()), then the
   * overflow rules.
   */
  private pastPushLimit(cpu: FastCpu, s: number, nd: number, kind: number, id: number): boolean {
    if (this.unmappedAt(s, nd) && !this.dynamic!.fault(cpu, s, nd, this.frameName(kind, id))) return false;
    return nd <= this.stackLimit[s]! || this.ranOut(cpu, s, nd, kind, id);
  }

  /**
   * Does a write at `depth` on stack `s` touch a dynamic task stack's unmapped pages (within
   * THREAD_SIZE, past its mapped part)? Then it faults first (FastDynamic.fault(), as machine.ts
   * stackFault()): a push here, the tracer's own frames in fast-tracer.ts.
   */
  unmappedAt(s: number, depth: number): boolean {
    return (
      this.dynamic !== null && s < this.nTasks && depth <= this.stackSize[s]! && depth > this.pushLimit[s]!
    );
  }

  private ranOut(cpu: FastCpu, s: number, nd: number, kind: number, id: number): boolean {
    const p = this.profile;
    const name = this.frameName(kind, id);
    if (p.overflowDetection !== 'none' && nd > this.stackSize[s]!) {
      cpu.halted = true;
      this.overflowSink?.overflow(cpu, s, nd, 'panic', name);
      return false;
    }
    const what: OverflowWhat =
      nd > this.stackSize[s]!
        ? 'below-stack'
        : this.stackKind[s] === KIND_TASK && nd > this.magicDepth[s]!
          ? 'thread_info'
          : 'STACK_END_MAGIC';
    if (this.stackKind[s] === KIND_TASK) this.magicGone[s] = 1;
    const level = what === 'STACK_END_MAGIC' ? 1 : what === 'thread_info' ? 2 : 3;
    if (level > this.corruption[s]!) {
      this.corruption[s] = level;
      this.overflowSink?.overflow(cpu, s, nd, what, name);
    }
    return true;
  }

  // ---------------------------------------------------------------- exception entry (entry.ts)

  private pushEntryFrames(cpu: FastCpu, ids: readonly number[], step: number): boolean {
    const hook = this.entryTraceHook;
    const after = this.profile.tracer.hook === 'mcount-after-prologue' ? 1 : 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const f = this.entryFrames[id]!;
      if (f.traced && hook !== null && after === 0) hook(cpu, id, 0);
      if (!this.push(cpu, FK_ENTRY, id, f.size, i === 0 ? step : STEP_NONE, this.entryFrameLoc[id]!, -1))
        return false;
      if (f.traced && hook !== null && after === 1) hook(cpu, id, 1);
    }
    return true;
  }

  /** The CPU switches to `task` in user mode (its kernel stack empty). */
  resetToTop(cpu: FastCpu, task: number): void {
    cpu.task = task;
    cpu.stack = task;
    cpu.depth = this.startGapTask;
    this.nFrames[task] = 0;
    cpu.context = CTX_TASK;
    cpu.hardirqDepth = 0;
    cpu.softirqDepth = 0;
    cpu.irqCountX86 = -1;
    cpu.irqCount = 0;
    cpu.hardirqStackInuse = false;
    cpu.nEntries = 0;
    cpu.bhCount = 0;
    this.resetEpisode(task, 0);
  }

  /**
   * Exception from EL0: pt_regs at the top of the (empty) task stack, then the entry C frames; an IRQ
   * then applies the switch rule. `kthread` is ret_from_fork's pt_regs under a kernel thread.
   * @kernel kernel_entry 0 arch/arm64/kernel/entry.S
   */
  enterFromUser(cpu: FastCpu, kind: 'syscall' | 'irq' | 'kthread'): boolean {
    const p = this.profile;
    this.resetToTop(cpu, cpu.task);
    const step = kind === 'syscall' ? STEP_USER_SYSCALL : kind === 'irq' ? STEP_USER_IRQ : STEP_USER_KTHREAD;
    // A syscall (and ret_from_fork's frame, which the exact machine builds the same way) may save less
    // than a whole pt_regs (x86_64's 3.x system_call fast path).
    const regs = kind === 'irq' ? p.PT_REGS_SIZE : (p.entry.syscall.regsBytes ?? p.PT_REGS_SIZE);
    if (!this.push(cpu, FK_REGS, 0, regs, step, -1, -1)) return false;
    if (kind === 'kthread') return true;
    const ids = kind === 'syscall' ? this.pathIds.syscall : this.pathIds.el0Irq;
    if (!this.pushEntryFrames(cpu, ids, STEP_NONE)) return false;
    if (kind !== 'irq') return true;
    cpu.hardirqDepth = 1;
    cpu.context = CTX_HARDIRQ;
    this.pushEntry(cpu, 0, this.nFrames[cpu.task]!, CTX_TASK, ENTRY_IRQ);
    return this.irqStackSwitch(cpu, 'irq');
  }

  /**
   * A hard IRQ taken from EL1: pt_regs wherever SP is, the entry C frames, the switch rule.
   * `elrLoc`/`lrLoc` are the interrupted PC and x30 (location ids) the exact machine writes into pt_regs.
   * @kernel el1h_64_irq / el1_irq arch/arm64/kernel/entry.S, entry-common.c
   */
  takeIrq(cpu: FastCpu, elrLoc: number, lrLoc: number): boolean {
    assertTrue(cpu.hardirqDepth === 0, 'hard IRQs never nest: PSTATE.I is set through the handler');
    const framesBefore = this.nFrames[cpu.task]!;
    const context = cpu.context;
    if (!this.push(cpu, FK_REGS, 0, this.profile.PT_REGS_SIZE, STEP_EL1_IRQ, elrLoc, lrLoc)) return false;
    cpu.hardirqDepth = 1;
    cpu.context = CTX_HARDIRQ;
    if (!this.pushEntryFrames(cpu, this.pathIds.el1Irq, STEP_NONE)) return false;
    this.pushEntry(cpu, framesBefore, this.nFrames[cpu.task]!, context, ENTRY_IRQ);
    return this.irqStackSwitch(cpu, 'irq');
  }

  private pushEntry(cpu: FastCpu, before: number, atHandler: number, context: number, kind: number): void {
    assertTrue(cpu.nEntries < 64, 'more than 64 nested entries on one CPU');
    const o = cpu.nEntries * E;
    const e = cpu.entries;
    e[o] = before;
    e[o + 1] = atHandler;
    e[o + 2] = context;
    e[o + 3] = kind;
    e[o + 4] = 0;
    e[o + 5] = 0;
    e[o + 6] = 0;
    e[o + 7] = 0;
    cpu.nEntries++;
  }

  /** The innermost entry's kind: 0 hard IRQ, 1 softirq, -1 none. */
  innermostEntry(cpu: FastCpu): number {
    return cpu.nEntries === 0 ? -1 : cpu.entries[(cpu.nEntries - 1) * E + 3]!;
  }

  /** The switch rule at the point the handler is called (kernel-semantics.md §1). */
  irqStackSwitch(cpu: FastCpu, why: 'irq' | 'softirq'): boolean {
    const irq = this.profile.irqStack;
    if (irq === null) return true;
    const o = (cpu.nEntries - 1) * E;
    const e = cpu.entries;
    let go = false;
    switch (irq.switchRule) {
      case 'none':
        break;
      case 'per-cpu-count':
        cpu.irqCountX86++;
        e[o + 5] = 1;
        go = cpu.irqCountX86 === 0;
        break;
      case 'sp-aligned-compare':
        // SP & ~(IRQ_STACK_SIZE - 1) against the (aligned) IRQ stack base: SP at the very top differs too.
        go = !this.contains(cpu, this.irqBase + cpu.id);
        break;
      case 'irq-count':
        go = cpu.irqCount === 0;
        break;
      case 'sp-in-task-stack':
      case 'on-thread-stack':
        go = this.contains(cpu, cpu.task);
        break;
      case 'hardirq-stack-inuse': {
        const fromUser = why === 'irq' && this.nFrames[cpu.task]! > 0 && this.isUserEntry(cpu, o);
        go = !fromUser && !cpu.hardirqStackInuse;
        if (go) {
          cpu.hardirqStackInuse = true;
          e[o + 6] = 1;
        }
        break;
      }
    }
    if (go) {
      if (!this.switchToIrqStack(cpu, why, STEP_SWITCH)) return false;
      e[o + 4] = 1;
    }
    return true;
  }

  private isUserEntry(cpu: FastCpu, o: number): boolean {
    const before = cpu.entries[o]!;
    const fr = this.frames[cpu.task]!;
    return fr[before * F + F_KIND] === FK_REGS && fr[before * F + F_STEP] === STEP_USER_IRQ;
  }

  /** Moves to the top of this CPU's IRQ stack, leaving the linkage the design leaves. */
  private switchToIrqStack(cpu: FastCpu, why: 'irq' | 'softirq', step: number): boolean {
    const irq = this.profile.irqStack!;
    const target = this.irqBase + cpu.id;
    const reason = why === 'irq' ? 0 : 1;
    const fromStack = cpu.stack;
    const fromDepth = cpu.depth;
    let start = this.startGapIrq;
    let linkSize = 0;
    switch (irq.linkage) {
      case 'saved-sp-register':
      case 'saved-sp-top-word':
        break;
      case 'dummy-frame-32':
        linkSize = 32;
        break;
      case 'dummy-frame-16':
        linkSize = 16;
        break;
      case 'call-on-irq-stack-record':
        // 6.1: a 16-byte {x29, x30} record on the *current* stack, then SP = the IRQ stack's very top.
        if (!this.push(cpu, FK_LINK, 1, 16, step, reason, -1)) return false;
        start = 0;
        return this.enterStack(cpu, target, start, 0, STEP_NONE, reason, cpu.stack, cpu.depth);
    }
    return this.enterStack(cpu, target, start, linkSize, step, reason, fromStack, fromDepth);
  }

  /** Pushes the first frame on a new stack; popping it returns to (fromStack, fromDepth). */
  private enterStack(
    cpu: FastCpu,
    target: number,
    start: number,
    size: number,
    step: number,
    reason: number,
    fromStack: number,
    fromDepth: number,
  ): boolean {
    cpu.stack = target;
    cpu.depth = start;
    this.resetEpisode(target, start);
    if (!this.push(cpu, FK_LINK, 0, size, step, reason, -1)) return false;
    const fr = this.frames[cpu.task]!;
    const o = (this.nFrames[cpu.task]! - 1) * F;
    fr[o + F_PREV_STACK] = fromStack;
    fr[o + F_PREV_DEPTH] = fromDepth;
    return true;
  }

  /**
   * Softirq processing entered from `path`: irq_exit's frames, do_softirq_own_stack and the switch
   * where the profile has one. The caller then pushes __do_softirq and the actions.
   * @kernel invoke_softirq(), do_softirq(), do_softirq_own_stack() kernel/softirq.c, arch/arm64/kernel/irq.c
   */
  enterSoftirq(cpu: FastCpu, path: 'irq-exit' | 'bh-enable' | 'ksoftirqd'): boolean {
    const s = this.profile.softirq;
    const framesBefore = this.nFrames[cpu.task]!;
    const context = cpu.context;
    const step =
      path === 'irq-exit'
        ? STEP_SOFTIRQ_IRQ_EXIT
        : path === 'bh-enable'
          ? STEP_SOFTIRQ_BH
          : STEP_SOFTIRQ_KSOFTIRQD;
    // The step tag goes on the first frame pushed; a path that pushes none is rebuilt from the counters.
    if (path === 'irq-exit' && this.pathIds.irqExit.length > 0) {
      if (!this.pushEntryFrames(cpu, this.pathIds.irqExit, this.firstTag(cpu, framesBefore, step)))
        return false;
    }
    this.pushEntry(cpu, framesBefore, this.nFrames[cpu.task]!, context, ENTRY_SOFTIRQ);
    const o = (cpu.nEntries - 1) * E;
    const direct = path === 'ksoftirqd' || (path === 'irq-exit' && s.HAVE_IRQ_EXIT_ON_IRQ_STACK);
    if (!direct) {
      if (
        this.pathIds.ownStack.length > 0 &&
        !this.pushEntryFrames(cpu, this.pathIds.ownStack, this.firstTag(cpu, framesBefore, step))
      )
        return false;
      const onIrq = this.hasIrqStack && this.contains(cpu, this.irqBase + cpu.id);
      if (s.bumpsIrqCount && onIrq) {
        cpu.irqCount++;
        cpu.entries[o + 7] = 1;
      }
      if (s.ownStack === 'irq-stack' && this.hasIrqStack && !onIrq) {
        if (this.profile.irqStack?.switchRule === 'hardirq-stack-inuse') {
          cpu.hardirqStackInuse = true;
          cpu.entries[o + 6] = 1;
        }
        // The switch belongs to this step: its first frame carries the step when nothing came before it.
        if (!this.switchToIrqStack(cpu, 'softirq', this.firstTag(cpu, framesBefore, step))) return false;
        cpu.entries[o + 4] = 1;
        if (!this.pushEntryFrames(cpu, this.pathIds.afterSwitch, STEP_NONE)) return false;
      }
    }
    cpu.context = CTX_SOFTIRQ;
    cpu.softirqDepth++;
    cpu.hardirqDepth = 0;
    return true;
  }

  /** `step` when nothing was pushed since `before` frames, else STEP_NONE (a step tags its first frame). */
  private firstTag(cpu: FastCpu, before: number, step: number): number {
    return this.nFrames[cpu.task] === before ? step : STEP_NONE;
  }

  /** Leaves the innermost entry: pops its frames, restores the counters. @kernel kernel_exit */
  exitEntry(cpu: FastCpu): void {
    assertTrue(cpu.nEntries > 0, 'exitEntry without an entry');
    cpu.nEntries--;
    const o = cpu.nEntries * E;
    const e = cpu.entries;
    this.popTo(cpu, e[o]!);
    if (e[o + 5]) cpu.irqCountX86--;
    if (e[o + 6]) cpu.hardirqStackInuse = false;
    if (e[o + 7]) cpu.irqCount--;
    if (e[o + 3] === ENTRY_SOFTIRQ) cpu.softirqDepth--;
    cpu.context = e[o + 2]!;
    cpu.hardirqDepth = cpu.context === CTX_HARDIRQ ? 1 : 0;
  }

  /** The hard IRQ handler returns to the entry code: its frames and the IRQ stack are left (v5.16+ irq_exit_rcu). */
  returnToEntryCode(cpu: FastCpu): void {
    const o = (cpu.nEntries - 1) * E;
    const e = cpu.entries;
    assertTrue(cpu.nEntries > 0 && e[o + 3] === ENTRY_IRQ, 'returnToEntryCode outside a hard IRQ');
    this.popTo(cpu, e[o + 1]!);
    if (e[o + 5]) cpu.irqCountX86--;
    if (e[o + 6]) cpu.hardirqStackInuse = false;
    e[o + 4] = 0;
    e[o + 5] = 0;
    e[o + 6] = 0;
  }

  /** irq_exit's frames when no softirq runs (or again after one ran): the tracer samples them too. */
  pushIrqExitFrames(cpu: FastCpu): boolean {
    return this.pushEntryFrames(cpu, this.pathIds.irqExit, STEP_IRQ_EXIT_FRAMES);
  }

  /** Pops the innermost entry's record (counters, context) but leaves its frames (preemption on IRQ return). */
  exitEntryCounters(cpu: FastCpu): void {
    // exitEntry pops to the record's framesBefore: point it at the current top so nothing is popped.
    cpu.entries[(cpu.nEntries - 1) * E] = this.nFrames[cpu.task]!;
    this.exitEntry(cpu);
  }

  /** The location a function called now returns into: the top frame's function (bare name). */
  topFrameLoc(cpu: FastCpu): number {
    const n = this.nFrames[cpu.task]!;
    if (n === 0) return -1;
    const fr = this.frames[cpu.task]!;
    const o = (n - 1) * F;
    const kind = fr[o + F_KIND]!;
    if (kind === FK_FN) return this.code.fnLoc[fr[o + F_ID]!]!;
    if (kind === FK_ENTRY) return this.entryNameLoc[fr[o + F_ID]!]!;
    return -1;
  }

  /**
   * The tracer's frames an interrupt finds when it arrives while the tracer runs for traced function
   * `fn` (profile tracer.interrupt): pushed above `fn`'s frame before the interrupt's pt_regs.
   */
  pushTracerFrames(cpu: FastCpu, fn: number): boolean {
    const frames = this.profile.tracer.interrupt?.frames ?? [];
    for (let k = 0; k < frames.length; k++)
      if (!this.push(cpu, FK_TRACE, k, frames[k]!.size, STEP_TRACE, -1, fn)) return false;
    return true;
  }

  /** RANDOMIZE_KSTACK_OFFSET's alloca below the syscall entry frames. */
  pushKstackOffset(cpu: FastCpu, bytes: number): boolean {
    if (bytes <= 0) return true;
    return this.push(cpu, FK_KOFF, 0, bytes, STEP_KOFF, -1, -1);
  }
}

// The stack machine: CPUs with an SP on one of their stacks, task stacks and per-CPU IRQ and overflow
// stacks as address ranges, frames pushed and popped as arm64 GCC (or x86_64) lays them out.
// Exception entry, the IRQ-stack switch and softirq placement are in entry.ts; this file is the
// profile-independent mechanism plus overflow detection, which differs per profile.
//
// An arm64 GCC frame ("stp x29, x30, [sp, #-N]!; mov x29, sp"):
//
//   caller SP ─►┌──────────────┐ high
//               │ locals, regs │
//               │ x30 (LR)     │ record + 8  = return address into the caller
//   x29, SP ───►│ x29 (FP)     │ record      = caller's frame record
//               └──────────────┘ low
//
// x86_64 ("call; push rbp; mov rbp, rsp; sub rsp, N") keeps the return address at the top instead.
import { assertTrue } from '../base/assert.ts';
import { hex16 } from '../base/units.ts';
import { RngStreams } from '../engine/streams.ts';
import { STACK_END_MAGIC } from '../model/constants.ts';
import type { KernelProfile } from '../model/profile.ts';
import { DeclaredFailurePages, DynamicPages, dynamicParams, isDynamic } from './dynamic-pages.ts';
import { type StackLayout, stackLayout } from './layout.ts';
import { signReturnAddress } from './pointer-auth.ts';
import { KStack } from './stack.ts';

export type FrameKind =
  | 'function'
  | 'pt_regs'
  | 'gap'
  | 'linkage'
  | 'trampoline'
  | 'tracer'
  /** The function tracer's own frames as a table shows them (real stack use while tracing). */
  | 'ftrace'
  | 'kstack-offset'
  | 'interrupted';

/** Execution context a frame was pushed in (in_irq / in_serving_softirq / task). */
export type ExecContext = 'task' | 'hardirq' | 'softirq';

export interface ExceptionInfo {
  readonly kind: 'syscall' | 'irq' | 'sync';
  readonly from: 'el0' | 'el1';
  /** The assembly vector symbol (el1_irq, el1h_64_irq ...). */
  readonly vector: string;
  /** Interrupted PC (ELR_EL1). */
  readonly elr: bigint;
  /** x30 at the time of the exception. */
  readonly lr: bigint;
}

export interface Frame {
  readonly kind: FrameKind;
  readonly name: string;
  readonly stack: KStack;
  /** Lowest address of the frame (= SP after the push). */
  readonly base: bigint;
  readonly size: number;
  /** SP and FP (x29) before the push, restored by the pop. */
  readonly spBefore: bigint;
  readonly fpBefore: bigint;
  readonly stackBefore: KStack;
  /** Address of the frame record this frame set x29 to, or null (asm, gaps). */
  readonly record: bigint | null;
  /** Address of the saved return address (record + 8 on arm64, the frame's top word on x86_64), or null. */
  readonly retSlot: bigint | null;
  readonly context: ExecContext;
  readonly exception?: ExceptionInfo;
  /** Set on the first frame pushed after an IRQ-stack switch: the stack and SP switched away from. */
  readonly switchedFrom?: { readonly stack: KStack; readonly sp: bigint };
}

/** What happened when a push ran out of stack. A result of the simulated kernel, never a tool error. */
export type StackEvent =
  | {
      readonly type: 'overflow-panic';
      readonly cpu: number;
      readonly stack: KStack;
      readonly far: bigint;
      readonly sp: bigint;
      readonly frame: string;
      readonly report: string;
    }
  | {
      /** A later check noticed STACK_END_MAGIC gone: schedule() (SCHED_STACK_END_CHECK) or the stack tracer. */
      readonly type: 'stack-end-panic';
      readonly cpu: number;
      readonly stack: KStack;
      readonly frame: string;
      readonly report: string;
    }
  | {
      /**
       * A dynamic stack's fault found this CPU's pool empty (issue 13): the kernel panics. stacklab's
       * own event, not a kernel text (the RFC prints nothing of its own there).
       */
      readonly type: 'dynamic-stack-panic';
      readonly cpu: number;
      readonly stack: KStack;
      /** Depth below the stack's top the push reached, bytes. */
      readonly depth: number;
      readonly frame: string;
    }
  | {
      readonly type: 'corruption';
      readonly cpu: number;
      readonly stack: KStack;
      /** thread_info (2015), STACK_END_MAGIC, or memory below the stack. */
      readonly what: 'thread_info' | 'STACK_END_MAGIC' | 'below-stack';
      readonly lowestAddr: bigint;
      readonly frame: string;
    };

export interface Task {
  readonly id: number;
  readonly name: string;
  readonly stack: KStack;
}

export class Cpu {
  sp = 0n;
  /** x29. */
  fp = 0n;
  stack: KStack;
  task: Task;
  readonly frames: Frame[] = [];
  /** Frames that changed stacks (linkage with switchedFrom), innermost last. */
  readonly switches: Frame[] = [];
  context: ExecContext = 'task';
  /** Hard IRQ nesting: must stay <= 1 on arm64. */
  hardirqDepth = 0;
  softirqDepth = 0;
  /** RFC v1/v2 and x86 irq_count: starts at -1, the first level increments it to 0. */
  irqCountX86 = -1;
  /** v4.5 irq_count: switch iff 0. */
  irqCount = 0;
  /** x86_64 hardirq_stack_inuse. */
  hardirqStackInuse = false;
  /** Stopped by a simulated panic. */
  halted = false;

  constructor(
    readonly id: number,
    readonly irqStack: KStack | null,
    readonly overflowStack: KStack | null,
    idle: Task,
  ) {
    this.task = idle;
    this.stack = idle.stack;
  }

  /** Depth of SP on the current stack. */
  get depth(): number {
    return this.stack.depthOf(this.sp);
  }

  /** Bytes in use on every stack this CPU is nested through: the real combined depth. */
  get combinedDepth(): number {
    let d = this.stack.depthOf(this.sp);
    for (const s of this.switches) d += s.switchedFrom!.stack.depthOf(s.switchedFrom!.sp);
    return d;
  }

  top(): Frame | undefined {
    return this.frames[this.frames.length - 1];
  }
}

export interface PushSpec {
  readonly kind: FrameKind;
  readonly name: string;
  readonly size: number;
  /** Words to write, at byte offsets from the new frame's base. */
  readonly words?: readonly (readonly [offset: number, value: bigint])[];
  /** Offset of the frame record to point x29 at (words must include it). */
  readonly recordOffset?: number;
  /** Offset of the saved return address, when the frame has one. */
  readonly retOffset?: number;
  readonly exception?: ExceptionInfo;
  readonly switchedFrom?: { readonly stack: KStack; readonly sp: bigint };
}

/** Someone who wants to see every push (the all-stacks tracer, statistics). */
export interface MachineObserver {
  onPush(cpu: Cpu, frame: Frame): void;
  /** Called before the top frame is popped, while the CPU still holds it. */
  onBeforePop?(cpu: Cpu): void;
  onEvent?(event: StackEvent): void;
}

/**
 * What %p prints since 4.15: a keyed hash of the pointer, zero-extended to 16 digits. Model
 * simplification: a fixed 32-bit mix stands in for siphash with the boot-time key.
 */
function hashedPtr(v: bigint): string {
  let h = (Number(v & 0xffffffffn) ^ Number((v >> 32n) & 0xffffffffn)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return ((h ^ (h >>> 16)) >>> 0).toString(16).padStart(16, '0');
}

export class StackMachine {
  readonly cpus: Cpu[] = [];
  readonly tasks: Task[] = [];
  readonly layout: StackLayout;
  readonly events: StackEvent[] = [];
  private readonly observers: MachineObserver[] = [];
  private readonly corruptionLevel = new Map<KStack, number>();
  /**
   * Called around each traced entry-code function the kernel layer pushes itself (do_el0_svc,
   * irq_exit_rcu, do_softirq_own_stack ...), so a stack tracer can sample them like any function.
   */
  entryHook: ((cpu: Cpu, name: string, ret: string, phase: 'before' | 'after') => void) | null = null;
  /**
   * The pages of dynamic task stacks (stackAllocation `dynamic`), or null: every other design, and a
   * machine built with `dynamic: 'off'` (the simulator's rebuilding shadow, which must not fault).
   */
  readonly dynamic: DynamicPages | null;
  /** Virtual time the dynamic stacks' refill delays are measured against, ns (callers advance it). */
  nowNs = 0;

  constructor(
    readonly profile: KernelProfile,
    opts: { cpus?: number; tasks?: number; dynamic?: DynamicPages | 'off'; seed?: number } = {},
  ) {
    const ncpu = opts.cpus ?? 1;
    const ntask = opts.tasks ?? 1;
    this.layout = stackLayout(profile);
    this.dynamic =
      opts.dynamic === 'off' || !isDynamic(profile)
        ? null
        : (opts.dynamic ?? defaultDynamicPages(profile, ncpu, ntask, opts.seed ?? 0));
    for (let t = 0; t < ntask; t++) this.tasks.push(this.newTask(t, t === 0 ? 'task0' : `task${t}`));
    for (let c = 0; c < ncpu; c++) {
      const irq = profile.irqStack
        ? new KStack(
            'irq',
            `irq_stack[cpu${c}]`,
            this.layout.irqStackLow(c),
            profile.irqStack.IRQ_STACK_SIZE,
            c,
          )
        : null;
      const ovf =
        profile.OVERFLOW_STACK_SIZE > 0
          ? new KStack(
              'overflow',
              `overflow_stack[cpu${c}]`,
              this.layout.overflowStackLow(c),
              profile.OVERFLOW_STACK_SIZE,
              c,
            )
          : null;
      const idle = this.tasks[c % ntask]!;
      const cpu = new Cpu(c, irq, ovf, idle);
      this.resetToTop(cpu, idle);
      this.cpus.push(cpu);
    }
  }

  observe(o: MachineObserver): void {
    this.observers.push(o);
  }

  private newTask(id: number, name: string): Task {
    const stack = new KStack(
      'task',
      `task_stack[${name}]`,
      this.layout.taskStackLow(id),
      this.profile.THREAD_SIZE,
      id,
    );
    this.writeStackEnd(stack);
    return { id, name, stack };
  }

  /**
   * set_task_stack_end_magic() at fork; thread_info occupies the bottom in 2015 profiles. Dynamic
   * stacks write none: their bottom page is not mapped at fork (RFC 00/14 makes it an empty function).
   */
  private writeStackEnd(stack: KStack): void {
    if (isDynamic(this.profile)) return;
    stack.write(this.stackEndMagicAddr(stack), STACK_END_MAGIC);
  }

  /** @kernel end_of_stack() include/linux/sched/task_stack.h */
  stackEndMagicAddr(stack: KStack): bigint {
    return stack.low + BigInt(this.profile.threadInfo === 'stack-bottom' ? this.profile.THREAD_INFO_SIZE : 0);
  }

  /** Bytes at the bottom of a task stack that are not usable stack (thread_info + STACK_END_MAGIC). */
  reservedBottom(stack: KStack): number {
    if (stack.kind !== 'task' || isDynamic(this.profile)) return 0;
    return Number(this.stackEndMagicAddr(stack) - stack.low) + 8;
  }

  /** The first usable SP of a stack: THREAD_START_SP / IRQ_STACK_START_SP. */
  startSp(stack: KStack): bigint {
    if (stack.kind === 'task') return stack.high - BigInt(this.profile.THREAD_START_SP_GAP);
    if (stack.kind === 'irq') return stack.high - BigInt(this.profile.irqStack?.IRQ_STACK_START_GAP ?? 0);
    return stack.high;
  }

  /** Puts a CPU at the top of a task's stack with nothing pushed (the task is in user mode). */
  resetToTop(cpu: Cpu, task: Task): void {
    cpu.task = task;
    cpu.stack = task.stack;
    cpu.sp = this.startSp(task.stack);
    cpu.fp = 0n;
    cpu.frames.length = 0;
    cpu.switches.length = 0;
    cpu.context = 'task';
    cpu.hardirqDepth = 0;
    cpu.softirqDepth = 0;
    cpu.irqCountX86 = -1;
    cpu.irqCount = 0;
    cpu.hardirqStackInuse = false;
    cpu.halted = false;
  }

  /**
   * Pushes one object on the current stack. Returns false (and records the event) when the push
   * overflowed and the profile's overflow detection stopped the CPU.
   */
  push(cpu: Cpu, spec: PushSpec): boolean {
    if (cpu.halted) return false;
    assertTrue(
      spec.size >= 0 && spec.size % 8 === 0,
      `frame size must be a multiple of 8: ${spec.name} ${spec.size}`,
    );
    const stack = cpu.stack;
    const newSp = cpu.sp - BigInt(spec.size);
    if (!this.checkRoom(cpu, stack, newSp, spec)) return false;
    if (this.dynamic !== null && stack.kind === 'task' && !this.stackFault(cpu, stack, newSp, spec))
      return false;
    const frame: Frame = {
      kind: spec.kind,
      name: spec.name,
      stack,
      base: newSp,
      size: spec.size,
      spBefore: cpu.sp,
      fpBefore: cpu.fp,
      stackBefore: stack,
      record: spec.recordOffset === undefined ? null : newSp + BigInt(spec.recordOffset),
      retSlot:
        spec.retOffset !== undefined
          ? newSp + BigInt(spec.retOffset)
          : spec.recordOffset !== undefined
            ? newSp + BigInt(spec.recordOffset + 8)
            : null,
      context: cpu.context,
      ...(spec.exception ? { exception: spec.exception } : {}),
      ...(spec.switchedFrom ? { switchedFrom: spec.switchedFrom } : {}),
    };
    for (const [off, value] of spec.words ?? []) stack.write(newSp + BigInt(off), value);
    cpu.sp = newSp;
    if (frame.record !== null) cpu.fp = frame.record;
    cpu.frames.push(frame);
    if (frame.switchedFrom) cpu.switches.push(frame);
    for (const o of this.observers) o.onPush(cpu, frame);
    return true;
  }

  /**
   * Pushes a function frame with its record {x29, return address} where the profile's ABI puts it.
   * `signed: false` keeps the return address unsigned under pointer authentication (a replay writes
   * what a table found unsigned).
   */
  call(
    cpu: Cpu,
    name: string,
    size: number,
    ret: bigint,
    kind: FrameKind = 'function',
    opts: { signed?: boolean } = {},
  ): boolean {
    return this.pushFunction(cpu, { kind, name, size, ret, ...opts });
  }

  /**
   * A function frame. arm64 GCC: record {x29, x30} at `recordOffset` from the bottom (0 unless the
   * function keeps locals below it). x86_64: the return address in the top word (pushed by `call`),
   * the saved rbp below it when the frame is big enough to have pushed one.
   */
  pushFunction(
    cpu: Cpu,
    f: { kind: FrameKind; name: string; size: number; ret: bigint; recordOffset?: number; signed?: boolean },
  ): boolean {
    const { kind, name, size } = f;
    // ARM64_PTR_AUTH_KERNEL: C functions sign x30 (paciasp, with SP as the modifier) before saving it;
    // assembly (call_on_irq_stack, the ftrace trampolines) saves it as it is.
    const signs =
      this.profile.ARM64_PTR_AUTH_KERNEL === true &&
      f.signed !== false &&
      (kind === 'function' || kind === 'interrupted' || kind === 'ftrace');
    const ret = signs ? signReturnAddress(f.ret, cpu.sp) : f.ret;
    if (this.profile.returnSlot === 'frame-top') {
      if (size < 8) return this.push(cpu, { kind, name, size });
      if (size < 16)
        return this.push(cpu, { kind, name, size, words: [[size - 8, ret]], retOffset: size - 8 });
      return this.push(cpu, {
        kind,
        name,
        size,
        recordOffset: size - 16,
        words: [
          [size - 16, cpu.fp],
          [size - 8, ret],
        ],
      });
    }
    // Model simplification: a frame too small for a record (from a damaged table) saves none.
    if (size < 16) return this.push(cpu, { kind, name, size });
    const rec = Math.min(f.recordOffset ?? 0, size - 16);
    return this.push(cpu, {
      kind,
      name,
      size,
      recordOffset: rec,
      words: [
        [rec, cpu.fp],
        [rec + 8, ret],
      ],
    });
  }

  /** Pops the top frame, restoring SP, FP and the stack it was pushed on. */
  pop(cpu: Cpu): Frame {
    for (const o of this.observers) o.onBeforePop?.(cpu);
    const f = cpu.frames.pop();
    assertTrue(f !== undefined, `pop on an empty CPU ${cpu.id}`);
    if (f.switchedFrom) {
      cpu.switches.pop();
      cpu.stack = f.switchedFrom.stack;
      cpu.sp = f.switchedFrom.sp;
    } else {
      cpu.sp = f.spBefore;
      cpu.stack = f.stackBefore;
    }
    cpu.fp = f.fpBefore;
    return f;
  }

  /** Moves SP to another stack (the caller pushes the linkage the profile leaves). */
  switchTo(cpu: Cpu, stack: KStack, sp: bigint): void {
    cpu.stack = stack;
    cpu.sp = sp;
  }

  emit(e: StackEvent): void {
    this.events.push(e);
    for (const o of this.observers) o.onEvent?.(e);
  }

  /**
   * A push below a dynamic stack's mapped pages: the fault maps them from this CPU's pool, or, with
   * the pool empty, the kernel panics and this CPU stops (as for an overflow panic).
   */
  private stackFault(cpu: Cpu, stack: KStack, newSp: bigint, spec: PushSpec): boolean {
    const dyn = this.dynamic!;
    const depth = Number(stack.high - newSp);
    if (depth <= dyn.mappedBytes(stack.owner)) return true;
    if (dyn.touch(cpu.id, stack.owner, depth, this.nowNs)) return true;
    cpu.halted = true;
    this.emit({ type: 'dynamic-stack-panic', cpu: cpu.id, stack, depth, frame: spec.name });
    return false;
  }

  /** The overflow rules: detection per profile, or silent corruption recorded as an event. */
  private checkRoom(cpu: Cpu, stack: KStack, newSp: bigint, spec: PushSpec): boolean {
    const p = this.profile;
    if (newSp >= stack.low + BigInt(this.reservedBottom(stack))) return true;
    if (p.overflowDetection !== 'none' && newSp < stack.low) {
      this.overflowPanic(cpu, stack, newSp, spec);
      return false;
    }
    // Model simplification: a pushed frame is taken to write all of its bytes (INIT_STACK_ALL_ZERO does).
    const magic = this.stackEndMagicAddr(stack);
    const what =
      newSp < stack.low
        ? 'below-stack'
        : stack.kind === 'task' && newSp < magic
          ? 'thread_info'
          : 'STACK_END_MAGIC';
    if (stack.kind === 'task') stack.write(magic, 0n);
    // One event per region reached: STACK_END_MAGIC, then thread_info, then below the stack.
    const level = { STACK_END_MAGIC: 1, thread_info: 2, 'below-stack': 3 }[what];
    if (level > (this.corruptionLevel.get(stack) ?? 0)) {
      this.corruptionLevel.set(stack, level);
      this.emit({ type: 'corruption', cpu: cpu.id, stack, what, lowestAddr: newSp, frame: spec.name });
    }
    return true;
  }

  /**
   * What happens when the task next calls schedule(): with SCHED_STACK_END_CHECK a corrupted
   * STACK_END_MAGIC panics. Returns true when it did.
   * @kernel schedule_debug() kernel/sched/core.c, task_stack_end_corrupted()
   */
  scheduleCheck(cpu: Cpu): boolean {
    const stack = cpu.task.stack;
    // Dynamic stacks: the task leaving the CPU refills its pool; task_stack_end_corrupted() is 0.
    if (this.dynamic !== null) this.dynamic.schedulePoint(cpu.id, this.nowNs);
    if (!this.profile.SCHED_STACK_END_CHECK || isDynamic(this.profile)) return false;
    if (stack.read(this.stackEndMagicAddr(stack)) === STACK_END_MAGIC) return false;
    this.emit({
      type: 'stack-end-panic',
      cpu: cpu.id,
      stack,
      frame: 'schedule',
      report: 'Kernel panic - not syncing: corrupted stack end detected inside scheduler\n',
    });
    return true;
  }

  /**
   * A push ran into the guard page below a VMAP stack. On arm64 the faulting store is the prologue's
   * "stp x29, x30, [sp, #-N]!" (FAR = the new SP); the data abort's kernel_ventry finds SP bit
   * THREAD_SHIFT set, moves to the overflow stack and calls panic_bad_stack().
   * @kernel panic_bad_stack() arch/arm64/kernel/traps.c
   */
  private overflowPanic(cpu: Cpu, stack: KStack, far: bigint, spec: PushSpec): void {
    const p = this.profile;
    const lines: string[] = [];
    const taskStack = cpu.task.stack;
    if (p.overflowDetection === 'arm64-vmap-sp-bit') {
      lines.push('Insufficient stack space to handle exception!');
      lines.push('ESR: 0x0000000096000047 -- DABT (current EL)');
      lines.push(`FAR: ${hex16(far)}`);
      lines.push(`Task stack:     [${hex16(taskStack.low)}..${hex16(taskStack.high)}]`);
      const irq = cpu.irqStack;
      if (irq) lines.push(`IRQ stack:      [${hex16(irq.low)}..${hex16(irq.high)}]`);
      const ovf = cpu.overflowStack;
      if (ovf) lines.push(`Overflow stack: [${hex16(ovf.low)}..${hex16(ovf.high)}]`);
      lines.push(`CPU: ${cpu.id} PID: ${cpu.task.id + 1} Comm: ${cpu.task.name}`);
      lines.push(`pc : ${spec.name}+0x4`);
      lines.push(`sp : ${cpu.sp.toString(16).padStart(16, '0')}`);
      lines.push('Kernel panic - not syncing: kernel stack overflow');
    } else {
      // @kernel handle_stack_overflow() arch/x86/kernel/traps.c (6.1); %p prints hashed values.
      const kind = stack.kind === 'irq' ? 'IRQ' : stack.kind === 'task' ? 'TASK' : 'EXCEPTION';
      lines.push(
        `BUG: ${kind} stack guard page was hit at ${hashedPtr(far)} (stack is ${hashedPtr(stack.low)}..${hashedPtr(stack.high)})`,
      );
      lines.push('stack guard page: 0000 [#1] PREEMPT SMP NOPTI');
      lines.push(`CPU: ${cpu.id} PID: ${cpu.task.id + 1} Comm: ${cpu.task.name}`);
      lines.push(`RIP: 0010:${spec.name}+0x4`);
      lines.push(`RSP: 0018:${cpu.sp.toString(16).padStart(16, '0')}`);
      lines.push('Kernel panic - not syncing: Fatal exception in interrupt');
    }
    cpu.halted = true;
    this.emit({
      type: 'overflow-panic',
      cpu: cpu.id,
      stack,
      far,
      sp: cpu.sp,
      frame: spec.name,
      report: `${lines.join('\n')}\n`,
    });
  }
}

/** A machine's own dynamic pages: the declared failure probability on a seeded stream of its own. */
function defaultDynamicPages(p: KernelProfile, cpus: number, tasks: number, seed: number): DynamicPages {
  const params = dynamicParams(p);
  const rng = new RngStreams(seed).stream('dynamic-stack-refill');
  return new DynamicPages(params, cpus, tasks, new DeclaredFailurePages(params.refillFailureP, rng));
}

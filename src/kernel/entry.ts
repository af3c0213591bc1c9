// Exception entry and exit, the IRQ-stack switch rules, the linkage each design leaves between
// stacks, and where softirqs run: the per-profile behaviour of kernel-semantics.md §1, §2 and §7.
//
// An EL1 IRQ under linux-6.1, interrupting a syscall on the task stack:
//
//   task stack                         IRQ stack (per CPU)
//   ┌──────────────────────┐ top      ┌──────────────────────┐ top = irq_stack_ptr + IRQ_STACK_SIZE
//   │ pt_regs (EL0, 336)   │          │ gic_handle_irq       │ <- handler frames
//   │ syscall frames ...   │          │ ...                  │
//   │ interrupted function │          │                      │
//   │ pt_regs (EL1, 336)   │ {x29,ELR} record at +304          │
//   │ el1h_64_irq_handler  │          │                      │
//   │ el1_interrupt        │          │                      │
//   │ do_interrupt_handler │          │                      │
//   │ call_on_irq_stack 16 │ {x29,x30} ◄── first handler frame's x29 points back here
//   └──────────────────────┘          └──────────────────────┘
import { assertTrue } from '../base/assert.ts';
import type { EntryFrame, KernelProfile } from '../model/profile.ts';
import type { CodeMap } from './codemap.ts';
import type { Cpu, ExceptionInfo, StackMachine } from './machine.ts';

/** A switch of SP from one stack to another, remembered so exit can undo it. */
interface EntryRecord {
  readonly framesBefore: number;
  /** Frame count once pt_regs and the entry C frames are pushed (where the handler is called). */
  readonly framesAtHandler: number;
  readonly context: Cpu['context'];
  readonly kind: 'irq' | 'sync' | 'syscall' | 'softirq';
  readonly switched: boolean;
  readonly countedX86: boolean;
  readonly markedInuse: boolean;
  readonly bumpedIrqCount: boolean;
}

const entries = new WeakMap<Cpu, EntryRecord[]>();

function entryStack(cpu: Cpu): EntryRecord[] {
  let s = entries.get(cpu);
  if (!s) {
    s = [];
    entries.set(cpu, s);
  }
  return s;
}

/** Forgets a CPU's entry records (a state rebuilt from scratch starts with none). */
export function resetEntries(cpu: Cpu): void {
  entryStack(cpu).length = 0;
}

/**
 * Pushes profile-defined C entry frames; each record holds `ret` (or the outer frame's name).
 * `signed: false` keeps their return addresses unsigned under pointer authentication (frames a
 * replay takes from a table, which found them unsigned).
 */
export function pushEntryFrames(
  m: StackMachine,
  cpu: Cpu,
  frames: readonly EntryFrame[],
  outer: string,
  codes: CodeMap,
  opts: { signed?: boolean } = {},
): boolean {
  let caller = outer;
  for (const f of frames) {
    const ret = f.ret ?? caller;
    if (f.traced) m.entryHook?.(cpu, f.name, ret, 'before');
    if (!m.call(cpu, f.name, f.size, codes.addr(ret), 'function', opts)) return false;
    if (f.traced) m.entryHook?.(cpu, f.name, ret, 'after');
    caller = f.name;
  }
  return true;
}

/**
 * Exception from EL0 (syscall, IRQ or fault from user mode): the kernel stack is empty, pt_regs goes
 * at its top (below the START_SP gap in 2015). 6.1 writes the final {0, 0} frame record in pt_regs.
 * @kernel kernel_entry 0 arch/arm64/kernel/entry.S
 */
export function enterFromUser(
  m: StackMachine,
  cpu: Cpu,
  kind: 'syscall' | 'irq' | 'sync',
  codes: CodeMap,
  opts: {
    vector?: string;
    elr?: bigint;
    pushEntryFrames?: boolean;
    regsSize?: number;
    switchNow?: boolean;
  } = {},
): boolean {
  const p = m.profile;
  m.resetToTop(cpu, cpu.task);
  const path = kind === 'syscall' ? p.entry.syscall : kind === 'irq' ? p.entry.el0Irq : p.entry.syscall;
  const regsSize = opts.regsSize ?? (kind === 'syscall' ? path.regsBytes : undefined) ?? p.PT_REGS_SIZE;
  const vector = opts.vector ?? path.asm[0] ?? 'el0_sync';
  const exception: ExceptionInfo = {
    kind,
    from: 'el0',
    vector,
    elr: opts.elr ?? 0x0000aaaad0000000n,
    lr: 0n,
  };
  const words: [number, bigint][] = [];
  if (p.S_PC + 8 <= regsSize) words.push([p.S_PC, exception.elr]);
  if (p.S_LR !== null && p.S_LR + 8 <= regsSize) words.push([p.S_LR, 0n]);
  const record = p.S_STACKFRAME !== null && p.S_STACKFRAME + 16 <= regsSize ? p.S_STACKFRAME : null;
  if (record !== null) words.push([record, 0n], [record + 8, 0n]);
  const ok = m.push(cpu, {
    kind: 'pt_regs',
    name: `pt_regs(${vector})`,
    size: regsSize,
    words,
    ...(record !== null ? { recordOffset: record } : {}),
    exception,
  });
  if (!ok) return false;
  if (p.S_STACKFRAME === null) cpu.fp = 0n; // user x29 ends every 2015 backtrace
  entryStack(cpu).length = 0;
  if (opts.pushEntryFrames !== false && !pushEntryFrames(m, cpu, path.frames, vector, codes)) return false;
  if (kind !== 'irq') return true;
  // An IRQ from user mode: a hard IRQ like any other, with an empty task stack under it.
  cpu.hardirqDepth = 1;
  cpu.context = 'hardirq';
  entryStack(cpu).push({
    framesBefore: 0,
    framesAtHandler: cpu.frames.length,
    context: 'task',
    kind: 'irq',
    switched: false,
    countedX86: false,
    markedInuse: false,
    bumpedIrqCount: false,
  });
  return opts.switchNow === false ? true : irqStackSwitch(m, cpu, codes, 'irq');
}

/** Pushes pt_regs for an exception taken from EL1 on whatever stack SP is on (no switch yet). */
function pushEl1Regs(m: StackMachine, cpu: Cpu, exception: ExceptionInfo): boolean {
  const p = m.profile;
  const words: [number, bigint][] = [[p.S_PC, exception.elr]];
  if (p.S_LR !== null) words.push([p.S_LR, exception.lr]);
  if (p.S_STACKFRAME !== null) words.push([p.S_STACKFRAME, cpu.fp], [p.S_STACKFRAME + 8, exception.elr]);
  return m.push(cpu, {
    kind: 'pt_regs',
    name: `pt_regs(${exception.vector})`,
    size: p.PT_REGS_SIZE,
    words,
    ...(p.S_STACKFRAME !== null ? { recordOffset: p.S_STACKFRAME } : {}),
    exception,
  });
}

export interface IrqEntryOptions {
  /** Interrupted PC. */
  readonly elr: bigint;
  /** x30 at the time of the interrupt. */
  readonly lr: bigint;
  readonly vector?: string;
  /** Push the profile's C entry frames (false when a replay supplies the table's own). */
  readonly pushEntryFrames?: boolean;
  /** Push the switch linkage and change stacks (false lets a caller place its own frames first). */
  readonly switchNow?: boolean;
}

/**
 * A hard IRQ taken from EL1: pt_regs on the current stack, the C entry frames, then the profile's
 * switch rule decides whether SP moves to this CPU's IRQ stack. Hard IRQs never nest on arm64.
 * Returns whether the CPU is still running (false after an overflow panic).
 * @kernel el1_irq / el1h_64_irq, irq_handler / do_interrupt_handler arch/arm64/kernel
 */
export function takeIrq(m: StackMachine, cpu: Cpu, codes: CodeMap, opts: IrqEntryOptions): boolean {
  const p = m.profile;
  assertTrue(cpu.hardirqDepth === 0, 'hard IRQs never nest: PSTATE.I is set through the handler');
  const vector = opts.vector ?? p.entry.el1Irq.asm[0] ?? 'el1_irq';
  const framesBefore = cpu.frames.length;
  const context = cpu.context;
  if (!pushEl1Regs(m, cpu, { kind: 'irq', from: 'el1', vector, elr: opts.elr, lr: opts.lr })) return false;
  cpu.hardirqDepth = 1;
  cpu.context = 'hardirq';
  if (opts.pushEntryFrames !== false && !pushEntryFrames(m, cpu, p.entry.el1Irq.frames, vector, codes))
    return false;
  const rec: EntryRecord = {
    framesBefore,
    framesAtHandler: cpu.frames.length,
    context,
    kind: 'irq',
    switched: false,
    countedX86: false,
    markedInuse: false,
    bumpedIrqCount: false,
  };
  entryStack(cpu).push(rec);
  if (opts.switchNow === false) return true;
  return irqStackSwitch(m, cpu, codes, 'irq');
}

/**
 * Applies the switch rule at the point the profile calls the handler (irq_handler in asm, or
 * do_interrupt_handler in C) and, if it says so, moves to the IRQ stack leaving the linkage.
 */
export function irqStackSwitch(m: StackMachine, cpu: Cpu, codes: CodeMap, why: 'irq' | 'softirq'): boolean {
  const p = m.profile;
  const irq = p.irqStack;
  const stack = entryStack(cpu);
  const rec = stack[stack.length - 1];
  assertTrue(rec !== undefined, 'irqStackSwitch outside an entry');
  if (irq === null || cpu.irqStack === null) return true;
  let go = false;
  const patch: Partial<Mutable<EntryRecord>> = {};
  switch (irq.switchRule) {
    case 'none':
      break;
    case 'per-cpu-count':
      cpu.irqCountX86++;
      patch.countedX86 = true;
      go = cpu.irqCountX86 === 0;
      break;
    case 'sp-aligned-compare': {
      const mask = ~(BigInt(irq.IRQ_STACK_SIZE) - 1n);
      go = (cpu.sp & mask) !== (cpu.irqStack.low & mask);
      break;
    }
    case 'irq-count':
      go = cpu.irqCount === 0;
      break;
    case 'sp-in-task-stack':
    case 'on-thread-stack':
      go = cpu.task.stack.contains(cpu.sp);
      break;
    case 'hardirq-stack-inuse': {
      const fromUser = why === 'irq' && cpu.frames.length > 0 && isUserEntry(cpu, rec);
      go = !fromUser && !cpu.hardirqStackInuse;
      if (go) {
        cpu.hardirqStackInuse = true;
        patch.markedInuse = true;
      }
      break;
    }
  }
  if (go) {
    if (!switchToIrqStack(m, cpu, codes, why)) return false;
    patch.switched = true;
  }
  stack[stack.length - 1] = { ...rec, ...patch };
  return true;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function isUserEntry(cpu: Cpu, rec: EntryRecord): boolean {
  const regs = cpu.frames[rec.framesBefore];
  return regs?.exception?.from === 'el0';
}

/** Moves SP to the top of this CPU's IRQ stack, leaving what the profile's design leaves. */
function switchToIrqStack(m: StackMachine, cpu: Cpu, codes: CodeMap, why: 'irq' | 'softirq'): boolean {
  const p = m.profile;
  const irq = p.irqStack!;
  const irqStack = cpu.irqStack!;
  const from = { stack: cpu.stack, sp: cpu.sp };
  const top = irqStack.high;
  const start = m.startSp(irqStack);
  switch (irq.linkage) {
    case 'saved-sp-register':
      // The old SP lives only in x19: nothing in memory links the stacks (RFC).
      m.switchTo(cpu, irqStack, start);
      return m.push(cpu, {
        kind: 'linkage',
        name: 'irq_stack_entry (x19 = old sp)',
        size: 0,
        switchedFrom: from,
      });
    case 'dummy-frame-32': {
      // v4.5: {x29, ELR} record (so backtraces show the interrupted PC), then {x19 = old SP, 0}.
      const elr = lastException(cpu)?.elr ?? 0n;
      m.switchTo(cpu, irqStack, start);
      return m.push(cpu, {
        kind: 'linkage',
        name: 'irq_stack_entry dummy frame',
        size: 32,
        recordOffset: 16,
        words: [
          [16, cpu.fp],
          [24, elr],
          [0, from.sp],
          [8, 0n],
        ],
        switchedFrom: from,
      });
    }
    case 'dummy-frame-16':
      // v4.6-v4.13: {x29, x19}; the unwinder recognises it at the top of the IRQ stack.
      m.switchTo(cpu, irqStack, start);
      return m.push(cpu, {
        kind: 'linkage',
        name: 'irq_stack_entry dummy frame',
        size: 16,
        recordOffset: 0,
        words: [
          [0, cpu.fp],
          [8, from.sp],
        ],
        switchedFrom: from,
      });
    case 'call-on-irq-stack-record': {
      // 6.1 call_on_irq_stack: frame record on the *task* stack, x29 = it, SP = IRQ stack top.
      const caller = why === 'softirq' ? 'do_softirq_own_stack' : 'do_interrupt_handler';
      if (!m.call(cpu, 'call_on_irq_stack', 16, codes.addr(caller), 'linkage')) return false;
      const rec = { stack: cpu.stack, sp: cpu.sp };
      m.switchTo(cpu, irqStack, top);
      return m.push(cpu, {
        kind: 'linkage',
        name: 'call_on_irq_stack (sp = irq top)',
        size: 0,
        switchedFrom: rec,
      });
    }
    case 'saved-sp-top-word':
      // x86_64 call_on_stack: the old RSP goes in the top word of the IRQ stack.
      irqStack.write(top - 8n, from.sp);
      m.switchTo(cpu, irqStack, start);
      return m.push(cpu, {
        kind: 'linkage',
        name: 'call_on_irqstack (old rsp at top)',
        size: 0,
        switchedFrom: from,
      });
  }
}

function lastException(cpu: Cpu): ExceptionInfo | undefined {
  for (let i = cpu.frames.length - 1; i >= 0; i--) {
    const e = cpu.frames[i]!.exception;
    if (e) return e;
  }
  return undefined;
}

/**
 * A synchronous exception from EL1 (a fault, a BRK): pt_regs on the current stack, entry frames, no switch.
 * @kernel el1h_64_sync arch/arm64/kernel/entry.S
 */
export function takeSyncException(
  m: StackMachine,
  cpu: Cpu,
  codes: CodeMap,
  opts: { elr: bigint; lr: bigint; vector?: string; pushEntryFrames?: boolean },
): boolean {
  const p = m.profile;
  const vector = opts.vector ?? p.entry.el1Sync.asm[0] ?? 'el1_sync';
  const framesBefore = cpu.frames.length;
  const context = cpu.context;
  if (!pushEl1Regs(m, cpu, { kind: 'sync', from: 'el1', vector, elr: opts.elr, lr: opts.lr })) return false;
  entryStack(cpu).push({
    framesBefore,
    framesAtHandler: framesBefore + 1 + (opts.pushEntryFrames === false ? 0 : p.entry.el1Sync.frames.length),
    context,
    kind: 'sync',
    switched: false,
    countedX86: false,
    markedInuse: false,
    bumpedIrqCount: false,
  });
  if (opts.pushEntryFrames === false) return true;
  return pushEntryFrames(m, cpu, p.entry.el1Sync.frames, vector, codes);
}

/** Where __do_softirq will run for an entry path under a profile (kernel-semantics.md §2). */
export type SoftirqPath = 'irq-exit' | 'bh-enable' | 'ksoftirqd';

/**
 * Enters softirq processing from `path`, pushing what the profile's kernel pushes before
 * __do_softirq (irq_exit frames, do_softirq_own_stack, the switch and ____do_softirq). The caller
 * then pushes __do_softirq and the handlers. For `irq-exit` the caller must already have unwound the
 * hard IRQ handler frames when the profile runs irq_exit in the entry code (v5.16+ arm64).
 */
export function enterSoftirq(
  m: StackMachine,
  cpu: Cpu,
  path: SoftirqPath,
  codes: CodeMap,
  frames: Partial<
    Pick<KernelProfile['softirq'], 'irqExitFrames' | 'ownStackFrames' | 'afterSwitchFrames'>
  > = {},
  opts: { signed?: boolean } = {},
): boolean {
  const p = m.profile;
  const s = { ...p.softirq, ...frames };
  const framesBefore = cpu.frames.length;
  const context = cpu.context;
  if (path === 'irq-exit' && !pushEntryFrames(m, cpu, s.irqExitFrames, cpu.top()?.name ?? 'irq', codes, opts))
    return false;
  const rec: Mutable<EntryRecord> = {
    framesBefore,
    framesAtHandler: cpu.frames.length,
    context,
    kind: 'softirq',
    switched: false,
    countedX86: false,
    markedInuse: false,
    bumpedIrqCount: false,
  };
  entryStack(cpu).push(rec);
  const direct = path === 'ksoftirqd' || (path === 'irq-exit' && s.HAVE_IRQ_EXIT_ON_IRQ_STACK);
  if (!direct) {
    // do_softirq_own_stack()
    if (!pushEntryFrames(m, cpu, s.ownStackFrames, cpu.top()?.name ?? 'do_softirq', codes, opts))
      return false;
    if (s.bumpsIrqCount && cpu.irqStack?.contains(cpu.sp)) {
      cpu.irqCount++;
      rec.bumpedIrqCount = true;
    }
    if (s.ownStack === 'irq-stack' && cpu.irqStack !== null && !cpu.irqStack.contains(cpu.sp)) {
      if (p.irqStack?.switchRule === 'hardirq-stack-inuse') {
        cpu.hardirqStackInuse = true;
        rec.markedInuse = true;
      }
      if (!switchToIrqStack(m, cpu, codes, 'softirq')) return false;
      rec.switched = true;
      if (!pushEntryFrames(m, cpu, s.afterSwitchFrames, 'call_on_irq_stack', codes, opts)) return false;
    }
  }
  cpu.context = 'softirq';
  cpu.softirqDepth++;
  cpu.hardirqDepth = 0; // __do_softirq runs with IRQs enabled: a new hard IRQ may arrive
  return true;
}

/**
 * Leaves the innermost entry (IRQ, sync exception or softirq): pops every frame pushed since it,
 * switching back to the stack it came from, and restores the per-CPU counters.
 * @kernel kernel_exit / irq_stack_exit / call_on_irq_stack's epilogue
 */
export function exitEntry(m: StackMachine, cpu: Cpu): void {
  const stack = entryStack(cpu);
  const rec = stack.pop();
  assertTrue(rec !== undefined, 'exitEntry without an entry');
  while (cpu.frames.length > rec.framesBefore) m.pop(cpu);
  if (rec.countedX86) cpu.irqCountX86--;
  if (rec.markedInuse) cpu.hardirqStackInuse = false;
  if (rec.bumpedIrqCount) cpu.irqCount--;
  if (rec.kind === 'softirq') cpu.softirqDepth--;
  cpu.context = rec.context;
  cpu.hardirqDepth = rec.context === 'hardirq' ? 1 : 0;
}

/**
 * The hard IRQ handler has returned and the entry code goes on, on the interrupted stack, to preempt
 * (el1_preempt, arm64_preempt_schedule_irq): the CPU is out of hard IRQ context, so another IRQ may
 * come. The entry stays open until exitEntry().
 * @kernel __el1_irq() arch/arm64/kernel/entry-common.c, el1_irq arch/arm64/kernel/entry.S (4.x)
 */
export function endHardirq(cpu: Cpu): void {
  const stack = entryStack(cpu);
  const rec = stack[stack.length - 1];
  assertTrue(rec !== undefined && rec.kind === 'irq', 'endHardirq outside a hard IRQ');
  cpu.hardirqDepth = 0;
  cpu.context = rec.context;
}

/**
 * The hard IRQ handler returns to the entry code (frames above the entry C frames are popped, the
 * IRQ stack is left): where v5.16+ arm64 runs irq_exit_rcu() and so its softirqs.
 */
export function returnToEntryCode(m: StackMachine, cpu: Cpu): void {
  const stack = entryStack(cpu);
  const rec = stack[stack.length - 1];
  assertTrue(rec !== undefined && rec.kind === 'irq', 'returnToEntryCode outside a hard IRQ');
  while (cpu.frames.length > rec.framesAtHandler) m.pop(cpu);
  if (rec.countedX86) cpu.irqCountX86--;
  if (rec.markedInuse) cpu.hardirqStackInuse = false;
  stack[stack.length - 1] = { ...rec, switched: false, countedX86: false, markedInuse: false };
}

// Unwinders: the kernel's, per era (what save_stack_trace() and so the stack tracer see), and
// stacklab's own, which crosses every stack through the linkage each design leaves.
//
// A step reads the frame record at fp: next fp = [fp], pc = [fp + 8] (arm64 {x29, x30}; on x86_64 the
// saved rbp with the return address above it, the same shape).
import type { Cpu, Frame, StackMachine } from './machine.ts';
import { stripPac } from './pointer-auth.ts';
import type { KStack } from './stack.ts';

export type UnwindEnd =
  /** Reached the final record (6.1 task_pt_regs->stackframe) or a zero fp. */
  | 'final'
  /** The next record was outside the range this unwinder accepts. */
  | 'out-of-range'
  /** Misaligned fp or a record below the last one (would loop). */
  | 'malformed'
  /** Hit the entry limit. */
  | 'limit';

export interface UnwindStep {
  readonly pc: bigint;
  /** Address of the record the pc was read from (null for pcs taken from pt_regs). */
  readonly record: bigint | null;
  readonly stack: KStack | null;
  /** The pc came from an exception's pt_regs (ELR), not from a frame record. */
  readonly fromRegs: boolean;
}

export interface UnwindResult {
  readonly steps: readonly UnwindStep[];
  readonly end: UnwindEnd;
}

const MAX_ENTRIES = 500; // STACK_TRACE_ENTRIES
/** How far below a stack stacklab's own unwinder looks for records an overflow wrote there. */
const OVERRUN_REACH = 65536n;

/** The stacks a CPU can be on, in the order the 6.1 unwinder offers them. */
function stacksOf(cpu: Cpu): KStack[] {
  const out = [cpu.task.stack];
  if (cpu.irqStack) out.push(cpu.irqStack);
  if (cpu.overflowStack) out.push(cpu.overflowStack);
  return out;
}

function alignUp(v: bigint, a: number): bigint {
  const A = BigInt(a);
  return ((v + A - 1n) / A) * A;
}

/**
 * The kernel's own unwinder for `m.profile`, starting at frame record `fp` with SP `sp`.
 * @kernel unwind_frame() arch/arm64/kernel/stacktrace.c (v4.2, v4.5, v6.1)
 */
export function unwindKernel(m: StackMachine, cpu: Cpu, fp: bigint, sp: bigint): UnwindResult {
  const p = m.profile;
  if (p.arch === 'x86_64') return unwindOrc(cpu, cpu.frames.length, false);
  if (!p.unwinder.crossesStacks) return unwind2015(m, cpu, fp, sp);
  if (p.irqStack?.linkage === 'dummy-frame-32' || p.irqStack?.linkage === 'dummy-frame-16')
    return unwind2016(m, cpu, fp, sp);
  return unwindListed(m, cpu, fp, { crossAll: false, nFrames: cpu.frames.length });
}

/** v4.2: fp must lie in [sp, ALIGN(sp, THREAD_SIZE) - 0x18], 16-aligned; pc = LR - 4; never crosses. */
function unwind2015(m: StackMachine, cpu: Cpu, fp0: bigint, sp0: bigint): UnwindResult {
  const p = m.profile;
  const steps: UnwindStep[] = [];
  let fp = fp0;
  let low = sp0;
  while (steps.length < MAX_ENTRIES) {
    const high = alignUp(low, p.THREAD_SIZE);
    if (fp === 0n) return { steps, end: 'final' };
    if (fp < low || fp > high - 0x18n || (fp & 0xfn) !== 0n) return { steps, end: 'out-of-range' };
    const stack = stackAt(cpu, fp);
    if (stack === null) return { steps, end: 'out-of-range' };
    const lr = stack.read(fp + 8n);
    const next = stack.read(fp);
    steps.push({ pc: p.unwinder.pcIsLrMinus4 ? lr - 4n : lr, record: fp, stack, fromRegs: false });
    low = fp + 16n;
    fp = next;
  }
  return { steps, end: 'limit' };
}

/**
 * v4.5-v4.13: as 2015 without the -4, plus one crossing: when the walk consumes the dummy frame at
 * the top of the IRQ stack, continue from the task SP it saved (IRQ_STACK_TO_TASK_STACK).
 */
function unwind2016(m: StackMachine, cpu: Cpu, fp0: bigint, sp0: bigint): UnwindResult {
  const p = m.profile;
  const irq = cpu.irqStack;
  const steps: UnwindStep[] = [];
  let fp = fp0;
  let low = sp0;
  const irqStackPtr = irq ? m.startSp(irq) : -1n;
  while (steps.length < MAX_ENTRIES) {
    if (fp === 0n) return { steps, end: 'final' };
    const onIrq = irq !== null && low >= irq.low && low <= irqStackPtr;
    const high = onIrq ? irqStackPtr : alignUp(low, p.THREAD_SIZE) - 0x20n;
    if (fp < low || fp > high || (fp & 0xfn) !== 0n) return { steps, end: 'out-of-range' };
    const stack = stackAt(cpu, fp);
    if (stack === null) return { steps, end: 'out-of-range' };
    steps.push({ pc: stack.read(fp + 8n), record: fp, stack, fromRegs: false });
    const next = stack.read(fp);
    let sp = fp + 16n;
    if (irq !== null && sp === irqStackPtr) {
      // The 32-byte dummy keeps the task SP in its lower half; the 16-byte one in the record's lr slot.
      const saved =
        p.irqStack?.linkage === 'dummy-frame-32' ? irq.read(irqStackPtr - 32n) : irq.read(irqStackPtr - 8n);
      if (!cpu.task.stack.contains(saved) || !cpu.task.stack.contains(next))
        return { steps, end: 'out-of-range' };
      sp = saved;
    }
    low = sp;
    fp = next;
  }
  return { steps, end: 'limit' };
}

/**
 * v6.1 shape: a record may be in the current stack above the last one, or in another stack still on
 * the list; moving to another stack drops the old one (one-way). Ends at the final {0, 0} record.
 * With `crossAll` (stacklab's tracer) every stack of the CPU is listed and pt_regs that the chain
 * skips over contribute their interrupted PC. Linear in the steps: the EL1 pt_regs frames are listed
 * once, and each step looks only at those of the stack it lands on.
 * @kernel unwind_next_frame_record() arch/arm64/include/asm/stacktrace/common.h (6.1)
 */
function unwindListed(
  m: StackMachine,
  cpu: Cpu,
  fp0: bigint,
  opts: { crossAll: boolean; nFrames: number },
): UnwindResult {
  const p = m.profile;
  const steps: UnwindStep[] = [];
  const listed = stacksOf(cpu);
  let current: KStack | null = null;
  let lowBound = 0n;
  let fp = fp0;
  const finalRecord =
    p.S_STACKFRAME === null ? null : cpu.task.stack.high - BigInt(p.PT_REGS_SIZE) + BigInt(p.S_STACKFRAME);
  const reportRegs = opts.crossAll || (p.unwinder.reportsInterruptedPc && p.S_STACKFRAME === null);
  const regs = reportRegs ? el1Regs(cpu, opts.nFrames) : [];
  const reach = opts.crossAll ? OVERRUN_REACH : 0n;
  // 5.7+ (pointer authentication in the kernel): the pc is stripped of its PAC. [S 6.1 stacktrace.c]
  const pac = p.ARM64_PTR_AUTH_KERNEL === true;
  while (steps.length < MAX_ENTRIES) {
    if (fp === 0n) return { steps, end: 'final' };
    if (finalRecord !== null && fp === finalRecord) return { steps, end: 'final' };
    if ((fp & 0x7n) !== 0n) return { steps, end: 'malformed' };
    let stack: KStack | undefined;
    if (current !== null && holdsRecord(current, fp, reach) && fp >= lowBound) stack = current;
    else {
      stack = listed.find((s) => s !== current && holdsRecord(s, fp, reach));
      if (stack === undefined)
        return { steps, end: current?.containsObject(fp, 16) ? 'malformed' : 'out-of-range' };
      if (current !== null) listed.splice(listed.indexOf(current), 1);
    }
    if (regs.length > 0) {
      const skipped = skippedRegs(regs, current, lowBound, stack, fp);
      if (skipped) steps.push({ pc: skipped.exception!.elr, record: null, stack, fromRegs: true });
    }
    current = stack;
    const lr = stack.read(fp + 8n);
    steps.push({ pc: pac ? stripPac(lr) : lr, record: fp, stack, fromRegs: false });
    lowBound = fp + 16n;
    fp = stack.read(fp);
  }
  return { steps, end: 'limit' };
}

/**
 * A 16-byte record at `a` lies inside `s`; `reach` > 0 (stacklab's tracer) also accepts records an
 * overflow left below the stack (the kernel's unwinder would not follow them).
 */
function holdsRecord(s: KStack, a: bigint, reach: bigint): boolean {
  return s.containsObject(a, 16) || (reach > 0n && a >= s.low - reach && a < s.low);
}

/** The EL1 exceptions' pt_regs among the first `n` frames (there are a handful at most). */
function el1Regs(cpu: Cpu, n: number): Frame[] {
  const out: Frame[] = [];
  const end = Math.min(n, cpu.frames.length);
  for (let i = 0; i < end; i++) {
    const f = cpu.frames[i]!;
    if (f.kind === 'pt_regs' && f.exception?.from === 'el1') out.push(f);
  }
  return out;
}

/**
 * The pt_regs frame the step from the last record to `fp` jumps over without reading its record
 * (the nearest one below `fp`), if any.
 */
function skippedRegs(
  regs: readonly Frame[],
  from: KStack | null,
  fromBound: bigint,
  to: KStack,
  fp: bigint,
): Frame | undefined {
  let best: Frame | undefined;
  for (const f of regs) {
    if (f.stack !== to) continue;
    const end = f.base + BigInt(f.size);
    if (end > fp) continue; // the record is inside this pt_regs (it reports ELR itself) or above it
    if (from === to && f.base < fromBound) continue; // below where we were: already passed
    if (best === undefined || f.base > best.base) best = f;
  }
  return best;
}

/** stacklab's unwinder: crosses every stack of the CPU, reporting interrupted PCs. */
export function unwindAllStacks(
  m: StackMachine,
  cpu: Cpu,
  fp: bigint,
  nFrames = cpu.frames.length,
): UnwindResult {
  // The tracer's own frames are measurement overhead: stacklab's view leaves them out.
  if (m.profile.arch === 'x86_64') return unwindOrc(cpu, nFrames, true);
  return unwindListed(m, cpu, fp, { crossAll: true, nFrames });
}

/**
 * x86_64's ORC unwinder knows every frame's size from tables, so it finds every return address,
 * frame pointer or not, and takes the interrupted IP from pt_regs. Modelled with the frame list,
 * which is exactly the information ORC has.
 * @kernel unwind_next_frame() arch/x86/kernel/unwind_orc.c
 */
function unwindOrc(cpu: Cpu, nFrames: number, skipTracer: boolean): UnwindResult {
  const steps: UnwindStep[] = [];
  for (let i = Math.min(nFrames, cpu.frames.length) - 1; i >= 0 && steps.length < MAX_ENTRIES; i--) {
    const f = cpu.frames[i]!;
    if (f.kind === 'tracer' || (skipTracer && f.kind === 'trampoline')) continue;
    if (f.kind === 'pt_regs') {
      if (f.exception?.from !== 'el1') return { steps, end: 'final' };
      steps.push({ pc: f.exception.elr, record: null, stack: f.stack, fromRegs: true });
      continue;
    }
    if (f.retSlot !== null)
      steps.push({ pc: f.stack.read(f.retSlot), record: f.retSlot, stack: f.stack, fromRegs: false });
  }
  return { steps, end: steps.length >= MAX_ENTRIES ? 'limit' : 'final' };
}

function stackAt(cpu: Cpu, addr: bigint): KStack | null {
  for (const s of stacksOf(cpu)) if (s.contains(addr)) return s;
  return null;
}

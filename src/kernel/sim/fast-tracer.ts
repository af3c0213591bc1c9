// The kernel's stack tracer on the fast machine: check_stack()'s cheap part (this_size from SP
// masked by THREAD_SIZE, against stack_max_size) runs at every traced function entry; only a sample
// that can set a new maximum on the task stack, or whose own frames would run out of stack, goes to
// the exact machine (exact-shadow.ts), which unwinds, scans and prints as the era's tracer does.
import type { KernelProfile } from '../../model/profile.ts';
import type { StackEvent } from '../machine.ts';
import type { ExactShadow } from './exact-shadow.ts';
import type { FastCpu, FastMachine } from './fast-machine.ts';

/**
 * check_stack()'s this_size for a sample whose tracer local sits `localDepth` bytes below the top of
 * stack `s`: THREAD_SIZE - (SP mod THREAD_SIZE) - tracer_frame, SP masked as the kernel masks it
 * (whatever stack it is on). @kernel check_stack() kernel/trace/trace_stack.c
 */
export function checkStackThisSize(
  fm: FastMachine,
  s: number,
  localDepth: number,
  T: number,
  tracerFrame: number,
): number {
  const spMod = (((fm.highMod[s]! - localDepth) % T) + T) % T;
  return T - spMod - tracerFrame;
}

/** Bytes the tracer's own frames add below SP at a sample (fentry's return address, trampoline, C frames). */
export function tracerDepthDelta(p: KernelProfile): number {
  const t = p.tracer;
  return (t.hook === 'fentry' ? 8 : 0) + t.trampoline.size + t.internalBytes;
}

export class FastKernelTracer {
  samples = 0;
  /** Samples dropped because SP was off the task stack, and the deepest this_size among them. */
  offStackSamples = 0;
  /** Interrupts that arrived while the tracer's callback ran, and those of them before its guard. */
  interrupted = 0;
  interruptedOpen = 0;
  offStackMaxThisSize = 0;
  /** Deepest depth including the tracer's own frames, per stack kind (what a scan of zeroed stacks reads). */
  readonly highwaterWithTracer = new Int32Array(3);
  /**
   * Per CPU: interrupts inside the tracer after its recursion guard went up, not yet returned
   * (scenario stackTracerOpen): while one is, the tracer returns before check_stack() and
   * samples nothing, though its frames are still pushed (they count in the high-water).
   */
  readonly guarded: Int32Array;
  readonly delta: number;
  private readonly T: number;

  constructor(
    private readonly fm: FastMachine,
    private readonly shadow: ExactShadow,
    profile: KernelProfile,
  ) {
    this.delta = tracerDepthDelta(profile);
    this.guarded = new Int32Array(fm.nCpus);
    this.T = profile.THREAD_SIZE;
  }

  /**
   * A traced function `name` is entered on `cpu` (before or after its frame, as the profile hooks it).
   * Returns the kernel events the exact machine raised (an overflow of the tracer's own frames), or null.
   */
  /**
   * The check at every traced function, inlined by callers: true when the sample needs sample()
   * (it may set a new maximum, lands off the task stack, or raises a high-water). Counts the sample.
   */
  needsWork(cpu: FastCpu): boolean {
    this.samples++;
    const dl = cpu.depth + this.delta;
    return dl <= 0 || dl > this.quietBound(cpu.stack);
  }

  /**
   * The deepest tracer depth (SP's depth plus `delta`) at which a sample on stack `s` changes
   * nothing but the sample count: it sets no maximum, raises no high-water, stays within
   * THREAD_SIZE and the push limit. -1 when every sample there needs sample() (a stack not
   * THREAD_SIZE-aligned). A depth d is quiet when 0 < d <= quietBound(s); the bound moves only when
   * sample() runs or the push limit moves.
   */
  quietBound(s: number): number {
    const fm = this.fm;
    if (fm.highMod[s] !== 0) return -1;
    const tr = this.shadow.tracer;
    // pushLimit: stackLimit, or less where a stack's mapped part ends (issue 13: the tracer's own
    // frames fault there like any push).
    return Math.min(
      this.T,
      tr.maxSize + tr.tracerFrame,
      fm.pushLimit[s]!,
      this.highwaterWithTracer[fm.stackKind[s]!]!,
    );
  }

  sample(cpu: FastCpu, name: string, parentLoc: number): StackEvent[] | null {
    const fm = this.fm;
    const tr = this.shadow.tracer;
    const s = cpu.stack;
    const dl = cpu.depth + this.delta;
    const kind = fm.stackKind[s]!;
    if (dl > this.highwaterWithTracer[kind]!) this.highwaterWithTracer[kind] = dl;
    // The tracer's own frames below a dynamic stack's mapped pages fault like any push.
    if (fm.unmappedAt(s, dl) && !fm.dynamic!.fault(cpu, s, dl, 'stack_trace_call')) return null;
    if (this.guarded[cpu.id] !== 0) return null;
    // A THREAD_SIZE-aligned stack (every task stack) masks to the depth itself: skip the modulo.
    const hm = fm.highMod[s]!;
    const thisSize =
      hm === 0 && dl > 0 && dl <= this.T
        ? dl - tr.tracerFrame
        : checkStackThisSize(fm, s, dl, this.T, tr.tracerFrame);
    const overflows = dl > fm.stackLimit[s]!;
    if (thisSize <= tr.maxSize && !overflows) return null;
    const onTask = s === cpu.task && dl >= 8 && dl <= fm.stackSize[s]!;
    if (!onTask && !overflows) {
      this.offStackSamples++;
      if (thisSize > this.offStackMaxThisSize) this.offStackMaxThisSize = thisSize;
      return null;
    }
    const r = this.shadow.sample(fm, cpu, name, parentLoc);
    if (r.halted) cpu.halted = true;
    return r.events;
  }
}

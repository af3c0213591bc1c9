// stacklab's own tracer: sees every push on every stack, keeps the maximum of each stack (task,
// IRQ, overflow) separately and of the real combined depth, with the frames live at that moment and
// a backtrace unwound across stacks. The kernel tracer's own frames (trampoline, stack_trace_call)
// are measurement overhead and are not counted.
import type { Cpu, Frame, MachineObserver, StackEvent, StackMachine } from './machine.ts';
import type { KStack, StackKind } from './stack.ts';
import { unwindAllStacks } from './unwind.ts';

export interface LiveFrame {
  readonly name: string;
  readonly kind: Frame['kind'];
  readonly stack: StackKind;
  readonly stackName: string;
  readonly size: number;
  /** Depth of the frame's lowest byte on its own stack. */
  readonly depth: number;
  readonly context: Frame['context'];
}

export interface StackMax {
  readonly stack: StackKind;
  readonly stackName: string;
  readonly size: number;
  /** Deepest bytes in use, measured from the stack's top (START_SP gap included). */
  readonly maxDepth: number;
  readonly lowestSp: bigint;
  readonly cpu: number;
  /** Frames on this stack at the maximum, outermost first. */
  readonly frames: readonly LiveFrame[];
  /** Backtrace across stacks at the maximum, innermost first (location texts). */
  readonly backtrace: readonly string[];
}

export interface CombinedMax {
  readonly depth: number;
  readonly cpu: number;
  readonly frames: readonly LiveFrame[];
}

/** A new maximum not yet snapshotted: taken when the CPU is about to pop, or when asked. */
interface Pending {
  readonly stack: KStack;
  readonly cpu: Cpu;
  readonly frame: Frame;
  readonly depth: number;
  readonly fp: bigint;
  readonly nFrames: number;
}

export class AllStacksTracer implements MachineObserver {
  private readonly maxima = new Map<KStack, StackMax>();
  private readonly pending = new Map<KStack, Pending>();
  private combined: CombinedMax | null = null;
  private combinedPending: { cpu: Cpu; depth: number; nFrames: number } | null = null;
  readonly events: StackEvent[] = [];

  constructor(
    private readonly m: StackMachine,
    private readonly symbolize: (pc: bigint) => string,
  ) {
    m.observe(this);
  }

  onPush(cpu: Cpu, frame: Frame): void {
    if (frame.kind === 'trampoline' || frame.kind === 'tracer') return;
    const stack = frame.stack;
    const depth = stack.depthOf(frame.base);
    const best = this.pending.get(stack)?.depth ?? this.maxima.get(stack)?.maxDepth ?? -1;
    // Snapshots (a cross-stack unwind and the live frames) are taken lazily: a deeper push makes an
    // earlier candidate moot, so a chain of n pushes costs one snapshot, not n.
    if (depth > best)
      this.pending.set(stack, { stack, cpu, frame, depth, fp: cpu.fp, nFrames: cpu.frames.length });
    const c = cpu.combinedDepth;
    if (c > (this.combinedPending?.depth ?? this.combined?.depth ?? -1))
      this.combinedPending = { cpu, depth: c, nFrames: cpu.frames.length };
  }

  onBeforePop(cpu: Cpu): void {
    // Only a pop of a frame the pending snapshot holds can change it: frames pushed after it (the
    // kernel tracer's samples, deeper calls) come and go below it without touching its memory.
    const n = cpu.frames.length;
    let due = this.combinedPending?.cpu === cpu && n <= this.combinedPending.nFrames;
    for (const p of this.pending.values()) if (p.cpu === cpu && n <= p.nFrames) due = true;
    if (due) this.flush(cpu);
  }

  onEvent(e: StackEvent): void {
    this.events.push(e);
  }

  /** Takes the snapshots still pending for `cpu` (all CPUs when omitted) while their frames are live. */
  flush(cpu?: Cpu): void {
    for (const [stack, p] of this.pending) {
      if (cpu !== undefined && p.cpu !== cpu) continue;
      const frames = liveFrames(p.cpu, p.nFrames);
      this.maxima.set(stack, {
        stack: stack.kind,
        stackName: stack.name,
        size: stack.size,
        maxDepth: p.depth,
        lowestSp: p.frame.base,
        cpu: p.cpu.id,
        frames: frames.filter((f) => f.stackName === stack.name),
        backtrace: [
          p.frame.name,
          ...unwindAllStacks(this.m, p.cpu, p.fp, p.nFrames).steps.map((s) => this.symbolize(s.pc)),
        ],
      });
      this.pending.delete(stack);
    }
    const c = this.combinedPending;
    if (c && (cpu === undefined || c.cpu === cpu)) {
      this.combined = { depth: c.depth, cpu: c.cpu.id, frames: liveFrames(c.cpu, c.nFrames) };
      this.combinedPending = null;
    }
  }

  /** Per-stack maxima, task stacks first, then IRQ, then overflow. */
  stackMaxima(): StackMax[] {
    this.flush();
    const order: Record<StackKind, number> = { task: 0, irq: 1, overflow: 2 };
    return [...this.maxima.values()].sort((a, b) => order[a.stack] - order[b.stack] || a.cpu - b.cpu);
  }

  maxOf(kind: StackKind): StackMax | undefined {
    let best: StackMax | undefined;
    for (const s of this.stackMaxima())
      if (s.stack === kind && (!best || s.maxDepth > best.maxDepth)) best = s;
    return best;
  }

  combinedMax(): CombinedMax | null {
    this.flush();
    return this.combined;
  }
}

/** The frames live on a CPU (its first `n`), tracer overhead left out. */
export function liveFrames(cpu: Cpu, n = cpu.frames.length): LiveFrame[] {
  return cpu.frames
    .slice(0, n)
    .filter((f) => f.kind !== 'trampoline' && f.kind !== 'tracer')
    .map((f) => ({
      name: f.name,
      kind: f.kind,
      stack: f.stack.kind,
      stackName: f.stack.name,
      size: f.size,
      depth: f.stack.depthOf(f.base),
      context: f.context,
    }));
}

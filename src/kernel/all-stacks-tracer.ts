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

export class AllStacksTracer implements MachineObserver {
  private readonly maxima = new Map<KStack, StackMax>();
  private combined: CombinedMax | null = null;
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
    const prev = this.maxima.get(stack);
    if (prev === undefined || depth > prev.maxDepth) {
      this.maxima.set(stack, {
        stack: stack.kind,
        stackName: stack.name,
        size: stack.size,
        maxDepth: depth,
        lowestSp: frame.base,
        cpu: cpu.id,
        frames: liveFrames(cpu).filter((f) => f.stackName === stack.name),
        backtrace: [
          frame.name,
          ...unwindAllStacks(this.m, cpu, cpu.fp).steps.map((s) => this.symbolize(s.pc)),
        ],
      });
    }
    const c = cpu.combinedDepth;
    if (this.combined === null || c > this.combined.depth) {
      this.combined = { depth: c, cpu: cpu.id, frames: liveFrames(cpu) };
    }
  }

  onEvent(e: StackEvent): void {
    this.events.push(e);
  }

  /** Per-stack maxima, task stacks first, then IRQ, then overflow. */
  stackMaxima(): StackMax[] {
    const order: Record<StackKind, number> = { task: 0, irq: 1, overflow: 2 };
    return [...this.maxima.values()].sort((a, b) => order[a.stack] - order[b.stack] || a.cpu - b.cpu);
  }

  maxOf(kind: StackKind): StackMax | undefined {
    let best: StackMax | undefined;
    for (const s of this.maxima.values())
      if (s.stack === kind && (!best || s.maxDepth > best.maxDepth)) best = s;
    return best;
  }

  combinedMax(): CombinedMax | null {
    return this.combined;
  }
}

export function liveFrames(cpu: Cpu): LiveFrame[] {
  return cpu.frames
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

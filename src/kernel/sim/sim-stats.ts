// What the simulator measures while frames move: per-stack maxima (per CPU and over all), episode
// high-water histograms, threshold crossings, overflow occurrences, the task-stack depth when an
// interrupt arrives, per-window maxima for the depth-over-time series and the block maxima that
// the extreme-value estimate fits. The machine calls deeper() only when an episode maximum moves.
//
// An episode is one use of a stack from empty: a syscall or an interrupt from user mode on a task
// stack (until return to user), one softirq run of ksoftirqd, one interrupt on an idle CPU, one
// occupancy of an IRQ stack (from the switch until SP leaves it).
import {
  type DepthSink,
  F,
  F_ID,
  F_KIND,
  F_PREV_DEPTH,
  F_SIZE,
  F_STACK,
  type FastCpu,
  type FastMachine,
  KIND_OVERFLOW,
} from './fast-machine.ts';

/** Depths whose crossings are counted (issue: 4, 6, 8 and 12 KB). */
export const THRESHOLDS = [4096, 6144, 8192, 12288] as const;
/** Histogram bucket width in bytes. */
export const HIST_BUCKET = 256;
export const KINDS = ['task', 'irq', 'overflow'] as const;

export interface SnapFrame {
  readonly kind: number;
  readonly id: number;
  readonly size: number;
  /** 0 task, 1 irq, 2 overflow. */
  readonly stackKind: number;
  /** Depth of the frame's lowest byte on its stack. */
  readonly depth: number;
}

export interface DeepestSnapshot {
  readonly cpu: number;
  readonly task: number;
  readonly depth: number;
  readonly atNs: number;
  /** Every live frame at that moment, outermost first. */
  readonly frames: readonly SnapFrame[];
}

export class SimStats implements DepthSink {
  readonly cpuMax: Int32Array;
  readonly globalMax = new Int32Array(3);
  readonly crossings = new Float64Array(3 * THRESHOLDS.length);
  /** Episodes that ran past the usable size of their stack (panic or corruption). */
  readonly overflowEpisodes = new Float64Array(3);
  readonly nBuckets: number;
  /** [cpu][kind] episode high-water histograms, flattened: ((cpu * 3 + kind) * nBuckets + bucket). */
  readonly hist: Float64Array;
  readonly atInterrupt: Float64Array;
  readonly taskLifeMax: Int32Array;
  readonly deepest: (DeepestSnapshot | null)[] = [null, null, null];
  /** The simulator's clock (read only when a snapshot is taken). */
  clock: () => number = () => 0;

  constructor(
    private readonly fm: FastMachine,
    nCpus: number,
    nTasks: number,
  ) {
    this.cpuMax = new Int32Array(nCpus * 3);
    const largest = Math.max(...Array.from(fm.stackSize));
    this.nBuckets = Math.ceil((2 * largest) / HIST_BUCKET) + 1;
    this.hist = new Float64Array(nCpus * 3 * this.nBuckets);
    this.atInterrupt = new Float64Array(this.nBuckets);
    this.taskLifeMax = new Int32Array(nTasks);
  }

  bucket(depth: number): number {
    const b = Math.floor(depth / HIST_BUCKET);
    return b < this.nBuckets ? b : this.nBuckets - 1;
  }

  deeper(cpu: FastCpu, s: number, prev: number, d: number): void {
    const fm = this.fm;
    const kind = fm.stackKind[s]!;
    const k3 = cpu.id * 3 + kind;
    if (d > this.cpuMax[k3]!) {
      this.cpuMax[k3] = d;
      if (d > this.globalMax[kind]!) {
        this.globalMax[kind] = d;
        this.deepest[kind] = this.snapshot(cpu, d);
      }
    }
    for (let i = 0; i < THRESHOLDS.length; i++) {
      const t = THRESHOLDS[i]!;
      if (prev <= t && d > t) this.crossings[kind * THRESHOLDS.length + i]!++;
    }
    const limit = fm.stackLimit[s]!;
    if (prev <= limit && d > limit) this.overflowOf(s, d);
    // Nothing counted changes until the depth passes the CPU's maximum, the next threshold or the limit.
    let next = this.cpuMax[k3]!;
    for (let i = 0; i < THRESHOLDS.length; i++) {
      const t = THRESHOLDS[i]!;
      if (t >= d) {
        if (t < next) next = t;
        break;
      }
    }
    if (d <= limit && limit < next) next = limit;
    fm.notifyAbove[s] = next;
  }

  /** Stack `s` ran `depth` bytes deep, past its usable size: one overflow per episode. */
  overflowOf(s: number, depth: number): void {
    const fm = this.fm;
    if (fm.overflowCounted[s] || depth <= fm.stackLimit[s]!) return;
    fm.overflowCounted[s] = 1;
    this.overflowEpisodes[fm.stackKind[s]!]!++;
  }

  left(cpu: FastCpu, s: number): void {
    this.episodeEnd(cpu, s);
  }

  /** Records stack `s`'s episode high-water and starts a new episode at its current depth. */
  episodeEnd(cpu: FastCpu, s: number, restartAt = 0): void {
    const fm = this.fm;
    const kind = fm.stackKind[s]!;
    if (kind === KIND_OVERFLOW) return;
    const m = fm.episodeMax[s]!;
    this.hist[(cpu.id * 3 + kind) * this.nBuckets + this.bucket(m)]!++;
    if (kind === 0 && m > this.taskLifeMax[s]!) this.taskLifeMax[s] = m;
    fm.resetEpisode(s, restartAt);
  }

  private snapshot(cpu: FastCpu, depth: number): DeepestSnapshot {
    const fm = this.fm;
    const fr = fm.frames[cpu.task]!;
    const n = fm.nFrames[cpu.task]!;
    const frames: SnapFrame[] = [];
    for (let i = 0; i < n; i++) {
      const o = i * F;
      const s = fr[o + F_STACK]!;
      frames.push({
        kind: fr[o + F_KIND]!,
        id: fr[o + F_ID]!,
        size: fr[o + F_SIZE]!,
        stackKind: fm.stackKind[s]!,
        depth: (fr[o + F_STACK] === fr[o + 4] ? fr[o + F_PREV_DEPTH]! : this.startOf(s)) + fr[o + F_SIZE]!,
      });
    }
    return { cpu: cpu.id, task: cpu.task, depth, atNs: this.clock(), frames };
  }

  /** Depth a switch frame starts from on its new stack. */
  private startOf(s: number): number {
    const fm = this.fm;
    return fm.stackKind[s] === 1
      ? fm.profile.irqStack?.linkage === 'call-on-irq-stack-record'
        ? 0
        : fm.startGapIrq
      : 0;
  }
}

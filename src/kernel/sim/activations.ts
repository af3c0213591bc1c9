// What each task is doing, as a stack of activations beside its frames: a code-model function being
// walked (which step next, how much of the current gap is left), or one of the kernel's own
// sequences (syscall exit, IRQ exit, the softirq loop, ksoftirqd, idle). Typed arrays, grown on demand.

/** A code-model function: walk its steps. */
export const A_FN = 0;
/** User mode: think time left, then a syscall. */
export const A_USER = 1;
/** After the syscall function returned: exit to user (phase in step). */
export const A_SYSCALL = 2;
/** A hard IRQ: the handler is running above; irq exit and kernel_exit when it returns. */
export const A_IRQ = 3;
/** irq_exit(): softirqs if pending, then the exit frames (phase in step). */
export const A_IRQ_EXIT = 4;
/** A softirq entry: __do_softirq runs above; exitEntry when it returns. */
export const A_SOFTIRQ = 5;
/** __do_softirq's action loop (pending bits of this pass in arg, restarts left in rep). */
export const A_ACTIONS = 6;
/** local_bh_enable ran softirqs: pop its frames when they are done. */
export const A_BH = 7;
/** ksoftirqd's loop. */
export const A_KSOFTIRQD = 8;
/** The idle loop. */
export const A_IDLE = 9;
/** Switched out in schedule(): pop the schedule frames when switched back in. */
export const A_SWITCHED = 10;
/** Pop frames back to `frames` and continue (the frames irq exit pushes around its calls). */
export const A_POP = 11;

/** A_FN flags (arg). */
export const FLAG_IRQ_TOP = 1;
export const FLAG_SOFTIRQ_TOP = 2;

export class Activations {
  n = 0;
  type = new Uint8Array(16);
  fn = new Int32Array(16);
  step = new Int32Array(16);
  rep = new Int32Array(16);
  arg = new Int32Array(16);
  frames = new Int32Array(16);
  left = new Float64Array(16);
  gap = new Float64Array(16);

  /** Pushes an activation and returns its index. */
  push(type: number, fn: number, frames: number, left: number): number {
    if (this.n === this.type.length) this.grow();
    const i = this.n++;
    this.type[i] = type;
    this.fn[i] = fn;
    this.step[i] = 0;
    this.rep[i] = -1;
    this.arg[i] = 0;
    this.frames[i] = frames;
    this.left[i] = left;
    this.gap[i] = 0;
    return i;
  }

  /** Pushes a code-model function's activation: at its first step, `gap` of time before it. */
  pushFn(fn: number, frames: number, gap: number, step: number, flags: number, left = gap): void {
    if (this.n === this.type.length) this.grow();
    const i = this.n++;
    this.type[i] = A_FN;
    this.fn[i] = fn;
    this.step[i] = step;
    this.rep[i] = -1;
    this.arg[i] = flags;
    this.frames[i] = frames;
    this.left[i] = left;
    this.gap[i] = gap;
  }

  private grow(): void {
    const n = this.type.length * 2;
    const g = <T extends Uint8Array | Int32Array | Float64Array>(a: T, ctor: new (n: number) => T): T => {
      const b = new ctor(n);
      b.set(a);
      return b;
    };
    this.type = g(this.type, Uint8Array);
    this.fn = g(this.fn, Int32Array);
    this.step = g(this.step, Int32Array);
    this.rep = g(this.rep, Int32Array);
    this.arg = g(this.arg, Int32Array);
    this.frames = g(this.frames, Int32Array);
    this.left = g(this.left, Float64Array);
    this.gap = g(this.gap, Float64Array);
  }
}

/** Timed arrivals for one CPU (interrupts, IPIs, wakeups), in time order: a ring buffer. */
export class Inbox {
  private time = new Float64Array(64);
  private kind = new Int32Array(64);
  private arg = new Int32Array(64);
  private head = 0;
  n = 0;

  add(time: number, kind: number, arg: number): void {
    if (this.n === this.time.length) this.grow();
    const i = (this.head + this.n) % this.time.length;
    this.time[i] = time;
    this.kind[i] = kind;
    this.arg[i] = arg;
    this.n++;
  }

  headTime(): number {
    return this.n === 0 ? Number.POSITIVE_INFINITY : this.time[this.head]!;
  }
  headKind(): number {
    return this.kind[this.head]!;
  }
  headArg(): number {
    return this.arg[this.head]!;
  }

  shift(): void {
    this.head = (this.head + 1) % this.time.length;
    this.n--;
  }

  clear(): void {
    this.n = 0;
  }

  private grow(): void {
    const len = this.time.length;
    const t = new Float64Array(len * 2);
    const k = new Int32Array(len * 2);
    const a = new Int32Array(len * 2);
    for (let j = 0; j < this.n; j++) {
      const i = (this.head + j) % len;
      t[j] = this.time[i]!;
      k[j] = this.kind[i]!;
      a[j] = this.arg[i]!;
    }
    this.time = t;
    this.kind = k;
    this.arg = a;
    this.head = 0;
  }
}

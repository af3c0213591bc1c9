// A discrete-event queue keyed by (tick, priority, sequence): equal keys run in insertion order,
// so every run is reproducible. Knows nothing about kernels.

export interface QueuedEvent<T> {
  readonly tick: number;
  readonly priority: number;
  readonly seq: number;
  readonly payload: T;
}

export class EventQueue<T> {
  private heap: QueuedEvent<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  schedule(tick: number, priority: number, payload: T): void {
    const ev = { tick, priority, seq: this.seq++, payload };
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(ev, h[parent]!)) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = ev;
  }

  peek(): QueuedEvent<T> | undefined {
    return this.heap[0];
  }

  pop(): QueuedEvent<T> | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined || h.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && before(h[r]!, h[l]!) ? r : l;
      if (!before(h[c]!, last)) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
    return top;
  }
}

function before<T>(a: QueuedEvent<T>, b: QueuedEvent<T>): boolean {
  if (a.tick !== b.tick) return a.tick < b.tick;
  if (a.priority !== b.priority) return a.priority < b.priority;
  return a.seq < b.seq;
}

// A kernel stack as an address range with real memory words, so the unwinder can follow frame
// records and the stack tracer can scan for return addresses exactly as the kernel does.
//
//   high ┬───────────────┐  <- top (THREAD_SIZE aligned for task stacks)
//        │ START_SP gap  │  16 B in 2015, 0 in 6.1
//        │ pt_regs       │  EL0 entry
//        │ frames ...    │  SP grows down
//        │               │
//        │ STACK_END_MAGIC  (2015: above thread_info; 6.1: lowest word)
//   low  ┴ thread_info   ┘  (2015 only)

/** Which kind of stack an address range is. */
export type StackKind = 'task' | 'irq' | 'overflow';

export class KStack {
  /** Sparse memory: byte offset from `low` (8-aligned) -> 64-bit value. */
  private readonly words = new Map<number, bigint>();
  /** Written offsets, ascending, for scans. */
  private readonly sorted: number[] = [];

  constructor(
    readonly kind: StackKind,
    readonly name: string,
    /** Lowest address (inclusive). */
    readonly low: bigint,
    /** Size in bytes. */
    readonly size: number,
    /** Owning CPU for IRQ and overflow stacks, task id for task stacks. */
    readonly owner: number,
  ) {}

  /** One past the highest address. */
  get high(): bigint {
    return this.low + BigInt(this.size);
  }

  contains(addr: bigint): boolean {
    return addr >= this.low && addr < this.high;
  }

  /** Is [addr, addr+size) inside this stack? (@kernel on_irq_stack() / on_task_stack() range test) */
  containsObject(addr: bigint, size: number): boolean {
    return addr >= this.low && addr + BigInt(size) <= this.high;
  }

  /** Bytes between `sp` and the top: the depth a tracer would report for an SP on this stack. */
  depthOf(sp: bigint): number {
    return Number(this.high - sp);
  }

  /**
   * Memory is addressable beyond the range too: a 2015 kernel that overflows its stack keeps writing
   * into whatever lies below (thread_info, then a neighbour), and later reads see those words.
   */
  write(addr: bigint, value: bigint): void {
    const off = Number(addr - this.low);
    if (!this.words.has(off)) insertSorted(this.sorted, off);
    this.words.set(off, value);
  }

  read(addr: bigint): bigint {
    return this.words.get(Number(addr - this.low)) ?? 0n;
  }

  /** Written slots with address >= from and < to, lowest first (for the tracer's upward scan). */
  slotsBetween(from: bigint, to: bigint): { addr: bigint; value: bigint }[] {
    const lo = Number(from - this.low);
    const hi = Number(to - this.low);
    const out: { addr: bigint; value: bigint }[] = [];
    for (let i = lowerBound(this.sorted, lo); i < this.sorted.length; i++) {
      const off = this.sorted[i]!;
      if (off >= hi) break;
      out.push({ addr: this.low + BigInt(off), value: this.words.get(off)! });
    }
    return out;
  }

  /** Forgets the words in [from, to): scratch memory a model artifact must not leave behind. */
  clearRange(from: bigint, to: bigint): void {
    const lo = Number(from - this.low);
    const hi = Number(to - this.low);
    const a = lowerBound(this.sorted, lo);
    const b = lowerBound(this.sorted, hi);
    for (let i = a; i < b; i++) this.words.delete(this.sorted[i]!);
    this.sorted.splice(a, b - a);
  }

  /** Forgets everything (a freshly allocated stack). */
  clear(): void {
    this.words.clear();
    this.sorted.length = 0;
  }
}

function lowerBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertSorted(a: number[], x: number): void {
  a.splice(lowerBound(a, x), 0, x);
}

// Reusable typed arrays for the per-file tables of a many-file run (a module tree: 3,700 files).
// A typed array larger than 64 bytes gets its own off-heap buffer, whose allocation, zeroing and
// sweeping cost more than the work done with it; a Scratch hands out views of buffers that only grow.

/** Typed arrays by slot: each request for a slot returns a view of the same growing buffer. */
export class Scratch {
  private readonly i32 = new Map<string, Int32Array>();
  private readonly f64 = new Map<string, Float64Array>();

  /**
   * An Int32Array of `n` elements for `slot`, filled with `fill`. It stays valid until the next
   * request for the same slot.
   */
  int32(slot: string, n: number, fill = 0): Int32Array {
    let a = this.i32.get(slot);
    if (a === undefined || a.length < n) this.i32.set(slot, (a = new Int32Array(grown(a?.length ?? 0, n))));
    return a.subarray(0, n).fill(fill);
  }

  /** A Float64Array of `n` elements for `slot`, filled with `fill` (see int32). */
  float64(slot: string, n: number, fill = 0): Float64Array {
    let a = this.f64.get(slot);
    if (a === undefined || a.length < n) this.f64.set(slot, (a = new Float64Array(grown(a?.length ?? 0, n))));
    return a.subarray(0, n).fill(fill);
  }
}

function grown(have: number, need: number): number {
  return Math.max(need, have * 2, 256);
}

// Seeded PRNG for every random choice in the models: xoshiro128** seeded through splitmix32.
// Deterministic across platforms (32-bit integer arithmetic only); never Math.random.

export class Rng {
  /**
   * The xoshiro128** state words a, b, c, d as signed 32-bit integers (the same bits as unsigned):
   * a typed array keeps them unboxed where hot loops call nextU32().
   */
  private readonly s = new Int32Array(4);

  /** A generator with exactly this xoshiro128** state (streams.ts derives states from a master seed). */
  static fromState(a: number, b: number, c: number, d: number): Rng {
    const r = new Rng(0);
    r.s[0] = a;
    r.s[1] = b;
    r.s[2] = c;
    r.s[3] = d;
    if ((r.s[0] | r.s[1] | r.s[2] | r.s[3]) === 0) r.s[0] = 1;
    return r;
  }

  constructor(seed: number | bigint) {
    // splitmix32 expands one seed into four non-zero state words.
    let s = Number(BigInt.asUintN(32, BigInt(seed))) >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    const st = this.s;
    st[0] = next();
    st[1] = next();
    st[2] = next();
    st[3] = next();
    if ((st[0] | st[1] | st[2] | st[3]) === 0) st[0] = 1;
  }

  /** A uniform 32-bit unsigned integer. */
  nextU32(): number {
    const st = this.s;
    let a = st[0]!;
    let b = st[1]!;
    let c = st[2]!;
    let d = st[3]!;
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    st[0] = a;
    st[1] = b;
    st[2] = c;
    st[3] = d;
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  float(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n), n ≤ 2^32; rejection sampling keeps it unbiased. */
  int(n: number): number {
    if (n <= 0) throw new RangeError(`Rng.int: n must be positive, got ${n}`);
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % n;
    }
  }

  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** Exponentially distributed with the given mean (inter-arrival times). */
  exponential(mean: number): number {
    return -Math.log(1 - this.float()) * mean;
  }

  bernoulli(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Rng.pick: empty list');
    return items[this.int(items.length)] as T;
  }

  /** An independent stream derived from this one (for per-CPU or per-shard streams). */
  fork(salt: number): Rng {
    return new Rng((this.nextU32() ^ Math.imul(salt + 1, 0x9e3779b1)) >>> 0);
  }
}

/** 32-bit rotate left, as a signed 32-bit integer. */
function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

// Independent PRNG streams split off one master seed: every random choice of a run is reproducible
// from the seed alone, whatever order streams are created in, how many workers run it or how a sweep
// is sharded.
//
// A stream is named ("cpu", 2) and its state is a hash of (master seed, name, index): SplitMix64's
// finaliser over the three, stepped four times for xoshiro128**'s 128-bit state. Streams are not
// jumped from one sequence; they are separate sequences, and SplitMix64 keeps nearby seeds apart.
import { Rng } from './rng.ts';

const M64 = (1n << 64n) - 1n;
const GOLDEN = 0x9e3779b97f4a7c15n;

function mix64(z0: bigint): bigint {
  let z = z0 & M64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
  return z ^ (z >> 31n);
}

/** FNV-1a over the UTF-16 code units of a name: stable, platform independent. */
function nameHash(name: string): bigint {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return BigInt(h);
}

export class RngStreams {
  private readonly master: bigint;

  /** `seed` is any integer (negative or beyond 2^64 is reduced mod 2^64). */
  constructor(seed: number | bigint) {
    this.master = BigInt.asUintN(64, BigInt(seed));
  }

  /** The stream `name`/`index`: the same arguments always give the same sequence. */
  stream(name: string, index = 0): Rng {
    let s = mix64(this.master ^ mix64(nameHash(name) * GOLDEN + BigInt.asUintN(32, BigInt(index))));
    const words: number[] = [];
    for (let i = 0; i < 2; i++) {
      s = (s + GOLDEN) & M64;
      const z = mix64(s);
      words.push(Number(z & 0xffffffffn), Number(z >> 32n));
    }
    return Rng.fromState(words[0]!, words[1]!, words[2]!, words[3]!);
  }
}

// Fast sampling of a distribution in a hot loop: 4096 equiprobable quantiles in a Float64Array,
// picked by the top 12 bits of one 32-bit draw. A lookup is a shift and a load, where
// an exponential needs a log. Model simplification: the continuous distribution is replaced by its
// 4096 mid-quantiles (the exponential's tail is cut at 8.3 means, the lognormal's at 3.4 sigma).
import { assertTrue } from '../base/assert.ts';
import type { Ns } from './time.ts';

export const SAMPLER_BITS = 12;
export const SAMPLER_SIZE = 1 << SAMPLER_BITS;
const SHIFT = 32 - SAMPLER_BITS;

export type Distribution =
  | { readonly kind: 'fixed'; readonly ns: Ns }
  | { readonly kind: 'exp'; readonly mean: Ns }
  | { readonly kind: 'uniform'; readonly min: Ns; readonly max: Ns }
  | { readonly kind: 'lognormal'; readonly median: Ns; readonly sigma: number };

/** The mean of a distribution (for time budgets and plans). */
export function meanOf(d: Distribution): Ns {
  switch (d.kind) {
    case 'fixed':
      return d.ns;
    case 'exp':
      return d.mean;
    case 'uniform':
      return (d.min + d.max) / 2;
    case 'lognormal':
      return d.median * Math.exp((d.sigma * d.sigma) / 2);
  }
}

/** The quantile table of `d`: entry i is the (i + 0.5) / 4096 quantile. */
export function quantileTable(d: Distribution): Float64Array {
  const t = new Float64Array(SAMPLER_SIZE);
  for (let i = 0; i < SAMPLER_SIZE; i++) {
    const p = (i + 0.5) / SAMPLER_SIZE;
    t[i] = quantile(d, p);
  }
  return t;
}

/**
 * A quantile table split into a shape shared by every distribution of its family and a scale:
 * `shape.table[i] * shape.scale === quantileTable(d)[i]` exactly (the quantile is that one
 * multiplication), so a code model's many `exp` self times read one table (one cache footprint).
 * `key` names the shape (equal keys, equal tables).
 */
export function quantileShape(d: Distribution): { key: string; table: () => Float64Array; scale: number } {
  switch (d.kind) {
    case 'fixed':
      return { key: 'fixed', table: () => new Float64Array(SAMPLER_SIZE).fill(1), scale: d.ns };
    case 'exp':
      return { key: 'exp', table: () => quantileTable({ kind: 'exp', mean: 1 }), scale: d.mean };
    case 'uniform':
      return { key: `uniform:${d.min}:${d.max}`, table: () => quantileTable(d), scale: 1 };
    case 'lognormal':
      return {
        key: `lognormal:${d.sigma}`,
        table: () => quantileTable({ kind: 'lognormal', median: 1, sigma: d.sigma }),
        scale: d.median,
      };
  }
}

function quantile(d: Distribution, p: number): number {
  switch (d.kind) {
    case 'fixed':
      return d.ns;
    case 'exp':
      return -Math.log(1 - p) * d.mean;
    case 'uniform':
      return d.min + (d.max - d.min) * p;
    case 'lognormal':
      return d.median * Math.exp(d.sigma * normalQuantile(p));
  }
}

/** Draws from a quantile table with one 32-bit uniform. */
export function pick(table: Float64Array, u32: number): number {
  return table[u32 >>> SHIFT]!;
}

/**
 * The standard normal quantile, Acklam's rational approximation (relative error < 1.2e-9), plenty
 * for a 4096-point table.
 */
export function normalQuantile(p: number): number {
  assertTrue(p > 0 && p < 1, `normalQuantile: p must be in (0, 1), got ${p}`);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const e = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((e[0]! * q + e[1]!) * q + e[2]!) * q + e[3]!) * q + 1)
    );
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

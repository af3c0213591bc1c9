// Estimators for simulation output: exact Poisson rate intervals for counted events, and a
// generalised extreme value (GEV) fit of block maxima for events too rare to count. Pure math; the
// kernel layer decides what the events and blocks are.
import { assertTrue } from '../base/assert.ts';

export interface RateInterval {
  /** Events per unit of exposure. */
  readonly estimate: number;
  readonly low: number;
  readonly high: number;
}

/**
 * The exact (Garwood) two-sided interval for a Poisson rate: `count` events in `exposure` units.
 * With no event seen the estimate is 0 and `high` is the exact upper bound -ln(alpha/2) / exposure
 * (3.69 / exposure at 95 %): "not seen in this much time", never "never happens".
 */
export function poissonRate(count: number, exposure: number, confidence = 0.95): RateInterval {
  assertTrue(
    count >= 0 && Number.isInteger(count),
    `poissonRate: count must be a whole number, got ${count}`,
  );
  assertTrue(
    exposure > 0 && Number.isFinite(exposure),
    `poissonRate: exposure must be positive, got ${exposure}`,
  );
  const alpha = 1 - confidence;
  const low = count === 0 ? 0 : gammaQuantile(alpha / 2, count);
  const high = gammaQuantile(1 - alpha / 2, count + 1);
  return { estimate: count / exposure, low: low / exposure, high: high / exposure };
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; about 15 significant digits). */
export function lnGamma(x: number): number {
  const g = [
    0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.6150291621406,
    12.507343278686905, -0.13857109526572012, 9.984369578019572e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  const z = x - 1;
  let a = g[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += g[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularised lower incomplete gamma P(a, x) (series below a + 1, continued fraction above). */
export function gammaP(a: number, x: number): number {
  if (x <= 0) return 0;
  const lnPre = -x + a * Math.log(x) - lnGamma(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 10000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return Math.min(1, sum * Math.exp(lnPre));
  }
  // Lentz's continued fraction for Q(a, x).
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return Math.max(0, 1 - Math.exp(lnPre) * h);
}

/** x with P(a, x) = p, by bisection (Gamma(a, 1) quantile; chi-square(2a) quantile / 2). */
export function gammaQuantile(p: number, a: number): number {
  assertTrue(p > 0 && p < 1 && a > 0, `gammaQuantile(${p}, ${a})`);
  let lo = 0;
  let hi = Math.max(1, a);
  while (gammaP(a, hi) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (gammaP(a, mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** A GEV fit: location mu, scale sigma > 0, shape xi (xi < 0: bounded tail with an upper end point). */
export interface GevFit {
  readonly mu: number;
  readonly sigma: number;
  readonly xi: number;
  /** Blocks the fit used. */
  readonly blocks: number;
  /** mu - sigma / xi when xi < 0 (the largest value the fit allows), else null. */
  readonly upperEnd: number | null;
}

/**
 * Fits a GEV to block maxima by probability-weighted moments (Hosking, Wallis & Wood 1985). Needs at
 * least 10 blocks; returns null when fewer, or when the maxima do not vary (no spread to fit).
 */
export function fitGevPwm(maxima: readonly number[]): GevFit | null {
  const n = maxima.length;
  if (n < 10) return null;
  const x = [...maxima].sort((a, b) => a - b);
  let b0 = 0;
  let b1 = 0;
  let b2 = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    b0 += v;
    b1 += (v * i) / (n - 1);
    b2 += (v * i * (i - 1)) / ((n - 1) * (n - 2));
  }
  b0 /= n;
  b1 /= n;
  b2 /= n;
  const denom = 3 * b2 - b0;
  if (!(Math.abs(2 * b1 - b0) > 1e-12 * Math.max(1, Math.abs(b0))) || denom === 0) return null;
  const c = (2 * b1 - b0) / denom - Math.log(2) / Math.log(3);
  const k = 7.859 * c + 2.9554 * c * c; // Hosking's k = -xi
  let sigma: number;
  let mu: number;
  if (Math.abs(k) < 1e-6) {
    sigma = (2 * b1 - b0) / Math.log(2);
    mu = b0 - 0.5772156649015329 * sigma;
  } else {
    const g = Math.exp(lnGamma(1 + k));
    sigma = ((2 * b1 - b0) * k) / (g * (1 - 2 ** -k));
    mu = b0 + (sigma * (g - 1)) / k;
  }
  if (!(sigma > 0) || !Number.isFinite(mu)) return null;
  const xi = -k;
  return { mu, sigma, xi, blocks: n, upperEnd: xi < 0 ? mu - sigma / xi : null };
}

/** P(block maximum > level) under a GEV fit. */
export function gevExceedance(fit: GevFit, level: number): number {
  const z = (level - fit.mu) / fit.sigma;
  if (Math.abs(fit.xi) < 1e-9) return 1 - Math.exp(-Math.exp(-z));
  const t = 1 + fit.xi * z;
  if (t <= 0) return fit.xi < 0 ? 0 : 1;
  return 1 - Math.exp(-(t ** (-1 / fit.xi)));
}

// How files spell a time distribution: "2us" (fixed), {exp: 2us}, {uniform: [1us, 3us]},
// {lognormal: {median: 2us, sigma: 0.5}}. Every duration carries its unit.
import { z } from 'zod';
import type { Distribution } from '../../engine/sampler.ts';
import { parseDuration } from '../../engine/time.ts';

/** A duration with a unit ("250us", "8s"), as nanoseconds. */
export const DurationSchema = z
  .string({ error: 'expected a duration with its unit, such as 620ns, 2us, 10ms or 8s' })
  .transform((s, ctx) => {
    const r = parseDuration(s);
    if (!r.ok) {
      ctx.addIssue({
        code: 'custom',
        message: `${r.error.message}; expected ${r.error.expected ?? 'a duration'}`,
      });
      return z.NEVER;
    }
    return r.value;
  });

/** A duration that may be zero ("0ns"). */
export const DurationOrZeroSchema = z
  .union([z.literal('0'), z.literal(0), z.literal('0ns'), DurationSchema], {
    error: 'expected 0 or a duration with its unit, such as 620ns, 2us, 10ms or 8s',
  })
  .transform((v) => (typeof v === 'number' ? v : v === '0' || v === '0ns' ? 0 : v));

export const DistributionSchema = z
  .union([
    DurationOrZeroSchema,
    z.object({ exp: DurationSchema }).strict(),
    z.object({ uniform: z.tuple([DurationOrZeroSchema, DurationSchema]) }).strict(),
    z
      .object({
        lognormal: z.object({ median: DurationSchema, sigma: z.number().positive().max(5) }).strict(),
      })
      .strict(),
  ])
  .transform((v): Distribution => {
    if (typeof v === 'number') return { kind: 'fixed', ns: v };
    if ('exp' in v) return { kind: 'exp', mean: v.exp };
    if ('uniform' in v) return { kind: 'uniform', min: v.uniform[0], max: v.uniform[1] };
    return { kind: 'lognormal', median: v.lognormal.median, sigma: v.lognormal.sigma };
  })
  .refine((d) => d.kind !== 'uniform' || d.max >= d.min, { message: 'uniform: max must be >= min' });

/** The text form of a distribution, as a file would spell it (for writing YAML back). */
export function distributionText(d: Distribution): string | Record<string, unknown> {
  const t = (ns: number) => durationText(ns);
  switch (d.kind) {
    case 'fixed':
      return t(d.ns);
    case 'exp':
      return { exp: t(d.mean) };
    case 'uniform':
      return { uniform: [t(d.min), t(d.max)] };
    case 'lognormal':
      return { lognormal: { median: t(d.median), sigma: d.sigma } };
  }
}

/** "1500ns" -> "1.5us": the shortest exact spelling in ns, us, ms or s. */
export function durationText(ns: number): string {
  if (ns === 0) return '0ns';
  for (const [unit, f] of [
    ['s', 1e9],
    ['ms', 1e6],
    ['us', 1e3],
  ] as const) {
    const v = ns / f;
    if (v >= 1 && Number(v.toFixed(3)) * f === Math.round(ns)) return `${Number(v.toFixed(3))}${unit}`;
  }
  return `${Math.round(ns)}ns`;
}

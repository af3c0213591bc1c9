// The part of a `stacklab run` result the report draws (depth-time view), as a zod schema: the
// report reads exactly these fields and nothing else of a run result, so the simulator's JSON can
// grow freely around them. Depths are bytes from the stack's top; a stack kind the profile does not
// have (no IRQ stack in linux-4.2, no overflow stack without VMAP_STACK) is null.
//
//   result.profile, result.threadSize
//   result.maxDepth.{task,irq,overflow}
//   result.perCpu[].{cpu, maxDepth.{task,irq,overflow}, histogram.{task,irq,overflow}.{bucketBytes, counts[]}}
//   result.thresholds[].{stack, bytes, label}
//   result.overflow.{count, perHour.{estimate, low, high}}
//   result.depthSeries[].{cpu, stack, bucketNs, maxBytes[]}
//   result.dynamic (stackAllocation `dynamic` only, issue 13): {faults, faultsPerSecond, refills,
//     refillFailures, panics, panicsPerHour.{estimate, low, high}, params, allocator, ...}
import { z } from 'zod';
import { readNumber } from '../base/number.ts';

const bytes = z.number().int().min(0);
const STACK_KINDS = ['task', 'irq', 'overflow'] as const;
export type RunStackKind = (typeof STACK_KINDS)[number];

const perStack = <T extends z.ZodType>(t: T) =>
  z.object({ task: t, irq: t.nullable(), overflow: t.nullable() });

export const HistogramSchema = z.object({
  /** Width of each bucket in bytes; bucket i counts depths in [i*bucketBytes, (i+1)*bucketBytes). */
  bucketBytes: z.number().int().positive(),
  counts: z.array(z.number().int().min(0)),
});

/** `stacklab run` writes thresholds as per-stack crossing counts; the report draws them as lines. */
const ThresholdLines = z.union([
  z.array(z.object({ stack: z.enum(STACK_KINDS), bytes: bytes, label: z.string() })),
  z
    .record(z.enum(STACK_KINDS), z.record(z.string(), z.object({ count: z.number().min(0) }).loose()))
    .transform((t) =>
      Object.entries(t).flatMap(([stack, byBytes]) =>
        Object.entries(byBytes ?? {}).flatMap(([b, v]) => {
          const n = readNumber(
            b,
            { code: 'report/bad-threshold', what: 'threshold bytes' },
            { file: 'result' },
          );
          return n.ok
            ? [
                {
                  stack: stack as RunStackKind,
                  bytes: n.value,
                  label: `${n.value / 1024} KB: ${v.count} crossings`,
                },
              ]
            : [];
        }),
      ),
    ),
]);

export const RunReportSchema = z
  .object({
    /** The profile id (`stacklab run` writes {id, title}). */
    profile: z.union([
      z.string().min(1),
      z
        .object({ id: z.string().min(1) })
        .loose()
        .transform((p) => p.id),
    ]),
    /** THREAD_SIZE of the run's profile, bytes. */
    threadSize: z.number().int().positive(),
    maxDepth: perStack(bytes),
    perCpu: z.array(
      z.object({
        cpu: z.number().int().min(0),
        maxDepth: perStack(bytes),
        histogram: perStack(HistogramSchema),
      }),
    ),
    /** Lines worth drawing on depth charts (THREAD_SIZE of another design, a what-if size ...). */
    thresholds: ThresholdLines,
    overflow: z.object({
      count: z.number().int().min(0),
      /** Overflows per simulated hour with its confidence interval. */
      perHour: z
        .object({ estimate: z.number().min(0), low: z.number().min(0), high: z.number().min(0) })
        .refine((p) => p.low <= p.estimate && p.estimate <= p.high, {
          message: 'perHour must satisfy low <= estimate <= high',
        }),
    }),
    /** Sizes of the IRQ and overflow stacks (`stacklab run` writes them; 0: the design has none). */
    irqStackSize: z.number().int().min(0).optional(),
    overflowStackSize: z.number().int().min(0).optional(),
    /**
     * Dynamic task stacks (`--set stackAllocation=dynamic`): stack faults (a push below a stack's mapped
     * pages), pool refill allocations and their failures, and panics (a fault that found its CPU's pool
     * empty: that CPU stops, as for an overflow panic, unless `panic: reboot`). Absent for other designs.
     */
    dynamic: z
      .object({
        faults: z.number().int().min(0),
        faultsPerSecond: z.number().min(0),
        refills: z.number().int().min(0),
        refillFailures: z.number().int().min(0),
        panics: z.number().int().min(0),
        panicsPerHour: z.object({
          estimate: z.number().min(0),
          low: z.number().min(0),
          high: z.number().min(0),
        }),
      })
      .loose()
      .optional(),
    /** Per CPU and stack kind: the deepest point in each time bucket of bucketNs nanoseconds. */
    depthSeries: z.array(
      z.object({
        cpu: z.number().int().min(0),
        stack: z.enum(STACK_KINDS),
        bucketNs: z.number().positive(),
        maxBytes: z.array(bytes),
      }),
    ),
  })
  // A stack the design does not have (its size is 0) is drawn as absent, not as an empty chart.
  .transform((r) => {
    const gone = { irq: r.irqStackSize === 0, overflow: r.overflowStackSize === 0 };
    const drop = <T>(o: { task: T; irq: T | null; overflow: T | null }) => ({
      task: o.task,
      irq: gone.irq ? null : o.irq,
      overflow: gone.overflow ? null : o.overflow,
    });
    return {
      ...r,
      maxDepth: drop(r.maxDepth),
      perCpu: r.perCpu.map((c) => ({ ...c, maxDepth: drop(c.maxDepth), histogram: drop(c.histogram) })),
      thresholds: r.thresholds.filter((t) => t.stack === 'task' || !gone[t.stack]),
      depthSeries: r.depthSeries.filter((d) => d.stack === 'task' || !gone[d.stack]),
    };
  });
export type RunReport = z.output<typeof RunReportSchema>;

/** A run result document: { kind: "stacklab.run", version: "1.x", result: {...} }. */
export const RunDocumentSchema = z.object({
  kind: z.literal('stacklab.run'),
  version: z.string().startsWith('1.'),
  result: RunReportSchema,
});

/** The run part of a document, or the first problem as "field.path: message". */
export function readRunReport(doc: unknown): { ok: true; value: RunReport } | { ok: false; error: string } {
  const r = RunDocumentSchema.safeParse(doc);
  if (r.success) return { ok: true, value: r.data.result };
  const issue = r.error.issues[0];
  return {
    ok: false,
    error: issue ? `${issue.path.join('.') || '(document)'}: ${issue.message}` : 'not a run result',
  };
}

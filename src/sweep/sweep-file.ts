// A sweep file: one scenario, a grid of values for any profile field, scenario field or `--set`
// override, a number of seeds per point and a duration per seed. YAML or JSON, validated here;
// `stacklab sweep --schema` prints the JSON Schema.
//
//   sweep: 1
//   name: rfc-question
//   scenario: seed-dragonboard        # a built-in scenario, or a file next to this one
//   seeds: 2                          # seeds per point: seed, seed + 1, ...
//   duration: 2s                      # simulated time per seed
//   grid:                             # every combination is a point; the last axis varies fastest
//     design:                         # an axis of combinations: each value sets several fields
//       - { label: "linux-4.2, 16 KB", profile: linux-4.2 }
//       - { label: "linux-4.2, 8 KB", profile: linux-4.2, THREAD_SIZE: 8192, THREAD_ALIGN: 8192 }
//     hz: [100, 250, 1000]            # an axis of one field: its values
import { z } from 'zod';
import { type Diagnostic, diag } from '../base/diag.ts';
import { err, ok, type Result } from '../base/result.ts';
import { zodDiagnostic } from '../kernel/sim/code-model.ts';
import { DurationSchema } from '../kernel/sim/distribution-schema.ts';
import { ScenarioSchema } from '../kernel/sim/scenario.ts';

export const SWEEP_VERSION = 1;

/** More points than this is a typo in a grid, not a sweep one cluster finishes. */
export const MAX_POINTS = 1_000_000;

const Scalar = z.union([z.string().min(1).max(200), z.number(), z.boolean()]);
/** One value of an axis of combinations: field -> value, and an optional `label`. */
const Combination = z.record(z.string().min(1).max(200), Scalar);
const AxisValues = z
  .array(z.union([Scalar, Combination]))
  .min(1)
  .max(MAX_POINTS);

export const SweepSchema = z
  .object({
    sweep: z.literal(SWEEP_VERSION).describe('The sweep format version: 1.'),
    name: z.string().min(1).max(100).describe("The sweep's name, as its results name it."),
    description: z.string().max(4000).optional().describe('What question the sweep answers.'),
    scenario: z
      .string()
      .min(1)
      .max(1000)
      .describe('A built-in scenario name or a scenario file (relative to the sweep file).'),
    profile: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .describe("The kernel profile of every point the grid gives none (default: the scenario's)."),
    set: z
      .array(z.string().min(3).max(1000))
      .max(1000)
      .default([])
      .describe("FIELD=VALUE overrides applied to every point before the grid's (as `stacklab run --set`)."),
    seeds: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(1)
      .describe('Runs per point, with seeds seed, seed + 1, ... (the same seeds at every point).'),
    seed: z
      .number()
      .int()
      .min(0)
      .max(Number.MAX_SAFE_INTEGER)
      .optional()
      .describe("The first seed (default: the scenario's)."),
    duration: DurationSchema.describe('Simulated time of each run, with a unit.'),
    grid: z
      .record(z.string().min(1).max(200), AxisValues)
      .default({})
      .describe(
        'Axis name -> values. A scalar axis names the field it sets; a combination axis is any name.',
      ),
  })
  .strict();

export type Scalar = z.infer<typeof Scalar>;

/** Where a field's value goes: the profile id, the scenario, or the profile's fields. */
export type FieldTarget = 'profile' | 'scenario' | 'profile-field';

export interface AxisValue {
  readonly label: string;
  /** Field path -> value, in the order written. */
  readonly fields: readonly (readonly [string, Scalar])[];
}

export interface Axis {
  readonly name: string;
  readonly values: readonly AxisValue[];
}

export interface Sweep {
  readonly name: string;
  readonly description?: string;
  /** As written in the file (the CLI resolves it against the sweep file's folder). */
  readonly scenario: string;
  readonly profile?: string;
  readonly set: readonly string[];
  readonly seeds: number;
  readonly seed?: number;
  readonly durationNs: number;
  readonly axes: readonly Axis[];
}

/** Fields the sweep sets itself: the grid may not vary them. */
const OWN_FIELDS: Readonly<Record<string, string>> = {
  seed: 'the sweep\'s "seed" and "seeds" choose the seeds',
  duration: 'the sweep\'s "duration" is the simulated time of every run',
  scenario: 'a sweep runs one scenario',
};

const SCENARIO_FIELDS: ReadonlySet<string> = new Set(Object.keys(ScenarioSchema.shape));

/** `profile` is the profile id; a path starting with a scenario field is the scenario's; the rest the profile's. */
export function fieldTarget(path: string): FieldTarget {
  if (path === 'profile') return 'profile';
  return SCENARIO_FIELDS.has(path.split('.')[0]!) ? 'scenario' : 'profile-field';
}

/** Validates a parsed sweep file. Errors start with the field path ("grid.hz.2: ..."). */
export function validateSweep(value: unknown, file: string): Result<Sweep> {
  const parsed = SweepSchema.safeParse(value);
  if (!parsed.success) return err(zodDiagnostic('sweep/invalid', parsed.error, file));
  const s = parsed.data;
  const bad = (path: string, message: string, expected?: string): Result<Sweep> =>
    err(diag('sweep/bad-field', 'error', `${path}: ${message}`, { file }, expected));
  for (const [i, a] of s.set.entries()) {
    const eq = a.indexOf('=');
    if (eq <= 0) return bad(`set.${i}`, `"${a}" is not FIELD=VALUE`, 'e.g. THREAD_SIZE=8192');
    const own = OWN_FIELDS[a.slice(0, eq).split('.')[0]!];
    if (own !== undefined || a.startsWith('profile=')) return bad(`set.${i}`, own ?? 'use "profile:"');
  }
  const axes: Axis[] = [];
  let points = 1;
  for (const [name, values] of Object.entries(s.grid)) {
    const axis: AxisValue[] = [];
    for (const [k, v] of values.entries()) {
      const r = axisValue(name, v, `grid.${name}.${k}`, file);
      if (!r.ok) return r;
      axis.push(r.value);
    }
    const labels = new Set(axis.map((v) => v.label));
    if (labels.size !== axis.length) return bad(`grid.${name}`, 'two values with the same label');
    axes.push({ name, values: axis });
    points *= axis.length;
    if (points > MAX_POINTS) return bad(`grid.${name}`, `more than ${MAX_POINTS} points`);
  }
  return ok({
    name: s.name,
    ...(s.description !== undefined ? { description: s.description } : {}),
    scenario: s.scenario,
    ...(s.profile !== undefined ? { profile: s.profile } : {}),
    set: s.set,
    seeds: s.seeds,
    ...(s.seed !== undefined ? { seed: s.seed } : {}),
    durationNs: s.duration,
    axes,
  });
}

function axisValue(
  axis: string,
  v: Scalar | Record<string, Scalar>,
  path: string,
  file: string,
): Result<AxisValue> {
  const bad = (where: string, message: string): Result<AxisValue> =>
    err(diag('sweep/bad-field', 'error', `${where}: ${message}`, { file }));
  const fields: [string, Scalar][] = [];
  let label: string | undefined;
  if (typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === 'label') {
        if (typeof x !== 'string') return bad(`${path}.label`, 'expected a string');
        label = x;
      } else fields.push([k, x]);
    }
    if (fields.length === 0) return bad(path, 'a combination sets at least one field');
  } else fields.push([axis, v]);
  for (const [k, x] of fields) {
    const where = typeof v === 'object' ? `${path}.${k}` : path;
    const own = OWN_FIELDS[k.split('.')[0]!];
    if (own !== undefined) return bad(where, own);
    if (!/^[A-Za-z_][\w-]*(\.[\w-]+)*$/.test(k)) return bad(where, `"${k}" is not a field path`);
    if (k === 'profile' && typeof x !== 'string') return bad(where, 'expected a profile id');
  }
  return ok({ label: label ?? fields.map(([k, x]) => `${k}=${x}`).join(' '), fields });
}

/** The JSON Schema of sweep files (`stacklab sweep --schema`). */
export function sweepJsonSchema(): unknown {
  return z.toJSONSchema(SweepSchema, { io: 'input', unrepresentable: 'any' });
}

/** A diagnostic about one point, named by the grid values that made it. */
export function pointDiagnostic(
  d: Diagnostic,
  point: { index: number; key: string },
  file: string,
  line?: number,
): Diagnostic {
  return {
    ...d,
    message: `grid: point ${point.index} (${point.key}): ${d.message}`,
    loc: { file, ...(line !== undefined ? { line } : {}) },
  };
}

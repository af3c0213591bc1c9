// A sweep file on disk: read and validated, its scenario loaded as `stacklab run` loads one, and each
// point turned into the job a worker runs (the scenario and profile with the point's overrides, the
// seeds and the duration). Bad fields are bad input (exit 1) naming the field path and its line.
import { createHash } from 'node:crypto';
import { dirname, isAbsolute, join } from 'node:path';
import { RUN_RESULT_VERSION } from '../analyze/run.ts';
import { InputError } from '../base/diag.ts';
import type { CodeModel } from '../kernel/sim/code-model.ts';
import type { Scenario } from '../kernel/sim/scenario.ts';
import { parseYamlInput, withLine } from '../kernel/sim/yaml-input.ts';
import { applyOverrides, type KernelProfile } from '../model/profile.ts';
import { resolveProfile } from '../model/profiles.ts';
import { pointAt, pointCount, type SweepPoint } from '../sweep/points.ts';
import { pointDiagnostic, type Sweep, validateSweep } from '../sweep/sweep-file.ts';
import { jsonText, SWEEP_RESULT_VERSION, type SweepHeader } from '../sweep/sweep-result.ts';
import { UsageError } from './context.ts';
import type { Io } from './io.ts';
import { builtinScenarios, loadScenario } from './scenario-files.ts';

export interface LoadedSweep {
  readonly file: string;
  readonly sweep: Sweep;
  /** The scenario as `run` takes it: a built-in name or a path. */
  readonly scenarioArg: string;
  readonly header: SweepHeader;
  /** An Io whose reads of the scenario and code model files are cached (every point reads them). */
  readonly io: Io;
  /** The scenario's code model, validated once for every point. */
  readonly models: Map<string, CodeModel>;
  /** The line of a field path in the sweep file. */
  readonly lineOf: (path: string) => number | undefined;
}

/** What one worker task gets: everything to run the point's seeds, as plain data. */
export interface PointJob {
  readonly fingerprint: string;
  readonly point: SweepPoint;
  readonly scenario: Scenario;
  readonly profile: KernelProfile;
  readonly seeds: readonly number[];
  readonly durationNs: number;
}

function cachedIo(io: Io): Io {
  const texts = new Map<string, string>();
  return {
    ...io,
    readText(path: string) {
      let t = texts.get(path);
      if (t === undefined) {
        t = io.readText(path);
        if (path !== '-') texts.set(path, t);
      }
      return t;
    },
  };
}

export function loadSweep(ioIn: Io, file: string): LoadedSweep {
  const io = cachedIo(ioIn);
  const input = parseYamlInput(io.readText(file), file, 'sweep');
  if (!input.ok) throw new InputError(input.error);
  const v = validateSweep(input.value.value, file);
  if (!v.ok) throw new InputError(withLine(v.error, input.value));
  const sweep = v.value;
  const builtin = builtinScenarios().includes(sweep.scenario);
  const scenarioArg =
    builtin || isAbsolute(sweep.scenario) || file === '-'
      ? sweep.scenario
      : join(dirname(file), sweep.scenario);
  // The scenario as the sweep's own `set` leaves it: its seed is the default first seed, and its
  // content (with the code model) goes into the fingerprint.
  const models = new Map<string, CodeModel>();
  const base = scenarioOf(io, scenarioArg, models, file, input.value.lineOf('scenario'));
  const firstSeed = sweep.seed ?? base.seed;
  const points = pointCount(sweep);
  const identity = jsonText({
    sweep,
    firstSeed,
    scenario: base,
    run: RUN_RESULT_VERSION,
    result: SWEEP_RESULT_VERSION,
  });
  const header: SweepHeader = {
    name: sweep.name,
    ...(sweep.description !== undefined ? { description: sweep.description } : {}),
    scenario: base.name,
    seeds: sweep.seeds,
    firstSeed,
    durationNs: sweep.durationNs,
    points,
    axes: sweep.axes.map((a) => ({ name: a.name, values: a.values.map((x) => x.label) })),
    fingerprint: createHash('sha256').update(identity).digest('hex').slice(0, 32),
  };
  return { file, sweep, scenarioArg, header, io, models, lineOf: (p) => input.value.lineOf(p) };
}

function scenarioOf(
  io: Io,
  arg: string,
  models: Map<string, CodeModel>,
  file: string,
  line?: number,
): Scenario {
  try {
    return loadScenario(io, arg, [], models);
  } catch (e) {
    // loadScenario's usage errors (an unknown name, a bad --set) are the sweep file's fault here.
    if (e instanceof UsageError)
      throw new InputError({
        code: 'sweep/bad-scenario',
        severity: 'error',
        message: `scenario: ${e.message}`,
        loc: { file, ...(line !== undefined ? { line } : {}) },
      });
    throw e;
  }
}

/** The grid value of point `index` whose field the message names ("grid" when none does). */
function gridPathOf(sweep: Sweep, index: number, message: string): string {
  let rest = index;
  const picks: number[] = [];
  for (let a = sweep.axes.length - 1; a >= 0; a--) {
    const n = sweep.axes[a]!.values.length;
    picks[a] = rest % n;
    rest = Math.floor(rest / n);
  }
  for (const [a, axis] of sweep.axes.entries()) {
    const v = axis.values[picks[a]!]!;
    if (v.fields.some(([k]) => message.includes(k))) return `grid.${axis.name}.${picks[a]}`;
  }
  return 'grid';
}

/** The job of point `index`: exit 1 naming the point and the field when a value does not apply. */
export function pointJob(s: LoadedSweep, index: number): PointJob {
  const point = pointAt(s.sweep, index);
  const fail = (d: Parameters<typeof pointDiagnostic>[0]): never => {
    throw new InputError(pointDiagnostic(d, point, s.file, s.lineOf(gridPathOf(s.sweep, index, d.message))));
  };
  let scenario: Scenario;
  try {
    scenario = loadScenario(s.io, s.scenarioArg, point.scenarioSets, s.models);
  } catch (e) {
    if (e instanceof UsageError) fail({ code: 'sweep/bad-field', severity: 'error', message: e.message });
    if (e instanceof InputError) fail(e.diagnostic);
    throw e;
  }
  const id = point.profile ?? scenario.profile;
  const base = resolveProfile(id);
  if (!base.ok) fail(base.error);
  let profile = (base as { value: KernelProfile }).value;
  if (point.profileSets.length > 0) {
    const o = applyOverrides(profile, point.profileSets, s.file);
    if (!o.ok) fail(o.error);
    profile = (o as { value: KernelProfile }).value;
  }
  const seeds = Array.from({ length: s.header.seeds }, (_, k) => s.header.firstSeed + k);
  return {
    fingerprint: s.header.fingerprint,
    point,
    scenario,
    profile,
    seeds,
    durationNs: s.header.durationNs,
  };
}

/**
 * A point's relative cost, to hand out the costliest first: simulated CPU-seconds (runs x duration x
 * CPUs) weighted by the interrupts each simulated second brings (ticks and device interrupts), the
 * part of the work that differs most between the points of one sweep. A ranking, not a time.
 */
export function pointCost(job: PointJob): number {
  const s = job.scenario;
  const irqs = s.irqs.reduce((sum, q) => sum + q.rate, 0);
  const perCpuSecond = 1 + (s.hz * s.cpus + irqs) / (1000 * s.cpus);
  return job.seeds.length * (job.durationNs / 1e9) * s.cpus * perCpuSecond;
}

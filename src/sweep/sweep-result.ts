// What a sweep writes: a point file per finished point (its runs' whole RunResults), the sweep's
// identity in every output folder, and sweep.json, built from the point files alone. sweep.json holds
// nothing that depends on how the points were run (no times, no worker or shard counts), so the same
// sweep gives the same bytes whoever ran which point, and `merge` is the same function over more
// folders.

import type { RunResult } from '../analyze/run.ts';
import { diag } from '../base/diag.ts';
import { err, ok, type Result } from '../base/result.ts';
import { poissonRate, type RateInterval } from '../engine/stats.ts';
import { NS_PER_HOUR } from '../engine/time.ts';
import { pointFileName, type SweepPoint } from './points.ts';
import type { Scalar } from './sweep-file.ts';

export const SWEEP_RESULT_VERSION = '1.0';

type PerKind = RunResult['maxDepth'];

/** What identifies a sweep: the same in every folder of its shards. */
export interface SweepHeader {
  readonly name: string;
  readonly description?: string;
  readonly scenario: string;
  readonly seeds: number;
  readonly firstSeed: number;
  readonly durationNs: number;
  readonly points: number;
  readonly axes: readonly { readonly name: string; readonly values: readonly string[] }[];
  /**
   * A hash of the sweep, its scenario and code model and the result version: shards of different
   * sweeps (or of one sweep after its scenario changed) do not merge.
   */
  readonly fingerprint: string;
}

/** DIR/sweep-spec.json. */
export interface SpecFile {
  readonly version: string;
  readonly kind: 'stacklab.sweep-spec';
  readonly sweep: SweepHeader;
}

/** DIR/points/pNNNNN.json. */
export interface PointFile {
  readonly version: string;
  readonly kind: 'stacklab.sweep-point';
  readonly fingerprint: string;
  readonly index: number;
  readonly key: string;
  readonly assignment: Readonly<Record<string, Scalar>>;
  readonly runs: readonly RunResult[];
}

export interface RunSummary {
  readonly seed: number;
  readonly simulatedNs: number;
  readonly stop: RunResult['stop'];
  readonly overflows: number;
  readonly overflowPerStack: PerKind;
  readonly maxDepth: PerKind;
  readonly frameEvents: number;
}

export interface PointSummary {
  readonly index: number;
  readonly key: string;
  readonly assignment: Readonly<Record<string, Scalar>>;
  /** The point file, relative to the folder of sweep.json. */
  readonly file: string;
  readonly profile: RunResult['profile'];
  readonly threadSize: number;
  readonly irqStackSize: number;
  readonly overflowStackSize: number;
  readonly runs: readonly RunSummary[];
  readonly simulatedNs: number;
  /** All runs of the point together: overflows per device-hour with the exact 95 % Poisson interval. */
  readonly overflow: {
    readonly count: number;
    readonly perStack: PerKind;
    readonly deviceHours: number;
    readonly perHour: RateInterval;
    readonly basis: 'observed' | 'not-observed';
  };
  readonly maxDepth: PerKind;
}

/** DIR/sweep.json. */
export interface SweepDocument {
  readonly version: string;
  readonly kind: 'stacklab.sweep';
  readonly sweep: SweepHeader;
  readonly points: readonly PointSummary[];
}

export function specFile(sweep: SweepHeader): SpecFile {
  return { version: SWEEP_RESULT_VERSION, kind: 'stacklab.sweep-spec', sweep };
}

export function pointFile(fingerprint: string, p: SweepPoint, runs: readonly RunResult[]): PointFile {
  return {
    version: SWEEP_RESULT_VERSION,
    kind: 'stacklab.sweep-point',
    fingerprint,
    index: p.index,
    key: p.key,
    assignment: p.assignment,
    runs,
  };
}

/** The bytes of the files a person reads (one space of indent, as `stacklab run --json`). */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 1)}\n`;
}

/** The bytes of a point file: one line (a third smaller, and merge reads 10,000 of them). */
export function pointText(p: PointFile): string {
  return `${JSON.stringify(p)}\n`;
}

const KINDS = ['task', 'irq', 'overflow'] as const;

function maxOf(xs: readonly PerKind[]): PerKind {
  const m = { task: 0, irq: 0, overflow: 0 };
  for (const x of xs) for (const k of KINDS) m[k] = Math.max(m[k], x[k]);
  return m;
}

function sumOf(xs: readonly PerKind[]): PerKind {
  const m = { task: 0, irq: 0, overflow: 0 };
  for (const x of xs) for (const k of KINDS) m[k] += x[k];
  return m;
}

export function summarizePoint(p: PointFile, total: number): PointSummary {
  const runs = p.runs.map(
    (r): RunSummary => ({
      seed: r.seed,
      simulatedNs: r.simulatedNs,
      stop: r.stop,
      overflows: r.overflow.count,
      overflowPerStack: r.overflow.perStack,
      maxDepth: r.maxDepth,
      frameEvents: r.frameEvents,
    }),
  );
  const first = p.runs[0]!;
  const simulatedNs = runs.reduce((s, r) => s + r.simulatedNs, 0);
  const count = runs.reduce((s, r) => s + r.overflows, 0);
  const deviceHours = simulatedNs / NS_PER_HOUR;
  return {
    index: p.index,
    key: p.key,
    assignment: p.assignment,
    file: pointFileName(p.index, total),
    profile: first.profile,
    threadSize: first.threadSize,
    irqStackSize: first.irqStackSize,
    overflowStackSize: first.overflowStackSize,
    runs,
    simulatedNs,
    overflow: {
      count,
      perStack: sumOf(runs.map((r) => r.overflowPerStack)),
      deviceHours,
      perHour: poissonRate(count, deviceHours),
      basis: count > 0 ? 'observed' : 'not-observed',
    },
    maxDepth: maxOf(runs.map((r) => r.maxDepth)),
  };
}

/**
 * A point file read back, checked against the sweep it should belong to. `file` names it in the
 * diagnostic.
 */
export function checkPointFile(
  value: unknown,
  sweep: SweepHeader,
  index: number,
  file: string,
): Result<PointFile> {
  const bad = (why: string): Result<PointFile> =>
    err(diag('sweep/bad-point-file', 'error', `${why}`, { file }, `point ${index} of sweep "${sweep.name}"`));
  const p = value as Partial<PointFile> | null;
  if (typeof p !== 'object' || p === null || p.kind !== 'stacklab.sweep-point')
    return bad('not a sweep point file');
  if (p.version !== SWEEP_RESULT_VERSION) return bad(`version ${String(p.version)}`);
  if (p.fingerprint !== sweep.fingerprint) return bad('a point of another sweep (fingerprint differs)');
  if (p.index !== index) return bad(`holds point ${String(p.index)}`);
  if (!Array.isArray(p.runs) || p.runs.length !== sweep.seeds)
    return bad(`${Array.isArray(p.runs) ? p.runs.length : 'no'} runs, expected ${sweep.seeds}`);
  return ok(p as PointFile);
}

/** sweep.json from every point of the sweep, in index order. */
export function sweepDocument(sweep: SweepHeader, points: readonly PointFile[]): SweepDocument {
  return {
    version: SWEEP_RESULT_VERSION,
    kind: 'stacklab.sweep',
    sweep,
    points: points.map((p) => summarizePoint(p, sweep.points)),
  };
}

/** Two folders' identities disagree: the reason, or undefined when they are one sweep. */
export function sameSweep(a: SweepHeader, b: SweepHeader): string | undefined {
  if (a.fingerprint === b.fingerprint) return undefined;
  if (a.name !== b.name) return `sweep "${b.name}", not "${a.name}"`;
  return 'the same name but another sweep file, scenario or stacklab version (fingerprint differs)';
}

/** The points missing from a set, as a short text ("0, 3, 6 and 12 more"). */
export function missingText(missing: readonly number[]): string {
  const head = missing.slice(0, 8).join(', ');
  return missing.length > 8 ? `${head} and ${missing.length - 8} more` : head;
}

// The points of a sweep, numbered deterministically (row-major: the first axis varies slowest), and
// the slices of them that shards run (point i belongs to shard i mod N, so every shard gets a share
// of every axis value and the costly ones spread evenly).
import { diag } from '../base/diag.ts';
import { readNumber } from '../base/number.ts';
import { err, ok, type Result } from '../base/result.ts';
import { fieldTarget, type Scalar, type Sweep } from './sweep-file.ts';

export interface SweepPoint {
  readonly index: number;
  /** The labels of its axis values, comma-separated: what a table row says. */
  readonly key: string;
  /** Field -> value over all axes, in axis order. */
  readonly assignment: Readonly<Record<string, Scalar>>;
  /** The profile id the grid chose (absent: the sweep's or the scenario's). */
  readonly profile?: string;
  /** `--set` strings for the scenario, then for the profile: the sweep's `set`, then the grid's. */
  readonly scenarioSets: readonly string[];
  readonly profileSets: readonly string[];
}

export function pointCount(s: Sweep): number {
  return s.axes.reduce((n, a) => n * a.values.length, 1);
}

/** Point `index` of the sweep (0 <= index < pointCount). */
export function pointAt(s: Sweep, index: number): SweepPoint {
  let rest = index;
  const picks: number[] = [];
  for (let a = s.axes.length - 1; a >= 0; a--) {
    const n = s.axes[a]!.values.length;
    picks[a] = rest % n;
    rest = Math.floor(rest / n);
  }
  const assignment: Record<string, Scalar> = {};
  const labels: string[] = [];
  for (const [a, axis] of s.axes.entries()) {
    const v = axis.values[picks[a]!]!;
    labels.push(v.label);
    for (const [k, x] of v.fields) assignment[k] = x;
  }
  const scenarioSets: string[] = [];
  const profileSets: string[] = [];
  let profile = s.profile;
  for (const a of s.set) (fieldTarget(a.split('=')[0]!) === 'scenario' ? scenarioSets : profileSets).push(a);
  for (const [k, x] of Object.entries(assignment)) {
    const t = fieldTarget(k);
    if (t === 'profile') profile = String(x);
    else (t === 'scenario' ? scenarioSets : profileSets).push(`${k}=${JSON.stringify(x)}`);
  }
  return {
    index,
    key: labels.length > 0 ? labels.join(', ') : s.name,
    assignment,
    ...(profile !== undefined ? { profile } : {}),
    scenarioSets,
    profileSets,
  };
}

export interface Shard {
  /** 0-based. */
  readonly index: number;
  readonly count: number;
}

/** The environment variables a batch engine numbers its array tasks with. */
export interface ShardEnv {
  readonly SLURM_ARRAY_TASK_ID?: string | undefined;
  readonly SLURM_ARRAY_TASK_MIN?: string | undefined;
  readonly JOB_COMPLETION_INDEX?: string | undefined;
}

/**
 * `I/N` or `auto/N`: auto takes I from SLURM_ARRAY_TASK_ID (less SLURM_ARRAY_TASK_MIN, so
 * `--array=1-4` works too) or from a Kubernetes Indexed Job's JOB_COMPLETION_INDEX.
 */
/** A whole number the regular expressions below already matched as 1-9 digits. */
function digits(text: string): number {
  const r = readNumber(text, { code: 'sweep/bad-shard', what: 'shard number' }, { file: '--shard' });
  return r.ok ? r.value : -1;
}

export function parseShard(text: string, env: ShardEnv): Result<Shard> {
  const m = /^(\d{1,9}|auto)\/(\d{1,9})$/.exec(text);
  const bad = (why: string) => err(diag('sweep/bad-shard', 'error', `--shard ${text}: ${why}`));
  if (m === null) return bad('expected I/N or auto/N (0 <= I < N)');
  const count = digits(m[2]!);
  if (count === 0) return bad('N must be at least 1');
  let index: number;
  if (m[1] === 'auto') {
    const slurm = env.SLURM_ARRAY_TASK_ID;
    const k8s = env.JOB_COMPLETION_INDEX;
    const whole = (name: string, v: string) =>
      /^\d{1,9}$/.test(v) ? digits(v) : bad(`${name}="${v}" is not a whole number`);
    if (slurm !== undefined && slurm !== '') {
      const id = whole('SLURM_ARRAY_TASK_ID', slurm);
      if (typeof id !== 'number') return id;
      const minText = env.SLURM_ARRAY_TASK_MIN;
      const min = minText !== undefined && minText !== '' ? whole('SLURM_ARRAY_TASK_MIN', minText) : 0;
      if (typeof min !== 'number') return min;
      index = id - min;
    } else if (k8s !== undefined && k8s !== '') {
      const id = whole('JOB_COMPLETION_INDEX', k8s);
      if (typeof id !== 'number') return id;
      index = id;
    } else {
      return bad(
        'neither SLURM_ARRAY_TASK_ID (Slurm job array) nor JOB_COMPLETION_INDEX (Kubernetes Indexed Job) is set',
      );
    }
  } else index = digits(m[1]!);
  if (index >= count) return bad(`shard ${index} does not exist (0..${count - 1})`);
  return ok({ index, count });
}

/** The points of one shard, in order. */
export function shardPoints(total: number, shard: Shard | undefined): number[] {
  const out: number[] = [];
  const step = shard?.count ?? 1;
  for (let i = shard?.index ?? 0; i < total; i += step) out.push(i);
  return out;
}

/** The point file of point `index`, relative to the output folder. */
export function pointFileName(index: number, total: number): string {
  const width = Math.max(5, String(Math.max(0, total - 1)).length);
  return `points/p${String(index).padStart(width, '0')}.json`;
}

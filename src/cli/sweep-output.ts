// A sweep's output folder: sweep-spec.json (which sweep it holds), points/pNNNNN.json (one per
// finished point, each written atomically), and sweep.json once every point is there. `sweep` and
// `merge` both end in writeSweepJson, so a merge of shards gives the single run's bytes.
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { diag, InputError } from '../base/diag.ts';
import { pointFileName } from '../sweep/points.ts';
import {
  checkPointFile,
  jsonText,
  type PointFile,
  type SpecFile,
  type SweepDocument,
  type SweepHeader,
  sameSweep,
  specFile,
  sweepDocument,
} from '../sweep/sweep-result.ts';
import type { Io } from './io.ts';

export const SPEC_FILE = 'sweep-spec.json';
export const SWEEP_FILE = 'sweep.json';

/** The sweep a folder holds, or undefined when it has no sweep-spec.json. */
export function readSpec(dir: string): SweepHeader | undefined {
  const file = join(dir, SPEC_FILE);
  if (!existsSync(file)) return undefined;
  let v: Partial<SpecFile>;
  try {
    v = JSON.parse(readFileSync(file, 'utf8')) as Partial<SpecFile>;
  } catch (e) {
    throw new InputError(diag('sweep/bad-spec', 'error', `not JSON: ${(e as Error).message}`, { file }));
  }
  if (v?.kind !== 'stacklab.sweep-spec' || typeof v.sweep?.fingerprint !== 'string')
    throw new InputError(
      diag('sweep/bad-spec', 'error', 'not a sweep-spec.json of stacklab sweep', { file }),
    );
  return v.sweep;
}

/** Claims `dir` for the sweep: writes its spec, or checks that the one there is this sweep's. */
export function claimFolder(io: Io, dir: string, sweep: SweepHeader): void {
  const there = readSpec(dir);
  if (there === undefined) {
    io.writeFileAtomic(join(dir, SPEC_FILE), jsonText(specFile(sweep)));
    return;
  }
  const why = sameSweep(sweep, there);
  if (why !== undefined)
    throw new InputError(
      diag('sweep/other-sweep', 'error', `${dir} holds ${why}: use another --out folder`, {
        file: join(dir, SPEC_FILE),
      }),
    );
}

/**
 * A finished point read back: its text and parsed file, or undefined when the file is missing or not
 * a complete point of this sweep (an interrupted write leaves no file: writes are atomic; a file of
 * another version is run again).
 */
export function readPoint(
  dir: string,
  sweep: SweepHeader,
  index: number,
): { text: string; point: PointFile } | undefined {
  const file = join(dir, pointFileName(index, sweep.points));
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const r = checkPointFile(value, sweep, index, file);
  return r.ok ? { text, point: r.value } : undefined;
}

/** The indexes among `want` that `dir` already holds finished. */
export function finishedPoints(dir: string, sweep: SweepHeader, want: readonly number[]): Set<number> {
  const done = new Set<number>();
  for (const i of want) if (readPoint(dir, sweep, i) !== undefined) done.add(i);
  return done;
}

/**
 * sweep.json from points read from `dirs` (the first folder holding a point wins), copied into `out`
 * when they came from elsewhere. Throws InputError naming the missing points.
 */
export function writeSweepJson(
  io: Io,
  out: string,
  dirs: readonly string[],
  sweep: SweepHeader,
): SweepDocument {
  const points: PointFile[] = [];
  const missing: number[] = [];
  for (let i = 0; i < sweep.points; i++) {
    let found: { text: string; point: PointFile; dir: string } | undefined;
    for (const dir of dirs) {
      const p = readPoint(dir, sweep, i);
      if (p !== undefined) {
        found = { ...p, dir };
        break;
      }
    }
    if (found === undefined) {
      missing.push(i);
      continue;
    }
    if (found.dir !== out)
      copyPoint(
        io,
        join(found.dir, pointFileName(i, sweep.points)),
        join(out, pointFileName(i, sweep.points)),
        found.text,
      );
    points.push(found.point);
  }
  if (missing.length > 0) throw missingPoints(sweep, missing, dirs);
  const doc = sweepDocument(sweep, points);
  io.writeFileAtomic(join(out, SWEEP_FILE), jsonText(doc));
  return doc;
}

/**
 * A point file into another folder: a hard link when both are on one file system (point files are
 * never changed in place, only replaced by a rename, so sharing the inode is safe), put in place by
 * a rename as every write is; otherwise a copy, written atomically.
 */
function copyPoint(io: Io, from: string, to: string, text: string): void {
  const tmp = `${to}.${process.pid}.link`;
  try {
    mkdirSync(dirname(to), { recursive: true });
    linkSync(from, tmp);
    renameSync(tmp, to);
  } catch {
    rmSync(tmp, { force: true });
    io.writeFileAtomic(to, text);
  }
}

export function missingPoints(
  sweep: SweepHeader,
  missing: readonly number[],
  dirs: readonly string[],
): InputError {
  const head = missing.slice(0, 8).join(', ');
  const more = missing.length > 8 ? ` and ${missing.length - 8} more` : '';
  return new InputError(
    diag(
      'sweep/missing-points',
      'error',
      `sweep "${sweep.name}": ${missing.length} of ${sweep.points} points are in none of ${dirs.join(', ')}: ${head}${more}`,
      undefined,
      'the folders of every shard (a shard that did not finish can be run again: it resumes)',
    ),
  );
}

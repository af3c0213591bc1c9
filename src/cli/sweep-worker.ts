// Entry point of a sweep worker (tinypool runs its default export, one point per task, in a child
// process or a worker thread): the point's seeds through `stacklab run`'s code path, returned as the point file's bytes.
import { runScenario } from '../analyze/run.ts';
import { pointFile, pointText } from '../sweep/sweep-result.ts';
import type { PointJob } from './sweep-setup.ts';

/** The point file of one point: every seed run for the sweep's duration. */
export function runPoint(job: PointJob): string {
  const runs = job.seeds.map(
    (seed) =>
      runScenario({ scenario: job.scenario, profile: job.profile, seed, durationNs: job.durationNs }).result,
  );
  return pointText(pointFile(job.fingerprint, job.point, runs));
}

export default runPoint;

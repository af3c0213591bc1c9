// The worker threads of a sweep: a piscina pool running src/cli/sweep-worker.ts (through tsx, from
// the sources) or dist/sweep-worker.mjs (next to the bundle). Each finished point is handed to
// `onPoint` as soon as it is done, so a killed sweep keeps every point it finished.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import type { PointJob } from './sweep-setup.ts';

function workerEntry(): { filename: string; execArgv: string[] } {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    // From the sources: the worker is TypeScript too, so it gets tsx's loader.
    const tsx = pathToFileURL(createRequire(here).resolve('tsx')).href;
    return {
      filename: new URL('./sweep-worker.ts', here).href,
      execArgv: ['--import', tsx],
    };
  }
  // The process's own flags (--test, --import ...) are not the worker's business.
  return { filename: new URL('./sweep-worker.mjs', here).href, execArgv: [] };
}

/**
 * Runs every job on `workers` threads; `onPoint` gets each point's file text when its point finishes
 * (in finishing order). Rejects on the first failure, after the pool is closed.
 */
export async function runPoints(
  jobs: readonly PointJob[],
  workers: number,
  onPoint: (job: PointJob, text: string) => void,
): Promise<void> {
  if (jobs.length === 0) return;
  const { filename, execArgv } = workerEntry();
  const pool = new Piscina({
    filename,
    execArgv,
    minThreads: workers,
    maxThreads: workers,
    // One task per thread at a time: a point is seconds of work, queueing more buys nothing.
    concurrentTasksPerWorker: 1,
    idleTimeout: 60_000,
  });
  try {
    await Promise.all(
      jobs.map(async (job) => {
        const text = (await pool.run(job)) as string;
        onPoint(job, text);
      }),
    );
  } finally {
    await pool.destroy();
  }
}

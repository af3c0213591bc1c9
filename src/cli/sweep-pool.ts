// The workers of a sweep: a tinypool pool running src/cli/sweep-worker.ts (through tsx, from the
// sources) or dist/sweep-worker.mjs (next to the bundle), in child processes by default (each point
// is seconds of pure CPU work; separate processes scale to every core, where threads of one process
// share one V8 heap's compiler and GC threads: bench/README.md "Sweeps") or in worker threads.
// Each finished point is handed to `onPoint` as soon as it is done, so a killed sweep keeps every
// point it finished.
import { Tinypool } from 'tinypool';
import type { PointJob } from './sweep-setup.ts';

/** Where the workers run: `processes` (child processes, the default) or `threads` (worker threads). */
export type PoolKind = 'processes' | 'threads';
export const POOL_KINDS: readonly PoolKind[] = ['processes', 'threads'];
/** The pool kind when --pool is not given. */
export const DEFAULT_POOL: PoolKind = 'processes';

function workerEntry(): string {
  const here = import.meta.url;
  // From the sources: a JavaScript shim that loads the TypeScript worker through tsx.
  if (here.endsWith('.ts')) return new URL('./sweep-worker-source.mjs', here).href;
  return new URL('./sweep-worker.mjs', here).href;
}

/**
 * Runs every job on `workers` workers, the costliest first (`cost`, so that no worker is left with
 * a long point at the end while the others idle); `onPoint` gets each point's file text when its
 * point finishes (in finishing order). Rejects on the first failure, after the pool is closed.
 */
export async function runPoints(
  jobs: readonly PointJob[],
  workers: number,
  onPoint: (job: PointJob, text: string) => void,
  options: { kind: PoolKind; cost?: (job: PointJob) => number },
): Promise<void> {
  if (jobs.length === 0) return;
  const pool = new Tinypool({
    filename: workerEntry(),
    // The process's own flags (--test, --import ...) are not the workers' business.
    execArgv: [],
    runtime: options.kind === 'processes' ? 'child_process' : 'worker_threads',
    minThreads: workers,
    maxThreads: workers,
    // One task per worker at a time: a point is seconds of work, queueing more buys nothing.
    concurrentTasksPerWorker: 1,
    idleTimeout: 60_000,
  });
  const cost = options.cost;
  // A stable sort: points of equal cost keep their order (the result does not depend on it anyway).
  const order = cost === undefined ? jobs : [...jobs].sort((a, b) => cost(b) - cost(a));
  try {
    await Promise.all(
      order.map(async (job) => {
        const text = (await pool.run(job)) as string;
        onPoint(job, text);
      }),
    );
  } finally {
    await pool.destroy();
  }
}

// Entry point of a `frames` worker thread (bundled as dist/frames-worker.mjs): claims chunks of the
// file list until none is left and posts its lines back, transferred. See frames-jobs.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { BUILD_ID } from './build-id.ts';
import { analyzeChunks, type WorkerJob, type WorkerReply } from './frames-jobs.ts';
import { openRandomAccess } from './io.ts';

const port = parentPort;
if (port === null) throw new Error('frames-worker runs as a worker thread');
const { build } = workerData as { build: string };
// Started ahead of its job (see FrameWorkers): the job comes as the first message.
port.once('message', (job: Omit<WorkerJob, 'build'>) => {
  if (build !== BUILD_ID) {
    // Another build's bundle: claim nothing, the other threads do the work.
    port.postMessage({ stale: true } satisfies WorkerReply);
    return;
  }
  const result = analyzeChunks(
    job,
    (path) => openRandomAccess(path, { scratch: true }),
    () => Atomics.add(job.counter, 0, 1),
  );
  const { blocks, block, start, end, sizes } = result.lines;
  const transfer = [...blocks, block, start, end, sizes].map((a) => a.buffer as ArrayBuffer);
  port.postMessage({ result } satisfies WorkerReply, transfer);
});

// `frames` (checkstack report) over many files on several threads. The files are cut into chunks;
// every thread (this one and each worker) claims the next chunk from a shared counter until none is
// left, so a slow file holds up no one. Each thread returns its lines as one CheckstackLines (typed
// arrays, transferred, not copied) and an outcome per file; the merge puts the chunks back in input
// order, so the report is the same bytes whatever the number of threads and whoever took which chunk.
//
// Workers run dist/frames-worker.mjs, written by scripts/build.mjs next to dist/stacklab.mjs with
// the same build id. From the sources (tsx), or when the worker bundle is missing or from another
// build, this thread does every chunk itself.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { AssertionFailed } from '../base/assert.ts';
import { type Diagnostic, InputError } from '../base/diag.ts';
import { FrameAnalyzer } from '../elf/frame-analysis.ts';
import { addFrameLines, type FrameLinesOptions } from '../elf/frame-lines.ts';
import { Scratch } from '../elf/scratch.ts';
import { CheckstackLines, type CheckstackLinesParts } from '../formats/checkstack.ts';
import { BUILD_ID } from './build-id.ts';
import { isBadCompression } from './compressed.ts';
import type { RandomAccessFile } from './io.ts';

/** What happened to one file. */
export type FileOutcome =
  | {
      readonly kind: 'ok';
      readonly diagnostics: readonly Diagnostic[];
      readonly shown: number;
      readonly dynamic: number;
      readonly differ: number;
    }
  /** Not usable AArch64 ELF: reported, and the other files go on. */
  | { readonly kind: 'failed'; readonly error: Diagnostic }
  /** An exception: unreadable input (InputError) or a bug; it ends the run where it happened. */
  | {
      readonly kind: 'thrown';
      readonly input: Diagnostic | undefined;
      readonly name: string;
      readonly message: string;
      readonly stack: string | undefined;
    };

/** One thread's share: its lines, which chunks they belong to, and the outcome of each of its files. */
export interface ThreadResult {
  readonly lines: CheckstackLinesParts;
  /** When the thread started on its first chunk and how long it worked (ms, performance.timeOrigin based). */
  readonly startedAt: number;
  readonly busyMs: number;
  /** Triples (chunk, first line, end line) for every chunk the thread did, in the order it did them. */
  readonly chunks: Int32Array;
  /** Pairs (file index, outcome). */
  readonly outcomes: [number, FileOutcome][];
}

/** What the worker entry receives. */
export interface WorkerJob {
  readonly build: string;
  readonly files: readonly string[];
  readonly chunkSize: number;
  readonly chunks: number;
  /** Next chunk to claim (Int32Array over a SharedArrayBuffer). */
  readonly counter: Int32Array;
  readonly options: Omit<FrameLinesOptions, 'analyzer' | 'scratch'>;
}

/** A worker's answer: its result, or that it belongs to another build (it claimed nothing). */
export type WorkerReply = { readonly result: ThreadResult } | { readonly stale: true };

/**
 * Claims chunks through `claim` until none is left and analyses their files. `open` opens a file
 * for positioned reads; `onFile` (progress) is told the index of each file before it is read.
 */
export function analyzeChunks(
  job: Omit<WorkerJob, 'build' | 'counter'>,
  open: (path: string) => RandomAccessFile,
  claim: () => number,
  onFile?: (index: number) => void,
): ThreadResult {
  const t0 = performance.now();
  const lines = new CheckstackLines();
  const options: FrameLinesOptions = {
    ...job.options,
    analyzer: new FrameAnalyzer(),
    scratch: new Scratch(),
  };
  const chunks: number[] = [];
  const outcomes: [number, FileOutcome][] = [];
  for (let c = claim(); c < job.chunks; c = claim()) {
    const first = lines.count;
    const end = Math.min(job.files.length, (c + 1) * job.chunkSize);
    for (let i = c * job.chunkSize; i < end; i++) {
      onFile?.(i);
      const outcome = analyzeFile(job.files[i]!, options, lines, open);
      outcomes.push([i, outcome]);
      if (outcome.kind === 'thrown') break;
    }
    chunks.push(c, first, lines.count);
  }
  return {
    lines: lines.parts(),
    startedAt: performance.timeOrigin + t0,
    busyMs: performance.now() - t0,
    chunks: Int32Array.from(chunks),
    outcomes,
  };
}

function analyzeFile(
  path: string,
  options: FrameLinesOptions,
  lines: CheckstackLines,
  open: (path: string) => RandomAccessFile,
): FileOutcome {
  try {
    const src = open(path);
    try {
      const r = addFrameLines(src, options, lines);
      if (!r.ok) return { kind: 'failed', error: r.error };
      const { diagnostics, shown, dynamic, differ } = r.value;
      return { kind: 'ok', diagnostics, shown, dynamic, differ };
    } finally {
      src.close();
    }
  } catch (e) {
    if (isBadCompression(e)) return { kind: 'failed', error: e.diagnostic };
    const err = e instanceof Error ? e : new Error(String(e));
    return {
      kind: 'thrown',
      input: e instanceof InputError ? e.diagnostic : undefined,
      name: err.name,
      message: err.message,
      stack: err.stack,
    };
  }
}

/** Threads for `files` when the user gave no --jobs: every core, unless there is too little work. */
export function defaultJobs(files: number): number {
  return files < 64 ? 1 : Math.max(1, availableParallelism());
}

const WORKER = new URL('./frames-worker.mjs', import.meta.url);

/** Can workers run here: bundled code with a worker bundle next to it? */
function workersAvailable(): boolean {
  return BUILD_ID !== undefined && WORKER.protocol === 'file:' && existsSync(fileURLToPath(WORKER));
}

/** Lines of all files, merged in input order, and every file's outcome (undefined: never reached). */
export interface FramesRun {
  readonly lines: CheckstackLines;
  /** Per thread: when it started (ms after this process started), how long it worked, chunks done. */
  readonly threadStats: { startMs: number; busyMs: number; chunks: number }[];
  readonly outcomes: (FileOutcome | undefined)[];
  /** Threads that did work (1 = this one only). */
  readonly threads: number;
}

/**
 * Worker threads started ahead of their job: a worker needs 60 ms or more to start, which the
 * directory walk hides when they start before it. They wait for dispatch(); unused, close() ends
 * them (they do not keep the process alive meanwhile).
 */
export class FrameWorkers {
  private readonly workers: { worker: Worker; reply: Promise<WorkerReply>; closing: boolean }[] = [];

  private constructor(n: number) {
    for (let t = 0; t < n; t++) {
      const worker = new Worker(WORKER, { workerData: { build: BUILD_ID } });
      worker.unref();
      const entry = { worker, reply: Promise.resolve<WorkerReply>({ stale: true }), closing: false };
      entry.reply = new Promise((resolve, reject) => {
        let replied = false;
        worker.once('message', (m: WorkerReply) => {
          replied = true;
          // Its answer is all this thread wants: ended here, it cannot hold the process at exit
          // (a worker left to end by itself kept a few runs in 80 alive after the report was out).
          worker.unref();
          void worker.terminate();
          resolve(m);
        });
        worker.once('error', reject);
        worker.once('exit', (code) => {
          if (replied) return;
          if (entry.closing) resolve({ stale: true });
          else reject(new AssertionFailed(`a frames worker exited (code ${code}) without an answer`));
        });
      });
      // Awaited only once dispatched: a worker that fails before is not an unhandled rejection.
      entry.reply.catch(() => {});
      this.workers.push(entry);
    }
  }

  /** `n` workers, or undefined when there are none to start (no worker bundle: run from the sources). */
  static start(n: number): FrameWorkers | undefined {
    if (n < 1 || !workersAvailable()) return undefined;
    // Node 20's V8 can deadlock a worker at exit: the worker's thread waits in DrainTasks for a
    // background TurboFan job, which waits for a GC only that thread can run (seen in gdb: a few
    // runs in 80 never exited). Optimizing on the isolate's own thread removes the background job.
    setFlagsFromString('--no-concurrent-recompilation');
    return new FrameWorkers(n);
  }

  get size(): number {
    return this.workers.length;
  }

  /** Gives the job to the first `n` workers and ends the others; their answers. */
  dispatch(job: Omit<WorkerJob, 'build'>, n: number): Promise<WorkerReply>[] {
    const used = this.workers.slice(0, n);
    this.close(n);
    for (const w of used) {
      w.worker.ref();
      w.worker.postMessage(job);
    }
    return used.map((w) => w.reply);
  }

  /** Ends the workers from the `from`-th on. */
  close(from = 0): void {
    for (const w of this.workers.slice(from)) {
      w.closing = true;
      void w.worker.terminate();
    }
  }
}

/**
 * Analyses `files` on up to `jobs` threads (this one included), with `workers` if they were started
 * ahead (else they start now). `open` must open real files when jobs > 1 (workers read the file
 * system themselves).
 */
export async function runFrameLines(
  files: readonly string[],
  options: Omit<FrameLinesOptions, 'analyzer' | 'scratch'>,
  jobs: number,
  open: (path: string) => RandomAccessFile,
  onFile?: (index: number) => void,
  workers?: FrameWorkers,
): Promise<FramesRun> {
  const threads = Math.max(1, Math.min(jobs, files.length));
  const chunkSize = Math.min(32, Math.max(1, Math.ceil(files.length / (threads * 32))));
  const chunks = Math.ceil(files.length / chunkSize);
  const job = { files, chunkSize, chunks, options };
  const counter = new Int32Array(new SharedArrayBuffer(4));
  let replies: Promise<WorkerReply>[] = [];
  if (threads > 1) {
    const pool = workers ?? FrameWorkers.start(threads - 1);
    replies = pool?.dispatch({ ...job, counter }, threads - 1) ?? [];
  } else workers?.close();
  const claim = () => Atomics.add(counter, 0, 1);
  const results = [analyzeChunks(job, open, claim, onFile)];
  for (const r of await Promise.allSettled(replies)) {
    if (r.status === 'fulfilled' && 'result' in r.value) results.push(r.value.result);
  }
  // A worker that failed took its chunks with it: do them here.
  const done = new Uint8Array(chunks);
  for (const r of results) for (let k = 0; k < r.chunks.length; k += 3) done[r.chunks[k]!] = 1;
  const missing: number[] = [];
  for (let c = 0; c < chunks; c++) if (done[c] === 0) missing.push(c);
  if (missing.length > 0) {
    let next = 0;
    results.push(analyzeChunks(job, open, () => missing[next++] ?? chunks, onFile));
  }
  return mergeThreads(results, files.length, chunks);
}

/** The threads' chunks back in input order. */
export function mergeThreads(results: readonly ThreadResult[], files: number, chunks: number): FramesRun {
  const owner = new Int32Array(chunks).fill(-1);
  const at = new Int32Array(chunks);
  results.forEach((r, t) => {
    for (let k = 0; k < r.chunks.length; k += 3) {
      owner[r.chunks[k]!] = t;
      at[r.chunks[k]!] = k;
    }
  });
  // One thread's chunks are in order already: its lines are the report's.
  const alone = results.length === 1 && isSequential(results[0]!.chunks);
  const lines = alone
    ? CheckstackLines.of(results[0]!.lines)
    : new CheckstackLines(results.reduce((n, r) => n + r.lines.count, 0));
  for (let c = 0; c < chunks && !alone; c++) {
    const t = owner[c]!;
    if (t < 0) continue;
    const r = results[t]!;
    lines.append(r.lines, r.chunks[at[c]! + 1]!, r.chunks[at[c]! + 2]!);
  }
  const outcomes = new Array<FileOutcome | undefined>(files).fill(undefined);
  for (const r of results) for (const [i, o] of r.outcomes) outcomes[i] = o;
  const threadStats = results.map((r) => ({
    startMs: r.startedAt - performance.timeOrigin,
    busyMs: r.busyMs,
    chunks: r.chunks.length / 3,
  }));
  return { lines, outcomes, threads: results.filter((r) => r.chunks.length > 0).length, threadStats };
}

/** Chunks done in increasing order, each right after the previous one's lines. */
function isSequential(chunks: Int32Array): boolean {
  for (let k = 3; k < chunks.length; k += 3) if (chunks[k]! < chunks[k - 3]!) return false;
  return true;
}

/** The exception a 'thrown' outcome stands for, to rethrow in this thread. */
export function rethrown(o: Extract<FileOutcome, { kind: 'thrown' }>): Error {
  if (o.input !== undefined) return new InputError(o.input);
  const e = o.name === 'AssertionFailed' ? new AssertionFailed(o.message) : new Error(o.message);
  if (o.name !== 'AssertionFailed') e.name = o.name;
  if (o.stack !== undefined) e.stack = o.stack;
  return e;
}

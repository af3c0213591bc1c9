// A fuzz child process (started by fuzz/run.ts). Two jobs:
// - "run": inputs start, start+step, ... of a campaign, each measured against the budget. Before
//   each input its index goes down fd 4 (8 bytes), so the parent knows which input a hang or a
//   memory blow-up that it had to kill was; failures it can see itself come back over IPC.
// - "minimize": shrinks one failing text input while it still fails the same way, reporting each
//   candidate before trying it (a candidate that hangs is killed by the parent and is then the result).
import { writeSync } from 'node:fs';
import { nthInput } from './mutate.ts';
import { budgetOf, type FailureKind, runMeasured, runOne, signatureOf } from './run-one.ts';
import { target } from './targets.ts';

export interface RunJob {
  readonly type: 'run';
  readonly target: string;
  readonly campaignSeed: number;
  readonly start: number;
  readonly step: number;
  readonly count: number;
  /** Date.now() after which no new input starts. */
  readonly until: number;
}

export interface MinimizeJob {
  readonly type: 'minimize';
  readonly target: string;
  readonly input: string; // base64
  readonly kind: FailureKind;
  readonly signature: string;
  readonly maxMs: number;
}

const PROGRESS_FD = 4;
const index = new Float64Array(1);
const indexBytes = new Uint8Array(index.buffer);

async function run(job: RunJob): Promise<void> {
  const t = target(job.target);
  const seeds = await t.seeds();
  if (seeds.length === 0) throw new Error(`target ${t.name} has no seeds`);
  let done = 0;
  let bytes = 0;
  let busyMs = 0;
  let worstTimeShare = 0;
  let worstMs = 0;
  let worstPeak = 0;
  let worstPeakShare = 0;
  let lastStats = Date.now();
  const stats = () =>
    process.send?.({
      type: 'stats',
      done,
      bytes,
      busyMs,
      worstTimeShare,
      worstMs,
      worstPeak,
      worstPeakShare,
    });
  for (let i = job.start, n = 0; n < job.count && Date.now() < job.until; i += job.step, n++) {
    index[0] = i;
    writeSync(PROGRESS_FD, indexBytes);
    const { input } = nthInput(t.kind, seeds, job.campaignSeed, i);
    let r = await runMeasured(t, input);
    // A slow or large run on a shared machine is tried again before it counts.
    if (r.failure !== null && r.failure.kind !== 'crash') r = await runMeasured(t, input);
    const f = r.failure;
    done++;
    bytes += input.length;
    busyMs += r.ms;
    worstMs = Math.max(worstMs, r.ms);
    const b = budgetOf(t, input);
    worstTimeShare = Math.max(worstTimeShare, r.ms / b.ms);
    worstPeakShare = Math.max(worstPeakShare, r.peakBytes / b.peakBytes);
    worstPeak = Math.max(worstPeak, r.peakBytes);
    if (f !== null)
      process.send?.({ type: 'failure', index: i, input: Buffer.from(input).toString('base64'), failure: f });
    if (Date.now() - lastStats > 500) {
      lastStats = Date.now();
      stats();
    }
  }
  stats();
}

process.on('message', async (job: RunJob | MinimizeJob) => {
  try {
    if (job.type === 'run') await run(job);
    else await minimize(job);
    process.send?.({ type: 'done' }, () => process.exit(0));
  } catch (e) {
    process.send?.({ type: 'error', message: String(e instanceof Error ? (e.stack ?? e.message) : e) }, () =>
      process.exit(1),
    );
  }
});

/** Line ddmin, then halving of long lines, while the failure keeps its signature. */
async function minimize(job: MinimizeJob): Promise<void> {
  const t = target(job.target);
  const dec = new TextDecoder();
  const enc = new TextEncoder();
  let best = dec.decode(Buffer.from(job.input, 'base64'));
  const deadline = Date.now() + job.maxMs;
  const fails = async (cand: string): Promise<boolean> => {
    process.send?.({ type: 'trying', input: Buffer.from(cand).toString('base64') });
    const f = await runOne(t, enc.encode(cand));
    return f !== null && signatureOf(f) === job.signature;
  };
  let lines = best.split('\n');
  for (let chunks = 2; chunks <= lines.length && Date.now() < deadline; ) {
    const size = Math.ceil(lines.length / chunks);
    let removed = false;
    for (let at = 0; at < lines.length && Date.now() < deadline; at += size) {
      const cand = [...lines.slice(0, at), ...lines.slice(at + size)];
      if (cand.length > 0 && (await fails(cand.join('\n')))) {
        lines = cand;
        best = cand.join('\n');
        process.send?.({ type: 'smaller', input: Buffer.from(best).toString('base64') });
        removed = true;
        break;
      }
    }
    if (!removed) chunks *= 2;
    else chunks = Math.max(2, chunks - 1);
  }
  // Long lines: cut each in half while that still fails.
  for (let i = 0; i < lines.length && Date.now() < deadline; i++) {
    while (lines[i]!.length > 200 && Date.now() < deadline) {
      const cand = [...lines];
      cand[i] = lines[i]!.slice(0, Math.floor(lines[i]!.length / 2));
      if (!(await fails(cand.join('\n')))) break;
      lines = cand;
      best = cand.join('\n');
      process.send?.({ type: 'smaller', input: Buffer.from(best).toString('base64') });
    }
  }
}

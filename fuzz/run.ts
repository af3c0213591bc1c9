// npm run fuzz -- --target NAME|all|list [--minutes N] [--jobs J] [--seed S] [--max-inputs N]
//                 [--out DIR] [--no-minimize] [--json FILE]
//
// Runs a fuzz campaign: J child processes (fuzz/worker.ts) each run their share of the inputs of
// one target for N minutes (per target with "all"). The parent is the watchdog: an input that runs
// past its hang limit (10 s, or 10x the 1 s per 100 KB budget) or grows the child past 2 GB is
// killed and regenerated from its index; the child itself reports exceptions, inputs over the time
// budget and inputs over the memory budget (10x the input + 100 MB). Each new failure (by
// signature: kind, message with numbers blanked, innermost src/ frame) is minimized and written to
// test/fixtures/fuzz/TARGET/ with a .meta.json beside it; test/fuzz/regressions.test.ts replays
// every file there. Exit 1 when a campaign found a failure, 0 when it ran clean.
import { type ChildProcess, fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nthInput } from './mutate.ts';
import { budgetOf, type Failure, type FailureKind, signatureOf } from './run-one.ts';
import { ROOT, targets } from './targets.ts';

interface Options {
  target: string;
  minutes: number;
  jobs: number;
  seed: number;
  maxInputs: number;
  out: string;
  minimize: boolean;
  json: string | undefined;
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = {
    target: 'list',
    minutes: 1,
    jobs: 1,
    seed: Date.now() % 1_000_000_007,
    maxInputs: Number.MAX_SAFE_INTEGER,
    out: join(ROOT, 'test', 'fixtures', 'fuzz'),
    minimize: true,
    json: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    const num = () => {
      const x = Number(v());
      if (!Number.isFinite(x) || x < 0) throw new Error(`${a}: expected a number`);
      return x;
    };
    if (a === '--target') o.target = v();
    else if (a === '--minutes') o.minutes = num();
    else if (a === '--jobs') o.jobs = Math.max(1, Math.floor(num()));
    else if (a === '--seed') o.seed = Math.floor(num());
    else if (a === '--max-inputs') o.maxInputs = Math.floor(num());
    else if (a === '--out') o.out = v();
    else if (a === '--no-minimize') o.minimize = false;
    else if (a === '--json') o.json = v();
    else throw new Error(`unknown option ${a} (see the header of fuzz/run.ts)`);
  }
  return o;
}

const HANG_MS = 10_000;
const RSS_KILL = 2 * 1024 ** 3;

function startChild(): { child: ChildProcess; lastIndex: () => number; lastBeat: () => number } {
  const child = fork(join(import.meta.dirname, 'worker.ts'), [], {
    execArgv: ['--max-old-space-size=1536', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc', 'pipe'],
  });
  let pending = Buffer.alloc(0);
  let last = -1;
  let beat = Date.now();
  child.stdio[4]!.on('data', (d: Buffer) => {
    pending = Buffer.concat([pending, d]);
    const whole = pending.length - (pending.length % 8);
    if (whole >= 8) last = pending.readDoubleLE(whole - 8);
    pending = pending.subarray(whole);
    beat = Date.now();
  });
  return { child, lastIndex: () => last, lastBeat: () => beat };
}

function rssOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

interface Found {
  readonly target: string;
  readonly index: number;
  readonly input: Uint8Array;
  readonly failure: Failure;
  readonly signature: string;
}

interface Totals {
  inputs: number;
  bytes: number;
  busyMs: number;
  worstTimeShare: number;
  worstMs: number;
  worstPeak: number;
  worstPeakShare: number;
}

/** One child over its share of a target's inputs; restarted after every kill. */
async function runShare(
  target: string,
  o: Options,
  start: number,
  until: number,
  onFailure: (f: Found) => void,
): Promise<Totals> {
  const t = targets().find((x) => x.name === target)!;
  let seeds: Awaited<ReturnType<typeof t.seeds>> | undefined;
  const totals: Totals = {
    inputs: 0,
    bytes: 0,
    busyMs: 0,
    worstTimeShare: 0,
    worstMs: 0,
    worstPeak: 0,
    worstPeakShare: 0,
  };
  let next = start;
  const perChild = Math.ceil(o.maxInputs / o.jobs);
  while (Date.now() < until && totals.inputs < perChild) {
    const { child, lastIndex, lastBeat } = startChild();
    let childStats = {
      done: 0,
      bytes: 0,
      busyMs: 0,
      worstTimeShare: 0,
      worstMs: 0,
      worstPeak: 0,
      worstPeakShare: 0,
    };
    let killed = null as FailureKind | null;
    const outcome = await new Promise<'done' | 'killed' | 'died'>((resolve) => {
      const watch = setInterval(() => {
        const rss = rssOf(child.pid);
        const idx = lastIndex();
        if (rss > RSS_KILL) killed = 'memory';
        else if (idx >= 0 && Date.now() - lastBeat() > HANG_MS) killed = 'hang';
        if (killed) {
          child.kill('SIGKILL');
          clearInterval(watch);
        }
      }, 100);
      child.on('message', (m: { type: string; [k: string]: unknown }) => {
        if (m.type === 'stats') childStats = m as unknown as typeof childStats;
        else if (m.type === 'failure') {
          const failure = m.failure as Failure;
          onFailure({
            target,
            index: m.index as number,
            input: Buffer.from(m.input as string, 'base64'),
            failure,
            signature: signatureOf(failure),
          });
        } else if (m.type === 'error') process.stderr.write(`fuzz: worker error: ${m.message}\n`);
      });
      child.on('exit', (code) => {
        clearInterval(watch);
        resolve(killed ? 'killed' : code === 0 ? 'done' : 'died');
      });
      child.send({
        type: 'run',
        target,
        campaignSeed: o.seed,
        start: next,
        step: o.jobs,
        count: perChild - totals.inputs,
        until,
      });
    });
    totals.inputs += childStats.done;
    totals.bytes += childStats.bytes;
    totals.busyMs += childStats.busyMs;
    totals.worstTimeShare = Math.max(totals.worstTimeShare, childStats.worstTimeShare);
    totals.worstMs = Math.max(totals.worstMs, childStats.worstMs);
    totals.worstPeak = Math.max(totals.worstPeak, childStats.worstPeak);
    totals.worstPeakShare = Math.max(totals.worstPeakShare, childStats.worstPeakShare);
    if (outcome === 'done') break;
    const idx = lastIndex();
    if (idx < 0) throw new Error(`fuzz: the ${target} worker died before its first input`);
    seeds ??= await t.seeds();
    const { input } = nthInput(t.kind, seeds, o.seed, idx);
    const kind: FailureKind = killed ?? 'heap';
    const failure: Failure = {
      kind,
      message:
        kind === 'hang'
          ? `no result after ${HANG_MS / 1000} s for ${input.length} bytes`
          : kind === 'memory'
            ? `the process grew past ${RSS_KILL / 2 ** 30} GB on ${input.length} bytes`
            : `the process died (JavaScript heap limit?) on ${input.length} bytes`,
      stack: '',
      ms: 0,
      peakBytes: 0,
    };
    onFailure({ target, index: idx, input, failure, signature: signatureOf(failure) });
    totals.inputs++;
    next = idx + o.jobs;
  }
  return totals;
}

/** Shrinks a text failure in a child (killed after `maxMs`); returns the smallest input that still failed. */
async function minimize(f: Found, maxMs: number): Promise<Uint8Array> {
  const child = fork(join(import.meta.dirname, 'worker.ts'), [], {
    execArgv: ['--max-old-space-size=1536', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let best = f.input;
  let trying: Uint8Array | null = null;
  let trialStarted = Date.now();
  await new Promise<void>((resolve) => {
    const limit = budgetOf(targets().find((x) => x.name === f.target)!, f.input).ms * 3 + HANG_MS;
    const watch = setInterval(() => {
      if (Date.now() - trialStarted > limit || rssOf(child.pid) > RSS_KILL) {
        // The candidate under trial hung or blew up: it fails, and is the smallest so far.
        if (
          trying !== null &&
          (f.failure.kind === 'hang' || f.failure.kind === 'memory' || f.failure.kind === 'heap')
        )
          best = trying;
        child.kill('SIGKILL');
      }
    }, 200);
    child.on('message', (m: { type: string; input?: string }) => {
      if (m.type === 'trying') {
        trying = Buffer.from(m.input!, 'base64');
        trialStarted = Date.now();
      } else if (m.type === 'smaller') best = Buffer.from(m.input!, 'base64');
    });
    child.on('exit', () => {
      clearInterval(watch);
      resolve();
    });
    child.send({
      type: 'minimize',
      target: f.target,
      input: Buffer.from(f.input).toString('base64'),
      kind: f.failure.kind,
      signature: f.signature,
      maxMs,
    });
  });
  return best;
}

function knownSignatures(dir: string): Set<string> {
  const out = new Set<string>();
  if (!existsSync(dir)) return out;
  for (const t of readdirSync(dir, { withFileTypes: true }))
    if (t.isDirectory())
      for (const f of readdirSync(join(dir, t.name)))
        if (f.endsWith('.meta.json'))
          out.add(JSON.parse(readFileSync(join(dir, t.name, f), 'utf8')).signature as string);
  return out;
}

async function campaign(
  target: string,
  o: Options,
  known: Set<string>,
): Promise<{ totals: Totals; found: Found[]; seconds: number }> {
  const t0 = Date.now();
  const until = t0 + o.minutes * 60_000;
  const found: Found[] = [];
  const onFailure = (f: Found) => {
    if (known.has(f.signature)) return;
    known.add(f.signature);
    found.push(f);
    process.stderr.write(`fuzz: ${target} #${f.index}: ${f.signature}\n`);
  };
  const shares = await Promise.all(
    Array.from({ length: o.jobs }, (_, j) => runShare(target, o, j, until, onFailure)),
  );
  const totals = shares.reduce(
    (a, s) => ({
      inputs: a.inputs + s.inputs,
      bytes: a.bytes + s.bytes,
      busyMs: a.busyMs + s.busyMs,
      worstTimeShare: Math.max(a.worstTimeShare, s.worstTimeShare),
      worstMs: Math.max(a.worstMs, s.worstMs),
      worstPeak: Math.max(a.worstPeak, s.worstPeak),
      worstPeakShare: Math.max(a.worstPeakShare, s.worstPeakShare),
    }),
    { inputs: 0, bytes: 0, busyMs: 0, worstTimeShare: 0, worstMs: 0, worstPeak: 0, worstPeakShare: 0 },
  );
  const kind = targets().find((x) => x.name === target)!.kind;
  for (const f of found) {
    const input = o.minimize && kind === 'text' ? await minimize(f, 60_000) : f.input;
    const hash = createHash('sha1').update(input).digest('hex').slice(0, 10);
    const dir = join(o.out, target);
    mkdirSync(dir, { recursive: true });
    const ext = kind === 'elf' ? 'bin' : kind === 'capture' ? 'json' : 'txt';
    const name = `${f.failure.kind}-${hash}`;
    writeFileSync(join(dir, `${name}.${ext}`), input);
    writeFileSync(
      join(dir, `${name}.meta.json`),
      `${JSON.stringify({ target, kind: f.failure.kind, signature: f.signature, message: f.failure.message, stack: f.failure.stack.split('\n').slice(0, 8), campaignSeed: o.seed, index: f.index, bytes: f.input.length, minimizedBytes: input.length }, null, 2)}\n`,
    );
    process.stderr.write(
      `fuzz: wrote ${join(dir, `${name}.${ext}`)} (${f.input.length} -> ${input.length} bytes)\n`,
    );
  }
  return { totals, found, seconds: (Date.now() - t0) / 1000 };
}

async function mainFuzz(): Promise<number> {
  const o = parseArgs(process.argv.slice(2));
  const all = targets();
  if (o.target === 'list') {
    for (const t of all) process.stdout.write(`${t.name.padEnd(20)} ${t.kind.padEnd(8)} ${t.describes}\n`);
    return 0;
  }
  const names = o.target === 'all' ? all.map((t) => t.name) : o.target.split(',');
  for (const n of names)
    if (!all.some((t) => t.name === n)) throw new Error(`no fuzz target "${n}" (--target list)`);
  const known = knownSignatures(o.out);
  const rows: Record<string, unknown>[] = [];
  let failures = 0;
  process.stderr.write(`fuzz: seed ${o.seed}, ${o.jobs} job(s), ${o.minutes} min per target\n`);
  for (const n of names) {
    const r = await campaign(n, o, known);
    failures += r.found.length;
    const row = {
      target: n,
      inputs: r.totals.inputs,
      seconds: Number(r.seconds.toFixed(1)),
      inputsPerSecond: Math.round(r.totals.inputs / Math.max(1e-3, r.seconds)),
      meanBytes: Math.round(r.totals.bytes / Math.max(1, r.totals.inputs)),
      /** Largest share of the time budget (1 s per 100 KB, at least 1 s) one input used. */
      worstTimeShare: Number(r.totals.worstTimeShare.toFixed(3)),
      worstPeakShare: Number(r.totals.worstPeakShare.toFixed(3)),
      worstMs: Number(r.totals.worstMs.toFixed(1)),
      worstPeakMb: Number((r.totals.worstPeak / 2 ** 20).toFixed(1)),
      newFailures: r.found.map((f) => f.signature),
    };
    rows.push(row);
    process.stdout.write(
      `${n.padEnd(20)} ${String(row.inputs).padStart(9)} inputs ${String(row.seconds).padStart(7)} s ${String(row.inputsPerSecond).padStart(6)}/s  mean ${row.meanBytes} B  worst ${row.worstMs} ms (${(row.worstTimeShare * 100).toFixed(1)} % of its budget), ${row.worstPeakMb} MB (${(row.worstPeakShare * 100).toFixed(1)} %)  new failures: ${r.found.length}\n`,
    );
  }
  if (o.json)
    writeFileSync(
      o.json,
      `${JSON.stringify({ seed: o.seed, jobs: o.jobs, minutes: o.minutes, rows }, null, 2)}\n`,
    );
  return failures > 0 ? 1 : 0;
}

mainFuzz().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`fuzz: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  },
);

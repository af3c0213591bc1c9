// `stacklab sweep SWEEP --out DIR`: every point of a parameter grid simulated on a pool of workers
// (child processes, or threads with --pool threads), one point file each as it finishes, and DIR/sweep.json (per point its runs and the
// combined overflow rate) once all are there. `--shard I/N` runs one slice (Slurm arrays,
// Kubernetes Indexed Jobs, CI matrices); `stacklab merge` puts the slices together.
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { runScenario } from '../../analyze/run.ts';
import { formatDiagnostic } from '../../base/diag.ts';
import { NS_PER_S } from '../../engine/time.ts';
import { parseShard, pointFileName, type Shard, shardPoints } from '../../sweep/points.ts';
import { sweepJsonSchema } from '../../sweep/sweep-file.ts';
import { jsonText } from '../../sweep/sweep-result.ts';
import { type PlanData, renderPlanText, renderSweepText } from '../../sweep/sweep-text.ts';
import { type CliContext, usage } from '../context.ts';
import { JSON_VERSION } from '../json.ts';
import { clearProgress, progressLine } from '../progress.ts';
import {
  jsonOption,
  outDirOption,
  outputOption,
  printText,
  schemaOption,
  wideOption,
} from '../shared-options.ts';
import { claimFolder, finishedPoints, SWEEP_FILE, writeSweepJson } from '../sweep-output.ts';
import { DEFAULT_POOL, POOL_KINDS, type PoolKind, runPoints } from '../sweep-pool.ts';
import { type LoadedSweep, loadSweep, pointCost, pointJob } from '../sweep-setup.ts';

interface SweepOpts {
  out?: string;
  workers?: string;
  pool?: string;
  shard?: string;
  plan?: boolean;
  schema?: boolean;
  json?: boolean;
  wide?: boolean;
}

export function registerSweep(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('sweep')
    .argument('[SWEEP]', 'a sweep file (YAML/JSON): a scenario, a grid of values, seeds and a duration')
    .description(
      'parameter sweeps: every point of a grid simulated, on a pool of workers or as shards of a batch job',
    );
  outDirOption(cmd)
    .option('--workers <n>', 'workers (default: one per CPU, at most one per point)')
    .option(
      '--pool <kind>',
      'where the workers run: processes (child processes, the default: scales to every core) or threads',
      DEFAULT_POOL,
    )
    .option(
      '--shard <I/N>',
      'run only slice I of N (0-based); auto/N takes I from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX',
    )
    .option('--plan', 'print the number of points and an estimate of the CPU time, and exit');
  schemaOption(cmd);
  jsonOption(cmd);
  wideOption(cmd);
  outputOption(cmd, ctx)
    .addHelpText(
      'after',
      `
A sweep file names a scenario (as \`stacklab run\` takes it), a grid (axis -> values: a profile id,
any profile or scenario field, or combinations of them), seeds per point and the simulated duration
of each seed. Points are numbered row-major (the last axis varies fastest); shard I of N runs the
points i with i mod N = I. DIR gets sweep-spec.json, points/pNNNNN.json as each point finishes
(written atomically: an interrupted sweep run again resumes without redoing them) and sweep.json
once every point is there, the same bytes for any --workers and any shard split.

  stacklab sweep examples/sweeps/rfc-question.yaml --plan
  stacklab sweep examples/sweeps/rfc-question.yaml --out rfc --workers 2
  stacklab sweep examples/sweeps/rfc-question.yaml --out rfc-0 --shard 0/2
  stacklab sweep examples/sweeps/rfc-question.yaml --out rfc-1 --shard 1/2
  stacklab merge rfc-0 rfc-1 --out rfc-all                  the same sweep.json as rfc/
  stacklab sweep examples/sweeps/rfc-question.yaml --shard auto/4 --out shard-$SLURM_ARRAY_TASK_ID
  stacklab sweep --schema > sweep.schema.json`,
    )
    .action(async (file: string | undefined, opts: SweepOpts) => {
      if (opts.schema) {
        ctx.io.out(`${JSON.stringify(sweepJsonSchema(), null, 2)}\n`);
        return;
      }
      if (file === undefined) usage('sweep needs a sweep file (see --help)');
      const shard = opts.shard === undefined ? undefined : shardOf(opts.shard);
      const s = loadSweep(ctx.io, file);
      const want = shardPoints(s.header.points, shard);
      if (opts.plan) return plan(ctx, s, want, shard, opts);
      if (opts.out === undefined) usage('sweep needs --out DIR (or --plan)');
      const workers = opts.workers === undefined ? undefined : positiveInt(opts.workers, '--workers');
      const pool = poolKind(opts.pool ?? DEFAULT_POOL);
      await runSweep(ctx, s, want, shard, { out: opts.out, workers, pool, json: opts.json, wide: opts.wide });
    });
}

function shardOf(text: string): Shard {
  const r = parseShard(text, process.env);
  if (!r.ok) usage(formatDiagnostic(r.error));
  return r.value;
}

function poolKind(text: string): PoolKind {
  const kind = POOL_KINDS.find((k) => k === text);
  if (kind === undefined) usage(`--pool ${text}: one of ${POOL_KINDS.join(', ')}`);
  return kind;
}

function positiveInt(text: string, flag: string): number {
  if (!/^\d{1,4}$/.test(text) || Number(text) === 0) usage(`${flag} ${text}: a whole number from 1 to 9999`);
  return Number(text);
}

async function runSweep(
  ctx: CliContext,
  s: LoadedSweep,
  want: readonly number[],
  shard: Shard | undefined,
  opts: {
    out: string;
    workers: number | undefined;
    pool: PoolKind;
    json?: boolean | undefined;
    wide?: boolean | undefined;
  },
): Promise<void> {
  const { out } = opts;
  ctx.io.checkOutput(out, '--out', 'dir');
  const done = finishedPoints(out, s.header, want);
  // Every job first: a bad value at any point is exit 1 before a single point runs (or DIR is claimed).
  const jobs = want.filter((i) => !done.has(i)).map((i) => pointJob(s, i));
  claimFolder(ctx.io, out, s.header);
  const workers = Math.max(1, Math.min(opts.workers ?? availableParallelism(), jobs.length));
  const tty = ctx.io.stderrIsTty;
  const started = performance.now();
  let finished = 0;
  const show = () => {
    if (!tty) return;
    const n = want.length;
    const k = done.size + finished;
    const width = 20;
    const bar = '#'.repeat(Math.round((k / Math.max(1, n)) * width)).padEnd(width, '.');
    const s0 = (performance.now() - started) / 1000;
    const eta = finished > 0 ? ` ETA ${Math.round((s0 / finished) * (jobs.length - finished))} s` : '';
    progressLine(
      ctx.io,
      `stacklab sweep: [${bar}] ${k}/${n} points, ${workers} worker${workers > 1 ? 's' : ''}${eta}`,
    );
  };
  show();
  await runPoints(
    jobs,
    workers,
    (job, text) => {
      ctx.io.writeFileAtomic(`${out}/${pointFileName(job.point.index, s.header.points)}`, text);
      finished++;
      show();
    },
    { kind: opts.pool, cost: pointCost },
  );
  if (tty) clearProgress(ctx.io);
  const what = `${jobs.length} point${jobs.length === 1 ? '' : 's'} run${done.size > 0 ? `, ${done.size} already finished` : ''}`;
  const all = shardPoints(s.header.points, undefined);
  const complete = shard === undefined || finishedPoints(out, s.header, all).size === all.length;
  if (!complete) {
    const doc = {
      version: JSON_VERSION,
      kind: 'stacklab.sweep-shard',
      shard: `${shard!.index}/${shard!.count}`,
      sweep: s.header,
      points: want,
    };
    if (opts.json) ctx.io.out(jsonText(doc));
    else
      ctx.io.out(
        `sweep ${s.header.name}: shard ${shard!.index}/${shard!.count}: ${want.length} of ${s.header.points} points in ${out} (${what}); ` +
          'stacklab merge puts the shards together\n',
      );
    return;
  }
  const doc = writeSweepJson(ctx.io, out, [out], s.header);
  if (opts.json) ctx.io.out(jsonText(doc));
  else printText(ctx, `${renderSweepText(doc)}${what}; wrote ${out}/${SWEEP_FILE}\n`, { wide: opts.wide });
}

/** Probes: this many points, evenly spread, each simulated for at most PROBE_NS. */
const PROBE_POINTS = 4;
const PROBE_NS = 0.5 * NS_PER_S;
const WARMUP_NS = 0.2 * NS_PER_S;

function plan(
  ctx: CliContext,
  s: LoadedSweep,
  want: readonly number[],
  shard: Shard | undefined,
  opts: SweepOpts,
): void {
  const finished = opts.out !== undefined ? finishedPoints(opts.out, s.header, want).size : 0;
  // Every point of the shard is checked (exit 1 on a bad value), a few are timed.
  const jobs = want.map((i) => pointJob(s, i));
  const probes = [
    ...new Set(
      Array.from({ length: Math.min(PROBE_POINTS, jobs.length) }, (_, k) =>
        Math.floor((k * jobs.length) / Math.min(PROBE_POINTS, jobs.length)),
      ),
    ),
  ].map((k) => jobs[k]!);
  let cpuUs = 0;
  let simNs = 0;
  // A first run compiles the simulator's hot paths (JIT): not part of what each point costs.
  const w = probes[0];
  if (w !== undefined)
    runScenario({
      scenario: w.scenario,
      profile: w.profile,
      seed: w.seeds[0]!,
      durationNs: Math.min(w.durationNs, WARMUP_NS),
    });
  for (const j of probes) {
    const durationNs = Math.min(j.durationNs, PROBE_NS);
    const c0 = process.cpuUsage();
    const { result } = runScenario({
      scenario: j.scenario,
      profile: j.profile,
      seed: j.seeds[0]!,
      durationNs,
    });
    const c = process.cpuUsage(c0);
    cpuUs += c.user + c.system;
    simNs += result.simulatedNs;
  }
  const perSimS = simNs > 0 ? cpuUs / 1e6 / (simNs / NS_PER_S) : 0;
  const runs = (want.length - finished) * s.header.seeds;
  const simulatedNs = runs * s.header.durationNs;
  const data: PlanData = {
    name: s.header.name,
    points: s.header.points,
    shardPoints: want.length,
    ...(shard ? { shard: `${shard.index}/${shard.count}` } : {}),
    runs,
    simulatedNs,
    finished,
    cpuSecondsPerSimulatedSecond: perSimS,
    estimatedCpuSeconds: perSimS * (simulatedNs / NS_PER_S),
    probedPoints: probes.length,
  };
  if (opts.json) ctx.io.out(jsonText({ version: JSON_VERSION, kind: 'stacklab.sweep-plan', plan: data }));
  else printText(ctx, renderPlanText(data), opts);
}

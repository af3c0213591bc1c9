// `stacklab run [SCENARIO|FILE]`: simulate an SMP kernel under a profile and say how deep each stack
// got and how often a design would overflow.
import type { Command } from 'commander';
import { runScenario } from '../../analyze/run.ts';
import { formatDiagnostic } from '../../base/diag.ts';
import { NS_PER_S, parseDuration } from '../../engine/time.ts';
import { printFolded } from '../../formats/folded-stacks.ts';
import { scenarioJsonSchema } from '../../kernel/sim/scenario.ts';
import { renderRunText, runFolded } from '../../report/run-report.ts';
import { printTimeline, TimelineRecorder } from '../../report/run-trace.ts';
import { type CliContext, usage } from '../context.ts';
import { writeHtmlReport } from '../html-report.ts';
import { JSON_VERSION } from '../json.ts';
import {
  loadProfileFiles,
  type ProfileOptions,
  profileOptions,
  resolveProfiles,
} from '../profile-options.ts';
import { clearProgress, progressLine } from '../progress.ts';
import { builtinScenarios, describeBuiltinScenario, loadScenario, SCENARIO_KEYS } from '../scenario-files.ts';
import {
  formatOf,
  formatOption,
  outDirOption,
  outputOption,
  printText,
  reportOption,
  schemaOption,
  seedOption,
  wideOption,
} from '../shared-options.ts';

const FORMATS = ['text', 'json', 'ftrace', 'vmstat'] as const;

interface RunOpts extends ProfileOptions {
  seed?: string;
  duration?: string;
  out?: string;
  json?: boolean;
  format?: string;
  trace?: string;
  folded?: string;
  schema?: boolean;
  list?: boolean;
  maxFrameEvents?: string;
  wide?: boolean;
  report?: string;
}

export function registerRun(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('run')
    .argument(
      '[SCENARIO]',
      `a built-in scenario (${builtinScenarios().join(', ') || 'see --list'}) or a YAML/JSON file`,
      'seed-dragonboard',
    )
    .description(
      'simulate an SMP kernel: interrupts and softirqs on real stacks, and how often each design overflows',
    );
  seedOption(cmd)
    .option('--duration <time>', "simulated time with a unit: 8s, 10min, 1h (default: the scenario's)")
    .option('--trace <file>', 'Chrome trace event JSON of the run (open it in ui.perfetto.dev)')
    .option(
      '--folded <file>',
      'folded stacks of the deepest stacks, weighted by bytes (flamegraph.pl, speedscope)',
    )
    .option('--max-frame-events <n>', 'stop after this many frame pushes and pops (partial results say so)')
    .option('--list', 'list the built-in scenarios and exit');
  schemaOption(cmd);
  // One profile; --set also takes scenario fields.
  profileOptions(cmd, "the scenario's own");
  formatOption(
    cmd,
    FORMATS,
    'text (default), json, ftrace (the stack_trace table after the run), vmstat (kstack_* histogram)',
  );
  outDirOption(cmd);
  reportOption(cmd);
  wideOption(cmd);
  outputOption(cmd, ctx)
    .addHelpText(
      'after',
      `
A scenario names the machine (CPUs, HZ, preemption), the tasks and the syscalls they make, the
interrupt sources, and the code model they all execute (see data/scenarios/). Every frame lands on
the stack the profile says; the kernel's stack tracer and stacklab's all-stacks tracer both watch.
--set takes scenario fields too (cpus=8, irqs.eth0.rate=1e5); --seed and --duration default to
the scenario's. --out DIR gets result.json, and the
--trace and --folded files are written where they are named. --set stackAllocation=dynamic runs
the 2024 RFC's dynamic stacks (dynamicStack.poolPages=1, dynamicStack.refillFailureP=0.01 ...:
src/model/dynamic-stack-params.ts) and reports their faults, refills and panics.

  stacklab run                                   seed-dragonboard under its profile, 10 s
  stacklab run seed-dragonboard --profile rfc-2015 --duration 1min
  stacklab run seed-dragonboard --duration 8s --format ftrace
  stacklab run data/scenarios/seed-dragonboard.yaml --set THREAD_SIZE=8192 --json > run.json
  stacklab run qemu-6.1-udp --set stackAllocation=dynamic        dynamic stacks: faults, refills, panics
  stacklab run --schema > scenario.schema.json`,
    )
    .action((scenarioArg: string, opts: RunOpts) => {
      if (opts.schema) {
        ctx.io.out(`${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`);
        return;
      }
      if (opts.list) {
        const all = builtinScenarios().map((n) => describeBuiltinScenario(ctx.io, n));
        printText(ctx, `${all.join('\n\n')}\n`, opts);
        return;
      }
      const format = formatOf(opts, FORMATS);
      const scenarioSets = opts.set.filter((s) => SCENARIO_KEYS.has(s.split(/[.=]/)[0]!));
      const profileSets = opts.set.filter((s) => !scenarioSets.includes(s));
      const scenario = loadScenario(ctx.io, scenarioArg, scenarioSets);
      const ids = opts.profile.length > 0 || opts.profileFile.length > 0 ? opts.profile : [scenario.profile];
      const profiles = [
        ...resolveProfiles(ids, profileSets),
        ...loadProfileFiles(ctx.io, opts.profileFile, profileSets),
      ];
      if (profiles.length !== 1) usage('run takes one profile (use `stacklab sweep` for several)');
      const durationNs = opts.duration === undefined ? scenario.duration : durationOf(opts.duration);
      const seed = opts.seed === undefined ? scenario.seed : seedOf(opts.seed);
      const maxFrameEvents =
        opts.maxFrameEvents === undefined
          ? undefined
          : positiveInt(opts.maxFrameEvents, '--max-frame-events');
      if (opts.out) ctx.io.checkOutput(`${opts.out}/result.json`, '--out', 'file');
      if (opts.trace) ctx.io.checkOutput(opts.trace, '--trace');
      if (opts.folded) ctx.io.checkOutput(opts.folded, '--folded');
      if (opts.report) ctx.io.checkOutput(opts.report, '--report');
      const recorder = opts.trace ? new TimelineRecorder() : undefined;
      const tty = ctx.io.stderrIsTty;
      const { result } = runScenario({
        scenario,
        profile: profiles[0]!,
        seed,
        durationNs,
        ...(maxFrameEvents !== undefined ? { maxFrameEvents } : {}),
        ...(recorder ? { recorder } : {}),
        ...(tty
          ? {
              onProgress: (done: number, total: number) =>
                progressLine(
                  ctx.io,
                  `stacklab run: ${(done / NS_PER_S).toFixed(2)} / ${(total / NS_PER_S).toFixed(2)} s simulated`,
                ),
            }
          : {}),
      });
      if (tty) clearProgress(ctx.io);
      const doc = { version: JSON_VERSION, kind: 'stacklab.run', result };
      const json = `${JSON.stringify(doc, null, 1)}\n`;
      if (opts.report) writeHtmlReport(ctx, opts.report, `${scenario.name} under ${result.profile.id}`, doc);
      if (opts.out) ctx.io.writeFileAtomic(`${opts.out}/result.json`, json);
      if (recorder && opts.trace) ctx.io.writeFileAtomic(opts.trace, printTimeline(recorder, result));
      if (opts.folded) ctx.io.writeFileAtomic(opts.folded, printFolded(runFolded(result)));
      if (format === 'json') ctx.io.out(json);
      else if (format === 'ftrace') ctx.io.out(result.ftrace.table);
      else if (format === 'vmstat') ctx.io.out(result.kstack.text);
      else printText(ctx, renderRunText(result), opts);
      if (recorder && recorder.dropped > 0)
        ctx.io.err(
          `stacklab: --trace kept the first ${recorder.slices.length} slices (${recorder.dropped} more not written)\n`,
        );
    });
}

function durationOf(text: string): number {
  const r = parseDuration(text, '--duration');
  if (!r.ok) usage(formatDiagnostic(r.error));
  return r.value;
}

function seedOf(text: string): number {
  if (!/^\d{1,15}$/.test(text)) usage(`--seed ${text}: a whole number from 0 to 999999999999999`);
  return Number(text);
}

function positiveInt(text: string, flag: string): number {
  if (!/^\d{1,15}$/.test(text) || Number(text) === 0) usage(`${flag} ${text}: a positive whole number`);
  return Number(text);
}

// `stacklab mm`: the page allocator experiments — one run, the four-strategy comparison, the
// validation against the real fork-256M capture, and the device list.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import {
  DEFAULT_VALIDATION_LIMITS,
  type ForkRunCapture,
  readForkRunCapture,
  renderValidation,
  type ValidationLimits,
  validateForkRun,
} from '../../analyze/mm-validate.ts';
import { readStackDepths } from '../../analyze/stack-depths-input.ts';
import { InputError } from '../../base/diag.ts';
import { runMmCompare } from '../../device/compare.ts';
import {
  DEVICE_IDS,
  DEVICE_OVERRIDABLE,
  DEVICES,
  type DeviceId,
  type DeviceSpec,
  deviceParams,
} from '../../device/devices.ts';
import { runMmExperiment } from '../../device/experiment.ts';
import { STACK_STRATEGIES, type StackStrategy } from '../../device/kernel-stacks.ts';
import {
  BUILTIN_DEPTH_IDS,
  BUILTIN_DEPTHS,
  type BuiltinDepthsId,
  DEFAULT_DEPTHS,
  type StackDepths,
} from '../../device/stack-depths.ts';
import { SCENARIO_IDS, SCENARIOS, type ScenarioId } from '../../device/workloads.ts';
import { MAX_ORDER_NR_PAGES } from '../../mm/constants.ts';
import { KERNEL_MODES, type KernelMode } from '../../mm/migratetype.ts';
import {
  checkDynamicStackParams,
  DEFAULT_DYNAMIC_STACK,
  DYNAMIC_STACK_PARAMS,
  type DynamicStackParams,
} from '../../model/dynamic-stack-params.ts';
import { renderMmCompare, renderMmRun } from '../../report/mm-compare.ts';
import { mmProcFiles } from '../../report/mm-proc-files.ts';
import { type CliContext, diag, reportDiagnostics, usage } from '../context.ts';
import { writeHtmlReport } from '../html-report.ts';
import { JSON_VERSION } from '../json.ts';
import { clearProgress, progressLine } from '../progress.ts';
import { projectRoot } from '../project-root.ts';
import {
  jsonOption,
  outDirOption,
  outputOption,
  printText,
  reportOption,
  SEED_HELP,
  wideOption,
} from '../shared-options.ts';

interface CommonOpts {
  device: string;
  depths?: string;
  dynamic: string[];
  mode?: string;
  seed: string;
  forks?: string;
  warmup?: string;
  set: string[];
  out?: string;
  report?: string;
  json?: boolean;
  wide?: boolean;
}

interface ValidateOpts {
  seed: string;
  parallel: string;
  cpus: string;
  maxPages: string;
  maxForks: string;
  json?: boolean;
  wide?: boolean;
}

function collectSet(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function oneOf<T extends string>(what: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value))
    usage(`unknown ${what} "${value}" (expected ${allowed.join(', ')})`);
  return value as T;
}

function int(what: string, value: string | undefined, min: number, fallback: number): number {
  if (value === undefined) return fallback;
  // Digits only: Number() would also take "", "0x10", "1e3" and " 5".
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) usage(`--${what} must be an integer >= ${min}, got "${value}"`);
  return n;
}

/** The device with --set overrides applied (numeric fields of DEVICE_OVERRIDABLE only). */
function deviceWithOverrides(id: DeviceId, sets: readonly string[]): DeviceSpec {
  let d: DeviceSpec = DEVICES[id];
  for (const s of sets) {
    const m = /^([A-Za-z]+)=(\d+)$/.exec(s);
    if (!m || !(DEVICE_OVERRIDABLE as readonly string[]).includes(m[1]!))
      usage(`--set ${s}: expected FIELD=INTEGER with FIELD one of ${DEVICE_OVERRIDABLE.join(', ')}`);
    d = { ...d, [m[1]!]: Number(m[2]) };
  }
  const spanned = (d.ramMB * 1024) / 4;
  if (d.ramMB % 4 !== 0 || d.managedPages > spanned)
    usage(
      `--set: ramMB must be a multiple of 4 and hold managedPages (ramMB=${d.ramMB} holds ${Math.floor(spanned)} pages, managedPages=${d.managedPages})`,
    );
  if (d.ramMB > 16384) usage(`--set ramMB: expected at most 16384 (16 GB), got ${d.ramMB}`);
  if (d.pageblockOrder < 1 || d.pageblockOrder > 10) usage('--set pageblockOrder: expected 1..10');
  if (d.nrCpus < 1 || d.nrCpus > 256) usage(`--set nrCpus: expected 1..256, got ${d.nrCpus}`);
  if (d.swappiness > 200) usage(`--set swappiness: expected 0..200, got ${d.swappiness}`);
  // The zone keeps RAM - managedPages reserved and the CMA area at its end; what is left must hold
  // the boot-time free blocks (one MAX_ORDER block, 4 MB, at least).
  const cmaPages = (d.cmaMB * 1024) / 4;
  const free = spanned - (spanned - d.managedPages) - cmaPages;
  if (free < 1024)
    usage(
      `--set: managedPages - cmaMB leaves ${Math.max(0, free)} pages for the buddy allocator (expected at least 1024: ` +
        `managedPages=${d.managedPages}, cmaMB=${d.cmaMB} is ${cmaPages} pages)`,
    );
  // Against the device: a full zram device keeps its pages compressed in RAM (deviceParams' 3:1),
  // and a watermark above all the memory could never be met.
  const { zramRatio } = deviceParams(d);
  if (d.zramMB > d.ramMB * zramRatio)
    usage(
      `--set zramMB=${d.zramMB}: a full zram device of ${d.zramMB} MB holds ${Math.ceil(d.zramMB / zramRatio)} MB ` +
        `of compressed pages at ${zramRatio}:1, more than the ${d.ramMB} MB of ${id} (expected at most ${d.ramMB * zramRatio})`,
    );
  if (d.extraFreeKbytes >= d.managedPages * 4)
    usage(
      `--set extraFreeKbytes=${d.extraFreeKbytes}: more than the ${d.managedPages * 4} KB ${id} manages ` +
        `(expected less than ${d.managedPages * 4})`,
    );
  return d;
}

const STACKS_HELP = `stack strategy: ${STACK_STRATEGIES.join(', ')} (mm compare: a comma-separated list, all by default)`;

/** --stacks of mm compare: a comma-separated list of distinct strategies. */
function strategyList(value: string): StackStrategy[] {
  const list = value
    .split(',')
    .map((x) => oneOf<StackStrategy>('stack strategy', x.trim(), STACK_STRATEGIES));
  if (new Set(list).size !== list.length) usage(`--stacks ${value}: a strategy is named twice`);
  return list;
}

/** --dynamic FIELD=VALUE overrides of the dynamic-stack parameters, checked together. */
function dynamicOverrides(sets: readonly string[]): Partial<DynamicStackParams> {
  const out: Record<string, number | string | boolean> = {};
  const fields = Object.keys(DYNAMIC_STACK_PARAMS);
  for (const s of sets) {
    const m = /^([A-Za-z]+)=(.+)$/.exec(s);
    if (!m || !fields.includes(m[1]!))
      usage(`--dynamic ${s}: expected FIELD=VALUE with FIELD one of ${fields.join(', ')}`);
    const [, k, v] = m;
    const d = DYNAMIC_STACK_PARAMS[k as keyof DynamicStackParams];
    if (typeof d.default === 'number') {
      const n = /^\d+(\.\d+)?$/.test(v!) ? Number(v) : Number.NaN;
      if (!Number.isFinite(n)) usage(`--dynamic ${s}: expected a number >= 0 (${d.unit})`);
      out[k!] = n;
    } else if (typeof d.default === 'boolean') {
      if (v !== 'true' && v !== 'false') usage(`--dynamic ${s}: expected true or false`);
      out[k!] = v === 'true';
    } else {
      if (v !== 'atomic' && v !== 'kernel') usage(`--dynamic ${s}: expected atomic or kernel`);
      out[k!] = v;
    }
  }
  const bad = checkDynamicStackParams({ ...DEFAULT_DYNAMIC_STACK, ...out });
  if (bad !== undefined) usage(`--dynamic: ${bad}`);
  return out as Partial<DynamicStackParams>;
}

/** --depths: a built-in depth distribution or a file read as one. */
function depthsOf(ctx: CliContext, source: string | undefined): StackDepths {
  if (source === undefined) return BUILTIN_DEPTHS[DEFAULT_DEPTHS];
  if ((BUILTIN_DEPTH_IDS as readonly string[]).includes(source))
    return BUILTIN_DEPTHS[source as BuiltinDepthsId];
  if (!existsSync(source))
    throw new InputError(
      diag('io/cannot-read', 'error', `no depth file ${source} (built-in: ${BUILTIN_DEPTH_IDS.join(', ')})`, {
        file: source,
      }),
    );
  const r = readStackDepths(ctx.io.readText(source), source);
  const error = r.diagnostics.find((d) => d.severity === 'error');
  if (r.value === undefined || error)
    throw new InputError(error ?? diag('depths/unknown', 'error', `cannot use ${source}`, { file: source }));
  reportDiagnostics(ctx.io, r.diagnostics);
  return r.value;
}

/** A progress line on stderr, only when stderr is a terminal. */
function progress(ctx: CliContext): (label: string, fraction: number) => void {
  if (!ctx.io.stderrIsTty) return () => {};
  let last = '';
  return (label, fraction) => {
    const width = 30;
    const f = Math.max(0, Math.min(1, fraction));
    const bar = `${'#'.repeat(Math.round(f * width))}${' '.repeat(width - Math.round(f * width))}`;
    const line = `[${bar}] ${String(Math.round(f * 100)).padStart(3)}% ${label}`;
    if (line !== last) progressLine(ctx.io, line);
    last = line;
    if (label === 'done') clearProgress(ctx.io);
  };
}

function addCommon(cmd: Command, ctx: CliContext): Command {
  outDirOption(cmd);
  reportOption(cmd);
  jsonOption(cmd);
  wideOption(cmd);
  return outputOption(cmd, ctx)
    .option('-d, --device <id>', `simulated device (${DEVICE_IDS.join(', ')})`, 'phone-1g-2015')
    .option('--mode <mode>', "allocator mode: 2015 or 6.1 (default: the device's kernel)")
    .option('--seed <n>', SEED_HELP, '1')
    .option('--forks <n>', 'forks to measure after the warm-up (default: 20000, 4000 for build)')
    .option('--warmup <n>', 'warm-up length in app launches (android) or compiles (build); scenario default')
    .option(
      '--set <field=value>',
      `device override, e.g. --set zramMB=512 (${DEVICE_OVERRIDABLE.join(', ')})`,
      collectSet,
      [],
    )
    .option(
      '--depths <source>',
      `how deep tasks get, for dynamic stacks: ${BUILTIN_DEPTH_IDS.join(', ')}, or a task high-water file, ` +
        `kstack_* histogram or stacklab run --json result (default: ${DEFAULT_DEPTHS})`,
    )
    .option(
      '--dynamic <field=value>',
      `dynamic-stack parameter, e.g. --dynamic poolPages=2 (${Object.keys(DYNAMIC_STACK_PARAMS).join(', ')})`,
      collectSet,
      [],
    );
}

function writeOut(ctx: CliContext, dir: string, files: Record<string, string>): string[] {
  const names = Object.keys(files);
  for (const name of names) ctx.io.writeFileAtomic(join(dir, name), files[name]!);
  return names;
}

/**
 * The options of an `mm` subcommand. `mm` declares the run options itself, so commander parses them
 * also when they come before the subcommand's name (`mm --device board-512m compare`): those count
 * unless the subcommand got the same option after its name; options `mm` has and the subcommand has
 * not are a usage error (they would silently do nothing).
 */
function subcommandOptions<T>(cmd: Command): T {
  const parent = cmd.parent!;
  const out: Record<string, unknown> = { ...cmd.opts() };
  for (const [key, value] of Object.entries(parent.opts())) {
    if (parent.getOptionValueSource(key) !== 'cli') continue;
    const own = cmd.options.find((x) => x.attributeName() === key);
    if (own === undefined) {
      const flag = parent.options.find((x) => x.attributeName() === key)?.long ?? key;
      usage(`${flag} does not apply to "mm ${cmd.name()}" (see stacklab mm ${cmd.name()} --help)`);
    }
    if (cmd.getOptionValueSource(key) !== 'cli') out[key] = value;
  }
  return out as T;
}

/** Default capture for `stacklab mm validate`: the fixture copied into the repository. */
function defaultCaptureDir(): string {
  return join(projectRoot(), 'test', 'fixtures', 'arm64-6.1-qemu', 'fork-256M');
}

function readCapture(
  ctx: CliContext,
  dir: string,
  parallel: number,
  cpus: number,
  limits: ValidationLimits,
): ForkRunCapture {
  const path = (f: string) => join(dir, f);
  if (!existsSync(dir))
    throw new InputError(diag('io/cannot-read', 'error', `no capture directory ${dir}`, { file: dir }));
  if (!ctx.io.isDirectory(dir))
    throw new InputError(
      diag(
        'io/cannot-read',
        'error',
        `${dir} is a file, not a capture directory`,
        { file: dir },
        'a directory holding buddyinfo-before.txt, pagetypeinfo-before.txt, ... and workload-output.txt',
      ),
    );
  const r = readForkRunCapture((f) => ctx.io.readText(path(f)), path, { parallel, nrCpus: cpus, limits });
  const error = r.diagnostics.find((d) => d.severity === 'error');
  if (r.value === undefined || error)
    throw new InputError(
      error ?? diag('mm-validate/unreadable', 'error', `cannot use ${dir}`, { file: dir }),
    );
  reportDiagnostics(ctx.io, r.diagnostics);
  return r.value;
}

export function registerMm(program: Command, ctx: CliContext): void {
  const mm = addCommon(
    program
      .command('mm')
      // `mm compare --json` is compare's option, not mm's (which would take it and leave compare's unset).
      .enablePositionalOptions()
      .description("page allocator experiment: what 16 KB, 8 KB and vmalloc'ed stacks cost in memory")
      .argument('[scenario]', `workload: ${SCENARIO_IDS.join(', ')} (default: the device's)`)
      .option('--stacks <s>', STACKS_HELP, '16k')
      .option(
        '--age-with <s>',
        "stacks during the warm-up: native (the device kernel's) or same (--stacks)",
        'native',
      ),
    ctx,
  ).addHelpText(
    'after',
    `
Boots a simulated device, ages it with the workload (the warm-up), then measures --forks task
creations whose kernel stacks are order 2 (16k), order 1 (8k), four order-0 pages with a per-CPU
cache of two (vmap), or one page that grows on fault from a per-CPU pool of three (dynamic; --depths
says how deep tasks get, --dynamic sets the design's parameters). Prints fork latency percentiles, slow-path entries, compaction and reclaim
counters, failures and the fragmentation at the end; --out writes buddyinfo, pagetypeinfo, vmstat,
unusable_index and extfrag_index in the kernel's formats, plus result.json.

Devices: ${DEVICE_IDS.join(', ')} (stacklab mm devices shows what each stands for).

  stacklab mm --device phone-1g-2015 --stacks 16k --seed 1
  stacklab mm --device phone-1g-6.1 --stacks vmap --out run/
  stacklab mm build --device board-512m --stacks 8k --mode 6.1
  stacklab mm --device phone-4g-2026 --stacks dynamic --dynamic refillDelayUs=10000
  stacklab mm compare --device phone-1g-2015        the four strategies side by side
  stacklab mm validate                              the model against the real fork-256M capture`,
  );
  mm.action((scenario: string | undefined, o: CommonOpts & { stacks: string; ageWith: string }) => {
    const device = deviceWithOverrides(oneOf('device', o.device, DEVICE_IDS), o.set);
    const stacks = oneOf<StackStrategy>('stack strategy', o.stacks, STACK_STRATEGIES);
    const mode = o.mode === undefined ? undefined : oneOf<KernelMode>('mode', o.mode, KERNEL_MODES);
    const sc = scenario === undefined ? undefined : oneOf<ScenarioId>('scenario', scenario, SCENARIO_IDS);
    const ageWith = oneOf('--age-with value', o.ageWith, ['native', 'same'] as const);
    if (o.out !== undefined) ctx.io.checkOutput(o.out, '--out', 'dir');
    if (o.report !== undefined) ctx.io.checkOutput(o.report, '--report');
    const seed = int('seed', o.seed, 0, 1);
    const scenarioId = sc ?? device.defaultScenario;
    const forks = int('forks', o.forks, 1, SCENARIOS[scenarioId].defaultForks);
    const warmup = o.warmup === undefined ? undefined : int('warmup', o.warmup, 0, 0);
    const dynamic = { params: dynamicOverrides(o.dynamic), depths: depthsOf(ctx, o.depths) };
    const bar = progress(ctx);
    const r = runMmExperiment({
      device,
      stacks,
      seed,
      forks,
      ageWith,
      dynamic,
      ...(mode === undefined ? {} : { mode }),
      ...(sc === undefined ? {} : { scenario: sc }),
      ...(warmup === undefined ? {} : { warmup }),
      onProgress: (done, total) => bar(done < 0 ? 'ageing' : `${stacks} forks`, Math.abs(done) / total),
    });
    bar('done', 1);
    const doc = { version: JSON_VERSION, kind: 'stacklab.mm.run', result: r };
    if (o.json) ctx.io.out(`${JSON.stringify(doc, null, 2)}\n`);
    else printText(ctx, renderMmRun(r), o);
    if (o.out) {
      const names = writeOut(ctx, o.out, {
        ...mmProcFiles(r),
        'result.json': `${JSON.stringify(doc, null, 2)}\n`,
      });
      ctx.io.err(`stacklab: wrote ${join(o.out, '')} (${names.join(', ')})\n`);
    }
    if (o.report !== undefined)
      writeHtmlReport(ctx, o.report, `stacklab mm --device ${r.device} --stacks ${stacks}`, doc);
  });

  addCommon(
    mm
      .command('compare')
      .description('the stack strategies on the same aged device, workload and seed, side by side')
      .argument('[scenario]', `workload: ${SCENARIO_IDS.join(', ')} (default: the device's)`)
      .option('--stacks <s>', STACKS_HELP, STACK_STRATEGIES.join(',')),
    ctx,
  )
    .addHelpText(
      'after',
      `
The device is aged once with its kernel's own stacks (16 KB in 2015 mode, VMAP in 6.1), then each
strategy forks --forks tasks from a copy of that same memory. Rows: slow-path entries, direct
compaction and reclaim of the stack allocations, failed forks, fork latency percentiles (µs of
modelled allocator work), /proc/vmstat deltas per 1000 forks, the fragmentation left behind, and the
stacks: memory (kB, % of RAM) with every live task on the strategy, faults per second, pool refills
and refill failures, and the probability of a refill panic per device-hour with its 95 % interval.
Takes 5-10 s on one core for a phone (20 s for board-512m); --warmup and --forks trade accuracy for time.

  stacklab mm compare --device phone-1g-2015
  stacklab mm compare --device phone-1g-2015 --mode 6.1 --seed 7
  stacklab mm compare --device phone-1g-2015 --set extraFreeKbytes=0     a stock (non-Android) 2015 kernel
  stacklab mm compare --device phone-4g-2026 --stacks vmap,dynamic --depths qemu-6.1-highwater
  stacklab mm compare --device board-512m --forks 2000 --json`,
    )
    .action((scenario: string | undefined, _o: CommonOpts, cmd: Command) => {
      const o = subcommandOptions<CommonOpts & { stacks: string }>(cmd);
      const device = deviceWithOverrides(oneOf('device', o.device, DEVICE_IDS), o.set);
      const strategies = strategyList(o.stacks);
      const dynamic = { params: dynamicOverrides(o.dynamic), depths: depthsOf(ctx, o.depths) };
      if (o.out !== undefined) ctx.io.checkOutput(o.out, '--out', 'dir');
      if (o.report !== undefined) ctx.io.checkOutput(o.report, '--report');
      const mode = o.mode === undefined ? undefined : oneOf<KernelMode>('mode', o.mode, KERNEL_MODES);
      const sc = scenario === undefined ? undefined : oneOf<ScenarioId>('scenario', scenario, SCENARIO_IDS);
      const bar = progress(ctx);
      const c = runMmCompare({
        device,
        seed: int('seed', o.seed, 0, 1),
        ...(o.forks === undefined ? {} : { forks: int('forks', o.forks, 1, 1) }),
        ...(mode === undefined ? {} : { mode }),
        ...(sc === undefined ? {} : { scenario: sc }),
        ...(o.warmup === undefined ? {} : { warmup: int('warmup', o.warmup, 0, 0) }),
        strategies,
        dynamic,
        onProgress: bar,
      });
      bar('done', 1);
      const doc = { version: JSON_VERSION, kind: 'stacklab.mm.compare', result: c };
      if (o.json) ctx.io.out(`${JSON.stringify(doc, null, 2)}\n`);
      else printText(ctx, renderMmCompare(c), o);
      if (o.out) {
        for (const r of c.runs) writeOut(ctx, join(o.out, r.stacks), mmProcFiles(r));
        writeOut(ctx, o.out, {
          'compare.json': `${JSON.stringify(doc, null, 2)}\n`,
          'compare.txt': renderMmCompare(c),
        });
        const subdirs = c.runs.map((r) => `${r.stacks}/`).join(', ');
        ctx.io.err(
          `stacklab: wrote ${join(o.out, '')} (compare.json, compare.txt; ${subdirs} with the kernel files)\n`,
        );
      }
      if (o.report !== undefined)
        writeHtmlReport(ctx, o.report, `stacklab mm compare --device ${c.device}`, doc);
    });

  const validate = mm
    .command('validate')
    .description(
      'start the model from a real capture (fork-256M), run its fork workload, compare with the real after-state',
    )
    .argument(
      '[dir]',
      'capture directory with buddyinfo/pagetypeinfo/vmstat/meminfo before and after, and workload-output.txt',
    );
  jsonOption(validate);
  wideOption(validate);
  outputOption(validate, ctx)
    .option('--seed <n>', SEED_HELP, '1')
    .option('--parallel <n>', 'children forked at a time by the captured workload', '8')
    .option('--cpus <n>', 'CPUs of the captured machine', '2')
    .option(
      '--max-pages <n>',
      'largest zone the model builds, in 4 KB pages',
      String(DEFAULT_VALIDATION_LIMITS.maxPages),
    )
    .option('--max-forks <n>', 'most forks the model runs', String(DEFAULT_VALIDATION_LIMITS.maxForks))
    .addHelpText(
      'after',
      `
Without DIR it reads test/fixtures/arm64-6.1-qemu/fork-256M, Debian 6.1.192 on QEMU (256 MB, 2 CPUs)
running "stackwork fork 2000 8". The model is laid out from pagetypeinfo-before (pageblock types and
free blocks per type and order), runs the same number of forks, and the output lists real and model
changes of buddyinfo, pagetypeinfo and vmstat side by side, with the notes on what was fitted.

  stacklab mm validate
  stacklab mm validate test/fixtures/arm64-6.1-qemu/fork-256M --json`,
    )
    .action((dir: string | undefined, _o: ValidateOpts, cmd: Command) => {
      const o = subcommandOptions<ValidateOpts>(cmd);
      const d = DEFAULT_VALIDATION_LIMITS;
      const capture = readCapture(
        ctx,
        dir ?? defaultCaptureDir(),
        int('parallel', o.parallel, 1, 8),
        int('cpus', o.cpus, 1, 2),
        {
          maxPages: int('max-pages', o.maxPages, MAX_ORDER_NR_PAGES, d.maxPages),
          maxForks: int('max-forks', o.maxForks, 1, d.maxForks),
        },
      );
      const v = validateForkRun(capture, int('seed', o.seed, 0, 1));
      if (o.json)
        ctx.io.out(
          `${JSON.stringify({ version: JSON_VERSION, kind: 'stacklab.mm.validate', result: v }, null, 2)}\n`,
        );
      else printText(ctx, renderValidation(v), o);
    });

  const devices = mm
    .command('devices')
    .description('the simulated devices: what real device each stands for and where its numbers come from');
  jsonOption(devices);
  wideOption(devices);
  outputOption(devices, ctx).action((_o: unknown, cmd: Command) => {
    const o = subcommandOptions<{ json?: boolean; wide?: boolean }>(cmd);
    if (o.json) {
      ctx.io.out(
        `${JSON.stringify({ version: JSON_VERSION, kind: 'stacklab.mm.devices', devices: DEVICE_IDS.map((id) => DEVICES[id]) }, null, 2)}\n`,
      );
      return;
    }
    let s = '';
    for (const id of DEVICE_IDS) {
      const d = DEVICES[id];
      s += `${id}: ${d.title}\n  stands for ${d.standsFor}\n`;
      s += `  ${d.ramMB} MB, ${d.managedPages} managed pages, ${d.nrCpus} CPUs, ${d.mode} mode, pageblock order ${d.pageblockOrder}, `;
      s += `zram ${d.zramMB} MB, ${d.lmkMinfreeMB ? 'lowmemorykiller' : 'OOM killer only'}, workload ${d.defaultScenario}\n`;
      for (const src of d.sources) s += `  - ${src}\n`;
      s += '\n';
    }
    printText(ctx, s, o);
  });
}

// `stacklab frames ELF... [--min BYTES] [--format checkstack|json] [--su FILE]`: per-function frame
// sizes straight from the binary, in checkstack.pl's layout so existing scripts keep working.
import type { Command } from 'commander';
import { type Diagnostic, formatDiagnostic } from '../../base/diag.ts';
import type { Binary, BinaryFunction, FrameSource } from '../../elf/binary.ts';
import { matchStackUsage } from '../../elf/imported-frames.ts';
import { CheckstackLines, checkstackAddress } from '../../formats/checkstack.ts';
import { type CliContext, reportDiagnostics, usage } from '../context.ts';
import { expandElfArgs, forEachBinary, readStackUsageFiles } from '../elf-inputs.ts';
import { EXIT_BAD_INPUT } from '../exit-codes.ts';
import { defaultJobs, FrameWorkers, rethrown, runFrameLines } from '../frames-jobs.ts';
import type { Io } from '../io.ts';
import { JSON_VERSION } from '../json.ts';
import { collect } from '../option-values.ts';
import { clearProgress, progressLine } from '../progress.ts';
import { formatOf, formatOption, outputOption } from '../shared-options.ts';

const FORMATS = ['checkstack', 'json'] as const;

interface FramesOptions {
  min?: number;
  format?: string;
  json?: boolean;
  su: string[];
  emulateCheckstack?: boolean;
  jobs?: number;
}

/**
 * One function as `frames` reports it: flat and small, because a module tree keeps 190k of them
 * (holding the BinaryFunction objects instead made the garbage collector the slowest part).
 */
interface FrameRow {
  readonly path: string;
  readonly tag: string;
  readonly name: string;
  readonly aliases: readonly string[];
  readonly section: string;
  /** objdump's 16-digit address column. */
  readonly address: string;
  frameBytes: number;
  dynamic: boolean;
  source: FrameSource;
  readonly checkstackBytes: number;
  readonly cfiBytes: number | undefined;
  readonly patchable: boolean;
  readonly pac: boolean;
  readonly bti: boolean;
}

function rowOf(b: Binary, fn: BinaryFunction): FrameRow {
  return {
    path: b.file,
    tag: b.tag,
    name: fn.name,
    aliases: fn.aliases,
    section: fn.section,
    address: checkstackAddress(fn.address),
    frameBytes: fn.frameBytes,
    dynamic: fn.dynamic,
    source: fn.frameSource,
    checkstackBytes: fn.info.checkstackBytes,
    cfiBytes: fn.cfiBytes,
    patchable: fn.patchable,
    pac: fn.hints.pac,
    bti: fn.hints.bti,
  };
}

export function registerFrames(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('frames')
    .description('per-function stack frame sizes of AArch64 ELF files (vmlinux, .ko, programs)')
    .argument(
      '<elf...>',
      'ELF files, or directories searched for .ko modules (also .ko.xz, .ko.zst, .ko.gz)',
    );
  cmd
    .option('--min <bytes>', 'only frames larger than BYTES (checkstack.pl: 100; json: all)', nonNegative)
    .option(
      '--su <file>',
      'GCC -fstack-usage output; its exact sizes replace decoded ones (repeatable)',
      collect,
      [],
    )
    .option('--emulate-checkstack', 'print the sums scripts/checkstack.pl would print, mistakes included')
    .option(
      '--jobs <n>',
      'threads for the checkstack report without --su (default: every core; 1 for fewer than 64 files)',
      positive,
    );
  formatOption(cmd, FORMATS, "checkstack (default: scripts/checkstack.pl's lines) or json");
  outputOption(cmd, ctx)
    .addHelpText(
      'after',
      `
Frames come from the code: every path through the function is followed from its entry and the
deepest static SP is its frame (GCC's -fstack-usage number). "mov x12, #0x13a0; sub sp, sp, x12"
and "sub sp, sp, #0x1, lsl #12" frames, which checkstack.pl misses or misreads, are counted right;
VLA/alloca functions are flagged dynamic (json) with their static part shown. .eh_frame/.debug_frame
are read when present; clang's .stack_sizes section and --su files take precedence. Stripped binaries:
functions that only their FDEs (.eh_frame) describe are listed as sub_<address>.

The checkstack format is scripts/checkstack.pl's, byte for byte (sorted, tab-padded, > --min bytes):
  0x0000000000002690 pfkey_sendmsg [af_key]:		80

Examples (examples/arm64/ holds a small kernel and module to try; on a machine, vmlinux and
/lib/modules/$(uname -r)/kernel):
  stacklab frames examples/arm64/mini-kernel         like objdump -d vmlinux | checkstack.pl arm64
  stacklab frames examples/arm64 --min 200           a directory: every .ko (.ko.xz ...) under it
  stacklab frames examples/arm64/mini-module.ko --json
  stacklab frames examples/arm64/mini-kernel --su examples/arm64/mini-kernel.su     GCC's exact sizes
  stacklab frames --emulate-checkstack examples/arm64/mini-kernel > old.txt   checkstack.pl's, to diff`,
    )
    .action((elfArgs: string[], opts: FramesOptions) => runFrames(ctx, elfArgs, opts));
}

function positive(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1) usage(`--jobs: "${v}" is not a thread count`);
  return Number(v);
}

function nonNegative(v: string): number {
  if (!/^\d+$/.test(v)) usage(`--min: "${v}" is not a byte count`);
  return Number(v);
}

async function runFrames(ctx: CliContext, elfArgs: string[], opts: FramesOptions): Promise<void> {
  const format = formatOf(opts, FORMATS) as (typeof FORMATS)[number];
  // The checkstack report of a directory (a module tree) runs on worker threads: start them now,
  // while this thread walks the directory.
  const fast = format === 'checkstack' && opts.su.length === 0;
  const workers = fast ? startWorkersEarly(ctx, elfArgs, opts.jobs) : undefined;
  let files: string[];
  try {
    files = expandElfArgs(ctx, elfArgs);
  } catch (e) {
    workers?.close();
    throw e;
  }
  const su = readStackUsageFiles(ctx, opts.su);
  const min = opts.min ?? (format === 'json' ? -1 : 100);
  const size = (r: { frameBytes: number; checkstackBytes: number }) =>
    opts.emulateCheckstack ? r.checkstackBytes : r.frameBytes;
  if (fast) return runFramesCheckstack(ctx, files, opts.emulateCheckstack === true, min, opts.jobs, workers);
  const out = new Output(format);
  const binaries: { path: string; tag: string; e_type: number; functions: number }[] = [];
  const diagnostics: Diagnostic[] = [];
  // With --su files, rows wait for the import; without, each is printed to a string at once (a
  // module tree has 190k of them: objects kept alive that long made the garbage collector the
  // slowest part of the command).
  const pending: FrameRow[] = [];
  const { failed } = forEachBinary(ctx, files, { sites: false, details: format === 'json' }, (b: Binary) => {
    binaries.push({ path: b.file, tag: b.tag, e_type: b.e_type, functions: b.functions.length });
    diagnostics.push(...b.diagnostics);
    for (const fn of b.functions) {
      const bytes = opts.emulateCheckstack ? fn.info.checkstackBytes : fn.frameBytes;
      if (su.length === 0) {
        if (bytes > min) out.add(rowOf(b, fn), bytes);
      } else pending.push(rowOf(b, fn));
    }
  });
  for (const s of su) {
    diagnostics.push(...s.diagnostics);
    const m = matchStackUsage(
      pending.map((r) => ({ key: r, fn: r, file: r.path })),
      s.entries,
      s.file,
    );
    diagnostics.push(...m.diagnostics);
    for (const [row, f] of m.frames) {
      row.frameBytes = f.bytes;
      row.dynamic = f.dynamic;
      row.source = 'su';
    }
  }
  for (const r of pending) if (size(r) > min) out.add(r, size(r));
  out.print(ctx.io, binaries);
  finish(ctx, diagnostics, out, opts.emulateCheckstack === true, failed);
}

/**
 * The checkstack report without --su, the common case and the one a module tree makes large: lines
 * go from the decoder straight into a CheckstackLines, on several threads when there are many files.
 */
async function runFramesCheckstack(
  ctx: CliContext,
  files: readonly string[],
  emulate: boolean,
  min: number,
  jobsOption: number | undefined,
  workers: FrameWorkers | undefined,
): Promise<void> {
  // Workers read the file system themselves: files only the Io knows (tests, stdin) stay here.
  const inWorkers = files.every((f) => ctx.io.canReadInWorker(f));
  const jobs = inWorkers ? (jobsOption ?? defaultJobs(files.length)) : 1;
  const progress = ctx.io.stderrIsTty && files.length > 1;
  let lastProgress = 0;
  const run = await runFrameLines(
    files,
    { emulateCheckstack: emulate, min },
    jobs,
    (path) => ctx.io.openRandomAccess(path, { scratch: true }),
    progress
      ? (i) => {
          if (Date.now() - lastProgress < 100) return;
          lastProgress = Date.now();
          const counter = `[${i + 1}/${files.length}] `;
          progressLine(ctx.io, `${counter}${files[i]}`, counter.length);
        }
      : undefined,
    workers,
  );
  if (progress) clearProgress(ctx.io);
  if (process.env.STACKLAB_DEBUG?.includes('jobs')) {
    const stats = run.threadStats.map(
      (t) => `${t.chunks} chunks from ${t.startMs.toFixed(0)} ms for ${t.busyMs.toFixed(0)} ms`,
    );
    ctx.io.err(
      `stacklab frames: ${files.length} files, --jobs ${jobs}, ${run.threads} thread(s) did work: ${stats.join('; ')}\n`,
    );
  }
  const diagnostics: Diagnostic[] = [];
  const failed: Diagnostic[] = [];
  const counts = { count: 0, dynamic: 0, differ: 0 };
  // In input order, as one thread would have met them.
  for (const o of run.outcomes) {
    if (o === undefined) continue;
    if (o.kind === 'thrown') throw rethrown(o);
    if (o.kind === 'failed') {
      failed.push(o.error);
      ctx.io.err(`${formatDiagnostic(o.error)}\n`);
      continue;
    }
    diagnostics.push(...o.diagnostics);
    counts.count += o.shown;
    counts.dynamic += o.dynamic;
    counts.differ += o.differ;
  }
  run.lines.write((piece) => ctx.io.outBytes(piece));
  finish(ctx, diagnostics, counts, emulate, failed);
}

/**
 * Workers for a run that will want them: a directory argument (or 64 files) and no --jobs 1. Only
 * when every argument is a file a worker can read; the run ends those it does not need.
 */
function startWorkersEarly(
  ctx: CliContext,
  elfArgs: readonly string[],
  jobs: number | undefined,
): FrameWorkers | undefined {
  if (!elfArgs.every((a) => ctx.io.canReadInWorker(a))) return undefined;
  const many = elfArgs.length >= 64 || elfArgs.some((a) => ctx.io.isDirectory(a));
  const threads = jobs ?? (many ? defaultJobs(Number.POSITIVE_INFINITY) : 1);
  return FrameWorkers.start(threads - 1);
}

/** Diagnostics, the summary line on stderr, the exit code. */
function finish(
  ctx: CliContext,
  diagnostics: readonly Diagnostic[],
  shown: { count: number; dynamic: number; differ: number },
  emulate: boolean,
  failed: readonly Diagnostic[],
): void {
  reportDiagnostics(ctx.io, diagnostics);
  const differ = emulate ? 0 : shown.differ;
  if (shown.dynamic > 0 || differ > 0) {
    const parts = [];
    if (shown.dynamic > 0)
      parts.push(`${shown.dynamic} allocate dynamically (VLA/alloca; the static part is shown)`);
    if (differ > 0) parts.push(`${differ} differ from what checkstack.pl prints`);
    ctx.io.err(
      `stacklab frames: of ${shown.count} functions shown, ${parts.join('; ')}; --json has the details\n`,
    );
  }
  if (failed.length > 0) ctx.exitCode = EXIT_BAD_INPUT;
}

/** The report as it grows: checkstack lines as bytes, JSON as one string per function. */
class Output {
  private readonly lines = new CheckstackLines();
  private readonly texts: string[] = [];
  count = 0;
  dynamic = 0;
  differ = 0;

  constructor(private readonly format: 'checkstack' | 'json') {}

  add(r: FrameRow, bytes: number): void {
    this.count++;
    if (r.dynamic) this.dynamic++;
    if (r.checkstackBytes !== r.frameBytes) this.differ++;
    if (this.format === 'checkstack') {
      this.lines.add({ address: r.address, function: r.name, file: r.tag, bytes });
      return;
    }
    this.texts.push(
      JSON.stringify({
        file: r.path,
        tag: r.tag,
        name: r.name,
        ...(r.aliases.length > 0 ? { aliases: r.aliases } : {}),
        section: r.section,
        address: `0x${r.address.replace(/^0+(?=.)/, '')}`,
        frameBytes: r.frameBytes,
        dynamic: r.dynamic,
        source: r.source,
        checkstackBytes: r.checkstackBytes,
        ...(r.cfiBytes !== undefined ? { cfiBytes: r.cfiBytes } : {}),
        patchable: r.patchable,
        pac: r.pac,
        bti: r.bti,
      }),
    );
  }

  print(io: Io, files: unknown): void {
    if (this.format === 'json') {
      const head = JSON.stringify({ version: JSON_VERSION, kind: 'stacklab.frames', files });
      io.out(`${head.slice(0, -1)},"functions":[\n${this.texts.join(',\n')}\n]}\n`);
      return;
    }
    // checkstack.pl's order: largest first, ties in input order (its sort is stable).
    io.outBytes(this.lines.report());
  }
}

// `stacklab import FILE... [--elf ELF...]`: a code model (YAML) for `stacklab run` from real data:
// stack_trace tables, func_stack_trace unwinds, frame sizes from AArch64 binaries, and interrupt
// and softirq rates from /proc/interrupts and /proc/softirqs snapshots.
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { rebuildChain } from '../../analyze/chain.ts';
import { CodeModelBuilder } from '../../analyze/import-code-model.ts';
import { diag, InputError } from '../../base/diag.ts';
import { parseFtraceStackTrace, sniffFtraceStackTrace } from '../../formats/ftrace-stack-trace.ts';
import { parseFuncStackTrace, sniffFuncStackTrace } from '../../formats/func-stack-trace.ts';
import { countDeltas, parseProcCounts } from '../../formats/proc-interrupts.ts';
import { validateCodeModel } from '../../kernel/sim/code-model.ts';
import { DistributionSchema } from '../../kernel/sim/distribution-schema.ts';
import { parseYamlInput } from '../../kernel/sim/yaml-input.ts';
import { type CliContext, reportDiagnostics, usage } from '../context.ts';
import { expandElfArgs, forEachBinary } from '../elf-inputs.ts';
import { JSON_VERSION } from '../json.ts';
import { collect } from '../option-values.ts';
import { jsonOption, outputOption } from '../shared-options.ts';

interface ImportOpts {
  elf: string[];
  with: string[];
  interrupts: string[];
  softirqs: string[];
  name?: string;
  json?: boolean;
  self: string;
  frame: string;
  seconds?: string;
}

export function registerImport(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('import')
    .argument(
      '[FILE...]',
      'stack_trace tables and func_stack_trace output (raw trace or "N x" counts), or - for stdin',
    )
    .description(
      'build an editable code model (YAML) for `stacklab run` from real tables, unwinds and binaries',
    );
  cmd
    .option(
      '--elf <file>',
      "vmlinux or .ko files (or folders) whose frame sizes replace the tables' (repeatable)",
      collect,
      [],
    )
    .option(
      '--with <file>',
      'a hand-written (partial) code model merged in: calls the data cannot show, self times, kernel paths (repeatable)',
      collect,
      [],
    )
    .option(
      '--interrupts <before,after>',
      '/proc/interrupts before and after a run: rates as comments',
      collect,
      [],
    )
    .option(
      '--softirqs <before,after>',
      '/proc/softirqs before and after a run: rates as comments',
      collect,
      [],
    )
    .option('--seconds <s>', 'seconds between the before and after snapshots (for rates)')
    .option('--name <name>', "the model's name (default: from the first file)")
    .option('--self <time>', 'self time written for every function (a duration or "exp:2us")', 'exp:1us')
    .option('--frame <bytes>', 'frame size for functions no input sizes', '64');
  jsonOption(cmd);
  outputOption(cmd, ctx)
    .addHelpText(
      'after',
      `
Every caller -> callee pair seen becomes a call step; local_bh_enable, irq_exit and the softirq
action loop become their steps; frame sizes come from --elf, else the tables, else --frame. Edit
self times and probabilities, then name the model in a scenario (codeModel: FILE).

  stacklab import test/fixtures/arm64-6.1-qemu/udp-512M/stack_trace.txt \\
    test/fixtures/arm64-6.1-qemu/udp-512M/func_stack_trace-unique.txt -o udp.code.yaml
  stacklab import data/seed/stack_trace-rfc-2015.txt --elf examples/arm64/mini-kernel -o seed.code.yaml
  (on a machine, --elf /usr/lib/debug/vmlinux-$(uname -r) gives the real frame sizes)`,
    )
    .action((files: string[], opts: ImportOpts) => {
      if (files.length === 0 && opts.with.length === 0)
        usage('import needs a FILE (a table or a trace) or --with FILE');
      const self = selfOf(opts.self);
      const frame = Number(opts.frame);
      if (!Number.isInteger(frame) || frame < 0 || frame % 8 !== 0 || frame > 1 << 20)
        usage(`--frame ${opts.frame}: a multiple of 8 bytes`);
      const b = new CodeModelBuilder();
      for (const f of files) readInput(ctx, b, f);
      for (const f of opts.with) {
        const y = parseYamlInput(ctx.io.readText(f), f, 'code-model');
        if (!y.ok) throw new InputError(y.error);
        const v = y.value.value;
        if (typeof v !== 'object' || v === null)
          throw new InputError(
            diag('import/bad-with', 'error', 'expected a mapping with functions:', { file: f, line: 1 }),
          );
        b.addModel(v as never);
      }
      const elfFrames = opts.elf.length > 0 ? readElfFrames(ctx, opts.elf) : undefined;
      const name =
        opts.name ??
        ((files[0] ?? opts.with[0]!) === '-'
          ? 'imported'
          : ((files[0] ?? opts.with[0]!).split('/').pop() ?? 'imported').replace(/\.[^.]*$/, ''));
      const r = b.build({
        name,
        source: `stacklab import ${files.join(' ')}${opts.with.map((w) => ` --with ${w}`).join('')}${opts.elf.length ? ` --elf ${opts.elf.join(' ')}` : ''}`,
        self,
        defaultFrame: frame,
        ...(elfFrames ? { elfFrames } : {}),
      });
      reportDiagnostics(ctx.io, r.diagnostics);
      const v = validateCodeModel(r.model, name);
      if (!v.ok) throw new InputError(v.error);
      const header = [
        `# code model imported by stacklab from: ${[...files, ...opts.with].join(', ')}`,
        `# ${r.summary.functions} functions (frames: ${r.summary.framesFrom.elf} from ELF, ${r.summary.framesFrom.table} from tables, ${r.summary.framesFrom.with} from --with, ${r.summary.framesFrom.default} default)`,
        `# syscalls: ${r.summary.syscalls.join(', ') || 'none seen'}`,
        `# interrupt handlers: ${r.summary.handlers.map((h) => `${h.name} (${h.kind})`).join(', ') || 'none seen'}`,
        ...rateComments(ctx, opts),
      ];
      const yaml = `${header.join('\n')}\n${stringify(r.model, { lineWidth: 100, aliasDuplicateObjects: false })}`;
      if (opts.json)
        ctx.io.out(
          `${JSON.stringify({ version: JSON_VERSION, kind: 'stacklab.import', summary: r.summary, model: r.model }, null, 2)}\n`,
        );
      else ctx.io.out(yaml);
      ctx.io.err(`stacklab import: ${r.summary.functions} functions from ${r.summary.paths} paths\n`);
    });
}

function selfOf(text: string): unknown {
  const value = text.startsWith('exp:') ? { exp: text.slice(4) } : text;
  const r = DistributionSchema.safeParse(value);
  if (!r.success) usage(`--self ${text}: a duration (2us) or exp:2us`);
  return value;
}

function readInput(ctx: CliContext, b: CodeModelBuilder, file: string): void {
  const text = ctx.io.readText(file);
  if (sniffFtraceStackTrace(text)) {
    const t = parseFtraceStackTrace(text, file);
    if (t.value) {
      for (const table of t.value.tables) b.addTable(rebuildChain(table, file), file);
      return;
    }
  }
  if (sniffFuncStackTrace(text)) {
    const t = parseFuncStackTrace(text, file);
    reportDiagnostics(
      ctx.io,
      t.diagnostics.filter((d) => d.severity !== 'error'),
    );
    if (t.value) {
      b.addTrace(t.value, file);
      return;
    }
  }
  throw new InputError(
    diag(
      'import/unknown-input',
      'error',
      'neither a stack_trace table nor func_stack_trace output',
      { file, line: 1 },
      'the text of tracing/stack_trace, or a trace with " => function" lines',
    ),
  );
}

/** Frame sizes of every function of the ELF files (aliases included). */
function readElfFrames(ctx: CliContext, args: readonly string[]): Map<string, number> {
  const frames = new Map<string, number>();
  const { failed } = forEachBinary(ctx, expandElfArgs(ctx, args), { sites: false, details: false }, (bin) => {
    for (const f of bin.functions) {
      for (const n of [f.name, ...f.aliases]) if (!frames.has(n)) frames.set(n, f.frameBytes);
    }
  });
  if (failed.length > 0 && frames.size === 0) throw new InputError(failed[0]!);
  return frames;
}

function rateComments(ctx: CliContext, opts: ImportOpts): string[] {
  const out: string[] = [];
  const secs = opts.seconds === undefined ? undefined : Number(opts.seconds);
  for (const [flag, pair] of [
    ['--interrupts', opts.interrupts],
    ['--softirqs', opts.softirqs],
  ] as const) {
    if (pair.length === 0) continue;
    if (pair.length !== 2) usage(`${flag}: two files, before and after (comma-separated or given twice)`);
    const [b, a] = pair.map((f) => {
      const p = parseProcCounts(ctx.io.readText(f), f);
      if (!p.value) throw new InputError(p.diagnostics[0]!);
      return p.value;
    });
    for (const d of countDeltas(b!, a!)) {
      if (d.delta.every((x) => x === 0)) continue;
      const rate =
        secs && secs > 0 ? ` (${d.delta.map((x) => (x / secs).toFixed(1)).join(' / ')} per second)` : '';
      out.push(`# ${flag.slice(2)} ${d.id} ${d.desc}: ${d.delta.join(' / ')} per CPU${rate}`);
    }
  }
  return out;
}

// `stacklab replay TABLE --profile P...`: rebuild a stack_trace table's call chain and run it again
// under other kernel designs.
import type { Command } from 'commander';
import { replayTableData } from '../../analyze/replay-data.ts';
import { replayStackTraceText } from '../../analyze/replay-table.ts';
import { InputError } from '../../base/diag.ts';
import { printFolded } from '../../formats/folded-stacks.ts';
import { PROFILE_IDS } from '../../model/profiles.ts';
import { foldedOf, renderReplayText } from '../../report/replay-report.ts';
import { renderReplayHtml } from '../../report/seed-html.ts';
import { type CliContext, reportDiagnostics, usage } from '../context.ts';
import { JSON_VERSION } from '../json.ts';
import { type ProfileOptions, profileOptions, selectedProfiles, sourceOf } from '../profile-options.ts';
import { reportScript } from '../report-script.ts';
import {
  formatOf,
  formatOption,
  outputOption,
  printText,
  reportOption,
  wideOption,
} from '../shared-options.ts';

const FORMATS = ['text', 'ftrace', 'json', 'folded'] as const;

interface ReplayOpts extends ProfileOptions {
  format?: string;
  json?: boolean;
  frames?: boolean;
  wide?: boolean;
  kstackOffset?: string;
  table?: string;
  report?: string;
}

export function registerReplay(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('replay')
    .argument(
      '<TABLE>',
      'a stack_trace table (/sys/kernel/tracing/stack_trace, a dmesg copy, a mail quote ...) or - for stdin',
    )
    .description('rebuild the call chain in a stack_trace table and re-run it under other kernel designs');
  cmd
    .option('--frames', 'list every frame with its stack, depth and size')
    .option(
      '--kstack-offset <bytes>',
      'RANDOMIZE_KSTACK_OFFSET alloca to assume for profiles that randomize (0..1024)',
    )
    .option('--table <n>', 'which table of a file holding several (0-based)');
  profileOptions(cmd, "the five designs and the table's own era", { source: true });
  formatOption(
    cmd,
    FORMATS,
    'text (default), ftrace (what ftrace would print), json, folded (flame-graph input, widths in bytes)',
  );
  reportOption(cmd);
  wideOption(cmd);
  outputOption(cmd, ctx)
    .addHelpText(
      'after',
      `
The table's own era (detected from entry symbols such as el0_svc_naked or el0t_64_sync_handler, and
checked by replaying it: the first reading that gives the table back byte for byte wins) gives its
table back byte for byte, or the output names the first row that does not come back and why; other
profiles show where each frame would run, each stack's depth against THREAD_SIZE / IRQ_STACK_SIZE,
and the table ftrace would print there.

  stacklab replay data/seed/stack_trace-rfc-2015.txt
  stacklab replay data/seed/stack_trace-rfc-2015.txt -p rfc-2015 -p linux-6.1 --frames
  stacklab replay test/fixtures/arm64-6.1-qemu/udp-512M/stack_trace.txt -p linux-6.1 --format ftrace
  stacklab replay test/fixtures/arm64-6.1-qemu/udp-512M/stack_trace.txt -p linux-6.1 \\
    --set stackAllocation=dynamic
  cat /sys/kernel/tracing/stack_trace | stacklab replay - -p linux-6.1 --set THREAD_SIZE=8192 --json`,
    )
    .action((file: string, opts: ReplayOpts) => {
      const format = formatOf(opts, FORMATS);
      const profiles = selectedProfiles(ctx, opts, PROFILE_IDS);
      const source = sourceOf(opts);
      const kstackOffset =
        opts.kstackOffset === undefined
          ? undefined
          : intOption('--kstack-offset', opts.kstackOffset, 0, 1024);
      const tableIndex = opts.table === undefined ? undefined : intOption('--table', opts.table, 0, 10_000);
      if (opts.report !== undefined) ctx.io.checkOutput(opts.report, '--report');
      const text = ctx.io.readText(file);
      const r = replayStackTraceText(text, file, profiles, {
        // Without --profile: the five designs, plus the table's own era when it is another one.
        withOwnEra: opts.profile.length === 0 && opts.profileFile.length === 0,
        ...(source ? { source } : {}),
        ...(kstackOffset !== undefined ? { kstackOffset } : {}),
        ...(tableIndex !== undefined ? { tableIndex } : {}),
      });
      if (!r.ok) throw new InputError(r.error);
      reportDiagnostics(
        ctx.io,
        r.value.diagnostics.filter((d) => d.severity !== 'info'),
      );
      const data = replayTableData(file, r.value);
      if (format === 'json') {
        ctx.io.out(`${JSON.stringify({ ...data, version: JSON_VERSION }, null, 2)}\n`);
      } else if (format === 'folded') {
        ctx.io.out(printFolded(foldedOf(data)));
      } else if (format === 'ftrace') {
        const many = data.profiles.length > 1;
        for (const p of data.profiles) ctx.io.out(`${many ? `# ${p.profile}\n` : ''}${p.ftrace.text}`);
      } else {
        printText(ctx, renderReplayText(data, { frames: opts.frames ?? false }), opts);
      }
      if (opts.report) {
        ctx.io.writeFileAtomic(opts.report, renderReplayHtml(data, reportScript(ctx.io)));
        ctx.io.err(`stacklab: wrote ${opts.report}\n`);
      }
    });
}

export function intOption(name: string, raw: string, min: number, max: number): number {
  // Digits only: Number() would also take "" (as 0), "0x10", "1e3" and " 5".
  const v = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(v) || v < min || v > max)
    usage(`${name}: expected an integer in ${min}..${max}, got "${raw}"`);
  return v;
}

// `stacklab convert FILE|- --to folded|speedscope|chrome|ftrace`: a stack_trace table (or folded
// stacks) into the formats flame-graph and trace viewers read.
import type { Command } from 'commander';
import { replayStackTraceText } from '../../analyze/replay-table.ts';
import { diag, InputError } from '../../base/diag.ts';
import { printChromeTrace, type TraceSlice } from '../../formats/chrome-trace.ts';
import { type FoldedLine, parseFolded, printFolded, sniffFolded } from '../../formats/folded-stacks.ts';
import { sniffFtraceStackTrace } from '../../formats/ftrace-stack-trace.ts';
import { printSpeedscope } from '../../formats/speedscope.ts';
import { PROFILE_IDS } from '../../model/profiles.ts';
import { foldedOf, replayTableData } from '../../report/replay-report.ts';
import { type CliContext, reportDiagnostics, usage } from '../context.ts';
import { collect, resolveProfiles } from '../profile-options.ts';

const TARGETS = ['folded', 'speedscope', 'chrome', 'ftrace'] as const;

export function registerConvert(program: Command, ctx: CliContext): void {
  program
    .command('convert')
    .argument('<FILE>', 'a stack_trace table or folded stacks, or - for stdin')
    .requiredOption('--to <format>', `output format: ${TARGETS.join(', ')}`)
    .option(
      '-p, --profile <id>',
      "lay the table out under these profiles (default: the table's own era)",
      collect,
      [],
    )
    .description(
      'convert a stack_trace table into folded stacks, speedscope, Chrome/Perfetto JSON or a clean ftrace table',
    )
    .addHelpText(
      'after',
      `
Widths and durations are bytes of stack: a flame graph of where the stack goes, not of time.
  folded      FlameGraph's "a;b;c BYTES" lines (flamegraph.pl, inferno, speedscope)
  speedscope  speedscope's JSON file format, one profile per kernel design
  chrome      trace events for ui.perfetto.dev / chrome://tracing: one track per stack, frames to scale
  ftrace      the table as the kernel prints it (strips dmesg/mail prefixes, fixes the layout)

  stacklab convert data/seed/stack_trace-rfc-2015.txt --to folded | flamegraph.pl --countname=bytes > s.svg
  stacklab convert test/fixtures/arm64-6.1-qemu/udp-512M/stack_trace.txt --to chrome > stack.json`,
    )
    .action((file: string, opts: { to: string; profile: string[] }) => {
      if (!(TARGETS as readonly string[]).includes(opts.to))
        usage(`--to: expected one of ${TARGETS.join(', ')}, got "${opts.to}"`);
      const text = ctx.io.readText(file);
      if (!sniffFtraceStackTrace(text)) {
        if (!sniffFolded(text))
          throw new InputError(
            diag('convert/unknown-input', 'error', 'neither a stack_trace table nor folded stacks', {
              file,
              line: 1,
            }),
          );
        const folded = parseFolded(text, file);
        reportDiagnostics(ctx.io, folded.diagnostics);
        ctx.io.out(emitFolded(opts.to, file, [{ name: file, lines: folded.value ?? [] }]));
        return;
      }
      const own = opts.profile.length === 0;
      const profiles = resolveProfiles(own ? PROFILE_IDS : opts.profile, []);
      const r = replayStackTraceText(text, file, profiles);
      if (!r.ok) throw new InputError(r.error);
      reportDiagnostics(
        ctx.io,
        r.value.diagnostics.filter((d) => d.severity !== 'info'),
      );
      if (opts.to === 'ftrace') {
        ctx.io.out(r.value.canonicalInput);
        return;
      }
      const data = replayTableData(file, r.value);
      const chosen = own ? data.profiles.filter((p) => p.ownEra).slice(0, 1) : data.profiles;
      const shown = chosen.length > 0 ? chosen : data.profiles.slice(0, 1);
      if (opts.to === 'chrome') {
        const slices: TraceSlice[] = [];
        for (const p of shown)
          for (const f of p.frames)
            if (f.size > 0)
              slices.push({
                name: f.name,
                process: p.profile,
                track: f.stackName,
                start: f.depth - f.size,
                size: f.size,
                args: { context: f.context },
              });
        ctx.io.out(printChromeTrace(slices));
        return;
      }
      const folded = foldedOf({ ...data, profiles: shown });
      ctx.io.out(
        emitFolded(
          opts.to,
          file,
          shown.map((p) => ({ name: p.profile, lines: folded.filter((l) => l.frames[0] === p.profile) })),
        ),
      );
    });
}

function emitFolded(to: string, name: string, groups: { name: string; lines: FoldedLine[] }[]): string {
  if (to === 'speedscope') return printSpeedscope(name, groups);
  if (to === 'folded') return printFolded(groups.flatMap((g) => g.lines));
  if (to === 'chrome') {
    // Folded input: each line's frames nested, laid end to end.
    const slices: TraceSlice[] = [];
    let at = 0;
    for (const g of groups)
      for (const l of g.lines) {
        for (const [i, f] of l.frames.entries())
          slices.push({
            name: f,
            process: g.name,
            track: 'stack',
            start: at,
            size: l.count,
            args: { level: i },
          });
        at += l.count;
      }
    return printChromeTrace(slices);
  }
  throw new InputError(
    diag('convert/needs-table', 'error', '--to ftrace needs a stack_trace table, not folded stacks', {
      file: name,
    }),
  );
}

// `stacklab convert FILE|- [--format folded|speedscope|chrome|ftrace|json]`: a stack_trace table (or
// folded stacks) into the formats flame-graph and trace viewers read.
import type { Command } from 'commander';
import { replayTableData } from '../../analyze/replay-data.ts';
import { replayStackTraceText } from '../../analyze/replay-table.ts';
import { diag, InputError } from '../../base/diag.ts';
import { printChromeTrace, type TraceSlice } from '../../formats/chrome-trace.ts';
import { type FoldedLine, parseFolded, printFolded, sniffFolded } from '../../formats/folded-stacks.ts';
import { sniffFtraceStackTrace } from '../../formats/ftrace-stack-trace.ts';
import { printSpeedscope } from '../../formats/speedscope.ts';
import { PROFILE_IDS } from '../../model/profiles.ts';
import { foldedOf } from '../../report/replay-report.ts';
import { type CliContext, reportDiagnostics } from '../context.ts';
import { JSON_VERSION } from '../json.ts';
import { type ProfileOptions, profileOptions, selectedProfiles, sourceOf } from '../profile-options.ts';
import { aliasOption, formatOf, formatOption, outputOption } from '../shared-options.ts';

const FORMATS = ['folded', 'speedscope', 'chrome', 'ftrace', 'json'] as const;

export function registerConvert(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('convert')
    .argument('<FILE>', 'a stack_trace table or folded stacks, or - for stdin')
    .description(
      'convert a stack_trace table into folded stacks, speedscope, Chrome/Perfetto JSON or a clean ftrace table',
    );
  formatOption(cmd, FORMATS, `${FORMATS.join(', ')} (default: folded)`);
  // The old spelling.
  aliasOption(cmd, '--to <format>', 'format');
  profileOptions(cmd, "the table's own era", { source: true });
  outputOption(cmd, ctx)
    .addHelpText(
      'after',
      `
Widths and durations are bytes of stack: a flame graph of where the stack goes, not of time.
  folded      FlameGraph's "a;b;c BYTES" lines (flamegraph.pl, inferno, speedscope)
  speedscope  speedscope's JSON file format, one profile per kernel design
  chrome      trace events for ui.perfetto.dev / chrome://tracing: one track per stack, frames to scale
  ftrace      the table as the kernel prints it (strips dmesg/mail prefixes, fixes the layout)
  json        the folded stacks as JSON with a version: groups of {frames, bytes}

  stacklab convert data/seed/stack_trace-rfc-2015.txt | flamegraph.pl --countname=bytes > stack.svg
  stacklab convert test/fixtures/arm64-6.1-qemu/udp-512M/stack_trace.txt --format chrome -o stack.json`,
    )
    .action((file: string, opts: ProfileOptions & { format?: string; json?: boolean }) => {
      const to = formatOf(opts, FORMATS);
      const own = opts.profile.length === 0 && opts.profileFile.length === 0;
      const profiles = selectedProfiles(ctx, opts, PROFILE_IDS);
      const source = sourceOf(opts);
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
        ctx.io.out(emitFolded(to, file, [{ name: file, lines: folded.value ?? [] }]));
        return;
      }
      const r = replayStackTraceText(text, file, profiles, source ? { source } : {});
      if (!r.ok) throw new InputError(r.error);
      reportDiagnostics(
        ctx.io,
        r.value.diagnostics.filter((d) => d.severity !== 'info'),
      );
      if (to === 'ftrace') {
        ctx.io.out(r.value.canonicalInput);
        return;
      }
      const data = replayTableData(file, r.value);
      const chosen = own ? data.profiles.filter((p) => p.ownEra).slice(0, 1) : data.profiles;
      const shown = chosen.length > 0 ? chosen : data.profiles.slice(0, 1);
      if (to === 'chrome') {
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
          to,
          file,
          shown.map((p) => ({ name: p.profile, lines: folded.filter((l) => l.frames[0] === p.profile) })),
        ),
      );
    });
}

function emitFolded(to: string, name: string, groups: { name: string; lines: FoldedLine[] }[]): string {
  if (to === 'speedscope') return printSpeedscope(name, groups);
  if (to === 'json') {
    const doc = {
      version: JSON_VERSION,
      kind: 'stacklab.convert',
      input: name,
      unit: 'bytes',
      groups: groups.map((g) => ({
        name: g.name,
        stacks: g.lines.map((l) => ({ frames: l.frames, bytes: l.count })),
      })),
    };
    return `${JSON.stringify(doc, null, 2)}\n`;
  }
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

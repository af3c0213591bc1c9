// `stacklab convert FILE|- [--format folded|speedscope|chrome|ftrace|json] [--item N]`: a stack_trace
// table (or folded stacks) into the formats flame-graph and trace viewers read. A log holding several
// tables (a console log, a CI log, a mail with "before" and "after") is read with analyze's item
// scanner: every table is converted, each as its own stack, or only item N (analyze's numbers).
import type { Command } from 'commander';
import { LogItemAnalyzer } from '../../analyze/items/item-analysis.ts';
import type { ProfileReplayData, ReplayReportData } from '../../analyze/replay-data.ts';
import { replayTableData } from '../../analyze/replay-data.ts';
import { canonicalTableText, replayStackTraceText } from '../../analyze/replay-table.ts';
import { diag, formatDiagnostic, InputError } from '../../base/diag.ts';
import { printChromeTrace, type TraceSlice } from '../../formats/chrome-trace.ts';
import { type FoldedLine, parseFolded, printFolded, sniffFolded } from '../../formats/folded-stacks.ts';
import { sniffFtraceStackTrace } from '../../formats/ftrace-stack-trace.ts';
import { printSpeedscope } from '../../formats/speedscope.ts';
import { PROFILE_IDS } from '../../model/profiles.ts';
import { foldedOf } from '../../report/replay-report.ts';
import { type CliContext, reportDiagnostics, usage } from '../context.ts';
import { DiagnosticTally } from '../diagnostic-tally.ts';
import { JSON_VERSION } from '../json.ts';
import { scanLog } from '../log-input.ts';
import { positiveInt } from '../option-values.ts';
import { type ProfileOptions, profileOptions, selectedProfiles, sourceOf } from '../profile-options.ts';
import { aliasOption, formatOf, formatOption, itemOption, outputOption } from '../shared-options.ts';

const FORMATS = ['folded', 'speedscope', 'chrome', 'ftrace', 'json'] as const;

/** Inputs up to this size are kept whole: a file of one table, or folded stacks, is read as a whole. */
const KEEP_WHOLE_BYTES = 64 * 1024 * 1024;

type ConvertOpts = ProfileOptions & { format?: string; json?: boolean; item?: string };

export function registerConvert(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('convert')
    .argument('<FILE>', 'a stack_trace table, a log holding tables, or folded stacks; - for stdin')
    .description(
      'convert stack_trace tables (one file, or every table in a log) into folded stacks, speedscope, Chrome/Perfetto JSON or clean ftrace tables',
    );
  itemOption(cmd);
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

A log with several tables (dmesg, a serial console, a CI log, a mail) is scanned the way
\`stacklab analyze\` scans it: every table is converted, one stack per table under a root frame
"itemN:lineL" (its item number and first line), identical tables each as often as the log printed
them; --item N converts item N alone (the numbers of \`stacklab analyze LOG\`). A log with no table
is bad input (exit 1).

  stacklab convert data/seed/stack_trace-rfc-2015.txt | flamegraph.pl --countname=bytes > stack.svg
  stacklab convert test/fixtures/arm64-6.1-qemu/udp-512M/stack_trace.txt --format chrome -o stack.json
  stacklab convert test/fixtures/logs/console-arm64-6.1-fork-256M.log --to folded > tables.folded
  stacklab convert test/fixtures/logs/console-arm64-6.1-fork-256M.log --item 5 --to ftrace`,
    )
    .action((file: string, opts: ConvertOpts) => convertAction(ctx, file, opts));
}

/** One table of a log, converted: its item number, first line and what the format needs of it. */
interface LogTable {
  readonly n: number;
  readonly line: number;
  readonly data: ReplayReportData;
  /** --to ftrace only: the table as t_show() prints it. */
  readonly canonical?: string;
}

function convertAction(ctx: CliContext, file: string, opts: ConvertOpts): void {
  const to = formatOf(opts, FORMATS);
  const own = opts.profile.length === 0 && opts.profileFile.length === 0;
  const profiles = selectedProfiles(ctx, opts, PROFILE_IDS);
  const source = sourceOf(opts);
  const want = opts.item === undefined ? undefined : positiveInt(opts.item, '--item');
  const options = {
    profiles: opts.profile,
    overrides: opts.set,
    profileObjects: profiles,
    ...(source ? { source } : {}),
  };
  // Item numbers as analyze gives them: every item some analyzer can use counts (no text is rendered).
  const items = new LogItemAnalyzer(file, options, false, () => '');
  const diagnostics = new DiagnosticTally();
  const tables: LogTable[] = [];
  let count = 0;
  let wantedKind: string | undefined;
  const log = scanLog(
    ctx,
    file,
    (item) => {
      const a = items.add(item);
      if (a === null) return;
      count = a.record.n;
      if (want !== undefined && a.record.n !== want) return;
      if (a.record.n === want) wantedKind = a.record.kind;
      if (a.record.kind !== 'stack-trace') return;
      for (const d of items.placed(a)) if (d.severity !== 'info') diagnostics.add(d);
      const canonical = to === 'ftrace' ? canonicalTableText(item.lines.join('\n'), file) : undefined;
      tables.push({
        n: a.record.n,
        line: a.record.line,
        data: a.output.data as ReplayReportData,
        ...(canonical !== undefined ? { canonical } : {}),
      });
    },
    { keepBytes: KEEP_WHOLE_BYTES, command: 'convert' },
  );
  if (items.profileError) usage(formatDiagnostic(items.profileError));
  const text = log.text;
  // A file of one table (or none the scanner delimits) and folded stacks: read whole, as always.
  if (want === undefined && tables.length <= 1 && text !== undefined) {
    if (sniffFtraceStackTrace(text)) {
      convertTable(ctx, file, text, to, own, profiles, source);
      return;
    }
    if (sniffFolded(text)) {
      convertFolded(ctx, file, text, to);
      return;
    }
  }
  if (want !== undefined && tables.length === 0)
    usage(
      wantedKind === undefined
        ? `--item ${want}: ${file} has ${count} item${count === 1 ? '' : 's'}`
        : `--item ${want}: item ${want} of ${file} is ${wantedKind}, not a stack_trace table`,
    );
  if (tables.length === 0) throw noTable(file, log.lines, count);
  diagnostics.report(ctx.io);
  // --item N: that table alone, as a file of one table converts; else one stack per table.
  ctx.io.out(convertTables(file, tables, to, own, want === undefined));
}

function noTable(file: string, lines: number, items: number): InputError {
  return new InputError(
    diag(
      'convert/unknown-input',
      'error',
      `neither a stack_trace table nor folded stacks (read ${lines} line${lines === 1 ? '' : 's'}, ${items} other item${items === 1 ? '' : 's'})`,
      { file, line: 1 },
      'stack_trace tables (any layout, also inside dmesg, journal, console or mail text), or folded stacks ("a;b;c BYTES" lines)',
    ),
  );
}

/** The profiles a table is shown under: its own era by default, else every one asked for. */
function shownProfiles(data: ReplayReportData, own: boolean): readonly ProfileReplayData[] {
  const chosen = own ? data.profiles.filter((p) => p.ownEra).slice(0, 1) : data.profiles;
  return chosen.length > 0 ? chosen : data.profiles.slice(0, 1);
}

function chromeSlices(shown: readonly ProfileReplayData[], process: (p: ProfileReplayData) => string) {
  const slices: TraceSlice[] = [];
  for (const p of shown)
    for (const f of p.frames)
      if (f.size > 0)
        slices.push({
          name: f.name,
          process: process(p),
          track: f.stackName,
          start: f.depth - f.size,
          size: f.size,
          args: { context: f.context },
        });
  return slices;
}

/** A file of one table, converted as a whole (as convert always did). */
function convertTable(
  ctx: CliContext,
  file: string,
  text: string,
  to: string,
  own: boolean,
  profiles: Parameters<typeof replayStackTraceText>[2],
  source: string | undefined,
): void {
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
  const shown = shownProfiles(data, own);
  if (to === 'chrome') {
    ctx.io.out(printChromeTrace(chromeSlices(shown, (p) => p.profile)));
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
}

function convertFolded(ctx: CliContext, file: string, text: string, to: string): void {
  const folded = parseFolded(text, file);
  reportDiagnostics(ctx.io, folded.diagnostics);
  ctx.io.out(emitFolded(to, file, [{ name: file, lines: folded.value ?? [] }]));
}

/**
 * Tables of a log. With `rooted`, each is its own stack under a root frame naming its item and first
 * line ("item5:line350"), and its designs are named after it; without, a table is converted as a
 * file of that one table would be.
 */
function convertTables(
  file: string,
  tables: readonly LogTable[],
  to: string,
  own: boolean,
  rooted: boolean,
): string {
  if (to === 'ftrace') return tables.map((t) => t.canonical ?? '').join('');
  const root = (t: LogTable) => `item${t.n}:line${t.line}`;
  const name = (t: LogTable, p: ProfileReplayData) => (rooted ? `${root(t)} ${p.profile}` : p.profile);
  if (to === 'chrome')
    return printChromeTrace(
      tables.flatMap((t) => chromeSlices(shownProfiles(t.data, own), (p) => name(t, p))),
    );
  const groups = tables.flatMap((t) => {
    const shown = shownProfiles(t.data, own);
    const folded = foldedOf({ ...t.data, profiles: shown });
    return shown.map((p) => ({
      name: name(t, p),
      lines: folded
        .filter((l) => l.frames[0] === p.profile)
        .map((l): FoldedLine => (rooted ? { frames: [root(t), ...l.frames], count: l.count } : l)),
    }));
  });
  return emitFolded(to, file, groups);
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

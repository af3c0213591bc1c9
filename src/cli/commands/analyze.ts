// `stacklab analyze FILE|-`: find every item in a file or log (stack_trace tables, overflow and
// allocation-failure reports, /proc snapshots, DEBUG_STACK_USAGE output ...), explain each and sum
// them up. A file of one item is explained as it always was; --item N explains one item of a log.
// Several FILEs or a directory: analyze-files.ts.
import type { Command } from 'commander';
import { analyzerById, analyzers } from '../../analyze/index.ts';
import type { ScannedItem } from '../../analyze/items/item.ts';
import { type ItemAnalysis, type ItemRecord, LogItemAnalyzer } from '../../analyze/items/item-analysis.ts';
import { summarizeLog } from '../../analyze/items/log-summary.ts';
import { type Analysis, type AnalyzeOptions, analysisJson } from '../../analyze/registry.ts';
import { diag, formatDiagnostic, InputError } from '../../base/diag.ts';
import { PROFILE_IDS } from '../../model/profiles.ts';
import { analysisHeadline, renderAnalysis } from '../../report/analysis-text/index.ts';
import { analysisView } from '../../report/drop-analysis.ts';
import { LogReportItems, logReportViews } from '../../report/log-report.ts';
import { renderLogSummary } from '../../report/log-summary.ts';
import { analyzeFiles } from '../analyze-files.ts';
import { type CliContext, reportDiagnostics, usage } from '../context.ts';
import { DiagnosticTally } from '../diagnostic-tally.ts';
import { writeHtmlReport } from '../html-report.ts';
import { JSON_VERSION, jsonBigint } from '../json.ts';
import { KEEP_WHOLE_BYTES, scanLog } from '../log-input.ts';
import { positiveInt } from '../option-values.ts';
import { type ProfileOptions, profileOptions, selectedProfiles, sourceOf } from '../profile-options.ts';
import {
  itemOption,
  jsonOption,
  outputOption,
  printText,
  reportOption,
  wideOption,
} from '../shared-options.ts';

const EXAMPLES = `Kernel output to try (on a device: /sys/kernel/tracing/stack_trace, dmesg, /proc/buddyinfo ...):
  stacklab analyze data/seed/stack_trace-rfc-2015.txt
  stacklab analyze test/fixtures/published/ovf-arm64-001.txt
  stacklab analyze test/fixtures/arm64-6.1-qemu/fork-256M/pagetypeinfo-before.txt
  stacklab analyze test/fixtures/arm64-6.1-qemu/udp-512M    a directory: every file of a capture
  dmesg | stacklab analyze -`;

type AnalyzeOpts = ProfileOptions & { json?: boolean; wide?: boolean; report?: string; item?: string };

export function registerAnalyze(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('analyze')
    .argument(
      '<FILE...>',
      'kernel output to explain, - for stdin, or a directory (every file under it, e.g. a capture)',
    )
    .description(
      'find every item in a file or log (tables, reports, /proc snapshots, histograms), explain each, and sum them up',
    );
  itemOption(cmd);
  profileOptions(cmd, 'all', { source: true });
  reportOption(cmd);
  jsonOption(cmd);
  wideOption(cmd);
  outputOption(cmd, ctx)
    .addHelpText('after', () => {
      const list = analyzers()
        .map((a) => `  ${a.id.padEnd(20)} ${a.describes}`)
        .join('\n');
      return `\nRecognised items (a log may hold any number of each), tried in this order:\n${list}\n\n${EXAMPLES}`;
    })
    .action((files: string[], opts: AnalyzeOpts) => {
      if (files.length === 1 && !ctx.io.isDirectory(files[0]!)) analyzeAction(ctx, files[0]!, opts);
      else filesAction(ctx, files, opts);
    });
}

interface Found {
  readonly item: ScannedItem;
  readonly analysis: ItemAnalysis;
}

/**
 * The options every analyzer gets. Checked before the input: analyzers of memory reports never look
 * at profiles, and a typo in -p, --set or --source must not pass silently there.
 */
function analyzeOptions(ctx: CliContext, opts: AnalyzeOpts): AnalyzeOptions {
  const profiles = selectedProfiles(ctx, opts, PROFILE_IDS);
  const source = sourceOf(opts);
  return {
    profiles: opts.profile,
    overrides: opts.set,
    ...(opts.profileFile.length > 0 ? { profileObjects: profiles } : {}),
    ...(source ? { source } : {}),
  };
}

/** Several inputs, or a directory: each file's items in one line, the whole summed up first. */
function filesAction(ctx: CliContext, files: readonly string[], opts: AnalyzeOpts): void {
  if (opts.item !== undefined) usage('--item takes one FILE: analyze that file with --item N');
  if (opts.report !== undefined) ctx.io.checkOutput(opts.report, '--report');
  if (files.filter((f) => f === '-').length > 1) usage('- (stdin) can be given once');
  analyzeFiles(ctx, files, analyzeOptions(ctx, opts), opts);
}

function analyzeAction(ctx: CliContext, file: string, opts: AnalyzeOpts): void {
  if (opts.report !== undefined) ctx.io.checkOutput(opts.report, '--report');
  const options = analyzeOptions(ctx, opts);
  const want = opts.item === undefined ? undefined : positiveInt(opts.item, '--item');
  const items = new LogItemAnalyzer(file, options, Boolean(opts.json) && want === undefined, (kind, data) =>
    analysisHeadline(renderAnalysis(kind, data, file), file),
  );
  const records: ItemRecord[] = [];
  const diagnostics = new DiagnosticTally();
  const drawn = opts.report === undefined ? undefined : new LogReportItems();
  let wanted: Found | undefined;
  const log = scanLog(ctx, file, (item) => {
    const a = items.add(item);
    for (const d of items.diagnostics.splice(0)) diagnostics.add(d);
    if (a === null) return;
    records.push(a.record);
    for (const d of items.placed(a)) if (d.severity !== 'info') diagnostics.add(d);
    drawn?.add(a.record, item.lines);
    if (a.record.n === want) wanted = { item, analysis: a };
  });
  if (items.profileError) usage(formatDiagnostic(items.profileError));
  // One item (or none) in a small file: the file is explained whole, as before logs were read.
  if (records.length <= 1 && log.text !== undefined && (want === undefined || want === 1)) {
    wholeFile(ctx, file, log.text, options, opts);
    return;
  }
  if (records.length === 0) throw log.text === undefined ? tooLargeWhole(file, log) : unknownFormat(file);
  if (want !== undefined) {
    if (wanted === undefined)
      usage(`--item ${want}: ${file} has ${records.length} item${records.length === 1 ? '' : 's'}`);
    explainItem(ctx, file, wanted, records.length, options, opts);
    return;
  }
  diagnostics.report(ctx.io);
  const summary = summarizeLog(records, log.lines, log.skippedLines + items.droppedLines);
  const text = renderLogSummary(file, summary, records);
  if (opts.json) {
    const result = { file, items: records, summary };
    ctx.io.out(
      `${JSON.stringify({ version: JSON_VERSION, kind: 'stacklab.analyze.log', result, text }, jsonBigint, 2)}\n`,
    );
  } else printText(ctx, text, opts);
  if (opts.report !== undefined && drawn)
    writeHtmlReport(
      ctx,
      opts.report,
      `stacklab analyze ${file}`,
      logReportViews(file, summary, records, drawn.drawn, drawn.notDrawn),
    );
}

/** Explains item N of a log in full, with the input's line numbers where that is cheap. */
function explainItem(
  ctx: CliContext,
  file: string,
  found: Found,
  count: number,
  options: AnalyzeOptions,
  opts: AnalyzeOpts,
): void {
  const { item, analysis } = found;
  const r = analysis.record;
  const a = analyzerById(r.kind)!;
  const body = `${item.lines.join('\n')}\n`;
  // Run again with the item's lines, which the log analysis may have shared with an identical table.
  const again = a.run(body, file, { ...options, firstLine: item.line });
  const out: Analysis = 'error' in again ? analysis.output : again;
  reportDiagnostics(
    ctx.io,
    out.diagnostics.filter((d) => d.severity !== 'info'),
  );
  const head =
    `${file}, item ${r.n} of ${count}: ${r.kind}, lines ${r.line}-${r.endLine}` +
    `${r.cut ? ' (cut: the input ends inside it)' : ''}\n`;
  const text = head + renderAnalysis(a.id, out.data, file);
  if (opts.json) {
    const doc = {
      version: JSON_VERSION,
      kind: `stacklab.analyze.${r.kind}`,
      item: { ...r },
      data: analysisJson(a, out.data),
      text,
    };
    ctx.io.out(`${JSON.stringify(doc, jsonBigint, 2)}\n`);
  } else printText(ctx, text, opts);
  if (opts.report !== undefined)
    writeHtmlReport(ctx, opts.report, `stacklab analyze ${file} --item ${r.n}`, [
      analysisView(body, file, r.line),
    ]);
}

function unknownFormat(file: string): InputError {
  return new InputError(
    diag(
      'analyze/unknown-format',
      'error',
      'not a format stacklab recognises',
      { file, line: 1 },
      `one of: ${analyzers()
        .map((x) => x.id)
        .join(', ')}`,
    ),
  );
}

/**
 * A file too large to be read whole, in which the log scanner found no item: what its head looks
 * like, so a real file of a whole-file format (a long func_stack_trace) is not called unknown.
 */
function tooLargeWhole(file: string, log: { head: string; bytes: number }): InputError {
  const a = analyzers().find((x) => x.sniff(log.head));
  if (a === undefined) return unknownFormat(file);
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return new InputError(
    diag(
      'analyze/too-large-whole',
      'error',
      `its start reads as ${a.id} (${a.describes}), a format stacklab reads whole, up to ${mb(KEEP_WHOLE_BYTES)}; this input is ${mb(log.bytes)} and holds no item a log scan finds`,
      { file, line: 1 },
      `at most ${mb(KEEP_WHOLE_BYTES)}: split it (split -C 4M) and analyze the parts`,
    ),
  );
}

/** A file of one item: the first analyzer whose sniff() accepts the whole text explains it. */
function wholeFile(
  ctx: CliContext,
  file: string,
  text: string,
  options: AnalyzeOptions,
  opts: AnalyzeOpts,
): void {
  const a = analyzers().find((x) => x.sniff(text));
  if (!a) throw unknownFormat(file);
  const out = a.run(text, file, options);
  if ('error' in out) {
    if (out.error.code.startsWith('profile/')) usage(formatDiagnostic(out.error));
    throw new InputError(out.error);
  }
  reportDiagnostics(
    ctx.io,
    out.diagnostics.filter((d) => d.severity !== 'info'),
  );
  const explained = renderAnalysis(a.id, out.data, file);
  if (opts.json) {
    const doc = {
      version: JSON_VERSION,
      kind: `stacklab.analyze.${a.id}`,
      data: analysisJson(a, out.data),
      text: explained,
    };
    ctx.io.out(`${JSON.stringify(doc, jsonBigint, 2)}\n`);
  } else printText(ctx, explained, opts);
  if (opts.report !== undefined)
    writeHtmlReport(ctx, opts.report, `stacklab analyze ${file}`, [analysisView(text, file)]);
}

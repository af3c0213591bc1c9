// `stacklab analyze DIR` and `stacklab analyze FILE FILE...`: every file of a capture directory (or
// a tree of them) scanned for items the way one log is, each file's items summed up in one line, and
// the whole summed up first. A file that cannot be read (binary, unreadable, gone) is named with its
// diagnostic and the rest are still analysed; only when no file holds any item is it exit 1.
import { basename } from 'node:path';
import { analyzers } from '../analyze/index.ts';
import { type FileResult, summarizeFiles } from '../analyze/items/files-summary.ts';
import { type ItemRecord, LogItemAnalyzer } from '../analyze/items/item-analysis.ts';
import { summarizeLog } from '../analyze/items/log-summary.ts';
import { type AnalyzeOptions, analysisJson } from '../analyze/registry.ts';
import { diag, formatDiagnostic, InputError } from '../base/diag.ts';
import { analysisHeadline, renderAnalysis } from '../report/analysis-text/index.ts';
import { renderFilesSummary } from '../report/files-summary.ts';
import { filesReportViews, LogReportItems, REPORTED_ITEMS } from '../report/log-report.ts';
import { type CliContext, usage } from './context.ts';
import { DiagnosticTally } from './diagnostic-tally.ts';
import { writeHtmlReport } from './html-report.ts';
import { JSON_VERSION, jsonBigint } from './json.ts';
import { scanLog } from './log-input.ts';
import { clearProgress, progressLine } from './progress.ts';
import { printText } from './shared-options.ts';

/**
 * Files in a tree that look regular but never end: reading one waits for new data (tracefs's pipes,
 * /proc/kmsg). Named and left unread when a directory is walked; given by name, one is read like stdin.
 */
const STREAMS = new Set(['trace_pipe', 'trace_pipe_raw', 'kmsg', 'trace_marker', 'trace_marker_raw']);

function stream(file: string): FileResult {
  return {
    file,
    status: 'failed',
    items: [],
    error: diag(
      'analyze/stream-skipped',
      'notice',
      'a kernel stream that never ends (reading it waits for new data): not read',
      { file },
      'its contents saved to a file first (cat FILE > copy.txt, then Ctrl-C), or given by name',
    ),
  };
}

/** The files the arguments name: a directory gives every file under it (io.walk: sorted, each once). */
export function expandInputs(
  ctx: CliContext,
  args: readonly string[],
): { files: string[]; failed: FileResult[] } {
  const files: string[] = [];
  const failed: FileResult[] = [];
  const seen = new Set<string>();
  const add = (f: string) => {
    if (!seen.has(f)) files.push(f);
    seen.add(f);
  };
  for (const a of args) {
    if (a === '-' || !ctx.io.isDirectory(a)) add(a);
    else
      try {
        for (const f of ctx.io.walk(a)) {
          if (STREAMS.has(basename(f))) failed.push(stream(f));
          else add(f);
        }
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        failed.push({ file: a, status: 'failed', items: [], error: e.diagnostic });
      }
  }
  return { files, failed };
}

export function analyzeFiles(
  ctx: CliContext,
  args: readonly string[],
  options: AnalyzeOptions,
  opts: { json?: boolean; wide?: boolean; report?: string },
): void {
  const { files, failed } = expandInputs(ctx, args);
  if (files.length === 0 && failed.length === 0)
    throw new InputError(
      diag(
        'analyze/no-files',
        'error',
        'no file to analyze',
        { file: args.join(' ') },
        'a directory with files in it',
      ),
    );
  const tally = new DiagnosticTally();
  const results: FileResult[] = [...failed];
  const tty = ctx.io.stderrIsTty && files.length > 1;
  // --report: each file's items to draw, REPORTED_ITEMS over all of them.
  const drawn: { file: string; items: LogReportItems }[] = [];
  let budget = REPORTED_ITEMS;
  files.forEach((file, i) => {
    if (tty) progressLine(ctx.io, `analyze: [${i + 1}/${files.length}] ${file}`);
    const items = opts.report === undefined ? undefined : new LogReportItems(budget);
    results.push(oneFile(ctx, file, options, Boolean(opts.json), tally, items));
    if (items) {
      budget -= items.drawn.length;
      drawn.push({ file, items });
    }
  });
  if (tty) clearProgress(ctx.io);
  for (const r of results) if (r.error) tally.add(r.error);
  tally.report(ctx.io);
  const summary = summarizeFiles(results);
  const base = args.length === 1 && ctx.io.isDirectory(args[0]!) ? `${args[0]!.replace(/\/+$/, '')}/` : '';
  const name = (f: string) => (base !== '' && f.startsWith(base) ? f.slice(base.length) : f);
  const title = base !== '' ? args[0]! : `${args.length} inputs`;
  const text = renderFilesSummary(title, summary, results, name);
  if (opts.json) {
    const doc = {
      version: JSON_VERSION,
      kind: 'stacklab.analyze.files',
      result: { files: results, summary },
      text,
    };
    ctx.io.out(`${JSON.stringify(doc, jsonBigint, 2)}\n`);
  } else printText(ctx, text, opts);
  if (opts.report !== undefined)
    writeHtmlReport(
      ctx,
      opts.report,
      `stacklab analyze ${title}`,
      filesReportViews(
        title,
        text,
        drawn.map((d) => ({ ...d, name: name(d.file) })),
      ),
    );
  if (summary.items === 0)
    throw new InputError(
      diag(
        'analyze/no-item',
        'error',
        `none of the ${files.length} files holds an item stacklab recognises`,
        { file: title },
        `one of: ${analyzers()
          .map((x) => x.id)
          .join(', ')}`,
      ),
    );
}

/** One file, scanned as a log; a file in which the scan finds nothing is tried whole (as analyze FILE does). */
function oneFile(
  ctx: CliContext,
  file: string,
  options: AnalyzeOptions,
  keep: boolean,
  tally: DiagnosticTally,
  drawn?: LogReportItems,
): FileResult {
  const headline = (kind: string, data: unknown) => analysisHeadline(renderAnalysis(kind, data, file), file);
  const items = new LogItemAnalyzer(file, options, keep, headline);
  const records: ItemRecord[] = [];
  let log: ReturnType<typeof scanLog>;
  try {
    log = scanLog(ctx, file, (item) => {
      const a = items.add(item);
      for (const d of items.diagnostics.splice(0)) tally.add(d);
      if (a === null) return;
      records.push(a.record);
      for (const d of items.placed(a)) if (d.severity !== 'info') tally.add(d);
      drawn?.add(a.record, item.lines);
    });
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return { file, status: 'failed', items: [], error: e.diagnostic };
  }
  if (items.profileError) usage(formatDiagnostic(items.profileError));
  if (records.length === 0 && log.text !== undefined) {
    const a = analyzers().find((x) => x.sniff(log.text!));
    const out = a?.run(log.text, file, options);
    if (out !== undefined && 'error' in out) {
      if (out.error.code.startsWith('profile/')) usage(formatDiagnostic(out.error));
      return { file, status: 'failed', items: [], error: out.error };
    }
    if (a && out) {
      for (const d of out.diagnostics) if (d.severity !== 'info') tally.add(d);
      const record: ItemRecord = {
        n: 1,
        kind: a.id,
        line: 1,
        endLine: log.lines,
        cut: false,
        oddLines: [],
        headline: headline(a.id, out.data),
        ...(keep ? { analysis: analysisJson(a, out.data) } : {}),
      };
      records.push(record);
      drawn?.add(record, [log.text.replace(/\n$/, '')]);
    }
  }
  const summary = summarizeLog(
    records,
    log.lines,
    records.length === 0 ? log.lines : log.skippedLines + items.droppedLines,
  );
  return { file, status: records.length > 0 ? 'items' : 'none', items: records, summary };
}

// `stacklab analyze LOG --report` on a log of several items: the summary (its text and the item
// list), then each item drawn as the drop zone draws a file (report/drop-analysis.ts): a table
// replayed under every design with its layout and flame graph, an overflow report's stacks, other
// items explained. Identical tables are drawn once, with the items that repeat them named. Also
// `stacklab analyze DIR --report`: the summary over the files, then each file's items so.
import type { ItemRecord } from '../analyze/items/item-analysis.ts';
import type { LogSummary } from '../analyze/items/log-summary.ts';
import { analysisView } from './drop-analysis.ts';
import { html } from './html.ts';
import { renderLogSummary } from './log-summary.ts';
import type { View } from './report-page.ts';

/** An item the report draws: its text as read, and the later items that are the same table. */
export interface ReportedItem {
  readonly record: ItemRecord;
  readonly text: string;
  readonly identical: readonly number[];
}

/** A page holds at most this many items drawn (each table is a replay under every design). */
export const REPORTED_ITEMS = 100;

export function logReportViews(
  file: string,
  summary: LogSummary,
  records: readonly ItemRecord[],
  drawn: readonly ReportedItem[],
  notDrawn: number,
): View[] {
  const more =
    notDrawn > 0
      ? html`<p class="placeholder">${notDrawn} more distinct item(s) are not drawn here; <code>stacklab analyze ${file} --item N --report FILE</code> draws item N.</p>`
      : '';
  const views: View[] = [
    {
      name: 'log-summary',
      title: 'Summary',
      explain: `Every item stacklab found in ${file}, summed up; below, each item (identical tables once).`,
      body: html`<pre>${renderLogSummary(file, summary, records)}</pre>${more}`,
    },
  ];
  return [...views, ...itemViews(file, 'Item', drawn)];
}

/** Each drawn item as the drop zone draws a file; `title` starts each view's title ("Item", a file name). */
function itemViews(file: string, title: string, drawn: readonly ReportedItem[]): View[] {
  return drawn.map((d) => {
    const r = d.record;
    const v = analysisView(d.text, `${file}, item ${r.n}`, r.line);
    const same =
      d.identical.length > 0
        ? `; the same table as item${d.identical.length === 1 ? '' : 's'} ${listed(d.identical)}`
        : '';
    return {
      ...v,
      title: `${title} ${r.n}: ${r.kind}`,
      explain: `Lines ${r.line}-${r.endLine}${r.cut ? ' (cut: the input ends inside it)' : ''}${same}.`,
    };
  });
}

/**
 * `stacklab analyze DIR --report`: the summary over every file (its text), then each file's drawn
 * items; `name` is a file as the summary lists it.
 */
export function filesReportViews(
  title: string,
  summaryText: string,
  files: readonly { file: string; name: string; items: LogReportItems }[],
): View[] {
  const notDrawn = files.reduce((n, f) => n + f.items.notDrawn, 0);
  const more =
    notDrawn > 0
      ? html`<p class="placeholder">${notDrawn} more distinct item(s) are not drawn here; <code>stacklab analyze FILE --item N --report OUT</code> draws item N of one file.</p>`
      : '';
  const views: View[] = [
    {
      name: 'files-summary',
      title: 'Summary',
      explain: `Every item stacklab found in ${title}, file by file; below, each file's items (identical tables once per file).`,
      body: html`<pre>${summaryText}</pre>${more}`,
    },
  ];
  for (const f of files) views.push(...itemViews(f.name, `${f.name}, item`, f.items.drawn));
  return views;
}

function listed(ns: readonly number[]): string {
  return ns.length <= 8
    ? ns.join(', ')
    : `${ns.slice(0, 6).join(', ')}, ... ${ns[ns.length - 1]} (${ns.length})`;
}

/** Keeps, while a log is read, the items its report will draw: identical tables once, at most `limit`. */
export class LogReportItems {
  readonly drawn: ReportedItem[] = [];
  constructor(private readonly limit = REPORTED_ITEMS) {}
  /** Distinct items past REPORTED_ITEMS. */
  notDrawn = 0;
  /** Per distinct table (its rows' key): the items that repeat it. */
  private readonly tables = new Map<string, number[]>();

  add(record: ItemRecord, lines: readonly string[]): void {
    const key = record.table?.table;
    const again = key === undefined ? undefined : this.tables.get(key);
    if (again !== undefined) {
      again.push(record.n);
      return;
    }
    const identical: number[] = [];
    if (key !== undefined) this.tables.set(key, identical);
    if (this.drawn.length >= this.limit) this.notDrawn++;
    else this.drawn.push({ record, text: `${lines.join('\n')}\n`, identical });
  }
}

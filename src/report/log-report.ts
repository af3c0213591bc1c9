// `stacklab analyze LOG --report` on a log of several items: the summary (its text and the item
// list), then each item drawn as the drop zone draws a file (report/drop-analysis.ts): a table
// replayed under every design with its layout and flame graph, an overflow report's stacks, other
// items explained. Identical tables are drawn once, with the items that repeat them named.
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
  for (const d of drawn) {
    const r = d.record;
    const v = analysisView(d.text, `${file}, item ${r.n}`, r.line);
    const same =
      d.identical.length > 0
        ? `; the same table as item${d.identical.length === 1 ? '' : 's'} ${listed(d.identical)}`
        : '';
    views.push({
      ...v,
      title: `Item ${r.n}: ${r.kind}`,
      explain: `Lines ${r.line}-${r.endLine}${r.cut ? ' (cut: the input ends inside it)' : ''}${same}.`,
    });
  }
  return views;
}

function listed(ns: readonly number[]): string {
  return ns.length <= 8
    ? ns.join(', ')
    : `${ns.slice(0, 6).join(', ')}, ... ${ns[ns.length - 1]} (${ns.length})`;
}

/** Keeps, while a log is read, the items its report will draw: identical tables once, at most REPORTED_ITEMS. */
export class LogReportItems {
  readonly drawn: ReportedItem[] = [];
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
    if (this.drawn.length >= REPORTED_ITEMS) this.notDrawn++;
    else this.drawn.push({ record, text: `${lines.join('\n')}\n`, identical });
  }
}

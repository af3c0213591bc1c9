// The text of a whole log's summary (src/analyze/items/log-summary.ts): counts, the deepest table,
// overflows, worst margins, links, cuts, then one line per item.
import type { ItemRecord } from '../analyze/items/item-analysis.ts';
import type { LogLink, LogSummary } from '../analyze/items/log-summary.ts';
import { renderSnapshotDelta } from './analysis-text/proc-counts.ts';

/** Items listed one per line in the text summary; --json lists every one. */
const LISTED = 60;

export function renderLogSummary(file: string, s: LogSummary, records: readonly ItemRecord[]): string {
  let t = `${file}: ${s.items} items in ${s.lines} lines (${s.skippedLines} lines belong to none and were skipped)\n`;
  t += `  ${s.kinds.map((k) => `${k.count} ${k.kind}`).join(', ')}\n`;
  if (s.tables) {
    const d = s.tables.deepest;
    t += `  tables: ${s.tables.count}, ${s.tables.distinctTables} distinct, ${plural(s.tables.distinctChains, 'distinct chain')} (identical tables counted once)\n`;
    t += `  the deepest table: item ${d.item} (line ${d.line}), ${d.maxDepth} B, ${d.entries} entries, printed by ${d.sourceEra}\n`;
  }
  for (const o of s.overflows) t += `  overflow: item ${o.item} (line ${o.line}): ${o.headline}\n`;
  if (s.worstMargins.length > 0) {
    t += '  worst margin any table leaves under each profile:\n';
    const w = Math.max(...s.worstMargins.map((m) => m.profile.length));
    for (const m of s.worstMargins)
      t += `    ${m.profile.padEnd(w)}  ${m.margin >= 0 ? `${m.margin} B margin` : `${-m.margin} B short`} on the ${m.stack} stack (item ${m.item}, line ${m.line})\n`;
  }
  for (const l of s.links) {
    t += `  linked: ${linkText(l, records)}\n`;
    if (l.delta) t += renderSnapshotDelta(l.delta, '    ');
  }
  for (const n of s.cut) {
    const r = records[n - 1]!;
    t += `  cut: item ${n} (${r.kind}, lines ${r.line}-${r.endLine}) ends with the input\n`;
  }
  t += '\n  item  kind                lines          what\n';
  for (const r of records.slice(0, LISTED))
    t += `  ${String(r.n).padStart(4)}  ${r.kind.padEnd(18)}  ${`${r.line}-${r.endLine}`.padEnd(13)}  ${clip(`${r.cut ? '(cut) ' : ''}${r.headline}`, HEADLINE_CHARS)}\n`;
  if (records.length > LISTED) t += `  ... ${records.length - LISTED} more (--json lists every item)\n`;
  t += '\n(stacklab analyze FILE --item N explains one item in full)\n';
  return t;
}

function linkText(l: LogLink, records: readonly ItemRecord[]): string {
  if (l.relation === 'beside')
    return `items ${l.items[0]} and ${l.items[1]}: the table printed just before the report`;
  const n = l.items.length;
  const shown = n <= 6 ? l.items.join(', ') : `${l.items.slice(0, 3).join(', ')}, ... ${l.items[n - 1]}`;
  if (l.relation === 'snapshots')
    return `items ${shown}: ${n} copies of ${records[l.items[0]! - 1]?.kind ?? ''}${n === 2 ? ' (before and after)' : ''}`;
  const depths = l.depths ?? [];
  if (l.identical) return `items ${shown}: ${n} identical tables of one chain, ${depths[0]} B deep`;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const d of depths) {
    lo = Math.min(lo, d);
    hi = Math.max(hi, d);
  }
  const range = n === 2 ? `${depths[0]} B then ${depths[1]} B deep` : `${lo} to ${hi} B deep`;
  return `items ${shown}: ${n} tables of the same chain, ${range} ("before" and "after")`;
}

/** What fits of a headline after the item, kind and lines columns in 100 columns. */
const HEADLINE_CHARS = 56;

/** `s` in at most `n` characters, an ellipsis at the end when it was cut. */
export function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** "1 file", "2 files". */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

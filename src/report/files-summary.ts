// The text of `stacklab analyze DIR` (or several FILEs): the summary over every file
// (src/analyze/items/files-summary.ts), then one line per file: its items, or why it has none.
import type { FileResult, FilesSummary } from '../analyze/items/files-summary.ts';
import { renderSnapshotDelta } from './analysis-text/proc-counts.ts';
import { clip, plural } from './log-summary.ts';

/** Files listed one per line; --json lists every one. */
const LISTED = 200;
/** Width of the file column at most. */
const NAME_CHARS = 32;
/** Width of a file's "what" column, so a line fits 100 columns after the name and count. */
const WHAT_CHARS = 100 - 2 - NAME_CHARS - 2 - 5 - 2;

/**
 * `title` names the input (a directory, or "3 files"); `name` gives a file as the listing shows it
 * (relative to the directory analysed).
 */
export function renderFilesSummary(
  title: string,
  s: FilesSummary,
  results: readonly FileResult[],
  name: (file: string) => string,
): string {
  const none = [
    s.withoutItems > 0 ? `${s.withoutItems} hold none` : '',
    s.failed > 0 ? `${s.failed} could not be read` : '',
  ].filter((x) => x !== '');
  let t = `${title}: ${plural(s.files, 'file')}, ${plural(s.items, 'item')} in ${s.withItems} of them${none.length > 0 ? ` (${none.join(', ')})` : ''}\n`;
  if (s.kinds.length > 0) t += `  ${s.kinds.map((k) => `${k.count} ${k.kind}`).join(', ')}\n`;
  const d = s.deepestTable;
  if (d)
    t += `  the deepest table: ${name(d.file)} item ${d.item} (line ${d.line}), ${d.maxDepth} B, ${d.entries} entries, printed by ${d.sourceEra}\n`;
  for (const o of s.overflows)
    t += `  overflow: ${name(o.file)} item ${o.item} (line ${o.line}): ${o.headline}\n`;
  if (s.worstMargins.length > 0) {
    t += '  worst margin any table leaves under each profile:\n';
    const w = Math.max(...s.worstMargins.map((m) => m.profile.length));
    for (const m of s.worstMargins)
      t += `    ${m.profile.padEnd(w)}  ${m.margin >= 0 ? `${m.margin} B margin` : `${-m.margin} B short`} on the ${m.stack} stack (${name(m.file)} item ${m.item})\n`;
  }
  for (const p of s.pairs) {
    t += `  before and after: ${name(p.before)}, ${name(p.after)} (${p.kind})\n`;
    if (p.delta) t += renderSnapshotDelta(p.delta, '    ');
  }
  const nw = Math.min(NAME_CHARS, Math.max(4, ...results.map((r) => name(r.file).length)));
  // A long path keeps its end, where the file's own name is.
  const names = results.map((r) => {
    const n = name(r.file);
    return n.length > nw ? `…${n.slice(n.length - nw + 1)}` : n;
  });
  t += `\n  ${'file'.padEnd(nw)}  items  what\n`;
  results.slice(0, LISTED).forEach((r, i) => {
    t += `  ${names[i]!.padEnd(nw)}  ${count(r).padStart(5)}  ${clip(what(r), WHAT_CHARS)}\n`;
  });
  if (results.length > LISTED) t += `  ... ${results.length - LISTED} more (--json lists every file)\n`;
  t += '\n(stacklab analyze FILE explains one file; --item N one of its items in full)\n';
  return t;
}

function count(r: FileResult): string {
  return r.status === 'failed' ? '!' : r.status === 'none' ? '-' : String(r.items.length);
}

function what(r: FileResult): string {
  if (r.status === 'failed') return `${r.error?.code ?? 'error'}: ${r.error?.message ?? ''}`;
  if (r.status === 'none') return `no item (${plural(r.summary?.lines ?? 0, 'line')})`;
  if (r.items.length === 1) return `${r.items[0]!.kind}: ${r.items[0]!.headline}`;
  return r.summary!.kinds.map((k) => `${k.count} ${k.kind}`).join(', ');
}

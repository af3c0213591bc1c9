// The summary of many files at once (`stacklab analyze DIR` or several FILEs), as data (its text
// is report/files-summary.ts): each file's items and log summary, or why it has none, and over all
// of them the kinds, the deepest table, every overflow and the worst margin under each profile,
// each named by its file.
import type { Diagnostic } from '../../base/diag.ts';
import type { ItemRecord } from './item-analysis.ts';
import type { LogSummary } from './log-summary.ts';

/** One input file: what it holds, or why it could not be read. */
export interface FileResult {
  readonly file: string;
  /** items: one or more; none: text without any item; failed: not read (binary, unreadable). */
  readonly status: 'items' | 'none' | 'failed';
  readonly items: readonly ItemRecord[];
  /** The file's own summary, as `stacklab analyze FILE` gives it; absent when it failed. */
  readonly summary?: LogSummary;
  readonly error?: Diagnostic;
}

export interface FilesSummary {
  readonly files: number;
  readonly withItems: number;
  readonly withoutItems: number;
  readonly failed: number;
  readonly items: number;
  /** Items per kind over every file, in the order the kinds first appear. */
  readonly kinds: readonly { kind: string; count: number }[];
  readonly deepestTable: {
    file: string;
    item: number;
    line: number;
    maxDepth: number;
    entries: number;
    sourceEra: string;
  } | null;
  readonly overflows: readonly { file: string; item: number; line: number; headline: string }[];
  /** Per profile, the smallest margin any table of any file leaves under it, and where. */
  readonly worstMargins: readonly {
    profile: string;
    stack: string;
    margin: number;
    file: string;
    item: number;
    line: number;
  }[];
}

export function summarizeFiles(results: readonly FileResult[]): FilesSummary {
  const kinds = new Map<string, number>();
  const margins = new Map<string, FilesSummary['worstMargins'][number]>();
  let deepest: FilesSummary['deepestTable'] = null;
  const overflows: FilesSummary['overflows'][number][] = [];
  for (const r of results) {
    const s = r.summary;
    if (s === undefined) continue;
    for (const k of s.kinds) kinds.set(k.kind, (kinds.get(k.kind) ?? 0) + k.count);
    const d = s.tables?.deepest;
    if (d && (deepest === null || d.maxDepth > deepest.maxDepth)) deepest = { file: r.file, ...d };
    for (const o of s.overflows) overflows.push({ file: r.file, ...o });
    for (const m of s.worstMargins) {
      const w = margins.get(m.profile);
      if (w === undefined || m.margin < w.margin) margins.set(m.profile, { file: r.file, ...m });
    }
  }
  const count = (status: FileResult['status']) => results.filter((r) => r.status === status).length;
  return {
    files: results.length,
    withItems: count('items'),
    withoutItems: count('none'),
    failed: count('failed'),
    items: results.reduce((n, r) => n + r.items.length, 0),
    kinds: [...kinds].map(([kind, n]) => ({ kind, count: n })),
    deepestTable: deepest,
    overflows,
    worstMargins: [...margins.values()],
  };
}

// The summary of many files at once (`stacklab analyze DIR` or several FILEs), as data (its text
// is report/files-summary.ts): each file's items and log summary, or why it has none, and over all
// of them the kinds, the deepest table, every overflow and the worst margin under each profile,
// each named by its file.
import type { Diagnostic } from '../../base/diag.ts';
import { type SnapshotDelta, snapshotDelta } from '../analyzers/proc-counts.ts';
import type { ItemRecord } from './item-analysis.ts';
import { type LogSummary, SNAPSHOT_KINDS } from './log-summary.ts';

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
  /**
   * Copies of one /proc file taken around a workload, one per file, named alike but for "before"
   * and "after" (interrupts-before.txt, interrupts-after.txt); for /proc/interrupts and
   * /proc/softirqs, what was counted between them.
   */
  readonly pairs: readonly FilePair[];
}

export interface FilePair {
  readonly kind: string;
  readonly before: string;
  readonly after: string;
  readonly delta?: SnapshotDelta;
}

/** The file `before` names with its last "before" made "after" (undefined if it has none). */
function afterName(before: string): string | undefined {
  const k = before.lastIndexOf('before');
  return k < 0 ? undefined : `${before.slice(0, k)}after${before.slice(k + 'before'.length)}`;
}

function filePairs(results: readonly FileResult[]): FilePair[] {
  const single = new Map<string, ItemRecord>();
  for (const r of results)
    if (r.items.length === 1 && SNAPSHOT_KINDS.has(r.items[0]!.kind)) single.set(r.file, r.items[0]!);
  const out: FilePair[] = [];
  for (const [before, b] of single) {
    const after = afterName(before);
    const a = after === undefined ? undefined : single.get(after);
    if (after === undefined || a === undefined || a.kind !== b.kind) continue;
    const delta = b.counts && a.counts ? snapshotDelta(b.counts, a.counts) : undefined;
    out.push({ kind: b.kind, before, after, ...(delta ? { delta } : {}) });
  }
  return out;
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
    pairs: filePairs(results),
  };
}

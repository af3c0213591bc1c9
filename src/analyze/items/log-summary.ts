// The summary of a whole log's items, as data (its text is report/log-summary.ts): how many of each kind, the deepest table, identical tables
// counted once, every overflow, the worst margin under each profile, the items that belong together
// (an oops and the table printed beside it; tables of one chain, "before" and "after"), and cuts.
import { type SnapshotDelta, snapshotDelta } from '../analyzers/proc-counts.ts';
import type { ItemRecord } from './item-analysis.ts';

export interface LogLink {
  /**
   * beside: a table and the report printed right after it; same-chain: tables of the same call chain;
   * snapshots: copies of one /proc file (before and after a workload).
   */
  readonly relation: 'beside' | 'same-chain' | 'snapshots';
  readonly items: readonly number[];
  /** same-chain: every table is the same, row for row. */
  readonly identical?: boolean;
  /** same-chain: each table's depth, in the order of items. */
  readonly depths?: readonly number[];
  /**
   * snapshots of /proc/interrupts or /proc/softirqs: what was counted from the first copy to the
   * last (absent when they are not of one machine, or a counter went down: a reboot between).
   */
  readonly delta?: SnapshotDelta;
}

export interface LogSummary {
  readonly items: number;
  /** Items per kind, in the order the kinds first appear. */
  readonly kinds: readonly { kind: string; count: number }[];
  readonly lines: number;
  /** Lines that belong to no item. */
  readonly skippedLines: number;
  /** Items the end of the input cut short. */
  readonly cut: readonly number[];
  readonly tables: {
    readonly count: number;
    readonly distinctTables: number;
    readonly distinctChains: number;
    readonly deepest: { item: number; line: number; maxDepth: number; entries: number; sourceEra: string };
  } | null;
  readonly overflows: readonly { item: number; line: number; headline: string }[];
  /** Per profile, the smallest margin any table leaves under it, and where. */
  readonly worstMargins: readonly {
    profile: string;
    stack: string;
    margin: number;
    item: number;
    line: number;
  }[];
  readonly links: readonly LogLink[];
}

/**
 * A table at most this many lines before a report, with no item between, was printed with it:
 * print_max_stack() (kernel/trace/trace_stack.c) prints the table just before the BUG it raises, and
 * a test harness dumps stack_trace right before the oops it was waiting for.
 */
const BESIDE_LINES = 5;

export function summarizeLog(
  records: readonly ItemRecord[],
  lines: number,
  skippedLines: number,
): LogSummary {
  const kinds = new Map<string, number>();
  for (const r of records) kinds.set(r.kind, (kinds.get(r.kind) ?? 0) + 1);
  const tables = records.filter((r) => r.table !== undefined);
  const margins = new Map<string, LogSummary['worstMargins'][number]>();
  for (const r of tables)
    for (const m of r.table!.margins) {
      const w = margins.get(m.profile);
      if (w === undefined || m.margin < w.margin) margins.set(m.profile, { ...m, item: r.n, line: r.line });
    }
  const deepest = tables.reduce<ItemRecord | undefined>(
    (d, r) => (d === undefined || r.table!.maxDepth > d.table!.maxDepth ? r : d),
    undefined,
  );
  return {
    items: records.length,
    kinds: [...kinds].map(([kind, count]) => ({ kind, count })),
    lines,
    skippedLines,
    cut: records.filter((r) => r.cut).map((r) => r.n),
    tables: deepest
      ? {
          count: tables.length,
          distinctTables: new Set(tables.map((r) => r.table!.table)).size,
          distinctChains: new Set(tables.map((r) => r.table!.chain)).size,
          deepest: {
            item: deepest.n,
            line: deepest.line,
            maxDepth: deepest.table!.maxDepth,
            entries: deepest.table!.entries,
            sourceEra: deepest.table!.sourceEra,
          },
        }
      : null,
    overflows: records
      .filter((r) => r.kind === 'overflow-report')
      .map((r) => ({ item: r.n, line: r.line, headline: r.headline })),
    worstMargins: [...margins.values()],
    links: [...besideLinks(records), ...chainLinks(tables), ...snapshotLinks(records)],
  };
}

function besideLinks(records: readonly ItemRecord[]): LogLink[] {
  const out: LogLink[] = [];
  const isReport = (r: ItemRecord) => r.kind === 'overflow-report' || r.kind === 'page-alloc-failure';
  for (let i = 0; i + 1 < records.length; i++) {
    const a = records[i]!;
    const b = records[i + 1]!;
    if (a.table && isReport(b) && b.line - a.endLine - 1 <= BESIDE_LINES)
      out.push({ relation: 'beside', items: [a.n, b.n] });
  }
  return out;
}

function chainLinks(tables: readonly ItemRecord[]): LogLink[] {
  const byChain = new Map<string, ItemRecord[]>();
  for (const r of tables) {
    const g = byChain.get(r.table!.chain);
    if (g) g.push(r);
    else byChain.set(r.table!.chain, [r]);
  }
  return [...byChain.values()]
    .filter((g) => g.length > 1)
    .map((g) => ({
      relation: 'same-chain',
      items: g.map((r) => r.n),
      identical: new Set(g.map((r) => r.table!.table)).size === 1,
      depths: g.map((r) => r.table!.maxDepth),
    }));
}

/** /proc files a log holds copies of: two or more are a series (before and after a workload). */
export const SNAPSHOT_KINDS: ReadonlySet<string> = new Set([
  'meminfo',
  'vmstat',
  'buddyinfo',
  'pagetypeinfo',
  'interrupts',
  'softirqs',
]);

function snapshotLinks(records: readonly ItemRecord[]): LogLink[] {
  const byKind = new Map<string, ItemRecord[]>();
  for (const r of records)
    if (SNAPSHOT_KINDS.has(r.kind)) {
      const g = byKind.get(r.kind);
      if (g) g.push(r);
      else byKind.set(r.kind, [r]);
    }
  return [...byKind.values()]
    .filter((g) => g.length > 1)
    .map((g) => {
      const [first, last] = [g[0]!.counts, g[g.length - 1]!.counts];
      const delta = first && last ? snapshotDelta(first, last) : undefined;
      return { relation: 'snapshots', items: g.map((r) => r.n), ...(delta ? { delta } : {}) };
    });
}

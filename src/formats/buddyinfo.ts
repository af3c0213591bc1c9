// Reads and prints /proc/buddyinfo (mm/vmstat.c frag_show_print()): per populated zone, the number
// of free blocks of each order, all migratetypes together, pcp-held pages excluded.
//
//   Node 0, zone      DMA     13     28     14      4      7      6      3      4      4      4     45
//   Node 0, zone   Normal    750    581    599    704    418    392    241    119     51     17     57
//
// Row layout is "Node %d, zone %8s " then "%6lu " per order (11 orders with 4 KB pages in 6.1).
// Tolerates: dmesg/logcat prefixes, CRLF, runs of spaces collapsed to one, missing trailing space,
// other order counts (16 KB / 64 KB pages) with a notice. Unrecognised lines are counted.
import { type Diagnostic, diag, type SourceLoc } from '../base/diag.ts';
import { takeNumber } from '../base/number.ts';
import type { ParseOutput } from '../base/result.ts';
import { splitLines } from '../base/text.ts';
import { stripLogPrefix, strippedHead } from './log-prefix.ts';

export interface BuddyInfoZone {
  readonly node: number;
  readonly zone: string;
  /** free_area[order].nr_free, order 0 first. */
  readonly nrFree: readonly number[];
  readonly line: number;
}

export interface BuddyInfo {
  readonly zones: readonly BuddyInfoZone[];
}

const ROW = /^Node\s+(\d+),\s*zone\s+(\S+)\s+(\d+(?:\s+\d+)*)\s*$/;
/** MAX_ORDER with 4 KB pages in 6.1 (include/linux/mmzone.h). */
export const BUDDYINFO_ORDERS = 11;
/**
 * Most orders a kernel prints per zone: MAX_ORDER is at most 16 on arm64 (arch/arm64/Kconfig
 * ARCH_FORCE_MAX_ORDER, "range 11 16 if ARM64_4K_PAGES"), 11 on x86; 32 leaves room for any arch.
 * A row with more is damaged (and would make the per-order indices quadratic in its length).
 */
export const MAX_PRINTED_ORDERS = 32;
/** Highest NUMA node id: CONFIG_NODES_SHIFT is at most 10 (arch/x86 and arch/arm64 Kconfig). */
export const MAX_NODE = 1023;
/** Pages a zone can hold: a 64-bit address space in 4 KB pages. Larger free counts are damage. */
export const MAX_ZONE_PAGES = 2 ** 52;

export function sniffBuddyinfo(text: string): boolean {
  const head = strippedHead(text, 64, 8192);
  return (
    head.some((l) => /^Node\s+\d+,\s*zone\s+\S+\s+\d+\s+\d+/.test(l)) &&
    !head.some((l) => /,\s*type\s/.test(l))
  );
}

export function parseBuddyinfo(text: string, file = '<input>', firstLine = 1): ParseOutput<BuddyInfo> {
  const diagnostics: Diagnostic[] = [];
  const zones: BuddyInfoZone[] = [];
  for (const l of splitLines(text, firstLine)) {
    const body = stripLogPrefix(l.text).trim();
    if (body === '') continue;
    const m = ROW.exec(body);
    if (!m) {
      diagnostics.push(
        diag(
          'buddyinfo/bad-row',
          'data-loss',
          `not a buddyinfo row: "${truncate(body)}"`,
          { file, line: l.no },
          '"Node N, zone NAME" followed by one free-block count per order',
        ),
      );
      continue;
    }
    const loc = { file, line: l.no };
    const node = takeNumber(
      m[1]!,
      { code: 'buddyinfo/bad-number', what: 'node', max: MAX_NODE },
      loc,
      diagnostics,
    );
    const nrFree = freeCounts(m[3]!.split(/\s+/), 'buddyinfo', loc, diagnostics);
    if (node === undefined || nrFree === undefined) continue;
    if (nrFree.length !== BUDDYINFO_ORDERS)
      diagnostics.push(
        diag(
          'buddyinfo/order-count',
          'notice',
          `${nrFree.length} orders where 4 KB-page kernels print ${BUDDYINFO_ORDERS}`,
          { file, line: l.no },
        ),
      );
    zones.push({ node, zone: m[2]!, nrFree, line: l.no });
  }
  if (zones.length === 0) {
    diagnostics.push(
      diag(
        'buddyinfo/empty',
        'error',
        'no buddyinfo rows found',
        { file, line: firstLine },
        '"Node 0, zone      DMA     13     28 ..." as printed by /proc/buddyinfo',
      ),
    );
    return { value: undefined, diagnostics };
  }
  return { value: { zones }, diagnostics };
}

/**
 * One zone's free-block counts per order (buddyinfo, pagetypeinfo): at most MAX_PRINTED_ORDERS
 * of them, and no more free pages than a zone can hold; undefined (with a diagnostic) otherwise.
 */
export function freeCounts(
  cells: readonly string[],
  area: string,
  loc: SourceLoc,
  diagnostics: Diagnostic[],
): number[] | undefined {
  if (cells.length > MAX_PRINTED_ORDERS) {
    diagnostics.push(
      diag(
        `${area}/too-many-orders`,
        'data-loss',
        `${cells.length} orders on one row, a kernel prints at most ${MAX_PRINTED_ORDERS}`,
        loc,
      ),
    );
    return undefined;
  }
  const out: number[] = [];
  let pages = 0;
  for (const c of cells) {
    const n = takeNumber(
      c,
      { code: `${area}/bad-number`, what: `free blocks of order ${out.length}` },
      loc,
      diagnostics,
    );
    if (n === undefined) return undefined;
    pages += n * 2 ** out.length;
    out.push(n);
  }
  if (pages > MAX_ZONE_PAGES) {
    diagnostics.push(
      diag(
        `${area}/too-many-pages`,
        'data-loss',
        `the row counts ${pages.toExponential(2)} free pages, more than a 64-bit address space holds`,
        loc,
        `at most ${MAX_ZONE_PAGES} pages`,
      ),
    );
    return undefined;
  }
  return out;
}

/** Prints rows exactly as frag_show_print() does. */
export function printBuddyinfo(info: { readonly zones: readonly Omit<BuddyInfoZone, 'line'>[] }): string {
  let s = '';
  for (const z of info.zones) {
    s += `Node ${z.node}, zone ${z.zone.padStart(8)} `;
    for (const n of z.nrFree) s += `${String(n).padStart(6)} `;
    s += '\n';
  }
  return s;
}

/** Free pages the counts stand for (Σ nr_free[o]·2^o). */
export function buddyFreePages(nrFree: readonly number[]): number {
  let s = 0;
  nrFree.forEach((n, o) => {
    s += n * 2 ** o;
  });
  return s;
}

function truncate(s: string, n = 60): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

/** Row pattern for the log item scanner (src/analyze/items), after stripLogPrefix(). */
export { ROW as BUDDYINFO_ROW };

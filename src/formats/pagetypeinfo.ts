// Reads and prints /proc/pagetypeinfo (mm/vmstat.c pagetypeinfo_show() and helpers; PA §4.2):
// free blocks per migratetype and order, then pageblocks per migratetype, then (with PAGE_OWNER)
// pageblocks containing pages of another type.
//
//   Page block order: 9
//   Pages per block:  512
//
//   Free pages count per migrate type at order       0      1      2 ...
//   Node    0, zone      DMA, type    Unmovable     12     27     13 ...
//
//   Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic          CMA      Isolate
//   Node 0, zone      DMA           10           80            6            0           32            0
//
// Counts above 100000 are printed ">100000" (the kernel stops walking the list). Tolerates log
// prefixes, CRLF, collapsed spaces and any set of type names (2015 kernels print Reserve).
import { type Diagnostic, diag } from '../base/diag.ts';
import { takeNumber } from '../base/number.ts';
import type { ParseOutput } from '../base/result.ts';
import { splitLines } from '../base/text.ts';
import { freeCounts, MAX_NODE, MAX_PRINTED_ORDERS, MAX_ZONE_PAGES } from './buddyinfo.ts';
import { stripLogPrefix } from './log-prefix.ts';

export interface PagetypeFreeRow {
  readonly node: number;
  readonly zone: string;
  readonly type: string;
  readonly counts: readonly number[];
  /** Orders whose count was printed with ">" (list walk capped at 100000). */
  readonly capped: readonly boolean[];
  readonly line: number;
}

export interface PagetypeBlockRow {
  readonly node: number;
  readonly zone: string;
  readonly counts: readonly number[];
  readonly line: number;
}

export interface PagetypeInfo {
  readonly pageblockOrder: number;
  /** Last non-blank line of the file: where a table that is missing should have been. */
  readonly lastLine: number;
  readonly pagesPerBlock: number;
  readonly orders: number;
  readonly free: readonly PagetypeFreeRow[];
  /** Type names of the "Number of blocks type" header, in order. */
  readonly blockTypes: readonly string[];
  readonly blocks: readonly PagetypeBlockRow[];
  /** "Number of mixed blocks" table (CONFIG_PAGE_OWNER), when present. */
  readonly mixedTypes: readonly string[];
  readonly mixed: readonly PagetypeBlockRow[];
}

const ORDER_HDR = /^Page block order:\s*(\d+)\s*$/;
const PAGES_HDR = /^Pages per block:\s*(\d+)\s*$/;
const FREE_HDR = /^Free pages count per migrate type at order((?:\s+\d+)+)\s*$/;
const FREE_ROW = /^Node\s+(\d+),\s*zone\s+(\S+),\s*type\s+(\S+)((?:\s+>?\d+)+)\s*$/;
const BLOCKS_HDR = 'Number of blocks type';
const MIXED_HDR = 'Number of mixed blocks';
const BLOCK_ROW = /^Node\s+(\d+),\s*zone\s+(\S+)((?:\s+\d+)+)\s*$/;

export function sniffPagetypeinfo(text: string): boolean {
  const head = text.slice(0, 8192);
  return /Page block order:\s*\d+/.test(head) || /Free pages count per migrate type at order/.test(head);
}

export function parsePagetypeinfo(text: string, file = '<input>', firstLine = 1): ParseOutput<PagetypeInfo> {
  const diagnostics: Diagnostic[] = [];
  let pageblockOrder: number | undefined;
  let pagesPerBlock: number | undefined;
  let orders = 0;
  const free: PagetypeFreeRow[] = [];
  const blocks: PagetypeBlockRow[] = [];
  const mixed: PagetypeBlockRow[] = [];
  let blockTypes: string[] = [];
  let mixedTypes: string[] = [];
  let section: 'none' | 'free' | 'blocks' | 'mixed' = 'none';
  let lastLine = 0;
  const spec = { code: 'pagetypeinfo/bad-number', what: '' };
  const bad = (no: number, body: string, expected: string) =>
    diagnostics.push(
      diag(
        'pagetypeinfo/bad-row',
        'data-loss',
        `unexpected line: "${truncate(body)}"`,
        { file, line: no },
        expected,
      ),
    );
  for (const l of splitLines(text, firstLine)) {
    const body = stripLogPrefix(l.text).trim();
    if (body === '') continue;
    lastLine = l.no;
    const loc = { file, line: l.no };
    let m: RegExpExecArray | null;
    if ((m = ORDER_HDR.exec(body)))
      // pageblock_order is at most MAX_ORDER - 1 (include/linux/pageblock-flags.h).
      pageblockOrder = takeNumber(
        m[1]!,
        { ...spec, what: 'pageblock order', max: MAX_PRINTED_ORDERS - 1 },
        loc,
        diagnostics,
      );
    else if ((m = PAGES_HDR.exec(body)))
      pagesPerBlock = takeNumber(
        m[1]!,
        { ...spec, what: 'pages per block', min: 1, max: 2 ** (MAX_PRINTED_ORDERS - 1) },
        loc,
        diagnostics,
      );
    else if ((m = FREE_HDR.exec(body))) {
      orders = m[1]!.trim().split(/\s+/).length;
      section = 'free';
      if (orders > MAX_PRINTED_ORDERS) {
        diagnostics.push(
          diag(
            'pagetypeinfo/too-many-orders',
            'data-loss',
            `${orders} orders in the header, a kernel prints at most ${MAX_PRINTED_ORDERS}`,
            loc,
          ),
        );
        orders = 0;
        section = 'none';
      }
    } else if (body.startsWith(BLOCKS_HDR) && body.length > BLOCKS_HDR.length) {
      blockTypes = body.slice(BLOCKS_HDR.length).trim().split(/\s+/);
      section = 'blocks';
    } else if (body.startsWith(MIXED_HDR) && body.length > MIXED_HDR.length) {
      mixedTypes = body.slice(MIXED_HDR.length).trim().split(/\s+/);
      section = 'mixed';
    } else if (section === 'free' && (m = FREE_ROW.exec(body))) {
      const cells = m[4]!.trim().split(/\s+/);
      const node = takeNumber(m[1]!, { ...spec, what: 'node', max: MAX_NODE }, loc, diagnostics);
      const counts = freeCounts(
        cells.map((c) => (c.startsWith('>') ? c.slice(1) : c)),
        'pagetypeinfo',
        loc,
        diagnostics,
      );
      if (node === undefined || counts === undefined) continue;
      const row = {
        node,
        zone: m[2]!,
        type: m[3]!,
        counts,
        capped: cells.map((c) => c.startsWith('>')),
        line: l.no,
      };
      if (row.counts.length !== orders)
        diagnostics.push(
          diag(
            'pagetypeinfo/column-count',
            'notice',
            `${row.counts.length} counts, header has ${orders} orders`,
            {
              file,
              line: l.no,
            },
          ),
        );
      free.push(row);
    } else if ((section === 'blocks' || section === 'mixed') && (m = BLOCK_ROW.exec(body))) {
      const node = takeNumber(m[1]!, { ...spec, what: 'node', max: MAX_NODE }, loc, diagnostics);
      const words = m[3]!.trim().split(/\s+/);
      // A row has one count per migratetype (MIGRATE_TYPES is at most 7).
      if (words.length > MAX_PRINTED_ORDERS) {
        diagnostics.push(
          diag('pagetypeinfo/column-count', 'data-loss', `${words.length} pageblock counts on one row`, loc),
        );
        continue;
      }
      // No zone holds more pageblocks than pages.
      const counts = words.map((w) =>
        takeNumber(w, { ...spec, what: 'pageblocks', max: MAX_ZONE_PAGES }, loc, diagnostics),
      );
      if (node === undefined || counts.some((c) => c === undefined)) continue;
      const row = { node, zone: m[2]!, counts: counts as number[], line: l.no };
      const types = section === 'blocks' ? blockTypes : mixedTypes;
      if (row.counts.length !== types.length)
        diagnostics.push(
          diag(
            'pagetypeinfo/column-count',
            'notice',
            `${row.counts.length} counts, header names ${types.length} types`,
            {
              file,
              line: l.no,
            },
          ),
        );
      (section === 'blocks' ? blocks : mixed).push(row);
    } else bad(l.no, body, 'a pagetypeinfo header or "Node N, zone NAME ..." row');
  }
  if (free.length === 0 && blocks.length === 0) {
    diagnostics.push(
      diag(
        'pagetypeinfo/empty',
        'error',
        'no pagetypeinfo tables found',
        { file, line: firstLine },
        '"Free pages count per migrate type at order" and "Number of blocks type" tables from /proc/pagetypeinfo',
      ),
    );
    return { value: undefined, diagnostics };
  }
  if (pageblockOrder === undefined)
    diagnostics.push(
      diag('pagetypeinfo/no-pageblock-order', 'notice', 'no "Page block order:" line; assuming 9', { file }),
    );
  const pbo = pageblockOrder ?? 9;
  return {
    value: {
      pageblockOrder: pbo,
      lastLine,
      pagesPerBlock: pagesPerBlock ?? 2 ** pbo,
      orders: orders || (free[0]?.counts.length ?? 0),
      free,
      blockTypes,
      blocks,
      mixedTypes,
      mixed,
    },
    diagnostics,
  };
}

type Printable = Pick<
  PagetypeInfo,
  'pageblockOrder' | 'pagesPerBlock' | 'orders' | 'blockTypes' | 'mixedTypes'
> & {
  readonly free: readonly Omit<PagetypeFreeRow, 'line' | 'capped'>[];
  readonly blocks: readonly Omit<PagetypeBlockRow, 'line'>[];
  readonly mixed: readonly Omit<PagetypeBlockRow, 'line'>[];
};

/** Prints the file exactly as pagetypeinfo_show() does, capping counts at 100000 like the kernel. */
export function printPagetypeinfo(p: Printable): string {
  let s = `Page block order: ${p.pageblockOrder}\nPages per block:  ${p.pagesPerBlock}\n\n`;
  s += `${'Free pages count per migrate type at order'.padEnd(43)} `;
  for (let o = 0; o < p.orders; o++) s += `${String(o).padStart(6)} `;
  s += '\n';
  for (const r of p.free) {
    s += `Node ${String(r.node).padStart(4)}, zone ${r.zone.padStart(8)}, type ${r.type.padStart(12)} `;
    for (const c of r.counts)
      s += c >= 100000 ? `>${String(100000).padStart(6)} ` : `${String(c).padStart(6)} `;
    s += '\n';
  }
  s += blockTable('Number of blocks type ', p.blockTypes, p.blocks);
  if (p.mixed.length > 0) s += blockTable('Number of mixed blocks ', p.mixedTypes, p.mixed);
  return s;
}

function blockTable(
  title: string,
  types: readonly string[],
  rows: readonly Omit<PagetypeBlockRow, 'line'>[],
): string {
  let s = `\n${title.padEnd(23)}`;
  for (const t of types) s += `${t.padStart(12)} `;
  s += '\n';
  for (const r of rows) {
    s += `Node ${r.node}, zone ${r.zone.padStart(8)} `;
    for (const c of r.counts) s += `${String(c).padStart(12)} `;
    s += '\n';
  }
  return s;
}

function truncate(s: string, n = 60): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

/** Row patterns for the log item scanner (src/analyze/items), after stripLogPrefix(). */
export { BLOCK_ROW as PAGETYPEINFO_BLOCK_ROW, FREE_ROW as PAGETYPEINFO_FREE_ROW };

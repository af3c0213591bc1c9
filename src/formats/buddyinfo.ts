// Reads and prints /proc/buddyinfo (mm/vmstat.c frag_show_print()): per populated zone, the number
// of free blocks of each order, all migratetypes together, pcp-held pages excluded.
//
//   Node 0, zone      DMA     13     28     14      4      7      6      3      4      4      4     45
//   Node 0, zone   Normal    750    581    599    704    418    392    241    119     51     17     57
//
// Row layout is "Node %d, zone %8s " then "%6lu " per order (11 orders with 4 KB pages in 6.1).
// Tolerates: dmesg/logcat prefixes, CRLF, runs of spaces collapsed to one, missing trailing space,
// other order counts (16 KB / 64 KB pages) with a notice. Unrecognised lines are counted.
import { type Diagnostic, diag } from '../base/diag.ts';
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

export function sniffBuddyinfo(text: string): boolean {
  const head = strippedHead(text, 64, 8192);
  return (
    head.some((l) => /^Node\s+\d+,\s*zone\s+\S+\s+\d+\s+\d+/.test(l)) &&
    !head.some((l) => /,\s*type\s/.test(l))
  );
}

export function parseBuddyinfo(text: string, file = '<input>'): ParseOutput<BuddyInfo> {
  const diagnostics: Diagnostic[] = [];
  const zones: BuddyInfoZone[] = [];
  for (const l of splitLines(text)) {
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
    const nrFree = m[3]!.split(/\s+/).map(Number);
    if (nrFree.length !== BUDDYINFO_ORDERS)
      diagnostics.push(
        diag(
          'buddyinfo/order-count',
          'notice',
          `${nrFree.length} orders where 4 KB-page kernels print ${BUDDYINFO_ORDERS}`,
          { file, line: l.no },
        ),
      );
    zones.push({ node: Number(m[1]), zone: m[2]!, nrFree, line: l.no });
  }
  if (zones.length === 0) {
    diagnostics.push(
      diag(
        'buddyinfo/empty',
        'error',
        'no buddyinfo rows found',
        { file, line: 1 },
        '"Node 0, zone      DMA     13     28 ..." as printed by /proc/buddyinfo',
      ),
    );
    return { value: undefined, diagnostics };
  }
  return { value: { zones }, diagnostics };
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

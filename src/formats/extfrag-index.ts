// Reads and prints the debugfs fragmentation files (mm/vmstat.c, CONFIG_DEBUG_FS + CONFIG_COMPACTION):
// /sys/kernel/debug/extfrag/unusable_index (unusable_show_print(), "%d.%03d ") and
// /sys/kernel/debug/extfrag/extfrag_index (extfrag_show_print(), "%2d.%03d "), one line per zone.
//
//   Node 0, zone      DMA 0.000 0.580 0.999 1.000 1.000 1.000 1.000 1.000 1.000 1.000 1.000
//   Node 0, zone      DMA -1.000 -1.000 -1.000  0.842  0.921 ...
//
// Values are thousandths (the kernel's integer index). Tolerates log prefixes and CRLF.
import { type Diagnostic, diag } from '../base/diag.ts';
import { takeNumber } from '../base/number.ts';
import type { ParseOutput } from '../base/result.ts';
import { splitLines } from '../base/text.ts';
import { MAX_NODE, MAX_PRINTED_ORDERS } from './buddyinfo.ts';
import { stripLogPrefix, strippedHead } from './log-prefix.ts';

export interface IndexZone {
  readonly node: number;
  readonly zone: string;
  /** Thousandths per order (-1000 = a suitable block exists, extfrag only). */
  readonly index: readonly number[];
}

const ROW = /^Node\s+(\d+),\s*zone\s+(\S+)((?:\s+-?\d+\.\d{3})+)\s*$/;

export function sniffExtfragIndex(text: string): boolean {
  return strippedHead(text, 64, 8192).some((l) => /^Node\s+\d+,\s*zone\s+\S+\s+-?\d+\.\d{3}(?:\s|$)/.test(l));
}

export function parseExtfragIndex(text: string, file = '<input>'): ParseOutput<{ zones: IndexZone[] }> {
  const diagnostics: Diagnostic[] = [];
  const zones: IndexZone[] = [];
  for (const l of splitLines(text)) {
    const body = stripLogPrefix(l.text).trim();
    if (body === '') continue;
    const m = ROW.exec(body);
    if (!m) {
      diagnostics.push(
        diag('extfrag-index/bad-row', 'data-loss', `not an index row: "${body.slice(0, 60)}"`, {
          file,
          line: l.no,
        }),
      );
      continue;
    }
    const loc = { file, line: l.no };
    // "%d.%03d": thousandths, -1000 (-1.000) to 1000 (1.000).
    const words = m[3]!.trim().split(/\s+/);
    const index =
      words.length > MAX_PRINTED_ORDERS
        ? undefined
        : words.map((v) => {
            const t = takeNumber(
              v,
              { code: 'extfrag-index/bad-number', what: 'index', syntax: 'real', min: -1, max: 1 },
              loc,
              diagnostics,
            );
            return t === undefined ? undefined : Math.round(t * 1000);
          });
    const node = takeNumber(
      m[1]!,
      { code: 'extfrag-index/bad-number', what: 'node', max: MAX_NODE },
      loc,
      diagnostics,
    );
    if (index === undefined)
      diagnostics.push(
        diag(
          'extfrag-index/too-many-orders',
          'data-loss',
          `${words.length} orders on one row, a kernel prints at most ${MAX_PRINTED_ORDERS}`,
          loc,
        ),
      );
    if (node === undefined || index === undefined || index.some((v) => v === undefined)) continue;
    zones.push({ node, zone: m[2]!, index: index as number[] });
  }
  if (zones.length === 0) {
    diagnostics.push(diag('extfrag-index/empty', 'error', 'no index rows found', { file, line: 1 }));
    return { value: undefined, diagnostics };
  }
  return { value: { zones }, diagnostics };
}

function row(z: IndexZone, cell: (i: number) => string): string {
  return `Node ${z.node}, zone ${z.zone.padStart(8)} ${z.index.map(cell).join(' ')} \n`;
}

/** unusable_show_print(): "%d.%03d ". */
export function printUnusableIndex(zones: readonly IndexZone[]): string {
  return zones
    .map((z) => row(z, (i) => `${Math.trunc(i / 1000)}.${String(Math.abs(i % 1000)).padStart(3, '0')}`))
    .join('');
}

/** extfrag_show_print(): "%2d.%03d " (-1000 prints as "-1.000"). */
export function printExtfragIndex(zones: readonly IndexZone[]): string {
  return zones
    .map((z) =>
      row(
        z,
        (i) => `${String(Math.trunc(i / 1000)).padStart(2)}.${String(Math.abs(i % 1000)).padStart(3, '0')}`,
      ),
    )
    .join('');
}

// Reads and prints the debugfs fragmentation files (mm/vmstat.c, CONFIG_DEBUG_FS + CONFIG_COMPACTION):
// /sys/kernel/debug/extfrag/unusable_index (unusable_show_print(), "%d.%03d ") and
// /sys/kernel/debug/extfrag/extfrag_index (extfrag_show_print(), "%2d.%03d "), one line per zone.
//
//   Node 0, zone      DMA 0.000 0.580 0.999 1.000 1.000 1.000 1.000 1.000 1.000 1.000 1.000
//   Node 0, zone      DMA -1.000 -1.000 -1.000  0.842  0.921 ...
//
// Values are thousandths (the kernel's integer index). Tolerates log prefixes and CRLF.
import { type Diagnostic, diag } from '../base/diag.ts';
import type { ParseOutput } from '../base/result.ts';
import { splitLines } from '../base/text.ts';
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
    const index = m[3]!
      .trim()
      .split(/\s+/)
      .map((v) => {
        const neg = v.startsWith('-');
        const [a, b] = v.replace('-', '').split('.');
        const t = Number(a) * 1000 + Number(b);
        return neg ? -t : t;
      });
    zones.push({ node: Number(m[1]), zone: m[2]!, index });
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

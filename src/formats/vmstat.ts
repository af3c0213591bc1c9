// Reads and prints /proc/vmstat (mm/vmstat.c vmstat_show(): "%s %lu\n" per item of vmstat_text[]).
//
//   nr_free_pages 50326
//   pgalloc_dma 11759
//   compact_stall 0
//
// Order is the kernel's and is kept. Tolerates log prefixes, CRLF, several spaces or a tab between
// name and value, and negative values (per-CPU drift of state counters shows up that way). Lines that
// are not "name value" are counted; a repeated name is a notice and the last value wins.
import { type Diagnostic, diag } from '../base/diag.ts';
import { takeNumber } from '../base/number.ts';
import type { ParseOutput } from '../base/result.ts';
import { splitLines } from '../base/text.ts';
import { stripLogPrefix, stripTerminalEscapes } from './log-prefix.ts';

export interface VmstatEntry {
  readonly name: string;
  readonly value: number;
  readonly line: number;
}

export interface Vmstat {
  readonly entries: readonly VmstatEntry[];
  /** name -> value (last occurrence). */
  readonly values: ReadonlyMap<string, number>;
}

const ROW = /^([a-z][a-z0-9_]*)\s+(-?\d+)\s*$/;

export function sniffVmstat(text: string): boolean {
  const lines = text.slice(0, 4096).split('\n').slice(0, 8);
  const good = lines.filter((l) => ROW.test(stripLogPrefix(l).trim())).length;
  const head = stripTerminalEscapes(text.slice(0, 8192));
  return good >= 3 && /\b(?:nr_free_pages|pgalloc_|pgfault|compact_stall|nr_zone_)/.test(head);
}

export function parseVmstat(text: string, file = '<input>', firstLine = 1): ParseOutput<Vmstat> {
  const diagnostics: Diagnostic[] = [];
  const entries: VmstatEntry[] = [];
  const values = new Map<string, number>();
  for (const l of splitLines(text, firstLine)) {
    const body = stripLogPrefix(l.text).trim();
    if (body === '') continue;
    const m = ROW.exec(body);
    if (!m) {
      diagnostics.push(
        diag(
          'vmstat/bad-row',
          'data-loss',
          `not a vmstat line: "${body.length > 60 ? `${body.slice(0, 60)}…` : body}"`,
          { file, line: l.no },
          '"name value", e.g. "compact_stall 12"',
        ),
      );
      continue;
    }
    // Counters are unsigned longs, state items drift below zero across CPUs; past 2^53 a value
    // would no longer be exact, and a delta of two such values would be noise.
    const value = takeNumber(
      m[2]!,
      { code: 'vmstat/bad-number', what: m[1]!, min: -Number.MAX_SAFE_INTEGER },
      { file, line: l.no },
      diagnostics,
    );
    if (value === undefined) continue;
    if (values.has(m[1]!))
      diagnostics.push(
        diag('vmstat/duplicate', 'notice', `${m[1]} appears more than once`, { file, line: l.no }),
      );
    entries.push({ name: m[1]!, value, line: l.no });
    values.set(m[1]!, value);
  }
  if (entries.length === 0) {
    diagnostics.push(
      diag(
        'vmstat/empty',
        'error',
        'no vmstat lines found',
        { file, line: firstLine },
        '"nr_free_pages 50326" style lines',
      ),
    );
    return { value: undefined, diagnostics };
  }
  return { value: { entries, values }, diagnostics };
}

/** Prints "name value" lines in the given order, as vmstat_show() does. */
export function printVmstat(entries: readonly { readonly name: string; readonly value: number }[]): string {
  let s = '';
  for (const e of entries) s += `${e.name} ${e.value}\n`;
  return s;
}

/** after - before for every counter present in both, in `after`'s order. */
export function vmstatDelta(before: Vmstat, after: Vmstat): { name: string; value: number }[] {
  const out: { name: string; value: number }[] = [];
  for (const e of after.entries) {
    const b = before.values.get(e.name);
    if (b !== undefined) out.push({ name: e.name, value: e.value - b });
  }
  return out;
}

/** Row pattern for the log item scanner (src/analyze/items), after stripLogPrefix(). */
export { ROW as VMSTAT_ROW };

// Reads and prints /proc/meminfo (fs/proc/meminfo.c meminfo_proc_show(); show_val_kb() prints
// "%-16s%8lu kB" with the name including its colon, counters without a unit print "%-16s%8lu").
//
//   MemTotal:         229380 kB
//   MemFree:          201268 kB
//   HugePages_Total:       0
//
// Tolerates log prefixes, CRLF and any spacing; values are kept in the unit printed (kB or a count).
import { type Diagnostic, diag } from '../base/diag.ts';
import { takeNumber } from '../base/number.ts';
import type { ParseOutput } from '../base/result.ts';
import { splitLines } from '../base/text.ts';
import { stripLogPrefix, strippedHead } from './log-prefix.ts';

export interface MeminfoEntry {
  readonly name: string;
  readonly value: number;
  readonly kb: boolean;
  readonly line: number;
}

export interface Meminfo {
  readonly entries: readonly MeminfoEntry[];
  readonly values: ReadonlyMap<string, number>;
}

const ROW = /^([A-Za-z][A-Za-z0-9_()]*):\s*(\d+)(\s*kB)?\s*$/;

export function sniffMeminfo(text: string): boolean {
  return strippedHead(text, 16, 4096).some((l) => /^MemTotal:\s+\d+\s*kB/.test(l));
}

export function parseMeminfo(text: string, file = '<input>', firstLine = 1): ParseOutput<Meminfo> {
  const diagnostics: Diagnostic[] = [];
  const entries: MeminfoEntry[] = [];
  const values = new Map<string, number>();
  for (const l of splitLines(text, firstLine)) {
    const body = stripLogPrefix(l.text).trim();
    if (body === '') continue;
    const m = ROW.exec(body);
    if (!m) {
      diagnostics.push(
        diag(
          'meminfo/bad-row',
          'data-loss',
          `not a meminfo line: "${body.slice(0, 60)}"`,
          { file, line: l.no },
          '"Name:   N kB"',
        ),
      );
      continue;
    }
    const value = takeNumber(
      m[2]!,
      { code: 'meminfo/bad-number', what: m[1]! },
      { file, line: l.no },
      diagnostics,
    );
    if (value === undefined) continue;
    entries.push({ name: m[1]!, value, kb: m[3] !== undefined, line: l.no });
    values.set(m[1]!, value);
  }
  if (entries.length === 0) {
    diagnostics.push(
      diag(
        'meminfo/empty',
        'error',
        'no meminfo lines found',
        { file, line: firstLine },
        '"MemTotal:  229380 kB"',
      ),
    );
    return { value: undefined, diagnostics };
  }
  return { value: { entries, values }, diagnostics };
}

/** Prints lines as meminfo_proc_show() does ("HardwareCorrupted: %5lu kB" is its one wider name). */
export function printMeminfo(entries: readonly Omit<MeminfoEntry, 'line'>[]): string {
  return entries
    .map((e) => {
      const name = `${e.name}:`;
      const head =
        name.length > 16
          ? `${name} ${String(e.value).padStart(5)}`
          : `${name.padEnd(16)}${String(e.value).padStart(8)}`;
      return `${head}${e.kb ? ' kB' : ''}\n`;
    })
    .join('');
}

/** Row pattern for the log item scanner (src/analyze/items), after stripLogPrefix(). */
export { ROW as MEMINFO_ROW };

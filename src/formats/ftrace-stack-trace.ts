// Reads and prints the ftrace stack tracer's table, /sys/kernel/tracing/stack_trace
// (kernel/trace/trace_stack.c: t_show(), and print_max_stack() for the pr_emerg copy before a BUG).
//
//         Depth    Size   Location    (51 entries)
//         -----    ----   --------
//   0)     5352      96   _raw_spin_unlock_irqrestore+0x1c/0x60
//   1)     5256      48   gic_raise_softirq+0xa0/0xbc
//
// Row layout is printf "%3ld) %8d   %5d   %pS". Tolerates what real copies add: dmesg timestamps
// ("[  111.404781] "), ftrace-buffer prefixes ("<...>-15987   5d..2 111689535us : stack_trace_call: "),
// shell prompts and command lines, markdown indentation, runs of spaces collapsed to one, CRLF,
// headers without indentation, raw addresses in place of symbols, " [module]" suffixes, the
// "#  Stack tracer disabled" block, mail quotes ("> "), and "[...]" lines where an author cut rows.
// Several tables in one file are all returned.
import { type Diagnostic, diag, type SourceLoc } from '../base/diag.ts';
import { readNumber, takeNumber } from '../base/number.ts';
import type { ParseOutput } from '../base/result.ts';
import { padLeft, splitLines } from '../base/text.ts';
import { stripLogPrefix } from './log-prefix.ts';

/** A %pS location: `symbol+0xoffset/0xlength [module]`, or a bare address when no symbol was found. */
export interface Location {
  /** The text exactly as printed. */
  readonly text: string;
  readonly symbol: string | null;
  readonly offset: number | null;
  readonly length: number | null;
  /** Module name from " [module]" (without the build ID that CONFIG_STACKTRACE_BUILD_ID adds). */
  readonly module: string | null;
  /** " [module buildid]" with CONFIG_STACKTRACE_BUILD_ID (5.14+), else null. */
  readonly buildId?: string | null;
  /** Set when the kernel printed a raw address (no symbol). */
  readonly address: bigint | null;
}

export interface StackTraceRow {
  readonly index: number;
  readonly depth: number;
  readonly size: number;
  readonly location: Location;
  /** 1-based line in the input. */
  readonly line: number;
}

export interface StackTraceTable {
  /** "(N entries)" from the header. */
  readonly declaredEntries: number;
  readonly rows: readonly StackTraceRow[];
  /** The "#  Stack tracer disabled" block was present. */
  readonly disabled: boolean;
  /** Line of the header. */
  readonly line: number;
}

export interface StackTraceFile {
  readonly tables: readonly StackTraceTable[];
}

const HEADER = /Depth\s+Size\s+Location\s+\((\d+) entries\)\s*$/;
const SEPARATOR = /^-----\s+----\s+--------\s*$/;
const ROW = /^(\d+)\)\s+(-?\d+)\s+(-?\d+)\s+(\S(?:.*\S)?)\s*$/;
const SYMBOL = /^(.+?)\+0x([0-9a-fA-F]+)\/0x([0-9a-fA-F]+)(?:\s+\[([^\]]+)\])?$/;
const RAW_ADDRESS = /^(?:0x)?([0-9a-fA-F]{8,16})$/;
/** What authors put where they cut rows: "[...]", "...", "<snip>", "[ snip ]". */
const ELISION = /^(?:\[\s*(?:\.{3,}|…|snip(?:ped)?)\s*\]|\.{3,}|…|<\s*snip(?:ped)?\s*>)$/i;

/** The ftrace ring-buffer prefix of a trace_printk dump ("<...>-15987   5d..2 111689535us : stack_trace_call: "). */
const TRACE_PRINTK = /^.*?:\s+stack_trace_call:\s?/;

/** Strips what real copies put before each line: log prefixes (log-prefix.ts) and the ring-buffer one. */
function stripPrefixes(text: string): string {
  let s = stripLogPrefix(text.trimStart());
  const m = TRACE_PRINTK.exec(s);
  if (m) s = stripLogPrefix(s.slice(m[0].length));
  return s.trim();
}

export function parseLocation(
  text: string,
  loc: SourceLoc = { file: '<input>' },
  diagnostics: Diagnostic[] = [],
): Location {
  const t = text.trim();
  const m = SYMBOL.exec(t);
  const spec = { code: 'stack-trace/bad-number', syntax: 'hex' } as const;
  const offset = m && takeNumber(m[2]!, { ...spec, what: 'offset in the function' }, loc, diagnostics);
  const length = m && takeNumber(m[3]!, { ...spec, what: 'function length' }, loc, diagnostics);
  if (m && offset !== undefined && length !== undefined) {
    return {
      text: t,
      symbol: m[1]!,
      offset,
      length,
      module: m[4]?.split(/\s+/)[0] ?? null,
      ...(m[4]?.includes(' ') ? { buildId: m[4].split(/\s+/)[1] ?? null } : {}),
      address: null,
    };
  }
  const a = RAW_ADDRESS.exec(t);
  const address =
    a && readNumber(a[1]!, { code: 'stack-trace/bad-number', what: 'address', syntax: 'addr' }, loc);
  if (address?.ok)
    return { text: t, symbol: null, offset: null, length: null, module: null, address: address.value };
  // A symbol without +off/len (some %ps copies): keep the name.
  return { text: t, symbol: t.split(/\s+/)[0] ?? t, offset: null, length: null, module: null, address: null };
}

/** Cheap check: is there a stack_trace header in the first 64 KB? */
export function sniffFtraceStackTrace(text: string): boolean {
  const head = text.slice(0, 65536);
  return /Depth\s+Size\s+Location\s+\(\d+ entries\)/.test(head);
}

export function parseFtraceStackTrace(
  text: string,
  file = '<input>',
  firstLine = 1,
): ParseOutput<StackTraceFile> {
  const diagnostics: Diagnostic[] = [];
  const tables: StackTraceTable[] = [];
  const lines = splitLines(text, firstLine);
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const h = HEADER.exec(stripPrefixes(line.text));
    if (!h) {
      i++;
      continue;
    }
    const declaredEntries = takeNumber(
      h[1]!,
      { code: 'stack-trace/bad-number', what: 'entries', severity: 'notice' },
      { file, line: line.no },
      diagnostics,
    );
    const rows: StackTraceRow[] = [];
    let disabled = false;
    let j = i + 1;
    const sep = lines[j];
    if (sep !== undefined && SEPARATOR.test(stripPrefixes(sep.text))) j++;
    else
      diagnostics.push(
        diag('stack-trace/no-separator', 'notice', 'header is not followed by the "-----" line', {
          file,
          line: line.no + 1,
        }),
      );
    for (; j < lines.length; j++) {
      const l = lines[j]!;
      const body = stripPrefixes(l.text);
      if (HEADER.test(body)) break;
      if (body === '') {
        if (rows.length > 0) break;
        continue;
      }
      if (body.startsWith('#')) {
        if (/Stack tracer disabled/.test(body)) disabled = true;
        if (rows.length > 0) break;
        continue;
      }
      const r = ROW.exec(body);
      if (!r && rows.length > 0 && ELISION.test(body) && ROW.test(stripPrefixes(lines[j + 1]?.text ?? ''))) {
        // An author cut rows out of the middle of the table ("[...]"): the gap is counted once.
        diagnostics.push(
          diag('stack-trace/elided', 'data-loss', `rows elided in this copy: "${truncate(body)}"`, {
            file,
            line: l.no,
          }),
        );
        continue;
      }
      if (!r) {
        // Text after the rows ends the table (oops text, prompts, fences), unless more rows follow:
        // then it is a damaged row inside the table, counted.
        if (rows.length > 0 && !ROW.test(stripPrefixes(lines[j + 1]?.text ?? ''))) break;
        diagnostics.push(
          diag(
            'stack-trace/bad-row',
            'data-loss',
            `not a stack_trace row: "${truncate(body)}"`,
            { file, line: l.no },
            '"N)  DEPTH  SIZE  LOCATION"',
          ),
        );
        continue;
      }
      const loc = { file, line: l.no };
      const spec = { code: 'stack-trace/bad-number', min: -Number.MAX_SAFE_INTEGER };
      const index = takeNumber(r[1]!, { ...spec, what: 'row number' }, loc, diagnostics);
      const depth = takeNumber(r[2]!, { ...spec, what: 'depth' }, loc, diagnostics);
      const size = takeNumber(r[3]!, { ...spec, what: 'size' }, loc, diagnostics);
      if (index === undefined || depth === undefined || size === undefined) continue;
      rows.push({ index, depth, size, location: parseLocation(r[4]!, loc, diagnostics), line: l.no });
    }
    const table = { declaredEntries: declaredEntries ?? rows.length, rows, disabled, line: line.no };
    checkTable(table, file, diagnostics);
    tables.push(table);
    i = j;
  }
  if (tables.length === 0) {
    diagnostics.push(
      diag(
        'stack-trace/no-header',
        'error',
        'no stack_trace header found',
        { file, line: 1 },
        '"Depth    Size   Location    (N entries)" as printed by /sys/kernel/tracing/stack_trace',
      ),
    );
    return { value: undefined, diagnostics };
  }
  return { value: { tables }, diagnostics };
}

/** Consistency checks that tell a damaged copy from a real one; each finding is a notice, not an error. */
function checkTable(t: StackTraceTable, file: string, out: Diagnostic[]): void {
  const { rows } = t;
  if (rows.length === 0) {
    if (!t.disabled && t.declaredEntries > 0)
      out.push(
        diag('stack-trace/empty', 'data-loss', 'table has a header but no rows', { file, line: t.line }),
      );
    return;
  }
  if (rows.length !== t.declaredEntries) {
    out.push(
      diag(
        'stack-trace/entry-count',
        'notice',
        `header says ${t.declaredEntries} entries, ${rows.length} rows follow`,
        { file, line: t.line },
      ),
    );
  }
  rows.forEach((r, k) => {
    // Compared with the row before, so that one gap (rows cut out of a copy) is reported once.
    const want = k === 0 ? 0 : rows[k - 1]!.index + 1;
    if (r.index !== want)
      out.push(
        diag('stack-trace/index-gap', 'data-loss', `row numbered ${r.index} where ${want} was expected`, {
          file,
          line: r.line,
        }),
      );
    const next = rows[k + 1];
    const expected = next === undefined ? r.depth : r.depth - next.depth;
    if (r.size !== expected)
      out.push(
        diag(
          'stack-trace/size-mismatch',
          'notice',
          `Size ${r.size} but Depth ${r.depth}${next ? ` - next Depth ${next.depth}` : ''} = ${expected}`,
          { file, line: r.line },
        ),
      );
    if (next !== undefined && next.depth > r.depth)
      out.push(
        diag(
          'stack-trace/depth-order',
          'notice',
          `Depth grows from ${r.depth} to ${next.depth} going outward`,
          {
            file,
            line: next.line,
          },
        ),
      );
  });
}

/** Prints a table exactly as t_show() does (trailing newline included). */
export function printFtraceStackTrace(t: {
  readonly rows: readonly { depth: number; location: { text: string } }[];
  readonly disabled?: boolean;
  readonly declaredEntries?: number;
}): string {
  const n = t.declaredEntries ?? t.rows.length;
  let s = `        Depth    Size   Location    (${n} entries)\n        -----    ----   --------\n`;
  if (t.disabled)
    s +=
      '#\n#  Stack tracer disabled\n#\n' +
      "# To enable the stack tracer, either add 'stacktrace' to the\n# kernel command line\n" +
      "# or 'echo 1 > /proc/sys/kernel/stack_tracer_enabled'\n#\n";
  t.rows.forEach((r, i) => {
    const next = t.rows[i + 1];
    const size = next === undefined ? r.depth : r.depth - next.depth;
    s += `${padLeft(i, 3)}) ${padLeft(r.depth, 8)}   ${padLeft(size, 5)}   ${r.location.text}\n`;
  });
  return s;
}

function truncate(s: string, n = 60): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

/** Line patterns for the log item scanner (src/analyze/items), after stripPrefixes(). */
export {
  ELISION as STACK_TRACE_ELISION,
  HEADER as STACK_TRACE_HEADER,
  ROW as STACK_TRACE_ROW,
  SEPARATOR as STACK_TRACE_SEPARATOR,
  stripPrefixes as stripTablePrefixes,
};

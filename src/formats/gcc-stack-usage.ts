// Reads and prints GCC's -fstack-usage output (.su files; gcc/toplev.cc output_stack_usage_1()),
// which clang's -fstack-usage also writes:
//
//   frames.c:32:6:frame_register	5024	static
//   frames.c:56:6:dyn_vla	16	dynamic
//   drivers/foo.c:120:12:foo_probe	48	dynamic,bounded
//
// Fields are tab-separated: "FILE:LINE:COLUMN:FUNCTION", the frame in bytes, and a qualifier:
// `static` (the number is exact), `dynamic` (plus unbounded dynamic allocation) or `dynamic,bounded`
// (plus dynamic allocation GCC could bound). C++ names may contain spaces and "::". Tolerates CRLF,
// blank lines and several .su files concatenated; other lines are counted as `gcc-su/bad-line`.
import { type Diagnostic, diag } from '../base/diag.ts';
import { takeNumber } from '../base/number.ts';
import type { ParseOutput } from '../base/result.ts';
import { splitLines } from '../base/text.ts';
import { stripLogPrefix } from './log-prefix.ts';

export type StackUsageQualifier = 'static' | 'dynamic' | 'dynamic,bounded';

export interface StackUsageEntry {
  readonly file: string;
  /** Source line and column of the function, 0 when GCC printed none. */
  readonly line: number;
  readonly column: number;
  /** Function name as GCC printed it (C: the symbol; C++: a signature). */
  readonly function: string;
  /** Static frame in bytes. */
  readonly bytes: number;
  readonly qualifier: StackUsageQualifier;
  /** 1-based line in the .su input. */
  readonly srcLine: number;
}

const QUALIFIERS: readonly string[] = ['static', 'dynamic', 'dynamic,bounded'];
const LOCATION = /^(.*?):(\d+):(\d+):(.+)$/;

/**
 * One .su line's tail, for finding .su lines inside a longer text (the whole-log scanner): a tab, the
 * frame in bytes, a tab and the qualifier at the line's end. Linear: no nested quantifiers.
 */
export const GCC_SU_LINE = /\t\d{1,12}\t(?:static|dynamic|dynamic,bounded)\r?$/;

/** Cheap check: does the first non-blank line look like a .su line? */
export function sniffGccStackUsage(text: string): boolean {
  const first = text
    .slice(0, 4096)
    .split('\n')
    .find((l) => l.trim() !== '');
  if (first === undefined) return false;
  const f = stripLogPrefix(first.replace(/\r$/, '')).split('\t');
  return f.length === 3 && /^\d+$/.test(f[1]!) && QUALIFIERS.includes(f[2]!);
}

export function parseGccStackUsage(
  text: string,
  file = '<input>',
  firstLine = 1,
): ParseOutput<StackUsageEntry[]> {
  const diagnostics: Diagnostic[] = [];
  const entries: StackUsageEntry[] = [];
  for (const l of splitLines(text, firstLine)) {
    // A CI log may have put its timestamps before each line (log-prefix.ts).
    const text = stripLogPrefix(l.text);
    if (text.trim() === '') continue;
    const fields = text.split('\t');
    const qualifier = fields.pop();
    const bytes = fields.pop();
    const where = fields.join('\t');
    if (
      qualifier === undefined ||
      bytes === undefined ||
      !QUALIFIERS.includes(qualifier) ||
      !/^\d+$/.test(bytes)
    ) {
      diagnostics.push(
        diag(
          'gcc-su/bad-line',
          'data-loss',
          `not a .su line: "${text.slice(0, 80)}"`,
          { file, line: l.no },
          '"FILE:LINE:COL:FUNCTION<TAB>BYTES<TAB>static|dynamic|dynamic,bounded"',
        ),
      );
      continue;
    }
    const m = LOCATION.exec(where);
    const loc = { file, line: l.no };
    const spec = { code: 'gcc-su/bad-number', what: '' };
    const n = takeNumber(bytes, { ...spec, what: 'frame bytes' }, loc, diagnostics);
    const line = m ? takeNumber(m[2]!, { ...spec, what: 'source line' }, loc, diagnostics) : 0;
    const column = m ? takeNumber(m[3]!, { ...spec, what: 'source column' }, loc, diagnostics) : 0;
    if (n === undefined || line === undefined || column === undefined) continue;
    entries.push({
      file: m ? m[1]! : '',
      line,
      column,
      function: m ? m[4]! : where,
      bytes: n,
      qualifier: qualifier as StackUsageQualifier,
      srcLine: l.no,
    });
  }
  return { value: entries, diagnostics };
}

/** Prints entries as GCC writes them. */
export function printGccStackUsage(entries: readonly Omit<StackUsageEntry, 'srcLine'>[]): string {
  return entries
    .map((e) => `${e.file}:${e.line}:${e.column}:${e.function}\t${e.bytes}\t${e.qualifier}\n`)
    .join('');
}

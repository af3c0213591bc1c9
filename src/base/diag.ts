// Diagnostics: stable codes, a severity and a location, so users and tests can rely on them.
//
//   board.txt:12:3: error[stack-trace/bad-row]: expected "N) DEPTH SIZE LOCATION", got "12)  oops"
//
// Codes are kebab ids "<area>/<what>"; tests assert codes and lines, never prose.

/** How bad an oddity is: `error` stops the operation, the others are counted and reported. */
export type Severity = 'info' | 'notice' | 'data-loss' | 'error';

export interface SourceLoc {
  /** File name as the user gave it, or "-" for stdin, or "<input>" for strings. */
  readonly file: string;
  /** 1-based line, when the problem is on one line. */
  readonly line?: number;
  /** 1-based column. */
  readonly column?: number;
}

export interface Diagnostic {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly loc?: SourceLoc;
  /** What was expected, when that helps the user fix the input. */
  readonly expected?: string;
}

export function diag(
  code: string,
  severity: Severity,
  message: string,
  loc?: SourceLoc,
  expected?: string,
): Diagnostic {
  return {
    code,
    severity,
    message,
    ...(loc === undefined ? {} : { loc }),
    ...(expected === undefined ? {} : { expected }),
  };
}

export function formatLoc(loc: SourceLoc | undefined): string {
  if (loc === undefined) return '';
  let s = loc.file;
  if (loc.line !== undefined) s += `:${loc.line}`;
  if (loc.line !== undefined && loc.column !== undefined) s += `:${loc.column}`;
  return `${s}: `;
}

/** One line, compiler style: `file:line: severity[code]: message (expected: ...)`. */
/**
 * One line of text whatever the input held: a quoted row's control bytes (NUL, ESC, CR, newlines,
 * DEL, C1) are written as \xNN escapes, so a diagnostic never drives the terminal. Tabs stay.
 */
export function formatDiagnostic(d: Diagnostic): string {
  const expected = d.expected === undefined ? '' : ` (expected ${d.expected})`;
  return escapeControls(`${formatLoc(d.loc)}${d.severity}[${d.code}]: ${d.message}${expected}`);
}

export function escapeControls(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: they are what this finds
  return text.replace(/[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]/g, (c) => {
    const n = c.charCodeAt(0);
    return n > 0xff ? `\\u${n.toString(16)}` : `\\x${n.toString(16).padStart(2, '0')}`;
  });
}

/** Counts per code, for the "ignored 3 lines (stack-trace/bad-row)" summary. */
export function summarizeDiagnostics(
  ds: readonly Diagnostic[],
): { code: string; severity: Severity; count: number }[] {
  const byCode = new Map<string, { code: string; severity: Severity; count: number }>();
  for (const d of ds) {
    const entry = byCode.get(d.code);
    if (entry) entry.count++;
    else byCode.set(d.code, { code: d.code, severity: d.severity, count: 1 });
  }
  return [...byCode.values()].sort((a, b) => a.code.localeCompare(b.code));
}

/** Thrown by layers below `cli` when input is unusable and a Result is impractical; the CLI maps it to exit 1. */
export class InputError extends Error {
  readonly diagnostic: Diagnostic;
  constructor(d: Diagnostic) {
    super(formatDiagnostic(d));
    this.name = 'InputError';
    this.diagnostic = d;
  }
}

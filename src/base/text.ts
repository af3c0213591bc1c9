// Line handling shared by every text parser: CRLF, BOMs and 1-based line numbers.

export interface Line {
  /** 1-based line number in the original input. */
  readonly no: number;
  /** The line without its terminator. */
  readonly text: string;
}

/** `firstLine`: the number of the input's first line (an item cut out of a longer log keeps the log's). */
export function splitLines(input: string, firstLine = 1): Line[] {
  const body = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const parts = body.split('\n');
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts.map((t, i) => ({ no: i + firstLine, text: t.endsWith('\r') ? t.slice(0, -1) : t }));
}

export function padLeft(s: string | number, width: number): string {
  return String(s).padStart(width, ' ');
}

/** Quick check that a buffer is text we can parse (no NUL bytes in the first 8 KB). */
export function looksBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 8192);
  for (let i = 0; i < n; i++) if (bytes[i] === 0) return true;
  return false;
}

/** Deepest "[" / "{" nesting a YAML reader accepts: the yaml library slows down sharply past it. */
export const MAX_YAML_FLOW_DEPTH = 64;

/**
 * The first line where YAML flow collections nest deeper than MAX_YAML_FLOW_DEPTH (brackets inside
 * quotes and comments do not count), or undefined. The yaml library takes seconds on 100 KB of
 * "[" (50,000 nested "[" lines: 16 s), so the readers refuse such input before parsing it. One pass.
 */
export function yamlTooDeep(text: string): number | undefined {
  let depth = 0;
  let line = 1;
  let quote = 0; // 0, or the char code of the open quote
  let comment = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) {
      line++;
      comment = false;
      if (quote === 0x27) quote = 0;
      continue;
    }
    if (comment) continue;
    if (quote !== 0) {
      if (c === 0x5c && quote === 0x22) i++;
      else if (c === quote) quote = 0;
      continue;
    }
    if (c === 0x22 || c === 0x27) quote = c;
    else if (c === 0x23) comment = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_YAML_FLOW_DEPTH) return line;
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) depth--;
  }
  return undefined;
}

/**
 * Runs a YAML parse or conversion, turning what the library throws instead of reporting (a
 * RangeError from its recursive parser on some 100 KB lines, an unresolved alias in toJS()) into
 * a message.
 */
export function yamlDocument<T>(parse: () => T): { readonly value: T } | { readonly error: string } {
  try {
    return { value: parse() };
  } catch (e) {
    return { error: e instanceof Error ? (e.message.split('\n')[0] ?? e.name) : 'YAML error' };
  }
}

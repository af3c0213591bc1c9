// The one way input text becomes a number. Every reader calls readNumber() for every number it takes
// from a file, so a value that is malformed ("0x12x0x34"), too long to be exact (a 400-digit count
// Number() would make Infinity) or outside what the quantity can physically be (a pageblock order
// of 40) is a diagnostic naming the file, line, quantity and the accepted range, never NaN,
// Infinity, a silently rounded value or a SyntaxError from BigInt().
//
//   vmstat-before.txt:12: data-loss[vmstat/bad-number]: pgfault "184467440737095516150" is out of
//   range (expected a decimal integer from 0 to 9007199254740991)
//
// A hand-written scanner, not a regular expression: one pass over the text, whatever its length.
import { type Diagnostic, diag, type Severity, type SourceLoc } from './diag.ts';
import { err, ok, type Result } from './result.ts';

/** How the number is written: decimal integer, hex integer (optional 0x), decimal with a fraction, or a 64-bit hex address. */
export type NumberSyntax = 'dec' | 'hex' | 'real' | 'addr';

interface SpecBase {
  /** Diagnostic code, "<area>/<what>", e.g. "vmstat/bad-number". */
  readonly code: string;
  /** The quantity, for the message ("pageblock order", "free blocks of order 3"). */
  readonly what: string;
  /** Severity of the diagnostic (default "data-loss": the caller drops what depended on it). */
  readonly severity?: Severity;
}

export interface NumberSpec extends SpecBase {
  readonly syntax?: 'dec' | 'hex' | 'real';
  /** Smallest accepted value (default 0). */
  readonly min?: number;
  /** Largest accepted value (default Number.MAX_SAFE_INTEGER, the largest exact integer). */
  readonly max?: number;
}

export interface AddressSpec extends SpecBase {
  readonly syntax: 'addr';
}

const MAX_HEX_DIGITS = 16;
const U64_MAX = (1n << 64n) - 1n;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

/** Index after an optional "0x"/"0X" prefix. */
function hexStart(t: string): number {
  return t.length > 2 && t.charCodeAt(0) === 0x30 && (t.charCodeAt(1) | 0x20) === 0x78 ? 2 : 0;
}

/** True when t[from..] is one or more digits of the given kind. */
function allDigits(t: string, from: number, hex: boolean): boolean {
  if (from >= t.length) return false;
  for (let i = from; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (!(hex ? isHexDigit(c) : isDigit(c))) return false;
  }
  return true;
}

/** "pgfault "…"": the text as the message quotes it (capped, control bytes escaped). */
function quote(t: string): string {
  const s = t.length > 40 ? `${t.slice(0, 40)}…` : t;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escaping control bytes is the point
  return `"${s.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}"`;
}

function expected(syntax: NumberSyntax, min: number, max: number): string {
  if (syntax === 'addr') return 'a 64-bit hex address (up to 16 hex digits, optional 0x)';
  const kind =
    syntax === 'hex'
      ? 'a hex integer'
      : syntax === 'real'
        ? 'a decimal number (optionally with a fraction and an exponent)'
        : 'a decimal integer';
  return `${kind} from ${min} to ${max}`;
}

/** Reads one number written as `spec.syntax`; anything else is a diagnostic at `loc`. */
export function readNumber(text: string, spec: AddressSpec, loc: SourceLoc): Result<bigint>;
export function readNumber(text: string, spec: NumberSpec, loc: SourceLoc): Result<number>;
export function readNumber(
  text: string,
  spec: NumberSpec | AddressSpec,
  loc: SourceLoc,
): Result<number> | Result<bigint> {
  const syntax = spec.syntax ?? 'dec';
  const min = spec.syntax === 'addr' ? 0 : (spec.min ?? 0);
  const max = spec.syntax === 'addr' ? 0 : (spec.max ?? Number.MAX_SAFE_INTEGER);
  const fail = (why: string) =>
    err(
      diag(
        spec.code,
        spec.severity ?? 'data-loss',
        `${spec.what} ${quote(text)} ${why}`,
        loc,
        expected(syntax, min, max),
      ),
    );
  if (syntax === 'addr') {
    const from = hexStart(text);
    if (!allDigits(text, from, true)) return fail('is not a hex address');
    // Leading zeros are fine (%016lx); significant digits are at most 16.
    let first = from;
    while (first < text.length - 1 && text.charCodeAt(first) === 0x30) first++;
    if (text.length - first > MAX_HEX_DIGITS) return fail('does not fit in 64 bits');
    const v = BigInt(`0x${text.slice(first)}`);
    return v > U64_MAX ? fail('does not fit in 64 bits') : ok(v);
  }
  let value: number;
  if (syntax === 'hex') {
    const from = hexStart(text);
    if (!allDigits(text, from, true)) return fail('is not a hex integer');
    let first = from;
    while (first < text.length - 1 && text.charCodeAt(first) === 0x30) first++;
    // 14 significant hex digits hold every value up to 2^53 and cost nothing to convert.
    if (text.length - first > 14) return fail('is out of range');
    value = Number.parseInt(text.slice(first), 16);
  } else {
    const body = text.charCodeAt(0) === 0x2d ? 1 : 0;
    // 'real': digits, an optional fraction, an optional exponent of at most two digits ("1.5e3").
    let exp = syntax === 'real' ? text.search(/[eE]/) : -1;
    if (exp >= 0 && !(exp < text.length - 1 && text.length - exp <= 3 && allDigits(text, exp + 1, false)))
      return fail('is not a number');
    const mantissa = exp >= 0 ? text.slice(0, exp) : text;
    if (exp < 0) exp = text.length;
    const dot = syntax === 'real' ? mantissa.indexOf('.', body) : -1;
    const intPart = dot < 0 ? mantissa.slice(body) : mantissa.slice(body, dot);
    if (!allDigits(intPart, 0, false)) return fail(`is not ${syntax === 'real' ? 'a number' : 'an integer'}`);
    if (dot >= 0 && !allDigits(mantissa, dot + 1, false)) return fail('is not a number');
    let first = 0;
    while (first < intPart.length - 1 && intPart.charCodeAt(first) === 0x30) first++;
    // More than 16 significant digits is past 2^53 (and past any limit below it).
    if (intPart.length - first > 16) return fail('is out of range');
    value = Number(text);
  }
  if (!Number.isFinite(value) || value < min || value > max) return fail('is out of range');
  return ok(value);
}

/**
 * readNumber() for a parser that collects diagnostics: the value, or undefined after pushing the
 * diagnostic to `out`.
 */
export function takeNumber(
  text: string,
  spec: NumberSpec,
  loc: SourceLoc,
  out: Diagnostic[],
): number | undefined {
  const r = readNumber(text, spec, loc);
  if (r.ok) return r.value;
  out.push(r.error);
  return undefined;
}

// Line handling shared by every text parser: CRLF, BOMs and 1-based line numbers.

export interface Line {
  /** 1-based line number in the original input. */
  readonly no: number;
  /** The line without its terminator. */
  readonly text: string;
}

export function splitLines(input: string): Line[] {
  const body = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const parts = body.split('\n');
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts.map((t, i) => ({ no: i + 1, text: t.endsWith('\r') ? t.slice(0, -1) : t }));
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

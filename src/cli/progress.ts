// The one-line progress display of long runs: on a terminal only, rewritten in place with \r.
import type { Io } from './io.ts';

/**
 * Writes `text` over the current progress line. A line wider than the terminal wraps, and \r then
 * returns to the start of the last row only: every update would leave a row behind. So the text is
 * cut to the width, keeping its end (for a file path, the name) after the first `keep` characters.
 */
export function progressLine(io: Io, text: string, keep = 0): void {
  io.err(`\r${fitWidth(text, (io.stderrColumns ?? 80) - 1, keep)}\x1b[K`);
}

/** Clears the progress line. */
export function clearProgress(io: Io): void {
  io.err('\r\x1b[K');
}

export function fitWidth(text: string, width: number, keep = 0): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  const head = chars.slice(0, Math.min(keep, Math.max(0, width - 1)));
  const tail = width - head.length - 1;
  return `${head.join('')}…${tail > 0 ? chars.slice(-tail).join('') : ''}`;
}

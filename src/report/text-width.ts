// Text output fits a terminal: 100 columns unless the user asks for --wide. Prose lines are wrapped
// at spaces with a hanging indent under their bullet. In a table row (cells apart by two spaces or
// more) only the last cell wraps, under itself, when it starts in the left half; other rows are left
// alone (a broken row is worse than a long one: tables are laid out to fit instead).

export const TEXT_COLUMNS = 100;

/** Columns a string takes on a terminal (one per code point: µ, →, ≥ are one column each). */
export function columns(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Where a wrapped line's continuation starts: under the text after its bullet or label. */
function hangingIndent(line: string): number {
  const indent = line.length - line.trimStart().length;
  const bullet = /^(- |\* |\[[A-Za-z]+\] |note: |#\d+ {2})/.exec(line.slice(indent))?.[0];
  return indent + (bullet === undefined ? 2 : bullet.length);
}

/** Where the last cell of a table row starts, or undefined for prose. */
function lastCell(line: string): number | undefined {
  const indent = line.length - line.trimStart().length;
  let at: number | undefined;
  for (const m of line.slice(indent).matchAll(/\S( {2,})(?=\S)/g)) at = indent + m.index + 1 + m[1]!.length;
  return at;
}

export function fitLine(line: string, width = TEXT_COLUMNS): string {
  if (columns(line) <= width) return line;
  const cell = lastCell(line);
  if (cell !== undefined) {
    const head = line.slice(0, cell);
    if (columns(head) > width >> 1) return line;
    return wrapWords(head, line.slice(cell).split(' '), ' '.repeat(columns(head)), width);
  }
  const hang = ' '.repeat(Math.min(hangingIndent(line), width >> 1));
  const indent = line.slice(0, line.length - line.trimStart().length);
  return wrapWords(indent, line.trimStart().split(' '), hang, width);
}

/** `words` after `start`, a new line (starting with `hang`) whenever the next word would pass `width`. */
function wrapWords(start: string, words: readonly string[], hang: string, width: number): string {
  const out: string[] = [];
  let cur = start;
  let fresh = true;
  for (const w of words) {
    if (!fresh && columns(cur) + 1 + columns(w) > width) {
      out.push(cur);
      cur = hang + w;
    } else cur = fresh ? cur + w : `${cur} ${w}`;
    fresh = false;
  }
  out.push(cur);
  return out.join('\n');
}

/** Every line of `text` fitted to `width` (see fitLine). */
export function fitText(text: string, width = TEXT_COLUMNS): string {
  return text
    .split('\n')
    .map((l) => fitLine(l, width))
    .join('\n');
}

// Lines out of text that arrives in chunks (a file read piece by piece): what `splitLines` does for
// a whole string, with memory bounded by the longest line instead of the input.

/**
 * Feed chunks with push(); each call returns the lines the chunk completed (without "\n" or "\r\n");
 * end() returns the last line when the input did not end with a newline. A BOM before the first
 * line is dropped, as splitLines does. A line longer than a chunk is kept in pieces and joined once
 * (linear, however long the line).
 */
export class LineSplitter {
  private pending: string[] = [];
  private first = true;

  push(chunk: string): string[] {
    let text = chunk;
    if (this.first && text.length > 0) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const nl = text.indexOf('\n');
    if (nl < 0) {
      if (text !== '') this.pending.push(text);
      return [];
    }
    const parts = text.split('\n');
    if (this.pending.length > 0) {
      this.pending.push(parts[0]!);
      parts[0] = this.pending.join('');
      this.pending = [];
    }
    const rest = parts.pop()!;
    if (rest !== '') this.pending.push(rest);
    for (let i = 0; i < parts.length; i++) parts[i] = withoutCr(parts[i]!);
    return parts;
  }

  /** The unterminated last line, if any. */
  end(): string | undefined {
    const p = this.pending.join('');
    this.pending = [];
    return p === '' ? undefined : withoutCr(p);
  }
}

function withoutCr(s: string): string {
  return s.charCodeAt(s.length - 1) === 13 ? s.slice(0, -1) : s;
}

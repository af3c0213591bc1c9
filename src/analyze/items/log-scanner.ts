// The log scanner: lines in, items out. It goes over a log once, line by line, hands each line to
// the open item's recogniser (or asks every recogniser whether the line starts one) and yields each
// item when it ends. It holds only the open item's lines and a few held-aside ones, so memory is
// bounded by the largest item, whatever the length of the log.
import { stripTablePrefixes } from '../../formats/ftrace-stack-trace.ts';
import { stripTerminalEscapes } from '../../formats/log-prefix.ts';
import type { Recogniser, ScannedItem } from './item.ts';
import { OPENS, OPENS_AS_COMMENT, RECOGNISERS } from './recognisers.ts';

const NONE: readonly ScannedItem[] = Object.freeze([]);

interface Held {
  readonly raw: string;
  readonly no: number;
}

interface OpenItem {
  readonly rec: Recogniser;
  readonly state: unknown;
  readonly first: number;
  last: number;
  readonly lines: string[];
  readonly odd: number[];
  held: Held[];
}

export class LogScanner {
  private open: OpenItem | null = null;
  private lineNo = 0;
  /** Lines that belong to no item (so far). */
  skippedLines = 0;

  get lines(): number {
    return this.lineNo;
  }

  /** No item is open: the next lines matter only if OPENS matches them (see skipLines). */
  get idle(): boolean {
    return this.open === null;
  }

  /**
   * Counts `n` lines, none of which OPENS matches, while no item is open: what a reader that searched
   * a chunk for MAY_OPEN (and the lines it matched for OPENS) does with the lines it skips.
   */
  skipLines(n: number): void {
    if (this.open !== null) throw new Error('LogScanner.skipLines with an item open');
    this.lineNo += n;
    this.skippedLines += n;
  }

  /**
   * Takes the next line of the input (without its newline); returns the items it ended. Terminal
   * escapes (a coloured dmesg) are dropped here, so an item's lines are kept without them.
   */
  push(raw: string): readonly ScannedItem[] {
    const out: ScannedItem[] = [];
    this.take(stripTerminalEscapes(raw), ++this.lineNo, out);
    // Most lines end nothing: one shared empty list for them, not an array a line.
    return out.length === 0 ? NONE : out;
  }

  /** The input ended: the open item, if any, ends here (cut when it had not got all it announced). */
  end(): ScannedItem[] {
    const out: ScannedItem[] = [];
    while (this.open !== null) {
      const o = this.open;
      const cut = o.held.length === 0 && !o.rec.complete(o.state);
      this.close(out, cut);
    }
    return out;
  }

  private take(raw: string, no: number, out: ScannedItem[]): void {
    const o = this.open;
    if (o !== null) {
      const body = stripTablePrefixes(raw);
      if (
        o.rec.yields &&
        OPENS.test(raw) &&
        RECOGNISERS.some((r) => r !== o.rec && r.open(body, raw) !== undefined)
      ) {
        this.close(out, false);
        this.take(raw, no, out);
        return;
      }
      const step = o.rec.next(o.state, body, raw);
      if (step === 'in' || step === 'last') {
        for (const h of o.held) {
          o.lines.push(h.raw);
          o.odd.push(h.no);
        }
        o.held = [];
        o.lines.push(raw);
        o.last = no;
        if (step === 'last' || o.lines.length >= o.rec.maxLines) this.close(out, false);
        return;
      }
      if (step === 'odd' && o.held.length < o.rec.maxOdd) {
        o.held.push({ raw, no });
        return;
      }
      // 'out', or one odd line too many: the item ended at its last line of its own.
      this.close(out, false);
      this.take(raw, no, out);
      return;
    }
    if (!OPENS.test(raw)) {
      this.skippedLines++;
      return;
    }
    const body = stripTablePrefixes(raw);
    // "# " lines are comments (provenance headers, shell prompts): they open nothing, but for the
    // formats whose first line is one (a kscan file's header).
    if (body.startsWith('#') && !OPENS_AS_COMMENT.test(body)) {
      this.skippedLines++;
      return;
    }
    for (const rec of RECOGNISERS) {
      const state = rec.open(body, raw);
      if (state === undefined) continue;
      this.open = { rec, state, first: no, last: no, lines: [raw], odd: [], held: [] };
      if (rec.maxLines <= 1) this.close(out, false);
      return;
    }
    this.skippedLines++;
  }

  /** Ends the open item at its last line of its own; the lines held aside after it are taken again. */
  private close(out: ScannedItem[], cut: boolean): void {
    const o = this.open;
    if (o === null) return;
    this.open = null;
    out.push({
      family: o.rec.family,
      line: o.first,
      endLine: o.last,
      lines: o.lines,
      cut,
      oddLines: o.odd,
      ...(o.rec.key ? { key: o.rec.key(o.state) } : {}),
    });
    for (const h of o.held) this.take(h.raw, h.no, out);
  }
}

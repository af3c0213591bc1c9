// Reads a log for `stacklab analyze` piece by piece (Io.readChunks) and feeds the item scanner: a
// 1 GB log is never in memory whole. While no item is open, the lines that cannot start one are not
// even decoded: each chunk is searched for MAY_OPEN (on a latin1 view of its bytes, where the ASCII
// words read the same), the lines before the first match only counted, and the matched line given
// to the scanner only if OPENS matches it too. Lines the scanner does look at are decoded as UTF-8.
// Shows progress on a terminal.
import type { ScannedItem } from '../analyze/items/item.ts';
import { LogScanner } from '../analyze/items/log-scanner.ts';
import { MAY_OPEN, OPENS } from '../analyze/items/recognisers.ts';
import { diag, InputError } from '../base/diag.ts';
import { looksBinary } from '../base/text.ts';
import { stripTerminalEscapes } from '../formats/log-prefix.ts';
import type { CliContext } from './context.ts';
import { clearProgress, progressLine } from './progress.ts';

/** Inputs up to this size are also kept whole, for the analyzers of a single-item file and --report. */
export const KEEP_WHOLE_BYTES = 4 * 1024 * 1024;
/** Progress is redrawn after this many bytes. */
const PROGRESS_BYTES = 16 * 1024 * 1024;

export interface ScannedLog {
  readonly lines: number;
  /** Lines in no item the scanner delimited. */
  readonly skippedLines: number;
  /** The whole input, when it is at most the keepBytes asked (KEEP_WHOLE_BYTES by default). */
  readonly text: string | undefined;
  /** Its first HEAD_BYTES (whole lines or not), what sniffers look at when `text` was not kept. */
  readonly head: string;
  readonly bytes: number;
}

/** How much of an input is always kept, for sniffing one too large to be kept whole. */
const HEAD_BYTES = 64 * 1024;

function binaryError(file: string, first: Uint8Array): InputError {
  const elf = first[0] === 0x7f && first[1] === 0x45 && first[2] === 0x4c && first[3] === 0x46;
  return new InputError(
    diag(
      'analyze/binary',
      'error',
      elf
        ? 'this is an ELF binary: use `stacklab frames` or `stacklab paths` on it'
        : 'binary data, not kernel text output',
      { file },
    ),
  );
}

/** One line's text: bytes [from, to) as UTF-8, without a final "\r". */
function lineText(buf: Buffer, from: number, to: number): string {
  const end = to > from && buf[to - 1] === 13 ? to - 1 : to;
  return buf.toString('utf8', from, end);
}

/** Counts the "\n" in buf[from, to). */
function newlines(buf: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = buf.indexOf(10, from); i >= 0 && i < to; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

/**
 * Feeds the lines of `chunks` to `scanner` and hands each ended item to `give`, as soon as it ends.
 * The same lines as LineSplitter would give (a BOM dropped, "\r\n" and "\n" ends, a last line
 * without one), fed to the scanner only where it needs them.
 */
export function scanChunks(
  chunks: Iterable<Uint8Array>,
  scanner: LogScanner,
  give: (items: readonly ScannedItem[]) => void,
  onChunk: (c: Uint8Array) => void = () => {},
): void {
  const search = new RegExp(MAY_OPEN.source, 'g');
  let pending: Buffer[] = [];
  let first = true;
  for (const c of chunks) {
    onChunk(c);
    let buf = Buffer.from(c.buffer, c.byteOffset, c.length);
    if (first && buf.length > 0) {
      first = false;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
    }
    let pos = 0;
    if (pending.length > 0) {
      const nl = buf.indexOf(10);
      if (nl < 0) {
        pending.push(buf);
        continue;
      }
      const line = Buffer.concat([...pending, buf.subarray(0, nl)]);
      pending = [];
      give(scanner.push(lineText(line, 0, line.length)));
      pos = nl + 1;
    }
    const end = buf.lastIndexOf(10) + 1;
    if (end > pos) feedLines(buf, pos, end, scanner, give, search);
    const rest = Math.max(pos, end);
    if (rest < buf.length) pending.push(buf.subarray(rest));
  }
  if (pending.length > 0) {
    const line = Buffer.concat(pending);
    give(scanner.push(lineText(line, 0, line.length)));
  }
  give(scanner.end());
}

/** Whole lines buf[from, to), the last ending in "\n". */
function feedLines(
  buf: Buffer,
  from: number,
  to: number,
  scanner: LogScanner,
  give: (items: readonly ScannedItem[]) => void,
  search: RegExp,
): void {
  let view: string | undefined;
  let p = from;
  while (p < to) {
    if (!scanner.idle) {
      const nl = buf.indexOf(10, p);
      give(scanner.push(lineText(buf, p, nl)));
      p = nl + 1;
      continue;
    }
    view ??= buf.toString('latin1', from, to);
    search.lastIndex = p - from;
    const m = search.exec(view);
    // The start of the matched line (Buffer.lastIndexOf reads a negative offset from the end: never pass one).
    const at = m ? m.index + from : to;
    const start = at > p ? Math.max(p, buf.lastIndexOf(10, at - 1) + 1) : p;
    scanner.skipLines(newlines(buf, p, start));
    p = start;
    if (m) {
      const nl = buf.indexOf(10, p);
      // A line MAY_OPEN matches that OPENS does not ("mem auto-init: stack:all") is skipped undecoded.
      const line = view.slice(p - from, nl - from);
      if (OPENS.test(line) || (line.includes('\x1b') && OPENS.test(stripTerminalEscapes(line))))
        give(scanner.push(lineText(buf, p, nl)));
      else scanner.skipLines(1);
      p = nl + 1;
    }
  }
}

/**
 * Scans `file` ("-": stdin) once; onItem gets each item as soon as it ends. The input is also kept
 * whole when it is at most `keepBytes` long (ScannedLog.text). `command` names the reader in progress.
 */
export function scanLog(
  ctx: CliContext,
  file: string,
  onItem: (item: ScannedItem) => void,
  { keepBytes = KEEP_WHOLE_BYTES, command = 'analyze' }: { keepBytes?: number; command?: string } = {},
): ScannedLog {
  const input = ctx.io.readChunks(file);
  const scanner = new LogScanner();
  const decoder = new TextDecoder('utf-8');
  const tty = ctx.io.stderrIsTty;
  let kept: string[] | undefined = [];
  const head: Uint8Array[] = [];
  let bytes = 0;
  let nextProgress = PROGRESS_BYTES;
  let items = 0;
  let shown = false;
  const give = (list: readonly ScannedItem[]) => {
    for (const it of list) {
      items++;
      onItem(it);
    }
  };
  scanChunks(input.chunks, scanner, give, (chunk) => {
    if (bytes === 0 && looksBinary(chunk)) throw binaryError(file, chunk);
    if (bytes < HEAD_BYTES) head.push(chunk.slice(0, HEAD_BYTES - bytes)); // a copy: the chunk is let go
    bytes += chunk.length;
    if (kept !== undefined) {
      if (bytes <= keepBytes) kept.push(decoder.decode(chunk, { stream: true }));
      else kept = undefined;
    }
    if (tty && bytes >= nextProgress) {
      nextProgress = bytes + PROGRESS_BYTES;
      const of = input.size === undefined ? '' : ` of ${(input.size / 1e6).toFixed(0)} MB`;
      progressLine(
        ctx.io,
        `${command}: ${(bytes / 1e6).toFixed(0)} MB${of}, ${scanner.lines} lines, ${items} items`,
      );
      shown = true;
    }
  });
  kept?.push(decoder.decode());
  if (shown) clearProgress(ctx.io);
  return {
    lines: scanner.lines,
    skippedLines: scanner.skippedLines,
    text: kept?.join(''),
    head: new TextDecoder('utf-8').decode(Buffer.concat(head)),
    bytes,
  };
}

// Reads a log for `stacklab analyze` piece by piece (Io.readChunks), splits it into lines and hands
// them to the item scanner: a 1 GB log is never in memory whole. Shows progress on a terminal.
import type { ScannedItem } from '../analyze/items/item.ts';
import { LogScanner } from '../analyze/items/log-scanner.ts';
import { diag, InputError } from '../base/diag.ts';
import { LineSplitter } from '../base/line-splitter.ts';
import { looksBinary } from '../base/text.ts';
import type { CliContext } from './context.ts';
import { clearProgress, progressLine } from './progress.ts';

/** Inputs up to this size are also kept whole, for the analyzers of a single-item file and --report. */
export const KEEP_WHOLE_BYTES = 4 * 1024 * 1024;
/** Progress is redrawn after this many bytes. */
const PROGRESS_BYTES = 8 * 1024 * 1024;

export interface ScannedLog {
  readonly lines: number;
  /** Lines in no item the scanner delimited. */
  readonly skippedLines: number;
  /** The whole input, when it is at most KEEP_WHOLE_BYTES. */
  readonly text: string | undefined;
}

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

/** Scans `file` ("-": stdin) once; onItem gets each item as soon as it ends. */
export function scanLog(ctx: CliContext, file: string, onItem: (item: ScannedItem) => void): ScannedLog {
  const input = ctx.io.readChunks(file);
  const scanner = new LogScanner();
  const splitter = new LineSplitter();
  const decoder = new TextDecoder('utf-8');
  const tty = ctx.io.stderrIsTty;
  let kept: string[] | undefined = [];
  let bytes = 0;
  let nextProgress = PROGRESS_BYTES;
  let items = 0;
  let shown = false;
  const give = (list: ScannedItem[]) => {
    for (const it of list) {
      items++;
      onItem(it);
    }
  };
  for (const chunk of input.chunks) {
    if (bytes === 0 && looksBinary(chunk)) throw binaryError(file, chunk);
    bytes += chunk.length;
    const text = decoder.decode(chunk, { stream: true });
    if (kept !== undefined) {
      if (bytes <= KEEP_WHOLE_BYTES) kept.push(text);
      else kept = undefined;
    }
    for (const line of splitter.push(text)) give(scanner.push(line));
    if (tty && bytes >= nextProgress) {
      nextProgress = bytes + PROGRESS_BYTES;
      const of = input.size === undefined ? '' : ` of ${(input.size / 1e6).toFixed(0)} MB`;
      progressLine(
        ctx.io,
        `analyze: ${(bytes / 1e6).toFixed(0)} MB${of}, ${scanner.lines} lines, ${items} items`,
      );
      shown = true;
    }
  }
  const tail = decoder.decode();
  kept?.push(tail);
  for (const line of splitter.push(tail)) give(scanner.push(line));
  const last = splitter.end();
  if (last !== undefined) give(scanner.push(last));
  give(scanner.end());
  if (shown) clearProgress(ctx.io);
  return { lines: scanner.lines, skippedLines: scanner.skippedLines, text: kept?.join('') };
}

// Reads and prints the output of the kernel's scripts/checkstack.pl (Linux 6.1), the
// "objdump -d vmlinux $(find -name '*.ko') | scripts/checkstack.pl arm64" report:
//
//   0xffff800008a1c2d0 nlmclnt_reclaim [vmlinux]:		720
//   0x0000000000002690 pfkey_sendmsg [af_key]:		80
//
// Each line is "$addr $func [$file]:" padded with tabs towards column 56 (one tab per started
// 8 columns short of 56), then the summed frame in decimal; lines are sorted by size, largest
// first. Older scripts (before "don't display $dre as different entity", 2020) printed dynamic
// adjustments on lines of their own as "Dynamic (0x140)"; published copies collapse tabs into
// spaces, indent by four spaces (markdown), keep "$ objdump ..." command lines and elide with
// ".." lines. All of that is tolerated; anything else is counted as checkstack/bad-line.
import { type Diagnostic, diag } from '../base/diag.ts';
import { takeNumber } from '../base/number.ts';
import type { ParseOutput } from '../base/result.ts';
import { splitLines } from '../base/text.ts';
import { stripLogPrefix } from './log-prefix.ts';

export interface CheckstackEntry {
  /** The address as printed, without "0x" (objdump's column: 16 digits for arm64). */
  readonly address: string;
  readonly function: string;
  /** checkstack's file tag: the object's base name without ".ko" (vmlinux, af_key). */
  readonly file: string;
  /** Summed stack growth in bytes; for an old "Dynamic (0x..)" line, that amount. */
  readonly bytes: number;
  /** The line was an old-style "Dynamic (0x..)" report of a "sub sp, sp, #imm". */
  readonly dynamic: boolean;
  /** 1-based line in the input. */
  readonly line: number;
}

const ENTRY = /^0x([0-9a-fA-F]+) (\S+) \[([^\]]*)\]:\s*(?:(\d+)|Dynamic \(0x([0-9a-fA-F]+)\))\s*$/;
const COMMAND = /^\$ /;
const ELISION = /^\.{2,}$/;

/** Column checkstack.pl pads the "addr func [file]:" intro towards. */
const PAD_COLUMN = 56;

export function sniffCheckstack(text: string): boolean {
  return text
    .slice(0, 8192)
    .split('\n')
    .some((l) => ENTRY.test(stripLogPrefix(l).trim()));
}

export function parseCheckstack(
  text: string,
  file = '<input>',
  firstLine = 1,
): ParseOutput<CheckstackEntry[]> {
  const diagnostics: Diagnostic[] = [];
  const entries: CheckstackEntry[] = [];
  for (const l of splitLines(text, firstLine)) {
    // A CI log or a console may have put its timestamps before each line (log-prefix.ts).
    const body = stripLogPrefix(l.text).trim();
    if (body === '' || body.startsWith('#')) continue;
    const m = ENTRY.exec(body);
    const bytes =
      m &&
      takeNumber(
        m[4] ?? m[5]!,
        { code: 'checkstack/bad-number', what: 'frame bytes', syntax: m[4] !== undefined ? 'dec' : 'hex' },
        { file, line: l.no },
        diagnostics,
      );
    if (m && bytes === undefined) continue;
    if (m && bytes !== null && bytes !== undefined) {
      entries.push({
        address: m[1]!.toLowerCase(),
        function: m[2]!,
        file: m[3]!,
        bytes,
        dynamic: m[4] === undefined,
        line: l.no,
      });
      continue;
    }
    if (COMMAND.test(body) || ELISION.test(body)) {
      diagnostics.push(
        diag('checkstack/not-an-entry', 'info', `skipped "${body.slice(0, 60)}"`, { file, line: l.no }),
      );
      continue;
    }
    diagnostics.push(
      diag(
        'checkstack/bad-line',
        'data-loss',
        `not a checkstack.pl line: "${body.slice(0, 80)}"`,
        { file, line: l.no },
        '"0xADDR function [file]:<TAB>BYTES"',
      ),
    );
  }
  if (entries.length === 0) {
    diagnostics.push(
      diag(
        'checkstack/empty',
        'error',
        'no checkstack.pl lines found',
        { file },
        '"0xADDR function [file]:<TAB>BYTES"',
      ),
    );
    return { value: undefined, diagnostics };
  }
  return { value: entries, diagnostics };
}

/** One line exactly as checkstack.pl prints it (with its newline). */
export function printCheckstackLine(e: {
  address: string;
  function: string;
  file: string;
  bytes: number;
}): string {
  let intro = `0x${e.address} ${e.function} [${e.file}]:`;
  for (let pad = PAD_COLUMN - intro.length; pad > 0; pad -= 8) intro += '\t';
  return `${intro}${e.bytes}\n`;
}

/**
 * checkstack.pl's report: entries above `minStack` bytes (its default is 100), largest first, ties in
 * input order (Perl's sort is a stable merge sort).
 */
export function printCheckstack(
  entries: readonly { address: string; function: string; file: string; bytes: number }[],
  minStack = 100,
): string {
  // Sort positions, not objects: on a module tree (165k lines) this is most of the printing.
  const order: number[] = [];
  entries.forEach((e, i) => {
    if (e.bytes > minStack) order.push(i);
  });
  order.sort((a, b) => entries[b]!.bytes - entries[a]!.bytes || a - b);
  const lines = new Array<string>(order.length);
  for (let k = 0; k < order.length; k++) lines[k] = printCheckstackLine(entries[order[k]!]!);
  return lines.join('');
}

/** objdump's address column: 16 lower-case hex digits. */
export function checkstackAddress(address: bigint): string {
  return address.toString(16).padStart(16, '0');
}

/** The columns of a CheckstackLines, for moving lines between threads (the buffers transfer). */
export interface CheckstackLinesParts {
  /** Blocks of line text; line i is blocks[block[i]][start[i], end[i]). */
  readonly blocks: readonly Uint8Array[];
  readonly block: Int32Array;
  readonly start: Int32Array;
  readonly end: Int32Array;
  /** The number each line is sorted by (its printed size). */
  readonly sizes: Float64Array;
  readonly count: number;
}

const utf8 = new TextEncoder();
const HEX = new Uint8Array([...'0123456789abcdef'].map((c) => c.charCodeAt(0)));

/** Bytes of line text per block: blocks are filled and never copied or grown. */
const BLOCK = 1 << 20;

/**
 * checkstack.pl lines kept as UTF-8 bytes and sorted at the end, for reports of 100k+ lines (a
 * module tree): blocks of text instead of a string per line, which the garbage collector would copy
 * around for the whole run, and an output written in pieces from one reused buffer. printCheckstack()
 * is the reference; the output is the same bytes.
 */
export class CheckstackLines {
  private blocks: Uint8Array[] = [];
  /** The block being filled and the next free byte in it. */
  private text: Uint8Array = new Uint8Array(0);
  private textView = new DataView(this.text.buffer);
  private pos = 0;
  /** The string table names were last copied from, and a view of it for word copies. */
  private names: Uint8Array = new Uint8Array(0);
  private namesView = new DataView(this.names.buffer);
  private block: Int32Array;
  private start: Int32Array;
  private end: Int32Array;
  private sizes: Float64Array;
  /** Block lists of appended parts, and where they start in `blocks`. */
  private readonly adopted = new Map<readonly Uint8Array[], number>();
  count = 0;

  /** `capacity`: the lines expected (more are fine; the columns grow). */
  constructor(capacity = 1024) {
    this.block = new Int32Array(capacity);
    this.start = new Int32Array(capacity);
    this.end = new Int32Array(capacity);
    this.sizes = new Float64Array(capacity);
  }

  /** Lines from columns, which it takes over (not copied): `p` must not change afterwards. */
  static of(p: CheckstackLinesParts): CheckstackLines {
    const lines = new CheckstackLines(0);
    lines.blocks = [...p.blocks];
    lines.block = p.block;
    lines.start = p.start;
    lines.end = p.end;
    lines.sizes = p.sizes;
    lines.count = p.count;
    return lines;
  }

  /** Appends one line; `address` as objdump prints it (16 hex digits). */
  add(e: { address: string; function: string; file: string; bytes: number }): void {
    const line = utf8.encode(printCheckstackLine(e));
    this.reserve(line.length);
    this.text.set(line, this.pos);
    this.push(this.pos + line.length, e.bytes);
  }

  /**
   * Appends "0x<address> <name> [<file>]:<tabs><bytes>\n" for a 64-bit address given as two 32-bit
   * halves, a name given as the bytes [nameStart, nameEnd) of a string table and a file tag as
   * UTF-8 bytes. Both must be ASCII (tabs pad by characters; callers take add() otherwise).
   */
  addAscii(
    addrHi: number,
    addrLo: number,
    names: Uint8Array,
    nameStart: number,
    nameEnd: number,
    file: Uint8Array,
    bytes: number,
  ): void {
    const introLength = 2 + 16 + 1 + (nameEnd - nameStart) + 2 + file.length + 2;
    const pad = introLength >= PAD_COLUMN ? 0 : Math.ceil((PAD_COLUMN - introLength) / 8);
    this.reserve(introLength + pad + 17);
    const t = this.text;
    let p = this.pos;
    t[p++] = 0x30; // 0
    t[p++] = 0x78; // x
    for (let s = 28; s >= 0; s -= 4) t[p++] = HEX[(addrHi >>> s) & 15]!;
    for (let s = 28; s >= 0; s -= 4) t[p++] = HEX[(addrLo >>> s) & 15]!;
    t[p++] = 0x20;
    // The name four bytes at a time: it is most of the line.
    if (names !== this.names) {
      this.names = names;
      this.namesView = new DataView(names.buffer, names.byteOffset, names.byteLength);
    }
    const nv = this.namesView;
    const tv = this.textView;
    let i = nameStart;
    for (; i + 4 <= nameEnd; i += 4, p += 4) tv.setUint32(p, nv.getUint32(i));
    for (; i < nameEnd; i++) t[p++] = names[i]!;
    t[p++] = 0x20;
    t[p++] = 0x5b; // [
    for (let i = 0; i < file.length; i++) t[p++] = file[i]!;
    t[p++] = 0x5d; // ]
    t[p++] = 0x3a; // :
    for (let i = 0; i < pad; i++) t[p++] = 0x09;
    p = writeDecimal(t, p, bytes);
    t[p++] = 0x0a;
    this.push(p, bytes);
  }

  /** Room for `n` more bytes of the current line in the current block (a new block if need be). */
  private reserve(n: number): void {
    if (this.pos + n <= this.text.length) return;
    this.text = new Uint8Array(Math.max(BLOCK, n));
    this.textView = new DataView(this.text.buffer);
    this.blocks.push(this.text);
    this.pos = 0;
  }

  private push(end: number, size: number): void {
    if (this.count === this.sizes.length) this.growLines(Math.max(1024, this.count * 2));
    this.block[this.count] = this.blocks.length - 1;
    this.start[this.count] = this.pos;
    this.end[this.count] = end;
    this.sizes[this.count] = size;
    this.count++;
    this.pos = end;
  }

  private growLines(n: number): void {
    const grow = <T extends Int32Array | Float64Array>(a: T, b: T): T => {
      b.set(a.subarray(0, this.count));
      return b;
    };
    this.block = grow(this.block, new Int32Array(n));
    this.start = grow(this.start, new Int32Array(n));
    this.end = grow(this.end, new Int32Array(n));
    this.sizes = grow(this.sizes, new Float64Array(n));
  }

  /** The lines as columns (views trimmed to what is used; the blocks themselves). */
  parts(): CheckstackLinesParts {
    const n = this.count;
    return {
      blocks: this.blocks,
      block: this.block.subarray(0, n),
      start: this.start.subarray(0, n),
      end: this.end.subarray(0, n),
      sizes: this.sizes.subarray(0, n),
      count: n,
    };
  }

  /**
   * Appends lines [from, to) of another set after these (the merge of per-thread results, in input
   * order). Their text is shared, not copied: `p` must not change afterwards.
   */
  append(p: CheckstackLinesParts, from = 0, to = p.count): void {
    if (to <= from) return;
    if (this.count + (to - from) > this.sizes.length)
      this.growLines(Math.max(this.count + (to - from), this.sizes.length * 2));
    // Their blocks join ours, once per part (a part comes in several ranges).
    let base = this.adopted.get(p.blocks);
    if (base === undefined) {
      base = this.blocks.length;
      this.adopted.set(p.blocks, base);
      this.blocks.push(...p.blocks);
    }
    for (let i = from; i < to; i++) {
      const k = this.count++;
      this.block[k] = base + p.block[i]!;
      this.start[k] = p.start[i]!;
      this.end[k] = p.end[i]!;
      this.sizes[k] = p.sizes[i]!;
    }
    // New lines of ours go to a new block, after theirs.
    this.text = new Uint8Array(0);
    this.textView = new DataView(this.text.buffer);
    this.pos = 0;
  }

  /**
   * checkstack.pl's report, largest first, ties in the order the lines were added, handed to
   * `write` in pieces of whole lines from one buffer that is reused as soon as `write` returns.
   */
  write(write: (piece: Uint8Array) => void, pieceBytes = 1 << 18): void {
    const n = this.count;
    const order = sortedBySizeDescending(this.sizes, n);
    const out = new Uint8Array(pieceBytes);
    const ov = new DataView(out.buffer);
    const views = this.blocks.map((b) => new DataView(b.buffer, b.byteOffset, b.byteLength));
    let p = 0;
    for (let k = 0; k < n; k++) {
      const i = order[k]!;
      const t = this.blocks[this.block[i]!]!;
      const a = this.start[i]!;
      const b = this.end[i]!;
      if (p + (b - a) > out.length) {
        if (p > 0) write(out.subarray(0, p));
        p = 0;
        if (b - a > out.length) {
          write(t.subarray(a, b));
          continue;
        }
      }
      // Four bytes at a time, then the rest.
      const tv = views[this.block[i]!]!;
      let j = a;
      for (; j + 4 <= b; j += 4, p += 4) ov.setUint32(p, tv.getUint32(j));
      for (; j < b; j++) out[p++] = t[j]!;
    }
    if (p > 0) write(out.subarray(0, p));
  }

  /** The whole report as one byte array (write() without the pieces). */
  report(): Uint8Array {
    const pieces: Uint8Array[] = [];
    this.write((piece) => pieces.push(piece.slice()));
    const all = new Uint8Array(pieces.reduce((n, x) => n + x.length, 0));
    let at = 0;
    for (const x of pieces) {
      all.set(x, at);
      at += x.length;
    }
    return all;
  }
}

/** Writes a non-negative integer in decimal at t[p]; returns the position after it. */
function writeDecimal(t: Uint8Array, p: number, v: number): number {
  if (!Number.isSafeInteger(v) || v < 0) {
    const s = String(v);
    for (let i = 0; i < s.length; i++) t[p++] = s.charCodeAt(i);
    return p;
  }
  let digits = 1;
  for (let x = v; x >= 10; x = Math.floor(x / 10)) digits++;
  let q = p + digits;
  const end = q;
  let x = v;
  do {
    t[--q] = 0x30 + (x % 10);
    x = Math.floor(x / 10);
  } while (x > 0);
  return end;
}

/**
 * Positions 0..n-1 ordered by sizes[i] descending, ties by position (a stable sort): an LSD radix
 * sort on 16-bit digits of (largest - size) when the sizes are integers below 2^32 (always, for
 * frames), else a comparator sort.
 */
function sortedBySizeDescending(sizes: Float64Array, n: number): Int32Array {
  let max = 0;
  let integral = true;
  for (let i = 0; i < n; i++) {
    const s = sizes[i]!;
    if (s > max) max = s;
    if (!(s >= 0 && Number.isInteger(s))) integral = false;
  }
  let order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (!integral || max >= 2 ** 32) {
    return order.sort((a, b) => sizes[b]! - sizes[a]! || a - b);
  }
  const key = new Uint32Array(n);
  for (let i = 0; i < n; i++) key[i] = max - sizes[i]!;
  let other = new Int32Array(n);
  const count = new Int32Array(0x10001);
  for (let shift = 0; shift < 32 && max >>> shift > 0; shift += 16) {
    count.fill(0);
    for (let i = 0; i < n; i++) count[((key[i]! >>> shift) & 0xffff) + 1]!++;
    for (let d = 1; d <= 0x10000; d++) count[d]! += count[d - 1]!;
    for (let k = 0; k < n; k++) {
      const i = order[k]!;
      other[count[(key[i]! >>> shift) & 0xffff]!++] = i;
    }
    [order, other] = [other, order];
  }
  return order;
}

/** Entry pattern for the log item scanner (src/analyze/items), on the trimmed line. */
export { ENTRY as CHECKSTACK_ENTRY };

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
import type { ParseOutput } from '../base/result.ts';
import { splitLines } from '../base/text.ts';

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
    .some((l) => ENTRY.test(l.trim()));
}

export function parseCheckstack(text: string, file = '<input>'): ParseOutput<CheckstackEntry[]> {
  const diagnostics: Diagnostic[] = [];
  const entries: CheckstackEntry[] = [];
  for (const l of splitLines(text)) {
    const body = l.text.trim();
    if (body === '' || body.startsWith('#')) continue;
    const m = ENTRY.exec(body);
    if (m) {
      entries.push({
        address: m[1]!.toLowerCase(),
        function: m[2]!,
        file: m[3]!,
        bytes: m[4] !== undefined ? Number(m[4]) : Number.parseInt(m[5]!, 16),
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

/** The columns of a CheckstackLines, for moving lines between threads (typed arrays transfer). */
export interface CheckstackLinesParts {
  /** Line i is text[starts[i], starts[i + 1]). */
  readonly text: Uint8Array;
  readonly starts: Int32Array;
  /** The number each line is sorted by (its printed size). */
  readonly sizes: Float64Array;
  readonly count: number;
}

const utf8 = new TextEncoder();
const HEX = new Uint8Array([...'0123456789abcdef'].map((c) => c.charCodeAt(0)));

/**
 * checkstack.pl lines kept as UTF-8 bytes and sorted at the end, for reports of 100k+ lines (a
 * module tree): one growing buffer instead of a string per line, which the garbage collector would
 * copy around for the whole run. printCheckstack() is the reference; the output is the same bytes.
 */
export class CheckstackLines {
  private text = new Uint8Array(1 << 16);
  private length = 0;
  private starts = new Int32Array(1024);
  private sizes = new Float64Array(1024);
  count = 0;

  /** Appends one line; `address` as objdump prints it (16 hex digits). */
  add(e: { address: string; function: string; file: string; bytes: number }): void {
    this.addEncoded(utf8.encode(printCheckstackLine(e)), e.bytes);
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
    let p = this.length;
    t[p++] = 0x30; // 0
    t[p++] = 0x78; // x
    for (let s = 28; s >= 0; s -= 4) t[p++] = HEX[(addrHi >>> s) & 15]!;
    for (let s = 28; s >= 0; s -= 4) t[p++] = HEX[(addrLo >>> s) & 15]!;
    t[p++] = 0x20;
    for (let i = nameStart; i < nameEnd; i++) t[p++] = names[i]!;
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

  private addEncoded(line: Uint8Array, bytes: number): void {
    this.reserve(line.length);
    this.text.set(line, this.length);
    this.push(this.length + line.length, bytes);
  }

  private reserve(n: number): void {
    if (this.length + n <= this.text.length) return;
    const t = new Uint8Array(Math.max(this.length + n, this.text.length * 2));
    t.set(this.text.subarray(0, this.length));
    this.text = t;
  }

  private push(end: number, size: number): void {
    if (this.count + 2 > this.starts.length) {
      const s = new Int32Array(this.starts.length * 2);
      s.set(this.starts);
      this.starts = s;
      const z = new Float64Array(this.sizes.length * 2);
      z.set(this.sizes);
      this.sizes = z;
    }
    this.starts[this.count] = this.length;
    this.sizes[this.count] = size;
    this.count++;
    this.length = end;
    this.starts[this.count] = end;
  }

  /** The lines as columns (views; trimmed to what is used). */
  parts(): CheckstackLinesParts {
    return {
      text: this.text.subarray(0, this.length),
      starts: this.starts.subarray(0, this.count + 1),
      sizes: this.sizes.subarray(0, this.count),
      count: this.count,
    };
  }

  /**
   * Appends lines [from, to) of another set after these (the merge of per-thread results, in input
   * order).
   */
  append(p: CheckstackLinesParts, from = 0, to = p.count): void {
    if (to <= from) return;
    const a = p.starts[from]!;
    const b = p.starts[to]!;
    const base = this.length - a;
    this.reserve(b - a);
    this.text.set(p.text.subarray(a, b), this.length);
    for (let i = from; i < to; i++) this.push(p.starts[i + 1]! + base, p.sizes[i]!);
  }

  /** checkstack.pl's report: largest first, ties in the order the lines were added. */
  report(): Uint8Array {
    const n = this.count;
    const order = sortedBySizeDescending(this.sizes, n);
    const out = new Uint8Array(this.length);
    const t = this.text;
    const starts = this.starts;
    let p = 0;
    for (let k = 0; k < n; k++) {
      const i = order[k]!;
      for (let j = starts[i]!, end = starts[i + 1]!; j < end; j++) out[p++] = t[j]!;
    }
    return out;
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
 * Positions 0..n-1 ordered by sizes[i] descending, ties by position (a stable sort), through one
 * numeric sort of (size, position) keys packed into doubles; a comparator sort when they do not fit.
 */
function sortedBySizeDescending(sizes: Float64Array, n: number): Int32Array {
  let max = 0;
  let integral = true;
  for (let i = 0; i < n; i++) {
    const s = sizes[i]!;
    if (s > max) max = s;
    if (!(s >= 0 && Number.isInteger(s))) integral = false;
  }
  const order = new Int32Array(n);
  let scale = 1;
  while (scale <= n) scale *= 2;
  if (integral && (max + 1) * scale <= Number.MAX_SAFE_INTEGER) {
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = (max - sizes[i]!) * scale + i;
    keys.sort();
    for (let k = 0; k < n; k++) order[k] = keys[k]! % scale;
    return order;
  }
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((a, b) => sizes[b]! - sizes[a]! || a - b);
  order.set(idx);
  return order;
}

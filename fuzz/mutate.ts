// Mutators that know the formats. Every mutated input is a pure function of (seeds, seed number,
// input index), so a campaign's failure can be regenerated from its index alone (a hung or killed
// child cannot send its input back).
//
// Text: line drops, duplications (up to thousands of copies: "thousands of orders"), swaps and
// splices from other files; numbers swapped for huge, negative, hex, malformed and 400-digit ones;
// truncation at any offset; long lines (one character or one token repeated up to ~150 KB); NUL,
// CR, ESC and invalid UTF-8 bytes. ELF: header, section-header, symbol and relocation fields set to
// extreme values, byte flips, truncation. Capture folders: one of the nine files mutated as text.
import { Rng } from '../src/engine/rng.ts';
import { bytesToCapture, captureToBytes, type InputKind, type Seed } from './targets.ts';

/** Inputs are cut to this size: long enough for every super-linear class the issue lists. */
export const MAX_INPUT_BYTES = 256 * 1024;

const NUMBERS = [
  '0',
  '1',
  '-1',
  '2',
  '1023',
  '1024',
  '65536',
  '1000000',
  '2147483647',
  '2147483648',
  '4294967295',
  '4294967296',
  '9007199254740991',
  '9007199254740993',
  '18446744073709551615',
  '18446744073709551616',
  '99999999999999999999999',
  '-9999999999',
  '0x0',
  '0xffffffff',
  '0xffffffffffffffff',
  '0x10000000000000000',
  '0x0x1',
  '0x',
  '1e308',
  '1.5',
  'NaN',
  '1'.repeat(400),
];

/** Characters whose long runs break naive scanners: blanks, digits, identifier characters, separators. */
const RUNS = [
  ' ',
  '\t',
  '0',
  '9',
  'a',
  'A',
  '_',
  ':',
  ';',
  '*',
  '(',
  '[',
  '#',
  '.',
  '-',
  'x',
  '>',
  '\r',
  '\n',
];
const TOKENS = [
  '12*4kB ',
  '(UEM) ',
  'free:1kB ',
  'a:1 ',
  '0 ',
  'Node 0 ',
  '0x1/0x2 ',
  'foo+0x1/0x2 ',
  ';f',
  'Tainted: ',
  '#012',
  '> ',
];
const BYTES = [0x00, 0x0d, 0x1b, 0x7f, 0xff, 0xc3, 0x80, 0x09, 0x0b];

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8');

function geometric(rng: Rng, max: number): number {
  // 1, 2, 4 ... with halving probability, capped.
  let n = 1;
  while (n < max && rng.bernoulli(0.5)) n *= 2;
  return Math.min(max, n + rng.int(n));
}

function splitKeep(t: string): string[] {
  return t.split('\n');
}

/** One text mutation. */
function mutateText(t: string, rng: Rng, others: readonly Seed[]): string {
  const lines = splitKeep(t);
  const li = rng.int(Math.max(1, lines.length));
  const line = lines[li] ?? '';
  switch (rng.int(12)) {
    case 0: // drop lines
      lines.splice(li, geometric(rng, 64));
      return lines.join('\n');
    case 1: {
      // duplicate a line, up to thousands of times
      const n = geometric(rng, 4096);
      lines.splice(li, 0, ...new Array<string>(n).fill(line));
      return lines.join('\n');
    }
    case 2: {
      const lj = rng.int(Math.max(1, lines.length));
      [lines[li], lines[lj]] = [lines[lj] ?? '', line];
      return lines.join('\n');
    }
    case 3: // truncate anywhere
      return t.slice(0, rng.int(t.length + 1));
    case 4:
    case 5: {
      // swap one number for an interesting one
      const spans = numberSpans(t);
      if (spans.length === 0) return t + rng.pick(NUMBERS);
      const [a, b] = spans[rng.int(spans.length)]!;
      return t.slice(0, a) + rng.pick(NUMBERS) + t.slice(b);
    }
    case 6: {
      // a long run of one character inside a line
      const at = rng.int(line.length + 1);
      const run = rng.pick(RUNS).repeat(geometric(rng, 150_000));
      lines[li] = line.slice(0, at) + run + line.slice(at);
      return lines.join('\n');
    }
    case 7: {
      // one token repeated: thousands of orders, key:value pairs, frames
      const words = line.split(' ').filter((w) => w !== '');
      const tok = words.length > 0 && rng.bernoulli(0.6) ? `${rng.pick(words)} ` : rng.pick(TOKENS);
      const at = rng.int(line.length + 1);
      lines[li] = line.slice(0, at) + tok.repeat(geometric(rng, 20_000)) + line.slice(at);
      return lines.join('\n');
    }
    case 8: {
      const at = rng.int(t.length + 1);
      return t.slice(0, at) + String.fromCharCode(rng.pick(BYTES)) + t.slice(at);
    }
    case 9: {
      // lines of another file spliced in (cross-format)
      const o = others.length > 0 ? dec.decode(rng.pick(others).bytes).split('\n') : [];
      const from = rng.int(Math.max(1, o.length));
      lines.splice(li, 0, ...o.slice(from, from + geometric(rng, 64)));
      return lines.join('\n');
    }
    case 10: {
      // delete a character range
      const a = rng.int(t.length + 1);
      return t.slice(0, a) + t.slice(a + geometric(rng, 64));
    }
    default: {
      // CRLF line ends or no final newline
      return rng.bernoulli(0.5) ? t.replaceAll('\n', '\r\n') : t.replace(/\n$/, '');
    }
  }
}

/** [start, end) of each run of digits (with a 0x prefix or a minus sign), found in one pass. */
function numberSpans(t: string): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < t.length && out.length < 4096; i++) {
    const c = t.charCodeAt(i);
    if (c < 0x30 || c > 0x39) continue;
    let j = i;
    if (t.charCodeAt(i) === 0x30 && (t.charCodeAt(i + 1) | 0x20) === 0x78) j += 2;
    while (j < t.length && /[0-9a-fA-F]/.test(t[j]!)) j++;
    out.push([i > 0 && t[i - 1] === '-' ? i - 1 : i, j]);
    i = j;
  }
  return out;
}

function cap(b: Uint8Array): Uint8Array {
  return b.length > MAX_INPUT_BYTES ? b.subarray(0, MAX_INPUT_BYTES) : b;
}

function textInput(seed: Seed, rng: Rng, others: readonly Seed[]): Uint8Array {
  let t = dec.decode(seed.bytes);
  const n = 1 + geometric(rng, 4) - 1;
  for (let i = 0; i < n; i++) {
    t = mutateText(t, rng, others);
    if (t.length > MAX_INPUT_BYTES) t = t.slice(0, MAX_INPUT_BYTES);
  }
  if (rng.bernoulli(0.05)) {
    // raw bytes: invalid UTF-8 reaches the decoder
    const b = enc.encode(t);
    if (b.length > 0) b[rng.int(b.length)] = rng.pick(BYTES);
    return cap(b);
  }
  return cap(enc.encode(t));
}

const EXTREME = [
  0n,
  1n,
  0xffn,
  0x100n,
  0xffffn,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  1n << 33n,
  1n << 40n,
  (1n << 63n) - 1n,
  1n << 63n,
  (1n << 64n) - 1n,
];

/** Offsets of the fields that steer an ELF64 reader: header, section headers, symbols, relocations. */
function elfFieldOffsets(b: Uint8Array): { at: number; width: 1 | 2 | 4 | 8 }[] {
  const out: { at: number; width: 1 | 2 | 4 | 8 }[] = [];
  if (b.length < 64 || b[4] !== 2 || b[5] !== 1) return out;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (const [at, width] of [
    [16, 2],
    [18, 2],
    [24, 8],
    [32, 8],
    [40, 8],
    [52, 2],
    [54, 2],
    [56, 2],
    [58, 2],
    [60, 2],
    [62, 2],
  ] as const)
    out.push({ at, width });
  const shoff = Number(dv.getBigUint64(40, true));
  const shnum = dv.getUint16(60, true);
  for (let i = 0; i < shnum && shoff + (i + 1) * 64 <= b.length; i++) {
    const h = shoff + i * 64;
    for (const [o, w] of [
      [0, 4],
      [4, 4],
      [8, 8],
      [16, 8],
      [24, 8],
      [32, 8],
      [40, 4],
      [44, 4],
      [48, 8],
      [56, 8],
    ] as const)
      out.push({ at: h + o, width: w });
    const type = dv.getUint32(h + 4, true);
    const off = Number(dv.getBigUint64(h + 24, true));
    const size = Number(dv.getBigUint64(h + 32, true));
    if (off + size > b.length) continue;
    // SHT_SYMTAB / SHT_DYNSYM entries: st_name, st_info, st_shndx, st_value, st_size (a few of them).
    if (type === 2 || type === 11)
      for (let e = off; e + 24 <= off + size && e < off + 24 * 64; e += 24)
        for (const [o, w] of [
          [4, 1],
          [6, 2],
          [8, 8],
          [16, 8],
        ] as const)
          out.push({ at: e + o, width: w });
    // SHT_RELA entries: r_offset, r_info (symbol, type), r_addend.
    if (type === 4)
      for (let e = off; e + 24 <= off + size && e < off + 24 * 64; e += 24)
        for (const [o, w] of [
          [0, 8],
          [8, 4],
          [12, 4],
          [16, 8],
        ] as const)
          out.push({ at: e + o, width: w });
  }
  return out;
}

function elfInput(seed: Seed, rng: Rng): Uint8Array {
  let b = seed.bytes.slice();
  const fields = elfFieldOffsets(b);
  const n = 1 + rng.int(6);
  for (let i = 0; i < n; i++) {
    const k = rng.int(10);
    if (k < 6 && fields.length > 0) {
      const f = rng.pick(fields);
      const v = rng.bernoulli(0.7) ? rng.pick(EXTREME) : BigInt(rng.nextU32()) * BigInt(rng.nextU32());
      for (let j = 0; j < f.width && f.at + j < b.length; j++)
        b[f.at + j] = Number((v >> BigInt(8 * j)) & 0xffn);
    } else if (k < 9 && b.length > 0) b[rng.int(b.length)] = rng.int(256);
    else b = b.slice(0, rng.int(b.length + 1));
  }
  return b;
}

function captureInput(seed: Seed, rng: Rng, others: readonly Seed[]): Uint8Array {
  const c = bytesToCapture(seed.bytes);
  const names = Object.keys(c) as (keyof typeof c)[];
  const n = 1 + (rng.bernoulli(0.2) ? 1 : 0);
  for (let i = 0; i < n; i++) {
    const f = rng.pick(names);
    const t = c[f] ?? '';
    c[f] = rng.bernoulli(0.1) ? '' : dec.decode(textInput({ name: f, bytes: enc.encode(t) }, rng, others));
  }
  return captureToBytes(c);
}

/** The input number `index` of a campaign with `campaignSeed` over `seeds`. */
export function nthInput(
  kind: InputKind,
  seeds: readonly Seed[],
  campaignSeed: number,
  index: number,
): { seed: Seed; input: Uint8Array } {
  const rng = new Rng(BigInt(campaignSeed) * 0x1_0000_0000n + BigInt(index));
  const seed = seeds[rng.int(seeds.length)]!;
  if (kind === 'elf') return { seed, input: elfInput(seed, rng) };
  if (kind === 'capture') return { seed, input: captureInput(seed, rng, []) };
  return { seed, input: textInput(seed, rng, seeds) };
}

// Bad input never crashes or hangs: mutation fuzzing of real binaries (the C corpus) and generated
// ones through the whole pipeline (reader, symbols, relocations, CFI, decoder, call graph, paths).
// Every failure must be a Result error with an "elf/" code; reads stay within a small multiple of the
// file size (the reader allocates only what it read, so this bounds its allocations too).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import fc from 'fast-check';
import { analyzeBinary } from '../../src/elf/binary.ts';
import type { ByteSource } from '../../src/elf/byte-source.ts';
import { buildCallGraph } from '../../src/elf/call-graph.ts';
import {
  R_AARCH64_ABS64,
  R_AARCH64_CALL26,
  R_AARCH64_PREL32,
  STT_NOTYPE,
  STT_OBJECT,
} from '../../src/elf/elf-constants.ts';
import { analyzeWorstCase, graphRoots, topPaths } from '../../src/elf/paths.ts';
import { parseStackAnnotations } from '../../src/formats/stack-annotations.ts';
import { buildCorpus, CORPUS_NEEDS, type Corpus } from './corpus.ts';
import { objectWithCode } from './elf-builder.ts';

const ANNOTATIONS = parseStackAnnotations(
  'tables:\n  - table: op_table\n    callers: [dispatch]\n  - table: softirq_vec\n    callers: [__do_softirq]\n',
).value!;

/** A ByteSource that counts what is read and fails the test on an out-of-range read. */
function counting(name: string, bytes: Uint8Array): ByteSource & { readBytes: number } {
  const src = {
    name,
    size: bytes.length,
    readBytes: 0,
    read(offset: number, length: number) {
      assert.ok(
        Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0,
        `read(${offset}, ${length})`,
      );
      assert.ok(offset + length <= bytes.length, `read past the end: ${offset}+${length} > ${bytes.length}`);
      src.readBytes += length;
      return bytes.subarray(offset, offset + length);
    },
  };
  return src;
}

/** The whole pipeline on one input; returns the error code or "ok". */
function pipeline(name: string, bytes: Uint8Array): string {
  const src = counting(name, bytes);
  const t0 = performance.now();
  const r = analyzeBinary(src, { sites: true, tables: ANNOTATIONS.tables });
  assert.ok(
    src.readBytes <= 4 * bytes.length + 4096,
    `read ${src.readBytes} bytes of a ${bytes.length}-byte file`,
  );
  if (!r.ok) {
    assert.match(r.error.code, /^elf\//);
    assert.equal(r.error.loc?.file, name);
    return r.error.code;
  }
  for (const d of r.value.diagnostics) assert.match(d.code, /^elf\//);
  const { graph } = buildCallGraph([r.value], ANNOTATIONS);
  const wc = analyzeWorstCase(graph, { bounds: new Map(), defaultBound: 3 });
  topPaths(graph, wc, graphRoots(graph, wc), 3, 20_000);
  assert.ok(performance.now() - t0 < 5000, 'one input took more than 5 s');
  return 'ok';
}

type Mutation =
  | { kind: 'flip'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'field'; at: number; width: 1 | 2 | 4 | 8; value: bigint };

/** Offsets that matter most: the ELF header and the section header table. */
function mutationArb(file: Uint8Array): fc.Arbitrary<Mutation[]> {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const shoff = Number(dv.getBigUint64(40, true));
  const shnum = dv.getUint16(60, true);
  const anywhere = fc.nat(file.length - 1);
  const inTable = fc.nat(Math.max(0, shnum * 64 - 1)).map((o) => shoff + o);
  const inHeader = fc.nat(63);
  const at = fc.oneof(anywhere, inTable, inTable, inHeader);
  const extreme = fc.constantFrom(
    0n,
    1n,
    0xffn,
    0xffffn,
    0x7fffffffn,
    0xffffffffn,
    1n << 40n,
    (1n << 64n) - 1n,
  );
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at, value: fc.nat(255) }),
    fc.record({ kind: fc.constant('truncate' as const), at: anywhere }),
    fc.record({
      kind: fc.constant('field' as const),
      at,
      width: fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const),
      value: fc.oneof(extreme, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
    }),
  );
  return fc.array(mutation, { minLength: 1, maxLength: 6 });
}

function mutate(file: Uint8Array, ms: readonly Mutation[]): Uint8Array {
  let b = file.slice();
  for (const m of ms) {
    if (m.kind === 'truncate') b = b.slice(0, Math.min(m.at, b.length));
    else if (m.at < b.length) {
      if (m.kind === 'flip') b[m.at] = m.value;
      else {
        const dv = new DataView(b.buffer);
        const v = m.value & ((1n << BigInt(m.width * 8)) - 1n);
        for (let i = 0; i < m.width && m.at + i < b.length; i++)
          dv.setUint8(m.at + i, Number((v >> BigInt(8 * i)) & 0xffn));
      }
    }
  }
  return b;
}

describe('fuzzing the ELF pipeline', CORPUS_NEEDS, () => {
  let corpus: Corpus;
  before(async () => {
    corpus = await buildCorpus();
  });

  for (const [file, runs] of [
    ['calls.o', 400],
    ['mini-module.o', 300],
    ['frames-debug.o', 200],
    ['prog', 150],
    ['libcorpus.so', 100],
    ['mini-kernel', 150],
  ] as const) {
    test(`${file}: mutated copies give a result or an elf/ diagnostic`, { timeout: 60_000 }, () => {
      const original = new Uint8Array(readFileSync(corpus.path(file)));
      assert.equal(pipeline(file, original), 'ok');
      const codes = new Map<string, number>();
      fc.assert(
        fc.property(mutationArb(original), (ms) => {
          const code = pipeline(file, mutate(original, ms));
          codes.set(code, (codes.get(code) ?? 0) + 1);
        }),
        { seed: 20261125, numRuns: runs },
      );
      // The fuzzer reached both outcomes.
      assert.ok((codes.get('ok') ?? 0) > 0);
      assert.ok(
        [...codes.keys()].some((c) => c !== 'ok'),
        [...codes.keys()].join(','),
      );
    });
  }

  test('CFI: random bytes in .eh_frame/.debug_frame are diagnostics, never exceptions', {
    timeout: 60_000,
  }, () => {
    for (const file of ['prog', 'frames-debug.o']) {
      const original = new Uint8Array(readFileSync(corpus.path(file)));
      const dv = new DataView(original.buffer);
      const shoff = Number(dv.getBigUint64(40, true));
      const shnum = dv.getUint16(60, true);
      const shstr = dv.getUint16(62, true);
      const strOff = Number(dv.getBigUint64(shoff + shstr * 64 + 24, true));
      let range: [number, number] | undefined;
      for (let i = 0; i < shnum; i++) {
        const at = shoff + i * 64;
        let name = '';
        for (let k = strOff + dv.getUint32(at, true); original[k] !== 0; k++)
          name += String.fromCharCode(original[k]!);
        if (name === '.eh_frame' || name === '.debug_frame') {
          range = [Number(dv.getBigUint64(at + 24, true)), Number(dv.getBigUint64(at + 32, true))];
        }
      }
      assert.ok(range, `${file} has CFI`);
      const [off, size] = range;
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.nat(size - 1), fc.nat(255)), { minLength: 1, maxLength: 20 }),
          (edits) => {
            const b = original.slice();
            for (const [o, v] of edits) b[off + o] = v;
            pipeline(file, b);
          },
        ),
        { seed: 99, numRuns: 300 },
      );
    }
  });

  test('generated objects: random code, symbols and relocations', { timeout: 60_000 }, () => {
    const word = fc.oneof(
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.constantFrom(
        0xa9bb7bfd,
        0xa8c57bfd,
        0xd65f03c0,
        0x94000000,
        0x14000000,
        0xd63f0040,
        0xcb2c63ff,
        0xd503201f,
      ),
    );
    fc.assert(
      fc.property(
        fc.array(word, { minLength: 1, maxLength: 64 }),
        fc.array(fc.record({ at: fc.nat(80), size: fc.nat(20) }), { maxLength: 8 }),
        fc.array(
          fc.record({
            offset: fc.nat(300),
            sym: fc.nat(12),
            type: fc.constantFrom(R_AARCH64_CALL26, R_AARCH64_ABS64, R_AARCH64_PREL32, 999),
            addend: fc.integer({ min: -64, max: 400 }),
          }),
          { maxLength: 10 },
        ),
        fc.constantFrom(STT_NOTYPE, STT_OBJECT),
        (code, fns, relocs, extraType) => {
          const bytes = objectWithCode(
            code,
            fns.map((f, i) => ({ name: i === 0 ? 'dispatch' : `f${i}`, at: f.at, size: f.size })),
            relocs,
            [
              { name: 'op_table', value: 0, size: 16, shndx: 1, type: extraType },
              { name: 'ext', value: 0, shndx: 0 },
            ],
          );
          pipeline('gen.o', bytes);
        },
      ),
      { seed: 5, numRuns: 600 },
    );
  });
});

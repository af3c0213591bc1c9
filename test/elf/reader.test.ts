import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { bytesSource } from '../../src/elf/byte-source.ts';
import { EM_X86_64, ET_CORE, ET_DYN, ET_EXEC, ET_REL, SHT_PROGBITS } from '../../src/elf/elf-constants.ts';
import { readElf } from '../../src/elf/reader.ts';
import { readSymbols } from '../../src/elf/symbols.ts';
import { buildCorpus, CORPUS_NEEDS, type Corpus, READELF } from './corpus.ts';
import { buildElf, objectWithCode } from './elf-builder.ts';

function open(bytes: Uint8Array) {
  return readElf(bytesSource('t.o', bytes));
}

function code(bytes: Uint8Array): string {
  const r = open(bytes);
  return r.ok ? 'ok' : r.error.code;
}

const good = objectWithCode([0xd65f03c0], [{ name: 'f', at: 0, size: 1 }]);

function patched(at: number, bytes: number[]): Uint8Array {
  const b = good.slice();
  b.set(bytes, at);
  return b;
}

describe('readElf: bad input', () => {
  const cases: [string, Uint8Array, string][] = [
    ['empty file', new Uint8Array(0), 'elf/truncated'],
    ['text file', new TextEncoder().encode('hello, this is not an ELF file at all, sorry\n'), 'elf/not-elf'],
    ['ELFCLASS32', patched(4, [1]), 'elf/not-64-bit'],
    ['ELFDATA2MSB', patched(5, [2]), 'elf/big-endian'],
    ['EI_CLASS 7', patched(4, [7]), 'elf/bad-header'],
    ['EI_VERSION 0', patched(6, [0]), 'elf/bad-header'],
    ['EM_X86_64', patched(18, [EM_X86_64, 0]), 'elf/not-aarch64'],
    ['ET_CORE', patched(16, [ET_CORE, 0]), 'elf/unsupported-type'],
    ['header cut at 40 bytes', good.slice(0, 40), 'elf/truncated'],
    ['section table cut off', good.slice(0, good.length - 10), 'elf/truncated'],
    ['e_shentsize 40', patched(58, [40, 0]), 'elf/bad-header'],
    ['e_shoff 0', patched(40, [0, 0, 0, 0, 0, 0, 0, 0]), 'elf/no-sections'],
    ['e_shoff beyond 2^53', patched(40, [0, 0, 0, 0, 0, 0, 0, 0x80]), 'elf/bad-header'],
    ['e_shstrndx out of range', patched(62, [200, 0]), 'elf/bad-header'],
  ];
  for (const [name, bytes, expected] of cases) {
    test(`${name} → ${expected}`, () => assert.equal(code(bytes), expected));
  }

  test('a section running past the end of the file → elf/truncated', () => {
    const b = buildElf({ sections: [{ name: '.text', type: SHT_PROGBITS, data: new Uint8Array(16) }] });
    // sh_size of section 1 (the table is at the end: 3 headers of 64 bytes).
    const shoff = b.length - 3 * 64;
    new DataView(b.buffer).setBigUint64(shoff + 64 + 32, 1n << 40n, true);
    assert.equal(code(b), 'elf/truncated');
  });

  test('diagnostics name the file and what was expected', () => {
    const r = readElf(bytesSource('drivers/foo.ko', patched(18, [EM_X86_64, 0])));
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.error.loc?.file, 'drivers/foo.ko');
    assert.match(r.error.expected ?? '', /EM_AARCH64/);
  });

  test('a well-formed object opens', () => assert.equal(code(good), 'ok'));
});

describe('readElf: the C corpus', CORPUS_NEEDS, () => {
  let corpus: Corpus;
  before(async () => {
    corpus = await buildCorpus();
  });

  const types: [string, number][] = [
    ['frames.o', ET_REL],
    ['prog', ET_DYN],
    ['prog-nopie', ET_EXEC],
    ['libcorpus.so', ET_DYN],
    ['mini-kernel', ET_EXEC],
  ];
  for (const [file, type] of types) {
    test(`${file} is e_type ${type}, sections as readelf lists them`, () => {
      const path = corpus.path(file);
      const r = readElf(bytesSource(file, readFileSync(path)));
      assert.ok(r.ok);
      if (!r.ok) return;
      assert.equal(r.value.header.e_type, type);
      const readelf = execFileSync(READELF, ['-SW', path], { encoding: 'utf8' });
      const names = [...readelf.matchAll(/^\s*\[\s*(\d+)\]\s(\S*)/gm)].map((m) => [Number(m[1]), m[2]]);
      assert.deepEqual(
        names.filter(([i]) => i !== 0),
        r.value.sections.filter((s) => s.index !== 0).map((s) => [s.index, s.name]),
      );
    });
  }

  test('symbols agree with readelf -s on name, value, size and section', () => {
    const path = corpus.path('calls.o');
    const r = readElf(bytesSource('calls.o', readFileSync(path)));
    assert.ok(r.ok);
    if (!r.ok) return;
    const t = readSymbols(r.value, []);
    assert.ok(t);
    const readelf = execFileSync(READELF, ['-sW', path], { encoding: 'utf8' });
    let n = 0;
    for (const m of readelf.matchAll(
      /^\s*(\d+): ([0-9a-f]{16})\s+(\d+) (\w+)\s+\w+\s+\w+\s+(\w+)\s*(\S*)$/gm,
    )) {
      const i = Number(m[1]);
      n++;
      // readelf shows a section symbol with its section's name; the symbol itself has none.
      if (m[4] !== 'SECTION') assert.equal(t.name(i), m[6] ?? '');
      assert.equal(t.value(i), BigInt(`0x${m[2]}`));
      assert.equal(t.st_size(i), Number(m[3]));
      const ndx = m[5] === 'UND' ? 0 : m[5] === 'ABS' ? 0xfff1 : Number(m[5]);
      assert.equal(t.st_shndx(i), ndx);
    }
    assert.equal(n, t.count);
  });
});

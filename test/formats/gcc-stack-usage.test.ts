import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  parseGccStackUsage,
  printGccStackUsage,
  sniffGccStackUsage,
} from '../../src/formats/gcc-stack-usage.ts';

// Real lines from GCC 12 (aarch64-linux-gnu-gcc -O2 -fstack-usage on test/fixtures/elf-corpus/frames.c).
const REAL = [
  'frames.c:32:6:frame_register\t5024\tstatic',
  'frames.c:56:6:dyn_vla\t16\tdynamic',
  'drivers/net/foo.c:120:12:foo_probe\t48\tdynamic,bounded',
  'a.cc:3:5:int ns::f(int, char*)\t32\tstatic',
].join('\n');

describe('gcc .su', () => {
  test('valid lines → entries', () => {
    const r = parseGccStackUsage(`${REAL}\n`, 'x.su');
    assert.deepEqual(r.diagnostics, []);
    assert.deepEqual(
      r.value?.map((e) => [e.file, e.line, e.column, e.function, e.bytes, e.qualifier]),
      [
        ['frames.c', 32, 6, 'frame_register', 5024, 'static'],
        ['frames.c', 56, 6, 'dyn_vla', 16, 'dynamic'],
        ['drivers/net/foo.c', 120, 12, 'foo_probe', 48, 'dynamic,bounded'],
        ['a.cc', 3, 5, 'int ns::f(int, char*)', 32, 'static'],
      ],
    );
  });

  test('.su lines a CI log printed with its timestamps (GitHub Actions, Jenkins) → the same entries', () => {
    const bare = parseGccStackUsage(REAL).value;
    for (const prefix of ['2024-03-03T10:00:00.1234567Z ', '[2024-03-03T10:00:00.123Z] ']) {
      const text = REAL.split('\n')
        .map((l) => prefix + l)
        .join('\n');
      assert.equal(sniffGccStackUsage(text), true, prefix);
      const r = parseGccStackUsage(text);
      assert.deepEqual(r.diagnostics, [], prefix);
      assert.deepEqual(r.value, bare, prefix);
    }
  });

  test('print → parse round trip, byte for byte', () => {
    const r = parseGccStackUsage(REAL);
    assert.equal(printGccStackUsage(r.value ?? []), `${REAL}\n`);
  });

  test('invalid lines → gcc-su/bad-line with their line number; CRLF and blank lines tolerated', () => {
    const r = parseGccStackUsage('f.c:1:1:a\t16\tstatic\r\n\r\nnot a su line\nf.c:2:1:b\tx\tstatic\n');
    assert.equal(r.value?.length, 1);
    assert.deepEqual(
      r.diagnostics.map((d) => [d.code, d.loc?.line]),
      [
        ['gcc-su/bad-line', 3],
        ['gcc-su/bad-line', 4],
      ],
    );
  });

  test('sniff', () => {
    assert.equal(sniffGccStackUsage(REAL), true);
    assert.equal(sniffGccStackUsage('        Depth    Size   Location    (3 entries)'), false);
  });
});

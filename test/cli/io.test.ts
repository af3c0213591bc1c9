// openRandomAccess: small files are read whole, large ones by ranges (head, tail, prefetched
// sections, then on demand); whichever way, every range reads back the file's bytes. walk lists a
// tree's files once each, whatever its symlinks.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openRandomAccess, walk } from '../../src/cli/io.ts';

describe('openRandomAccess', () => {
  let dir: string;
  const bytes = (n: number, seed: number) =>
    Uint8Array.from({ length: n }, (_, i) => (i * 131 + seed) & 0xff);
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'stacklab-io-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [name, size] of [
    ['small (read whole)', 20_000],
    ['large (read by ranges)', 700_000],
  ] as const) {
    test(`${name}: ranges, prefetched or not, read back the file`, () => {
      const data = bytes(size, size & 0xff);
      const path = join(dir, `f${size}`);
      writeFileSync(path, data);
      for (const scratch of [true, false]) {
        const src = openRandomAccess(path, { scratch });
        assert.equal(src.size, size);
        const ranges = [
          { offset: 0, length: 64 },
          { offset: 5000, length: 9000 },
          { offset: size - 1000, length: 1000 },
          { offset: Math.floor(size / 2), length: Math.floor(size / 3) },
        ];
        src.prefetch?.(ranges.slice(1, 3));
        for (const r of [...ranges, { offset: 0, length: size }, { offset: 7, length: 1 }]) {
          assert.deepEqual(src.read(r.offset, r.length), data.subarray(r.offset, r.offset + r.length));
        }
        assert.throws(() => src.read(size - 10, 11), RangeError);
        src.close();
      }
    });
  }

  test('a scratch open reuses memory: what the previous one returned is no longer valid', () => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    writeFileSync(a, bytes(1000, 1));
    writeFileSync(b, bytes(1000, 2));
    const first = openRandomAccess(a, { scratch: true }).read(0, 1000).slice();
    const second = openRandomAccess(b, { scratch: true }).read(0, 1000);
    assert.deepEqual(second, bytes(1000, 2));
    assert.deepEqual(first, bytes(1000, 1));
  });

  test('a missing file or a directory is an InputError', () => {
    assert.throws(() => openRandomAccess(join(dir, 'nope')), /io\/cannot-read.*no such file/);
    assert.throws(() => openRandomAccess(dir), /is a directory/);
  });
});

describe('walk', () => {
  test('a symlink back up the tree, or a second link to a directory, lists each file once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stacklab-walk-'));
    try {
      mkdirSync(join(dir, 'a', 'b'), { recursive: true });
      writeFileSync(join(dir, 'a', 'b', 'f.txt'), 'x\n');
      writeFileSync(join(dir, 'top.txt'), 'y\n');
      symlinkSync(dir, join(dir, 'a', 'b', 'up'));
      symlinkSync(join(dir, 'a'), join(dir, 'again'));
      symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling'));
      assert.deepEqual(walk(dir), [join(dir, 'a', 'b', 'f.txt'), join(dir, 'top.txt')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

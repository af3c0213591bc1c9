// Compressed kernel modules (.ko.xz as Debian 6.12 ships them, .ko.zst, .ko.gz): found in a module
// tree, decompressed and analysed exactly as the plain .ko; a damaged one is named and the others
// are still read.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { compressionOf } from '../../src/cli/compressed.ts';
import { memoryIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { binaryTag } from '../../src/elf/binary.ts';

const DIR = resolve(import.meta.dirname, '../fixtures/elf-compressed');
const KINDS = ['af_key.ko.xz', 'af_key.ko.zst', 'af_key.ko.gz'];

async function frames(...args: string[]) {
  const io = memoryIo();
  const code = await main(['frames', ...args, '--min', '0', '--jobs', '1'], io);
  return { code, out: io.stdout, err: io.stderr };
}

describe('frames on compressed modules', () => {
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'stacklab-ko-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test('.ko.xz, .ko.zst and .ko.gz give the rows of the module decompressed', async () => {
    const plain = join(tmp, 'af_key.ko');
    // gzip through Node's own zlib: another decompressor than the xz and zstd ones under test.
    writeFileSync(plain, gunzipSync(readFileSync(join(DIR, 'af_key.ko.gz'))));
    const want = await frames(plain);
    assert.equal(want.code, 0, want.err);
    assert.ok(want.out.split('\n').length > 40, 'the module has its functions');
    assert.match(want.out, / \[af_key\]:/);
    for (const k of KINDS) {
      const bytes = readFileSync(join(DIR, k));
      assert.notEqual(compressionOf(bytes), undefined, k);
      const got = await frames(join(DIR, k));
      assert.equal(got.code, 0, got.err);
      assert.equal(got.out, want.out, k);
    }
    assert.equal(binaryTag('modules/6.12/kernel/net/key/af_key.ko.xz'), 'af_key');
  });

  test('a directory of compressed modules is a module tree (it held "no .ko files")', async () => {
    const r = await frames(DIR);
    assert.equal(r.code, 0, r.err);
    const one = await frames(join(DIR, 'af_key.ko.xz'));
    assert.equal(r.out.split('\n').length - 1, 3 * (one.out.split('\n').length - 1));
  });

  test('damaged data and a decompression bomb are named; the other modules are still read', async () => {
    const xz = readFileSync(join(DIR, 'af_key.ko.xz'));
    writeFileSync(join(tmp, 'cut.ko.xz'), xz.subarray(0, 9000));
    // A zstd frame header declaring 2^44 bytes of content.
    writeFileSync(
      join(tmp, 'bomb.ko.zst'),
      Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xe4, 0, 0, 0, 0, 0, 0x10, 0, 0]),
    );
    writeFileSync(join(tmp, 'good.ko.xz'), xz);
    const r = await frames(join(tmp, 'cut.ko.xz'), join(tmp, 'bomb.ko.zst'), join(tmp, 'good.ko.xz'));
    assert.equal(r.code, 1);
    assert.match(r.err, /cut\.ko\.xz: error\[io\/bad-compression\]: xz data/);
    assert.match(
      r.err,
      /bomb\.ko\.zst: error\[io\/bad-compression\]: zstd data .*declares 17592186044416 bytes/,
    );
    const good = await frames(join(tmp, 'good.ko.xz'));
    assert.equal(r.out, good.out);
  });
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { memoryIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { EM_X86_64 } from '../../src/elf/elf-constants.ts';
import { buildCorpus, CORPUS_NEEDS, type Corpus } from '../elf/corpus.ts';
import { buildElf } from '../elf/elf-builder.ts';

const GOLDEN = new URL('../fixtures/checkstack/', import.meta.url);
const ORDER = ['frames.o', 'calls.o', 'frames-kernel.o', 'calls-kernel.o', 'mini-kernel.o', 'mini-module.o'];

async function run(argv: string[], files: Record<string, string | Uint8Array> = {}) {
  const io = memoryIo(files);
  const code = await main(argv, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

describe('stacklab frames', CORPUS_NEEDS, () => {
  let corpus: Corpus;
  before(async () => {
    corpus = await buildCorpus();
  });

  test('--emulate-checkstack prints what checkstack.pl printed for the corpus, byte for byte', async () => {
    const paths = ORDER.map((f) => corpus.path(f));
    for (const [golden, extra] of [
      ['corpus-arm64.golden.txt', []],
      ['corpus-arm64-min0.golden.txt', ['--min', '0']],
    ] as const) {
      const r = await run(['frames', '--emulate-checkstack', ...extra, ...paths]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, readFileSync(new URL(golden, GOLDEN), 'utf8'));
    }
  });

  test('the default output differs from checkstack.pl exactly where checkstack.pl is wrong', async () => {
    const r = await run(['frames', corpus.path('frames.o')]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^0x00000000000000d0 frame_lsl12 \[frames\.o\]:\t\t1048592$/m);
    assert.match(r.stdout, /^0x0000000000000074 frame_register \[frames\.o\]:\t\t5024$/m);
    assert.match(r.stderr, /differ from what checkstack\.pl prints/);
  });

  test('--json: every function with its source and flags', async () => {
    const r = await run(['frames', '--json', corpus.path('frames.o'), corpus.path('prog')]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.version, '1.0');
    assert.equal(doc.kind, 'stacklab.frames');
    const vla = doc.functions.find(
      (f: { name: string; tag: string }) => f.name === 'dyn_vla' && f.tag === 'frames.o',
    );
    assert.deepEqual(
      [vla.frameBytes, vla.dynamic, vla.source, vla.cfiBytes],
      [16, true, 'prologue', undefined],
    );
    const big = doc.functions.find(
      (f: { name: string; tag: string }) => f.name === 'frame_register' && f.tag === 'prog',
    );
    assert.deepEqual([big.frameBytes, big.cfiBytes, big.checkstackBytes], [5024, 5024, 0]);
  });

  test("--su replaces decoded sizes with GCC's", async () => {
    const su = 'frames.c:20:6:frame_small\t999\tstatic\n';
    const r = await run(['frames', '--json', '--su', 'x.su', corpus.path('frames.o')], { 'x.su': su });
    const f = JSON.parse(r.stdout).functions.find((x: { name: string }) => x.name === 'frame_small');
    assert.deepEqual([f.frameBytes, f.source], [999, 'su']);
  });

  test('a directory is searched for .ko files; none → usage error', async () => {
    const r = await run(['frames', corpus.dir]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no \.ko files/);
  });

  test('bad input → exit 1 with a stable code, the other files still analysed', async () => {
    const x86 = buildElf({ machine: EM_X86_64, sections: [] });
    const r = await run(['frames', 'x86.o', corpus.path('frames.o')], { 'x86.o': x86, 'junk.ko': 'junk' });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^x86\.o: error\[elf\/not-aarch64\]: e_machine is EM_X86_64 \(62\) \(expected EM_AARCH64 \(183\)\)$/m,
    );
    assert.match(r.stdout, /frame_lsl12/);
    const missing = await run(['frames', 'nope.ko']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /io\/cannot-read/);
  });

  test('a binary --su file is bad input, not twenty lines of garbage', async () => {
    const junk = Uint8Array.from({ length: 512 }, (_, i) => (i * 37) & 0xff);
    const r = await run(['frames', '--su', 'x.su', corpus.path('frames.o')], { 'x.su': junk });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^x\.su: error\[gcc-su\/binary\]: --su: binary data/m);
    assert.doesNotMatch(r.stderr, /gcc-su\/bad-line/);
  });

  test('--format must be checkstack or json', async () => {
    const r = await run(['frames', '--format', 'xml', corpus.path('frames.o')]);
    assert.equal(r.code, 2);
  });
});

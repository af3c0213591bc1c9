// examples/arm64/: the binaries a new user tries `stacklab frames` and `paths` on right after npm ci.
// They work without any package installed; where the cross compiler is, they are rebuilt from the
// corpus and must have the same frames (and, built by the same compiler and linker, the same bytes).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { memoryIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';
import { analyzeBinary } from '../src/elf/binary.ts';
import { bytesSource } from '../src/elf/byte-source.ts';
import {
  buildCorpus,
  CC,
  CORPUS_NEEDS,
  type Corpus,
  compilerVersion,
  EXAMPLES,
  EXAMPLES_DIR,
  LD,
} from './elf/corpus.ts';

const ex = (f: string) => join(EXAMPLES_DIR, f);

function buildInfo(): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of readFileSync(ex('BUILD-INFO'), 'utf8').split('\n')) {
    const i = line.indexOf(': ');
    if (!line.startsWith('#') && i > 0) m.set(line.slice(0, i), line.slice(i + 2));
  }
  return m;
}

/** name -> frame bytes (dynamic marked) of every function, as stacklab decodes them. */
function frames(path: string): Map<string, string> {
  const r = analyzeBinary(bytesSource(path, readFileSync(path)), { sites: false });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return new Map(r.value.functions.map((f) => [f.name, `${f.frameBytes}${f.dynamic ? '+dynamic' : ''}`]));
}

async function run(argv: string[]) {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

describe('examples/arm64', () => {
  test('small, and BUILD-INFO names the compiler, the linker and the checksum of each file', () => {
    const info = buildInfo();
    assert.match(info.get('compiler') ?? '', /^aarch64-linux-gnu-gcc .* 12\.\d/);
    assert.match(info.get('linker') ?? '', /^GNU ld /);
    let total = 0;
    for (const e of EXAMPLES) {
      const bytes = readFileSync(ex(e.file));
      total += bytes.length + statSync(ex(e.su)).size;
      assert.equal(info.get(`${e.file} sha256`), createHash('sha256').update(bytes).digest('hex'), e.file);
      assert.match(info.get(e.file) ?? '', /-fstack-usage/);
    }
    assert.ok(total < 300_000, `${total} bytes`);
  });

  test('frames reads them, and the .su files agree with every decoded frame', async () => {
    const plain = await run(['frames', ex('mini-kernel'), ex('mini-module.ko'), '--json']);
    assert.equal(plain.code, 0, plain.err);
    const su = await run([
      'frames',
      ex('mini-kernel'),
      ex('mini-module.ko'),
      '--json',
      '--su',
      ex('mini-kernel.su'),
      '--su',
      ex('mini-module.su'),
    ]);
    assert.equal(su.code, 0, su.err);
    type Fn = { name: string; frameBytes: number; source: string };
    const decoded = new Map((JSON.parse(plain.out).functions as Fn[]).map((f) => [f.name, f.frameBytes]));
    const exact = JSON.parse(su.out).functions as Fn[];
    assert.equal(exact.length, 27);
    for (const f of exact) {
      assert.equal(f.source, 'su', `${f.name}: the .su files name every function`);
      assert.equal(decoded.get(f.name), f.frameBytes, f.name);
    }
    assert.equal(decoded.get('udp_sendmsg'), 688);
  });

  test('paths: the syscall path of the mini kernel, with the interrupt overlay of two designs', async () => {
    const r = await run([
      'paths',
      ex('mini-kernel'),
      ex('mini-module.ko'),
      '--entry',
      'el0_svc',
      '-a',
      ex('mini-kernel.yaml'),
      '--profile',
      'linux-6.1',
      '--profile',
      'rfc-2015',
      '--top',
      '1',
    ]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /#1 {2}1712 bytes {2}el0_svc → /);
    assert.match(r.out, /^rfc-2015 +2752\/8192 \(34%\)/m);
    const m = await run([
      'paths',
      ex('mini-kernel'),
      ex('mini-module.ko'),
      '--entry',
      'mod_open',
      '--top',
      '1',
    ]);
    assert.equal(m.code, 0, m.err);
    assert.match(m.out, /mod_open \[mini-module\]\n.*mod_helper \[mini-module\]\n.*printk \[mini-kernel\]/);
  });
});

describe('examples/arm64 rebuilt from the corpus', CORPUS_NEEDS, () => {
  let corpus: Corpus;
  before(async () => {
    corpus = await buildCorpus();
  });
  const sameTools = () => {
    const info = buildInfo();
    return info.get('compiler') === compilerVersion(CC) && info.get('linker') === compilerVersion(LD);
  };

  for (const e of EXAMPLES) {
    test(`${e.file}: every function has the same frame as the one built now`, () => {
      const now = frames(corpus.path(e.target));
      const shipped = frames(ex(e.file));
      assert.ok(shipped.size >= 3);
      assert.deepEqual([...shipped].sort(), [...now].sort(), 'rebuild with scripts/build-examples.ts');
      if (sameTools()) {
        assert.ok(
          readFileSync(ex(e.file)).equals(readFileSync(corpus.path(e.target))),
          'same tools, same bytes',
        );
        assert.equal(readFileSync(ex(e.su), 'utf8'), corpus.su(e.target));
      }
    });
  }
});

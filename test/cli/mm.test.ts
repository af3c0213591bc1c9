// `stacklab mm`: exit codes, output, files written atomically, help text with examples.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { memoryIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';

describe('stacklab mm', () => {
  test('mm compare prints the side-by-side table', async () => {
    const io = memoryIo();
    const code = await main(
      ['mm', 'compare', '--device', 'phone-1g-2015', '--forks', '200', '--warmup', '4'],
      io,
    );
    assert.equal(code, 0, io.stderr);
    assert.match(
      io.stdout,
      /16k +8k +vmap +dynamic\n +\(order 2\) +\(order 1\) +\(4 x order 0\) +\(grow on fault\)/,
    );
    assert.match(io.stdout, /compact_stall/);
    assert.match(io.stdout, /P\(panic\) per device-hour \[95 %\]/);
    assert.equal(io.stderr, '', 'no progress bar when stderr is not a TTY');
  });

  test('mm compare --stacks picks strategies; --depths and --dynamic feed the dynamic column', async () => {
    const io = memoryIo();
    const depths = 'test/fixtures/arm64-6.1-qemu/fork-256M/taskstack_highwater.txt';
    const argv = ['mm', 'compare', '--device', 'phone-4g-2026', '--forks', '100', '--warmup', '2'];
    const code = await main(
      [...argv, '--stacks', 'vmap,dynamic', '--depths', depths, '--dynamic', 'poolPages=1', '--json'],
      io,
    );
    assert.equal(code, 0, io.stderr);
    const doc = JSON.parse(io.stdout);
    const runs = doc.result.runs as { stacks: string; dynamic?: { params: { poolPages: number } } }[];
    assert.deepEqual(
      runs.map((r) => r.stacks),
      ['vmap', 'dynamic'],
    );
    assert.equal(runs[1]!.dynamic!.params.poolPages, 1);
    assert.equal(doc.result.depths.id, 'taskstack_highwater.txt');
    assert.deepEqual(doc.result.depths.tasksByPages, [54, 1, 0, 0]);
    assert.equal(doc.result.device, 'phone-4g-2026');
  });

  test('bad --stacks, --dynamic and --depths are usage errors or bad input, named', async () => {
    const cases: [string[], number, RegExp][] = [
      [['--stacks', '8k,8k'], 2, /named twice/],
      [['--stacks', '8k,12k'], 2, /unknown stack strategy "12k"/],
      [['--dynamic', 'poolPages=-1'], 2, /--dynamic poolPages=-1: expected a number/],
      [['--dynamic', 'pagesAtFork=5'], 2, /pagesAtFork must be 1\.\.threadPages/],
      [['--dynamic', 'colour=red'], 2, /expected FIELD=VALUE with FIELD one of pagesAtFork/],
      [['--depths', 'package.json'], 1, /depths\/no-tasks/],
    ];
    for (const [extra, want, msg] of cases) {
      const io = memoryIo();
      const code = await main(['mm', 'compare', '--forks', '10', '--warmup', '1', ...extra], io);
      assert.equal(code, want, `${extra.join(' ')}: ${io.stderr}`);
      assert.match(io.stderr, msg);
    }
  });

  test('mm compare --set overrides a device field and says so', async () => {
    const io = memoryIo();
    const argv = ['mm', 'compare', '--set', 'extraFreeKbytes=0', '--forks', '100', '--warmup', '3'];
    assert.equal(await main(argv, io), 0, io.stderr);
    assert.match(io.stdout, /device overrides: extraFreeKbytes=0/);
    assert.match(io.stdout, /low 1232, high 1479/);
    assert.equal(await main(['mm', 'compare', '--set', 'bogus=1'], memoryIo()), 2);
  });

  test('mm --out writes the kernel files and a versioned result', async () => {
    const io = memoryIo();
    const code = await main(['mm', '--stacks', 'vmap', '--forks', '100', '--warmup', '3', '--out', 'o'], io);
    assert.equal(code, 0, io.stderr);
    assert.deepEqual([...io.written.keys()].sort(), [
      'o/buddyinfo',
      'o/extfrag_index',
      'o/pagetypeinfo',
      'o/result.json',
      'o/unusable_index',
      'o/vmstat',
    ]);
    assert.match(String(io.written.get('o/buddyinfo')), /^Node 0, zone {6}DMA /);
    const doc = JSON.parse(String(io.written.get('o/result.json')));
    assert.equal(doc.kind, 'stacklab.mm.run');
    assert.equal(typeof doc.version, 'string');
  });

  test('usage errors exit 2, a missing capture exits 1', async () => {
    for (const argv of [
      ['mm', '--device', 'phone-9g'],
      ['mm', '--stacks', '32k'],
      ['mm', 'compare', '--forks', '0'],
      ['mm', 'nosuchscenario'],
    ]) {
      const io = memoryIo();
      assert.equal(await main(argv, io), 2, argv.join(' '));
    }
    const io = memoryIo();
    assert.equal(await main(['mm', 'validate', '/nonexistent/capture'], io), 1);
    assert.match(io.stderr, /io\/cannot-read/);
  });

  test('mm validate on a damaged capture: exit 1 naming the file and line (issue 14)', async () => {
    const src = join(import.meta.dirname, '..', 'fixtures', 'arm64-6.1-qemu', 'fork-256M');
    const dir = mkdtempSync(join(tmpdir(), 'stacklab-capture-'));
    try {
      cpSync(src, dir, { recursive: true });
      const pti = readFileSync(join(src, 'pagetypeinfo-before.txt'), 'utf8').split('\n');
      writeFileSync(join(dir, 'pagetypeinfo-before.txt'), `${pti.slice(0, 5).join('\n')}\n`);
      let io = memoryIo();
      assert.equal(await main(['mm', 'validate', dir], io), 1, io.stderr);
      assert.match(io.stderr, /pagetypeinfo-before\.txt:5: error\[mm-validate\/no-block-table\]/);
      assert.doesNotMatch(io.stderr, /AssertionFailed|\n\s+at /);
      cpSync(join(src, 'pagetypeinfo-before.txt'), join(dir, 'pagetypeinfo-before.txt'));
      writeFileSync(join(dir, 'meminfo-after.txt'), '');
      io = memoryIo();
      assert.equal(await main(['mm', 'validate', dir], io), 1);
      assert.match(io.stderr, /meminfo-after\.txt:1: error\[meminfo\/empty\]/);
      const huge = readFileSync(join(src, 'workload-output.txt'), 'utf8').replace(
        'forked=2000',
        'forked=5000000',
      );
      cpSync(join(src, 'meminfo-after.txt'), join(dir, 'meminfo-after.txt'));
      writeFileSync(join(dir, 'workload-output.txt'), huge);
      io = memoryIo();
      assert.equal(await main(['mm', 'validate', dir], io), 1);
      assert.match(io.stderr, /--max-forks 5000000/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('help teaches with examples', async () => {
    const io = memoryIo();
    await main(['mm', 'compare', '--help'], io);
    assert.match(io.stdout, /stacklab mm compare --device phone-1g-2015/);
  });
});

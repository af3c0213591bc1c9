// `stacklab mm`: exit codes, output, files written atomically, help text with examples.
import assert from 'node:assert/strict';
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
    assert.match(io.stdout, /16k +8k +vmap\n +\(order 2\) +\(order 1\) +\(4 x order 0\)/);
    assert.match(io.stdout, /compact_stall/);
    assert.equal(io.stderr, '', 'no progress bar when stderr is not a TTY');
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

  test('help teaches with examples', async () => {
    const io = memoryIo();
    await main(['mm', 'compare', '--help'], io);
    assert.match(io.stdout, /stacklab mm compare --device phone-1g-2015/);
  });
});

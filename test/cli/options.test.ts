// Option values and where options apply: bad values are usage errors (exit 2) naming the flag, never
// silently taken or ignored, and never a stack trace.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { memoryIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { fitWidth } from '../../src/cli/progress.ts';

const SEED_PATH = new URL('../../data/seed/stack_trace-rfc-2015.txt', import.meta.url).pathname;
const PAF = new URL('../fixtures/published/paf-001.txt', import.meta.url).pathname;
const BUDDY = new URL('../fixtures/arm64-6.1-qemu/fork-256M/buddyinfo-before.txt', import.meta.url).pathname;
const NO_TRACE = /at .*\.(ts|js):\d+/;

async function run(args: string[], stdin = '') {
  const io = memoryIo({}, stdin);
  const code = await main(args, io);
  return { code, out: io.stdout, err: io.stderr };
}

describe('numbers', () => {
  test('replay --table and --kstack-offset take digits only ("" is not 0, 0x10 is not 16)', async () => {
    for (const [flag, value] of [
      ['--table', ''],
      ['--table', '0x0'],
      ['--kstack-offset', '1e2'],
      ['--kstack-offset', ' 5'],
      ['--kstack-offset', '-3'],
    ] as const) {
      const r = await run(['replay', SEED_PATH, '-p', 'linux-6.1', flag, value]);
      assert.equal(r.code, 2, `${flag} "${value}"`);
      assert.match(r.err, new RegExp(`${flag}: expected an integer in`));
    }
  });

  test('mm --forks, --seed, --warmup take digits only', async () => {
    for (const argv of [
      ['mm', '--forks', '1e2'],
      ['mm', '--forks', ''],
      ['mm', '--seed', '0x10'],
      ['mm', '--warmup', '-1'],
      ['mm', 'validate', '--parallel', '2.0'],
    ]) {
      const r = await run(argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.err, /must be an integer >= \d, got/);
    }
  });

  test('mm --set values the model cannot boot with are usage errors, not internal errors', async () => {
    for (const [set, msg] of [
      ['nrCpus=0', /--set nrCpus: expected 1\.\.256, got 0/],
      ['managedPages=0', /leaves 0 pages for the buddy allocator/],
      ['cmaMB=100000', /leaves 0 pages for the buddy allocator/],
      ['ramMB=40000000', /--set ramMB: expected at most 16384/],
      ['swappiness=1000', /--set swappiness: expected 0\.\.200/],
    ] as const) {
      const r = await run(['mm', '--forks', '10', '--warmup', '1', '--set', set]);
      assert.equal(r.code, 2, `${set}: ${r.err}`);
      assert.match(r.err, msg);
      assert.doesNotMatch(r.err, NO_TRACE);
      const c = await run(['mm', 'compare', '--forks', '10', '--warmup', '1', '--set', set]);
      assert.equal(c.code, 2, `compare ${set}`);
    }
  });
});

describe('mm subcommands own their options', () => {
  test('mm validate --json is JSON (mm used to take the flag and print text)', async () => {
    const r = await run(['mm', 'validate', '--json']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.equal(j.kind, 'stacklab.mm.validate');
  });

  test('mm devices --json and mm compare --json still work', async () => {
    assert.equal(JSON.parse((await run(['mm', 'devices', '--json'])).out).kind, 'stacklab.mm.devices');
    const c = await run(['mm', 'compare', '--forks', '10', '--warmup', '1', '--json']);
    assert.equal(JSON.parse(c.out).kind, 'stacklab.mm.compare');
  });

  test('options before the subcommand count; ones that do nothing there are usage errors', async () => {
    const c = await run(['mm', '--device', 'board-512m', 'compare', '--forks', '10', '--warmup', '1']);
    assert.equal(c.code, 0, c.err);
    assert.match(c.out, /^stacklab mm compare: board-512m /);
    // mm compare takes --stacks (a list) since issue 13: before the subcommand it counts too.
    const s = await run(['mm', '--stacks', '8k', 'compare', '--forks', '10', '--warmup', '1', '--json']);
    assert.equal(s.code, 0, s.err);
    assert.deepEqual(
      JSON.parse(s.out).result.runs.map((x: { stacks: string }) => x.stacks),
      ['8k'],
    );
    for (const argv of [
      ['mm', 'compare', '--age-with', 'same'],
      ['mm', '--age-with', 'same', 'compare'],
      ['mm', '--stacks', '8k', 'validate'],
      ['mm', '--device', 'board-512m', 'validate'],
      ['mm', '--forks', '3', 'devices'],
    ]) {
      const r = await run(argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.err, /does not apply to "mm \w+"|unknown option '--age-with'/);
    }
  });

  test('mm validate on a file names it and what was expected', async () => {
    const r = await run(['mm', 'validate', BUDDY]);
    assert.equal(r.code, 1);
    assert.match(
      r.err,
      /error\[io\/cannot-read\]: .* is a file, not a capture directory \(expected a directory/,
    );
  });
});

describe('analyze checks -p and --set whatever the input', () => {
  test('an unknown profile or field is exit 2 with the accepted names, also for memory reports', async () => {
    for (const file of [PAF, BUDDY, SEED_PATH]) {
      const p = await run(['analyze', '-p', 'linux-9', file]);
      assert.equal(p.code, 2, file);
      assert.match(
        p.err,
        /error\[profile\/unknown\]: unknown profile "linux-9" \(expected one of linux-4\.2/,
      );
      assert.equal(p.out, '');
      const s = await run(['analyze', '--set', 'NOPE=1', file]);
      assert.equal(s.code, 2, file);
      assert.match(s.err, /error\[profile\/unknown-field\]/);
    }
    const ok = await run(['analyze', '-p', 'linux-6.1', '--set', 'THREAD_SIZE=8192', PAF]);
    assert.equal(ok.code, 0, ok.err);
  });
});

describe('program', () => {
  test('no command: help on stderr, exit 2 (bad usage)', async () => {
    const r = await run([]);
    assert.equal(r.code, 2);
    assert.match(r.err, /Usage: stacklab/);
    assert.equal((await run(['help'])).code, 0);
    assert.equal((await run(['--help'])).code, 0);
  });

  test('help does not print "(default: [])" for repeatable options', async () => {
    for (const cmd of ['replay', 'profiles', 'analyze', 'paths', 'frames', 'convert']) {
      const r = await run([cmd, '--help']);
      assert.equal(r.code, 0);
      assert.doesNotMatch(r.out, /\(default: \[\]\)/, cmd);
    }
    assert.match((await run(['paths', '--help'])).out, /\(default: 5\)/);
  });

  test('progress lines fit the terminal, keeping the counter and the file name', () => {
    assert.equal(fitWidth('[1/9] short.ko', 40, 6), '[1/9] short.ko');
    const long = `[12/487] /lib/modules/6.1.0-56-arm64/kernel/net/bluetooth/${'x'.repeat(80)}/rfcomm.ko`;
    const cut = fitWidth(long, 60, 9);
    assert.equal([...cut].length, 60);
    assert.ok(cut.startsWith('[12/487] …'));
    assert.ok(cut.endsWith('/rfcomm.ko'));
  });
});

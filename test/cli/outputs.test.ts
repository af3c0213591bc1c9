// Output files (--report, -o/--output, --out): written atomically, checked before the work, and a
// path that cannot be written is bad input (exit 1, io/cannot-write) naming the flag, never a stack
// trace or a hang.
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkOutput, type Io, memoryIo, processIo, writeFileAtomic } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';

const SEED_PATH = new URL('../../data/seed/stack_trace-rfc-2015.txt', import.meta.url).pathname;

/** The real file system, with stdout and stderr kept. */
function fsIo(): Io & { stdout: string; stderr: string } {
  const io = {
    ...processIo,
    stdout: '',
    stderr: '',
    stdoutIsTty: false,
    stderrIsTty: false,
    out(text: string) {
      io.stdout += text;
    },
    outBytes(data: Uint8Array) {
      io.stdout += new TextDecoder().decode(data);
    },
    err(text: string) {
      io.stderr += text;
    },
  };
  return io;
}

async function run(args: string[]) {
  const io = fsIo();
  const code = await main(args, io);
  return { code, out: io.stdout, err: io.stderr };
}

const NO_TRACE = /at .*\.(ts|js):\d+/;
const HAS_PROC = existsSync('/proc/self');

describe('output files', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'stacklab-out-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('writeFileAtomic: parents created, no temp file left, a directory target is io/cannot-write', () => {
    const p = join(dir, 'a', 'b', 'r.html');
    writeFileAtomic(p, 'x');
    assert.equal(readFileSync(p, 'utf8'), 'x');
    assert.deepEqual(readdirSync(join(dir, 'a', 'b')), ['r.html']);
    assert.throws(() => writeFileAtomic(join(dir, 'a'), 'x'), /io\/cannot-write.*is a directory/);
    writeFileSync(join(dir, 'file'), 'keep');
    assert.throws(() => writeFileAtomic(join(dir, 'file', 'x.html'), 'x'), /io\/cannot-write/);
    assert.equal(readFileSync(join(dir, 'file'), 'utf8'), 'keep');
  });

  test("writeFileAtomic under /proc fails at once (Node's recursive mkdir loops there)", {
    skip: !HAS_PROC,
    timeout: 5000,
  }, () => {
    assert.throws(() => writeFileAtomic('/proc/stacklab-nope/x/y.html', 'x'), /io\/cannot-write/);
  });

  test('checkOutput: files, directories and what stands in their way', () => {
    checkOutput(join(dir, 'new', 'deeper', 'x.html'), '--report');
    assert.ok(!existsSync(join(dir, 'new')), 'the check creates nothing');
    checkOutput(join(dir, 'outdir'), '--out', 'dir');
    mkdirSync(join(dir, 'isdir'));
    checkOutput(join(dir, 'isdir'), '--out', 'dir');
    assert.throws(
      () => checkOutput(join(dir, 'isdir'), '--report'),
      /--report: cannot write .*is a directory/,
    );
    writeFileSync(join(dir, 'plain'), '');
    assert.throws(() => checkOutput(join(dir, 'plain'), '--out', 'dir'), /not a directory/);
    assert.throws(
      () => checkOutput(join(dir, 'plain', 'x'), '-o'),
      /io\/cannot-write.*plain is not a directory/,
    );
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.startsWith('.')),
      [],
      'no probe file left behind',
    );
  });

  test('replay --report into a directory: exit 1 before any output, naming the flag', async () => {
    const r = await run(['replay', SEED_PATH, '-p', 'linux-4.2', '--report', dir]);
    assert.equal(r.code, 1);
    assert.equal(r.out, '', 'nothing printed before the check');
    assert.match(r.err, /error\[io\/cannot-write\]: --report: cannot write .*: is a directory/);
    assert.doesNotMatch(r.err, NO_TRACE);
  });

  test('replay --report writes the file and says where', async () => {
    const p = join(dir, 'rep', 'replay.html');
    const r = await run(['replay', SEED_PATH, '-p', 'linux-4.2', '--report', p]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, new RegExp(`stacklab: wrote ${p}`));
    assert.ok(readFileSync(p, 'utf8').startsWith('<!doctype html>'));
  });

  test('report -o: unwritable paths are exit 1, an empty one is a usage error', async () => {
    const json = join(dir, 'p.json');
    writeFileSync(json, (await run(['profiles', '--json'])).out);
    writeFileSync(join(dir, 'f'), '');
    const under = await run(['report', json, '-o', join(dir, 'f', 'x.html')]);
    assert.equal(under.code, 1);
    assert.match(under.err, /error\[io\/cannot-write\]: --output: /);
    assert.doesNotMatch(under.err, NO_TRACE);
    const empty = await run(['report', json, '-o', '']);
    assert.equal(empty.code, 2);
    assert.match(empty.err, /--output: expected a path/);
    if (HAS_PROC) {
      const proc = await run(['report', json, '-o', '/proc/stacklab-nope/r.html']);
      assert.equal(proc.code, 1);
      assert.match(proc.err, /io\/cannot-write/);
    }
  });

  test('seed --report into a directory fails before the 6 s of work', async () => {
    const t0 = Date.now();
    const r = await run(['seed', '--report', dir]);
    assert.equal(r.code, 1);
    assert.equal(r.out, '');
    assert.match(r.err, /io\/cannot-write.*--report/);
    assert.ok(Date.now() - t0 < 3000, 'checked before the run');
  });

  test('mm --out: a file in the way is exit 1 before the run; a fresh directory is filled and named', async () => {
    writeFileSync(join(dir, 'notdir'), 'keep');
    const bad = await run(['mm', '--forks', '20', '--warmup', '1', '--out', join(dir, 'notdir')]);
    assert.equal(bad.code, 1);
    assert.equal(bad.out, '');
    assert.match(bad.err, /error\[io\/cannot-write\]: --out: .*exists and is not a directory/);
    const out = join(dir, 'run', 'one');
    const ok = await run(['mm', '--forks', '20', '--warmup', '1', '--out', out]);
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.err, new RegExp(`stacklab: wrote ${out} \\(buddyinfo, .*result\\.json\\)`));
    assert.deepEqual(readdirSync(out).sort(), [
      'buddyinfo',
      'extfrag_index',
      'pagetypeinfo',
      'result.json',
      'unusable_index',
      'vmstat',
    ]);
    assert.equal(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')).kind, 'stacklab.mm.run');
  });

  test('mm compare --out says where it wrote', async () => {
    const io = memoryIo();
    const code = await main(['mm', 'compare', '--forks', '20', '--warmup', '1', '--out', 'cmp'], io);
    assert.equal(code, 0, io.stderr);
    assert.ok(io.written.has('cmp/compare.json') && io.written.has('cmp/8k/buddyinfo'));
    assert.match(io.stderr, /stacklab: wrote cmp \(compare\.json, compare\.txt; 16k\/, 8k\/, vmap\//);
  });
});

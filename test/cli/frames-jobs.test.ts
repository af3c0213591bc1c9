// `frames --jobs N`: the checkstack report is the same bytes whatever the number of threads and
// whichever thread analysed which files.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { analyzeChunks, mergeThreads } from '../../src/cli/frames-jobs.ts';
import { memoryIo, openRandomAccess } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { buildCorpus, CORPUS_NEEDS, type Corpus, TARGETS } from '../elf/corpus.ts';

const ROOT = resolve(import.meta.dirname, '../..');

async function run(argv: string[]) {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

describe('frames --jobs', CORPUS_NEEDS, () => {
  let corpus: Corpus;
  let paths: string[];
  before(async () => {
    corpus = await buildCorpus();
    paths = TARGETS.map((t) => corpus.path(t.out));
  });

  test('chunks merged in input order: any split between threads gives the same report', () => {
    const options = { emulateCheckstack: false, min: -1 };
    const job = { files: paths, chunkSize: 2, chunks: Math.ceil(paths.length / 2), options };
    const open = (p: string) => openRandomAccess(p);
    const one = () => {
      let c = 0;
      return () => c++;
    };
    const reference = mergeThreads([analyzeChunks(job, open, one())], paths.length, job.chunks);
    const expected = new TextDecoder().decode(reference.lines.report());
    assert.ok(expected.split('\n').length > 100);
    // Three threads taking turns in a scrambled order: thread t gets the chunks listed for it.
    const order = [
      [5, 0, 3],
      [6, 2],
      [1, 4],
    ];
    const claimFrom = (list: number[]) => {
      let k = 0;
      return () => list[k++] ?? job.chunks;
    };
    const results = order.map((list) => analyzeChunks(job, open, claimFrom(list)));
    const merged = mergeThreads(results.reverse(), paths.length, job.chunks);
    assert.equal(new TextDecoder().decode(merged.lines.report()), expected);
    assert.deepEqual(
      merged.outcomes.map((o) => o?.kind),
      reference.outcomes.map((o) => o?.kind),
    );
  });

  test('from the sources: --jobs 2 prints what --jobs 1 prints (one thread: no bundle to run workers)', async () => {
    const one = await run(['frames', '--min', '0', '--jobs', '1', ...paths]);
    const two = await run(['frames', '--min', '0', '--jobs', '2', ...paths]);
    assert.equal(one.code, 0, one.stderr);
    assert.equal(two.stdout, one.stdout);
    assert.equal(two.stderr, one.stderr);
    assert.equal((await run(['frames', '--jobs', '0', ...paths])).code, 2);
  });

  describe('through the bundle, with worker threads', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'stacklab-bundle-'));
      const b = spawnSync(process.execPath, ['scripts/build.mjs', '--outdir', dir], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      assert.equal(b.status, 0, b.stderr);
      writeFileSync(
        join(dir, 'run.mjs'),
        "import { main } from './stacklab.mjs';\nprocess.exitCode = await main(process.argv.slice(2));\n",
      );
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    const cli = (args: string[]) =>
      spawnSync(process.execPath, [join(dir, 'run.mjs'), ...args], {
        encoding: 'utf8',
        maxBuffer: 1 << 28,
        env: { ...process.env, STACKLAB_DEBUG: 'jobs' },
      });

    test('--jobs 1, 2 and 3 print the same bytes, --emulate-checkstack too', () => {
      // Many files, so the workers start before this thread is done: the corpus 60 times over.
      const many = Array.from({ length: 60 }, () => paths).flat();
      for (const extra of [[], ['--emulate-checkstack']]) {
        const outs = [1, 2, 3].map((j) =>
          cli(['frames', '--min', '0', ...extra, '--jobs', String(j), ...many]),
        );
        for (const o of outs) assert.equal(o.status, 0, o.stderr);
        assert.match(outs[0]!.stderr, /--jobs 1, 1 thread\(s\) did work/);
        assert.match(outs[1]!.stderr, /--jobs 2, [12] thread\(s\) did work/);
        assert.ok(outs[0]!.stdout.length > 100_000);
        assert.equal(outs[1]!.stdout, outs[0]!.stdout);
        assert.equal(outs[2]!.stdout, outs[0]!.stdout);
        const summary = (s: string) => s.replace(/^stacklab frames: \d+ files, --jobs.*\n/m, '');
        assert.equal(summary(outs[1]!.stderr), summary(outs[0]!.stderr));
      }
    });

    test('every run with workers exits (Node 20 could deadlock a worker at exit: 1 run in 13-40)', async () => {
      // Spawned without waiting synchronously, so a run that does not exit is seen and killed.
      const many = Array.from({ length: 60 }, () => paths).flat();
      const runs = Number(process.env.STACKLAB_WORKER_RUNS ?? 12);
      for (let i = 0; i < runs; i++) {
        const c = spawn(
          process.execPath,
          [join(dir, 'run.mjs'), 'frames', '--min', '0', '--jobs', '3', ...many],
          {
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        let bytes = 0;
        c.stdout.on('data', (d: Buffer) => {
          bytes += d.length;
        });
        c.stderr.resume();
        const code = await new Promise<number | null | 'hung'>((resolve) => {
          const t = setTimeout(() => {
            c.kill('SIGKILL');
            resolve('hung');
          }, 30_000);
          c.on('exit', (status) => {
            clearTimeout(t);
            resolve(status);
          });
        });
        assert.equal(code, 0, `run ${i + 1} of ${runs} (${bytes} bytes out) did not exit`);
      }
    });

    test('a bad file is reported in input order, a missing one ends the run, with workers too', () => {
      const bad = join(dir, 'junk.ko');
      writeFileSync(bad, 'junk, and not an ELF header either');
      const many = [...Array.from({ length: 40 }, () => paths).flat(), bad, ...paths];
      const one = cli(['frames', '--jobs', '1', ...many]);
      const two = cli(['frames', '--jobs', '2', ...many]);
      assert.equal(one.status, 1);
      assert.equal(two.status, 1);
      assert.match(two.stderr, /junk\.ko: error\[elf\/not-elf\]/);
      assert.equal(two.stdout, one.stdout);
      const missing = cli(['frames', '--jobs', '2', ...many, join(dir, 'nope.ko')]);
      assert.equal(missing.status, 1);
      assert.equal(missing.stdout, '');
      assert.match(missing.stderr, /io\/cannot-read/);
    });
  });
});

// `stacklab sweep` and `stacklab merge` end to end on the real file system and real worker threads:
// the same sweep.json for any worker count and any shard split (merged), a killed sweep resumed
// without redoing or losing a point, the Kubernetes manifest's own command lines, --plan, and the
// errors a user meets (a bad grid value, shards of two sweeps, a shard missing).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { ROOT, removeAll, smallSweep, stacklab, sweepJson, tempDir } from './sweep-helpers.ts';

const made: string[] = [];
const WORK = tempDir('sweep', made);
const SWEEP = smallSweep(WORK);
const REF = join(WORK, 'ref');
let reference = '';

after(() => removeAll(made));

before(async () => {
  const r = await stacklab(['sweep', SWEEP, '--out', REF, '--workers', '1']);
  assert.equal(r.code, 0, r.err);
  reference = sweepJson(REF);
});

describe('stacklab sweep', () => {
  test('sweep.json: every point with its runs and combined overflow rate; a point file each', () => {
    const doc = JSON.parse(reference);
    assert.equal(doc.kind, 'stacklab.sweep');
    assert.equal(doc.sweep.points, 9);
    assert.equal(doc.points.length, 9);
    assert.deepEqual(doc.sweep.axes[1], { name: 'hz', values: ['hz=100', 'hz=250', 'hz=1000'] });
    for (const [i, p] of doc.points.entries()) {
      assert.equal(p.index, i);
      assert.equal(p.runs.length, 2);
      assert.deepEqual(
        p.runs.map((r: { seed: number }) => r.seed),
        [1, 2],
      );
      assert.equal(p.simulatedNs, 2 * 100e6);
      const count = p.runs.reduce((s: number, r: { overflows: number }) => s + r.overflows, 0);
      assert.equal(p.overflow.count, count);
      assert.ok(p.overflow.perHour.high > p.overflow.perHour.low, p.key);
      assert.ok(existsSync(join(REF, p.file)), p.file);
      const pf = JSON.parse(readFileSync(join(REF, p.file), 'utf8'));
      assert.equal(pf.runs[0].kind, 'run');
      assert.equal(pf.runs[0].maxDepth.task, p.runs[0].maxDepth.task);
    }
    // The grid reached the simulator: the 8 KB design has 8 KB stacks, rfc-2015 an IRQ stack, and
    // the timer ticks at each point's HZ.
    assert.deepEqual(
      doc.points.map((p: { threadSize: number }) => p.threadSize / 1024),
      [16, 16, 16, 8, 8, 8, 8, 8, 8],
    );
    assert.ok(doc.points[6].irqStackSize > 0);
    assert.equal(doc.points[0].irqStackSize, 0);
    const ticks = [0, 1, 2].map((i) => {
      const pf = JSON.parse(readFileSync(join(REF, doc.points[i].file), 'utf8'));
      return pf.runs[0].perCpu[0].interrupts.arch_timer;
    });
    assert.deepEqual(ticks, [10, 25, 100]);
    assert.doesNotMatch(reference, /null|NaN|Infinity/);
  });

  test('the same bytes for any worker count, pool kind and shard split, merged (property)', async () => {
    let k = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 5 }),
        fc.boolean(),
        fc.constantFrom('processes', 'threads'),
        async (workers, shards, oneFolder, pool) => {
          const base = join(WORK, `split-${k++}`);
          const dirs: string[] = [];
          for (let i = 0; i < shards; i++) {
            const dir = oneFolder ? join(base, 'all') : join(base, `shard-${i}`);
            const argv = [
              'sweep',
              SWEEP,
              '--out',
              dir,
              '--workers',
              String(workers),
              '--pool',
              pool,
              '--shard',
              `${i}/${shards}`,
            ];
            const r = await stacklab(argv);
            assert.equal(r.code, 0, r.err);
            if (!dirs.includes(dir)) dirs.push(dir);
          }
          const out = join(base, 'merged');
          const m = await stacklab(['merge', ...dirs, '--out', out]);
          assert.equal(m.code, 0, m.err);
          assert.equal(sweepJson(out), reference, `${workers} workers (${pool}), ${shards} shards`);
          // Shards that share one folder: the last one finds it complete and writes sweep.json itself.
          if (oneFolder) assert.equal(sweepJson(join(base, 'all')), reference);
        },
      ),
      { numRuns: 4, seed: 12 },
    );
    const w3 = await stacklab(['sweep', SWEEP, '--out', join(WORK, 'w3'), '--workers', '3']);
    assert.equal(w3.code, 0, w3.err);
    assert.equal(sweepJson(join(WORK, 'w3')), reference);
  });

  test('killed at a random moment and run again: no finished point lost or redone, the same result', async () => {
    const slow = smallSweep(tempDir('sweep-kill', made), '1s', 1);
    const ref = join(WORK, 'kill-ref');
    assert.equal((await stacklab(['sweep', slow, '--out', ref, '--workers', '2'])).code, 0);
    let midway = 0;
    // Random moments, drawn with a fixed seed: 0-800 ms after the first point file appeared.
    for (const delayMs of fc.sample(fc.integer({ min: 0, max: 800 }), { seed: 7, numRuns: 2 })) {
      const out = join(WORK, `killed-${delayMs}`);
      const child = spawn(
        process.execPath,
        [join(ROOT, 'bin/stacklab.js'), 'sweep', slow, '--out', out, '--workers', '2'],
        {
          stdio: 'ignore',
        },
      );
      const exited = new Promise((r) => child.once('exit', r));
      // The moment: some points finished (at least one), the rest not, then a delay.
      const points = join(out, 'points');
      const t0 = Date.now();
      while (
        !(existsSync(points) && readdirSync(points).some((f) => f.endsWith('.json'))) &&
        Date.now() - t0 < 60_000
      )
        await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, delayMs));
      child.kill('SIGKILL');
      await exited;
      const before = new Map(
        readdirSync(points)
          .filter((f) => /^p\d+\.json$/.test(f))
          .map((f) => [f, statSync(join(points, f))] as const),
      );
      assert.ok(before.size >= 1, `${delayMs}: no point finished before the kill`);
      if (before.size < 9) midway++;
      const again = await stacklab(['sweep', slow, '--out', out, '--workers', '2']);
      assert.equal(again.code, 0, again.err);
      assert.match(again.out, new RegExp(`${before.size} already finished`));
      for (const [f, st] of before) {
        const now = statSync(join(points, f));
        assert.equal(now.ino, st.ino, `${f} was written again`);
        assert.equal(now.mtimeMs, st.mtimeMs, `${f} was written again`);
      }
      assert.equal(sweepJson(out), sweepJson(ref), `killed after ${delayMs} ms`);
    }
    assert.ok(midway > 0, 'every kill came after the last point: the test killed nothing');
  });

  test("the Kubernetes Indexed Job: its container's command line, per JOB_COMPLETION_INDEX, then the merge Job's", async () => {
    const jobs = parseAllDocuments(
      readFileSync(join(ROOT, 'examples/sweeps/k8s-indexed-job.yaml'), 'utf8'),
    ).map((d) => d.toJS());
    const job = jobs.find((j) => j.kind === 'Job' && j.spec.completionMode === 'Indexed');
    assert.ok(job, 'an Indexed Job');
    assert.equal(job.apiVersion, 'batch/v1');
    const n = job.spec.completions as number;
    const c = job.spec.template.spec.containers[0];
    assert.equal(c.command[c.command.indexOf('--shard') + 1], `auto/${n}`);
    const mount = c.volumeMounts[0].mountPath as string;
    const merge = parseAllDocuments(
      readFileSync(join(ROOT, 'examples/sweeps/k8s-merge-job.yaml'), 'utf8'),
    )[0]!.toJS();
    const mc = merge.spec.template.spec.containers[0];
    // The volume is a folder here; the example sweep, the small one (its grid, shorter runs).
    const vol = tempDir('sweep-k8s', made);
    const local = (args: string[], env: Record<string, string>) =>
      args.map((a) =>
        a
          .replace(/\$\((\w+)\)/g, (_, v: string) => env[v] ?? '')
          .replace(mount, vol)
          .replace('examples/sweeps/rfc-question.yaml', SWEEP),
      );
    const runCommand = (cmd: string[], env: Record<string, string>, cwd: string) =>
      new Promise<number>((resolve) => {
        assert.equal(cmd[0], 'node');
        const p = spawn(process.execPath, local(cmd.slice(1), env), {
          cwd,
          env: { ...process.env, ...env },
          stdio: 'ignore',
        });
        p.once('exit', (code) => resolve(code ?? -1));
      });
    const cwd = c.workingDir === '/stacklab' ? ROOT : c.workingDir;
    const codes = await Promise.all(
      Array.from({ length: n }, (_, i) => runCommand(c.command, { JOB_COMPLETION_INDEX: String(i) }, cwd)),
    );
    assert.deepEqual(codes, Array(n).fill(0));
    assert.equal(await runCommand(mc.command, {}, cwd), 0);
    const out = local([mc.command[mc.command.indexOf('--out') + 1]], {})[0]!;
    assert.equal(sweepJson(out), reference);
  });

  test('--plan: the points and a CPU estimate; --schema: a JSON Schema', async () => {
    const p = await stacklab(['sweep', SWEEP, '--plan', '--json', '--shard', '0/4']);
    assert.equal(p.code, 0, p.err);
    const plan = JSON.parse(p.out).plan;
    assert.equal(plan.points, 9);
    assert.equal(plan.shardPoints, 3);
    assert.equal(plan.runs, 6);
    assert.equal(plan.simulatedNs, 6 * 100e6);
    assert.ok(
      plan.estimatedCpuSeconds > 0 && plan.estimatedCpuSeconds < 60,
      String(plan.estimatedCpuSeconds),
    );
    const t = await stacklab(['sweep', SWEEP, '--plan']);
    assert.match(t.out, /9 points, 18 runs/);
    assert.match(t.out, /estimated CPU time: /);
    // The progress bar: on a terminal only, rewritten in place, cleared at the end.
    const bar = await stacklab(['sweep', SWEEP, '--out', join(WORK, 'tty'), '--shard', '1/9'], true);
    assert.equal(bar.code, 0, bar.err);
    assert.match(bar.err, /\rstacklab sweep: \[\.+\] 0\/1 points, 1 worker/);
    assert.match(bar.err, /\rstacklab sweep: \[#+\] 1\/1 points, 1 worker ETA 0 s/);
    assert.ok(bar.err.endsWith('\r\x1b[K'), JSON.stringify(bar.err.slice(-20)));
    assert.doesNotMatch(
      (await stacklab(['sweep', SWEEP, '--out', join(WORK, 'tty2'), '--shard', '1/9'])).err,
      /\r/,
    );
    const s = await stacklab(['sweep', '--schema']);
    assert.equal(JSON.parse(s.out).type, 'object');
    assert.ok(JSON.parse(s.out).properties.grid);
    for (const [k, v] of Object.entries(
      JSON.parse(s.out).properties as Record<string, { description?: string }>,
    ))
      assert.ok((v.description ?? '').length > 10, `${k} has no description`);
  });

  test('bad input: a bad grid value (exit 1, field and line), another sweep in --out, a missing shard', async () => {
    const dir = tempDir('sweep-bad', made);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'sweep: 1\nname: bad\nscenario: seed-dragonboard\nduration: 10ms\ngrid:\n  THREAD_SIZ: [8192]\n',
    );
    const r = await stacklab(['sweep', bad, '--out', join(dir, 'o')]);
    assert.equal(r.code, 1);
    assert.match(r.err, /bad\.yaml:6: .*point 0 \(THREAD_SIZ=8192\).*THREAD_SIZ/);
    writeFileSync(bad, 'sweep: 1\nname: bad\nscenario: seed-dragonboard\nduration: 10ms\ngrid:\n  hz: [1]\n');
    const hz = await stacklab(['sweep', bad, '--out', join(dir, 'o')]);
    assert.equal(hz.code, 1);
    assert.match(hz.err, /point 0 \(hz=1\).*hz/);
    writeFileSync(bad, 'sweep: 1\nname: bad\nscenario: seed-dragonboard\nduration: 10ms\ngrid:\n  hz: []\n');
    const empty = await stacklab(['sweep', bad, '--out', join(dir, 'o')]);
    assert.equal(empty.code, 1);
    assert.match(empty.err, /bad\.yaml:6: error\[sweep\/invalid\]: grid\.hz: /);
    const other = await stacklab(['sweep', smallSweep(dir, '50ms', 1), '--out', REF, '--plan']);
    assert.equal(other.code, 0, '--plan only reads --out');
    const clash = await stacklab(['sweep', smallSweep(dir, '50ms', 1), '--out', REF]);
    assert.equal(clash.code, 1);
    assert.match(clash.err, /holds the same name but another sweep file/);
    const half = join(dir, 'half');
    assert.equal((await stacklab(['sweep', SWEEP, '--out', half, '--shard', '0/3'])).code, 0);
    const m = await stacklab(['merge', half, '--out', join(dir, 'm')]);
    assert.equal(m.code, 1);
    assert.match(m.err, /6 of 9 points are in none of .*: 1, 2, 4, 5, 7, 8/);
    assert.equal((await stacklab(['merge', dir, '--out', join(dir, 'm')])).code, 1);
    assert.equal((await stacklab(['sweep', SWEEP])).code, 2, 'no --out');
    const pool = await stacklab(['sweep', SWEEP, '--out', join(dir, 'p'), '--pool', 'fibers']);
    assert.equal(pool.code, 2);
    assert.match(pool.err, /--pool fibers: one of processes, threads/);
    assert.equal((await stacklab(['sweep', SWEEP, '--out', half, '--shard', '3/3'])).code, 2);
  });
});

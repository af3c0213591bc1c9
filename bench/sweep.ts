// Sweeps (issue 12): how much a second worker thread buys, and how long `stacklab merge` takes over
// 10,000 points. Both through the bundled CLI (scripts/build.mjs into bench/.cache/sweep-dist), as a
// user runs it, timed by the wall clock (parallel speed is what a second worker is for).
//
//   node --import tsx bench/sweep.ts        (SWEEP_BENCH_DURATION=500ms for a quick look)
//
// The speed-up is wall-clock time, so it needs two idle cores; the second line says how many cores
// the process got, and what the CPU work alone allows (1-worker CPU / half the 2-worker CPU).
//
// 1. 12 points (linux-4.2 16 KB, 8 KB and rfc-2015 at HZ 100, 250, 300, 1000) of seed-dragonboard,
//    2 seeds of 20 s each (SWEEP_BENCH_DURATION): --workers 1 against --workers 2, for --pool
//    processes and threads, twice each alternately, the best of each, in this process (the bundle's
//    main; CPU time from /proc/self/stat counts its threads and its reaped worker processes).
// 2. merge of a 10,000-point sweep (a 100 x 100 grid): point files of 10 real 1 ms runs (simulating
//    10,000 would take minutes of simulator set-up, and merge reads the files, not the physics), each
//    written as the point file of 1,000 grid points; merged into a new folder (the points copied) and
//    into the folder itself.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { processIo } from '../src/cli/io.ts';
import { claimFolder } from '../src/cli/sweep-output.ts';
import { loadSweep, pointJob } from '../src/cli/sweep-setup.ts';
import { runPoint } from '../src/cli/sweep-worker.ts';
import { pointAt, pointFileName } from '../src/sweep/points.ts';
import { type PointFile, pointText } from '../src/sweep/sweep-result.ts';

const ROOT = resolve(import.meta.dirname, '..');
const CACHE = join(ROOT, 'bench/.cache');
const DIST = join(CACHE, 'sweep-dist');
const DURATION = process.env.SWEEP_BENCH_DURATION ?? '20s';
const work = mkdtempSync(join(tmpdir(), 'stacklab-bench-sweep-'));

mkdirSync(CACHE, { recursive: true });
execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--outdir', DIST], { stdio: 'ignore' });

/** The bundled CLI in a child process (merge: as a user runs it): wall seconds. */
function stacklab(args: string[]): number {
  const t = performance.now();
  const launcher = `const { main } = await import(${JSON.stringify(join(DIST, 'stacklab.mjs'))}); process.exitCode = await main(${JSON.stringify(args)});`;
  execFileSync(process.execPath, ['--input-type=module', '-e', launcher], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return (performance.now() - t) / 1000;
}

/**
 * CPU seconds of this process and of its children that have ended (a sweep's worker processes are
 * reaped when its pool closes): /proc/self/stat's utime, stime, cutime and cstime, in clock ticks.
 */
function cpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14-17 of proc(5), counted from the state (field 3) at index 0.
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
  return ticks / 100; // USER_HZ is 100 on Linux
}

/**
 * The bundled CLI in this process (its worker threads are this process's, its worker processes its
 * children: cpuSeconds() counts both): wall and CPU seconds.
 */
async function inProcess(args: string[]): Promise<{ wall: number; cpu: number }> {
  const { main } = (await import(join(DIST, 'stacklab.mjs'))) as {
    main: (argv: string[], io: typeof processIo) => Promise<number>;
  };
  const io = { ...processIo, out: () => {}, stderrIsTty: false };
  const c0 = cpuSeconds();
  const t = performance.now();
  const code = await main(args, io);
  const c = cpuSeconds() - c0;
  if (code !== 0) throw new Error(`stacklab ${args.join(' ')}: exit ${code}`);
  return { wall: (performance.now() - t) / 1000, cpu: c };
}

// 1. Workers.
const speedSweep = join(work, 'speed.yaml');
writeFileSync(
  speedSweep,
  `sweep: 1
name: bench-speed
scenario: seed-dragonboard
seeds: 2
duration: ${DURATION}
grid:
  design:
    - { label: "linux-4.2 16 KB", profile: linux-4.2 }
    - { label: "linux-4.2 8 KB", profile: linux-4.2, THREAD_SIZE: 8192, THREAD_ALIGN: 8192 }
    - { label: "rfc-2015 8 KB", profile: rfc-2015 }
  hz: [100, 250, 300, 1000]
`,
);
const load = loadavg()[0]!;
for (const pool of (process.env.SWEEP_BENCH_POOLS ?? 'processes,threads').split(',')) {
  const times: Record<1 | 2, { wall: number; cpu: number }[]> = { 1: [], 2: [] };
  const outs: string[] = [];
  for (const workers of [1, 2, 1, 2] as const) {
    const out = join(work, `speed-${pool}-${outs.length}`);
    outs.push(out);
    times[workers].push(
      await inProcess(['sweep', speedSweep, '--out', out, '--workers', String(workers), '--pool', pool]),
    );
  }
  const same = outs.every(
    (o) => readFileSync(join(o, 'sweep.json'), 'utf8') === readFileSync(join(outs[0]!, 'sweep.json'), 'utf8'),
  );
  const best = (w: 1 | 2) => times[w].reduce((a, b) => (b.wall < a.wall ? b : a));
  const one = best(1);
  const two = best(2);
  console.log(
    `--pool ${pool}, 12 points x 2 seeds x ${DURATION}: 1 worker ${one.wall.toFixed(2)} s (${one.cpu.toFixed(2)} CPU s), ` +
      `2 workers ${two.wall.toFixed(2)} s (${two.cpu.toFixed(2)} CPU s): ${(one.wall / two.wall).toFixed(2)}x ` +
      `(target >= 1.8x); sweep.json identical: ${same}`,
  );
  console.log(
    `  CPU used: ${(one.cpu / one.wall).toFixed(2)} cores with 1 worker, ${(two.cpu / two.wall).toFixed(2)} ` +
      `with 2 (load average ${load.toFixed(1)} on ${availableParallelism()} CPUs); with a core per worker: ` +
      `${(one.cpu / (two.cpu / 2)).toFixed(2)}x (the CPU work of 2 workers against 1)`,
  );
}

// 2. Merge of 10,000 points.
const bigSweep = join(work, 'big.yaml');
const hz = Array.from({ length: 100 }, (_, i) => 100 + i);
const idle = Array.from({ length: 100 }, (_, i) => i);
writeFileSync(
  bigSweep,
  `sweep: 1\nname: bench-merge\nscenario: seed-dragonboard\nduration: 1ms\ngrid:\n  hz: [${hz.join(', ')}]\n  idleTimerRate: [${idle.join(', ')}]\n`,
);
const s = loadSweep(processIo, bigSweep);
const total = s.header.points;
const real = Array.from({ length: 10 }, (_, i) => JSON.parse(runPoint(pointJob(s, i))) as PointFile);
const dir = join(work, 'big');
claimFolder(processIo, dir, s.header);
mkdirSync(join(dir, 'points'), { recursive: true });
let bytes = 0;
for (let i = 0; i < total; i++) {
  const p = pointAt(s.sweep, i);
  const text = pointText({ ...real[i % 10]!, index: i, key: p.key, assignment: p.assignment });
  bytes += text.length;
  writeFileSync(join(dir, pointFileName(i, total)), text);
}
const copied = await inProcess(['merge', dir, '--out', join(work, 'merged'), '--json']);
const inPlace = await inProcess(['merge', dir, '--out', dir, '--json']);
const child = stacklab(['merge', dir, '--out', join(work, 'merged-2'), '--json']);
const doc = JSON.parse(readFileSync(join(work, 'merged/sweep.json'), 'utf8'));
const same2 =
  readFileSync(join(work, 'merged/sweep.json'), 'utf8') === readFileSync(join(dir, 'sweep.json'), 'utf8');
const t = (x: { wall: number; cpu: number }) => `${x.wall.toFixed(2)} s (${x.cpu.toFixed(2)} CPU s)`;
console.log(
  `merge of ${doc.points.length} points (${(bytes / 1e6).toFixed(0)} MB of point files): ${t(copied)} into a new ` +
    `folder, ${t(inPlace)} in place, ${child.toFixed(2)} s as its own process (target < 5 s); same bytes: ${same2}; ` +
    `load average ${loadavg()[0]!.toFixed(1)}`,
);
if (!process.env.SWEEP_BENCH_KEEP) rmSync(work, { recursive: true, force: true });
else console.log(work);

// Benchmark: `stacklab frames` on Debian's arm64 module tree against
// `aarch64-linux-gnu-objdump -d | scripts/checkstack.pl arm64`, measured in the same run.
//
//   node --import tsx bench/elf-frames.ts [--runs N] [--cli-runs N] [--skip-baseline]
//
// Downloads linux-image-<newest 6.1>-arm64-unsigned (apt-get download + dpkg -x) into bench/.cache
// the first time (needs `dpkg --add-architecture arm64 && apt-get update` once), and finds
// checkstack.pl in $CHECKSTACK_PL, bench/.cache, or Debian's linux-source-6.1 tarball. Prints:
//   - the baseline's wall time and stacklab's: in this process (what `frames` does per file: first
//     run = cold JIT, and the median of the warm runs), and the CLI end to end through
//     `node bin/stacklab.js frames TREE --min 0` (bundle rebuilt first; default --jobs, and --jobs 1),
//     the ratios, peak RSS;
//   - whether `--emulate-checkstack` reproduces checkstack.pl's output byte for byte;
//   - stacklab's frames against checkstack.pl's, function by function, every disagreement with its
//     reason (bench/.cache/elf-frames-disagreements.txt has the full list).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { openRandomAccess, walk } from '../src/cli/io.ts';
import { analyzeBinary, type Binary, type BinaryFunction } from '../src/elf/binary.ts';
import { FrameAnalyzer } from '../src/elf/frame-analysis.ts';
import { addFrameLines } from '../src/elf/frame-lines.ts';
import { Scratch } from '../src/elf/scratch.ts';
import {
  CheckstackLines,
  checkstackAddress,
  parseCheckstack,
  printCheckstack,
} from '../src/formats/checkstack.ts';

const ROOT = resolve(import.meta.dirname, '..');
const CACHE = join(ROOT, 'bench/.cache');
const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1] ?? 0) || 5;
const CLI_RUNS = Number(args[args.indexOf('--cli-runs') + 1] ?? 0) || 5;
const SKIP_BASELINE = args.includes('--skip-baseline');

function sh(cmd: string, opts: { cwd?: string } = {}): string {
  return execFileSync('bash', ['-c', cmd], { encoding: 'utf8', maxBuffer: 1 << 30, ...opts });
}

/** The newest linux-image-6.1.0-N-arm64-unsigned apt knows, extracted under bench/.cache. */
function moduleTree(): { dir: string; pkg: string } {
  mkdirSync(CACHE, { recursive: true });
  const existing = readdirSync(CACHE).filter((d) => /^linux-image-6\.1\.0-\d+-arm64-unsigned$/.test(d));
  let pkg = process.env.STACKLAB_KERNEL_PKG ?? existing.sort().pop();
  if (pkg === undefined) {
    const list = sh("apt-cache search '^linux-image-6.1.0-[0-9]+-arm64-unsigned$' || true")
      .split('\n')
      .map((l) => l.split(' ')[0] ?? '')
      .filter((p) => /^linux-image-6\.1\.0-\d+-arm64-unsigned$/.test(p))
      .sort((a, b) => Number(a.split('-')[4]) - Number(b.split('-')[4]));
    pkg = list.pop();
    if (pkg === undefined) {
      throw new Error(
        'apt knows no linux-image-6.1.0-*-arm64-unsigned: run "dpkg --add-architecture arm64 && apt-get update" once',
      );
    }
  }
  const dir = join(CACHE, pkg);
  if (!existsSync(join(dir, 'lib/modules'))) {
    console.error(`downloading ${pkg}:arm64 ...`);
    sh(`apt-get download ${pkg}:arm64 2>&1 | tail -1`, { cwd: CACHE });
    const deb = readdirSync(CACHE).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
    if (deb === undefined) throw new Error(`apt-get download ${pkg}:arm64 left no .deb in ${CACHE}`);
    sh(`dpkg -x ${deb} ${pkg}`, { cwd: CACHE });
  }
  const kernel = readdirSync(join(dir, 'lib/modules'))[0];
  return { dir: join(dir, 'lib/modules', kernel ?? '', 'kernel'), pkg };
}

/** scripts/checkstack.pl from Linux 6.1 (GPL: used as a tool, never copied into the repository). */
function checkstackPl(): string {
  const candidates = [
    process.env.CHECKSTACK_PL,
    join(CACHE, 'checkstack.pl'),
    '/work/linux/linux-source-6.1/scripts/checkstack.pl',
  ];
  for (const c of candidates) if (c !== undefined && existsSync(c)) return c;
  let tarball = '/usr/src/linux-source-6.1.tar.xz';
  if (!existsSync(tarball)) {
    sh('apt-get download linux-source-6.1 2>&1 | tail -1', { cwd: CACHE });
    const deb = readdirSync(CACHE).find((f) => f.startsWith('linux-source-6.1_') && f.endsWith('.deb'));
    if (deb === undefined) throw new Error('cannot find scripts/checkstack.pl: set CHECKSTACK_PL');
    sh(`dpkg -x ${deb} linux-source`, { cwd: CACHE });
    tarball = join(CACHE, 'linux-source/usr/src/linux-source-6.1.tar.xz');
  }
  console.error('extracting scripts/checkstack.pl from linux-source-6.1 ...');
  sh(`tar -xJOf ${tarball} --wildcards '*/scripts/checkstack.pl' > checkstack.pl`, { cwd: CACHE });
  return join(CACHE, 'checkstack.pl');
}

interface Run {
  wallMs: number;
  cpuMs: number;
  lines: number;
}

/**
 * What `stacklab frames --min 0` does per file, in this process and one thread: the checkstack lines
 * of every function, then the sorted report (the CLI adds start-up, the directory walk and writing).
 */
function runStacklab(files: readonly string[]): Run {
  const analyzer = new FrameAnalyzer();
  const scratch = new Scratch();
  const lines = new CheckstackLines();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (const f of files) {
    const src = openRandomAccess(f, { scratch: true });
    addFrameLines(src, { emulateCheckstack: false, min: 0, analyzer, scratch }, lines);
    src.close();
  }
  let bytes = 0;
  lines.write((piece) => {
    bytes += piece.length;
  });
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wallMs, cpuMs: (c.user + c.system) / 1000, lines: bytes > 0 ? lines.count : 0 };
}

/** Every binary as analyzeBinary() sees it (for the comparisons; untimed). */
function analyzeAll(files: readonly string[]): Binary[] {
  const analyzer = new FrameAnalyzer();
  const binaries: Binary[] = [];
  for (const f of files) {
    const src = openRandomAccess(f, { scratch: true });
    const r = analyzeBinary(src, { sites: false, details: false, analyzer });
    src.close();
    if (r.ok) binaries.push(r.value);
  }
  return binaries;
}

/** `node bin/stacklab.js frames --min 0 DIR [extra]`, `runs` times: wall seconds and peak RSS of each. */
function runCli(dir: string, extra: readonly string[], runs: number): { wall: number[]; rssMb: number[] } {
  const wall: number[] = [];
  const rssMb: number[] = [];
  for (let r = 0; r < runs; r++) {
    const cli = spawnSync(
      '/usr/bin/time',
      ['-f', '%e %M', 'node', join(ROOT, 'bin/stacklab.js'), 'frames', '--min', '0', ...extra, dir],
      { encoding: 'utf8', maxBuffer: 1 << 30 },
    );
    if (cli.status !== 0) throw new Error(`stacklab frames failed: ${cli.stderr}`);
    const [w, kb] = (cli.stderr.trim().split('\n').pop() ?? '').split(' ').map(Number);
    wall.push(w ?? Number.NaN);
    rssMb.push((kb ?? 0) / 1024);
  }
  return { wall, rssMb };
}

/** stacklab's frames against what checkstack.pl printed, function by function; disagreements classified. */
function compare(binaries: readonly Binary[], real: string, listFile: string): void {
  const printed = new Map<string, number>();
  for (const e of parseCheckstack(real).value ?? [])
    printed.set(`${e.file} ${e.address} ${e.function}`, e.bytes);
  let both = 0;
  let agree = 0;
  let onlyOurs = 0;
  const reasons = new Map<string, number>();
  const lines: string[] = [];
  for (const b of binaries) {
    for (const f of b.functions) {
      const key = `${b.tag} ${checkstackAddress(f.address)} ${f.name}`;
      const theirs = printed.get(key);
      if (theirs === undefined) {
        if (f.frameBytes > 0) {
          onlyOurs++;
          const why = `missed: ${reason(f)}`;
          reasons.set(why, (reasons.get(why) ?? 0) + 1);
          lines.push(
            `${key}: checkstack.pl nothing, stacklab ${f.frameBytes}${f.dynamic ? ' +dynamic' : ''} — ${why}`,
          );
        }
        continue;
      }
      both++;
      if (theirs === f.frameBytes) {
        agree++;
        continue;
      }
      const why = reason(f);
      reasons.set(why, (reasons.get(why) ?? 0) + 1);
      lines.push(
        `${key}: checkstack.pl ${theirs}, stacklab ${f.frameBytes}${f.dynamic ? ' +dynamic' : ''} — ${why}`,
      );
    }
  }
  writeFileSync(join(CACHE, listFile), `${lines.join('\n')}\n`);
  console.log(
    `functions both report: ${both}; agree ${agree}; disagree ${both - agree}; stacklab-only frames > 0: ${onlyOurs} (list: bench/.cache/${listFile})`,
  );
  for (const [why, n] of [...reasons].sort((a, b) => b[1] - a[1]))
    console.log(`  ${String(n).padStart(5)}  ${why}`);
  for (const l of lines.slice(0, 8)) console.log(`    ${l}`);
}

/** The debug vmlinux, when bench/.cache has one: frames, .debug_frame agreement, checkstack.pl on it. */
function vmlinuxSection(): void {
  const dir = join(CACHE, 'usr/lib/debug/boot');
  const v =
    process.env.STACKLAB_VMLINUX ?? (existsSync(dir) ? join(dir, readdirSync(dir)[0] ?? '') : undefined);
  if (v === undefined || !existsSync(v)) {
    console.log('no debug vmlinux in bench/.cache (see bench/elf-paths.ts): vmlinux checks skipped');
    return;
  }
  const t0 = performance.now();
  const src = openRandomAccess(v);
  const r = analyzeBinary(src, { sites: false, details: false });
  src.close();
  const ms = performance.now() - t0;
  if (!r.ok) throw new Error(r.error.message);
  const fns = r.value.functions;
  const cfi = fns.filter((f) => f.cfiBytes !== undefined);
  const cfiAgree = cfi.filter((f) => f.cfiBytes === f.prologueBytes).length;
  console.log(
    `vmlinux (${(src.size / 1e6).toFixed(0)} MB, ${fns.length} functions): frames in ${ms.toFixed(0)} ms; ` +
      `.debug_frame gives an exact frame for ${cfi.length}, the prologue decoder agrees on ${cfiAgree}`,
  );
  if (SKIP_BASELINE) return;
  const pl = checkstackPl();
  const out = join(CACHE, 'checkstack-vmlinux-min0.txt');
  const t1 = performance.now();
  sh(`aarch64-linux-gnu-objdump -d ${v} | perl ${pl} arm64 0 > ${out}`);
  const base = performance.now() - t1;
  console.log(
    `vmlinux baseline objdump -d | checkstack.pl: ${(base / 1000).toFixed(1)} s (ratio ${(base / ms).toFixed(0)}x)`,
  );
  compare([r.value], readFileSync(out, 'utf8'), 'elf-frames-vmlinux-disagreements.txt');
}

/** Why stacklab's frame differs from checkstack.pl's sum for one function. */
function reason(f: BinaryFunction): string {
  const i = f.info;
  const why: string[] = [];
  if (i.registerSubs > 0)
    why.push('size through a register ("mov xN, #imm; sub sp, sp, xN"): checkstack.pl sees 0');
  if (i.lsl12Subs > 0) why.push('"sub sp, sp, #imm, lsl #12": checkstack.pl drops the shift');
  if (i.strPushes > 0) why.push('pre-indexed "str ..., [sp, #-N]!": checkstack.pl counts only stp');
  if (i.checkstackBytes > f.frameBytes && why.length === 0) {
    why.push(
      f.dynamic
        ? 'a "sub sp, sp, #imm" outside the prologue (dynamic/alloca-like) added to the frame'
        : 'SP adjustments on separate paths (or undone ones) added up instead of taking the deepest path',
    );
  }
  if (why.length === 0) why.push('unclassified');
  return why.join('; ');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const { dir, pkg } = moduleTree();
const files = walk(dir).filter((f) => f.endsWith('.ko'));
const textBytes = Number(sh(`find ${dir} -name '*.ko' -printf '%s\\n' | awk '{s+=$1} END {print s}'`));
console.log(`module tree: ${pkg}, ${files.length} .ko files, ${(textBytes / 1e6).toFixed(1)} MB`);

// stacklab first: this process is fresh, so the first run pays the JIT warm-up a CLI run pays.
const runs: Run[] = [];
for (let r = 0; r < RUNS; r++) runs.push(runStacklab(files));
const first = runs[0]!;
const warm = runs.slice(1).map((r) => r.wallMs);
const warmMedian = warm.length > 0 ? median(warm) : first.wallMs;
const rssMb = process.resourceUsage().maxRSS / 1024;
console.log(
  `stacklab in-process (${first.lines} lines): first run ${first.wallMs.toFixed(0)} ms wall / ${first.cpuMs.toFixed(0)} ms CPU, ` +
    `warm median ${warmMedian.toFixed(0)} ms (${warm.map((w) => w.toFixed(0)).join(', ')}), peak RSS ${rssMb.toFixed(0)} MB`,
);

// The CLI end to end, as users run it: process start, the bundle (rebuilt now, so it is fresh),
// argument parsing, the directory walk, worker threads (default --jobs: every core), printing 165k
// lines. --jobs 1 for comparison.
sh('node scripts/build.mjs 2>&1', { cwd: ROOT });
const cores = availableParallelism();
const cliDefault = runCli(dir, [], CLI_RUNS);
const cliOne = runCli(dir, ['--jobs', '1'], CLI_RUNS);
const fmt = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ');
console.log(
  `stacklab frames CLI end to end (node bin/stacklab.js, ${cores} cores): default --jobs median ${median(cliDefault.wall).toFixed(2)} s ` +
    `(${fmt(cliDefault.wall)}), peak RSS ${Math.max(...cliDefault.rssMb).toFixed(0)} MB; --jobs 1 median ${median(cliOne.wall).toFixed(2)} s ` +
    `(${fmt(cliOne.wall)}), peak RSS ${Math.max(...cliOne.rssMb).toFixed(0)} MB`,
);
const binaries = analyzeAll(files);

const emulated = printCheckstack(
  binaries.flatMap((b) =>
    b.functions.map((f) => ({
      address: checkstackAddress(f.address),
      function: f.name,
      file: b.tag,
      bytes: f.info.checkstackBytes,
    })),
  ),
  0,
);

if (!SKIP_BASELINE) {
  const pl = checkstackPl();
  const out = join(CACHE, 'checkstack-min0.txt');
  const list = join(CACHE, 'ko-files.txt');
  writeFileSync(list, `${files.join('\n')}\n`);
  const t0 = performance.now();
  sh(`xargs -a ${list} aarch64-linux-gnu-objdump -d | perl ${pl} arm64 0 > ${out}`);
  const baseMs = performance.now() - t0;
  console.log(`baseline objdump -d | checkstack.pl arm64 0: ${(baseMs / 1000).toFixed(1)} s wall`);
  const cliMedian = median(cliDefault.wall);
  console.log(
    `ratio: ${(baseMs / first.wallMs).toFixed(0)}x (in-process first run), ${(baseMs / warmMedian).toFixed(0)}x (warm median), ` +
      `${(baseMs / 1000 / cliMedian).toFixed(0)}x (CLI end to end, median; best run ${(baseMs / 1000 / Math.min(...cliDefault.wall)).toFixed(0)}x), ` +
      `${(baseMs / 1000 / median(cliOne.wall)).toFixed(0)}x (CLI --jobs 1); the issue's target: 100x end to end`,
  );
  const real = readFileSync(out, 'utf8');
  console.log(
    `--emulate-checkstack vs checkstack.pl: ${emulated === real ? 'byte-identical' : 'DIFFERENT'} (${real.split('\n').length - 1} lines)`,
  );

  compare(binaries, real, 'elf-frames-disagreements.txt');
}

vmlinuxSection();

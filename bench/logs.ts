// Whole logs (issue 9, DESIGN §6 "Logs"): `stacklab analyze` on a generated console log of 100+ MB
// with thousands of embedded stack_trace tables (and overflow reports, DEBUG_STACK_USAGE lines and
// /proc snapshots), against two baselines measured in the same run on the same file: `wc -l`, and
// merely reading its lines in Node (Io.readChunks + LineSplitter, what analyze reads with). Each runs
// in a child process of its own, so that its peak RSS is its own.
//
//   node --import tsx bench/logs.ts [--mb 100] [--keep FILE] [--compare OTHER/bin/stacklab.js]
//
// --compare times another checkout's CLI on the same file in the same run (before / after a change).
//
// Target: analyze at least a tenth of the speed of `wc -l`, peak RSS under 200 MB. analyze is timed
// as a user runs it, the whole process (build the bundle first, `npm run build`, or bin/stacklab.js
// compiles TypeScript as it starts); reading lines is timed inside its process (no startup).
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LineSplitter } from '../src/base/line-splitter.ts';
import { readInputChunks } from '../src/cli/io.ts';

const ROOT = resolve(import.meta.dirname, '..');
const FIX = join(ROOT, 'test/fixtures');

function piece(path: string): string[] {
  return readFileSync(join(FIX, path), 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('# '));
}

/**
 * The log: real dmesg lines as noise (timestamps renumbered), and every ~400 lines an item: mostly
 * one of four real stack_trace tables printed with timestamps (a CI log's stack tracer dumps), now
 * and then an overflow report, low-water lines, a meminfo snapshot or an OOM report. Deterministic.
 */
function writeLog(path: string, mb: number): { lines: number; tables: number; items: number } {
  const noise = piece('logs/dmesg-arm64-6.1-fork-256M.txt').map((l) => l.replace(/^\[\s*\d+\.\d+\]\s?/, ''));
  const tables = [
    piece('arm64-6.1-qemu/fork-256M/stack_trace.txt'),
    piece('arm64-6.1-qemu/udp-512M/stack_trace.txt'),
    piece('published/st-arm-003.txt'),
    piece('published/st-x86_64-017.txt'),
  ];
  const others = [
    piece('published/ovf-arm64-001.txt').map((l) => l.replace(/^\s*\[\s*\d+\.\d+\]\s?/, '')),
    piece('published/ovf-arm-001.txt').map((l) => l.trim()),
    piece('arm64-6.1-qemu/fork-256M/meminfo-after.txt'),
    piece('published/paf-004.txt').map((l) => l.replace(/^\[\s*\d+\.\d+\]\s?/, '')),
  ];
  const fd = openSync(path, 'w');
  let bytes = 0;
  let lines = 0;
  let nTables = 0;
  let items = 0;
  let k = 0;
  let buf: string[] = [];
  const emit = (l: string) => {
    const s = `[${(lines * 1e-4).toFixed(6).padStart(12)}] ${l}`;
    buf.push(s);
    bytes += s.length + 1;
    lines++;
    if (buf.length >= 4096) {
      writeSync(fd, `${buf.join('\n')}\n`);
      buf = [];
    }
  };
  while (bytes < mb * 1e6) {
    for (let i = 0; i < 400; i++) emit(noise[(k * 400 + i) % noise.length]!);
    k++;
    const item = k % 10 === 0 ? others[(k / 10) % others.length]! : tables[k % tables.length]!;
    if (k % 10 !== 0) nTables++;
    items++;
    for (const l of item) emit(l);
  }
  writeSync(fd, `${buf.join('\n')}\n`);
  closeSync(fd);
  return { lines, tables: nTables, items };
}

/** In a child: read the file's lines the way a line reader does, timing only that. */
function childLines(file: string): void {
  const t0 = process.hrtime.bigint();
  const sp = new LineSplitter();
  const dec = new TextDecoder();
  let n = 0;
  for (const c of readInputChunks(file).chunks) n += sp.push(dec.decode(c, { stream: true })).length;
  if (sp.end() !== undefined) n++;
  process.stdout.write(
    `${JSON.stringify({ seconds: Number(process.hrtime.bigint() - t0) / 1e9, lines: n })}\n`,
  );
}

interface Run {
  readonly seconds: number;
  /** User + system CPU seconds of the whole process: steadier than wall time on a shared machine. */
  readonly cpu: number;
  readonly maxRssMb: number;
  readonly out: string;
}

/** Runs a command under /usr/bin/time (its peak RSS and CPU); `inner` takes the time the child reports. */
function timed(cmd: string, args: string[], inner = false): Run {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', cmd, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  const [kb, user, sys] = (r.stderr.trim().split('\n').pop() ?? '').split(' ').map(Number);
  const seconds = inner ? (JSON.parse(r.stdout) as { seconds: number }).seconds : wall;
  return { seconds, cpu: (user ?? 0) + (sys ?? 0), maxRssMb: (kb ?? 0) / 1024, out: r.stdout };
}

function best(n: number, f: () => Run): Run {
  let b: Run | undefined;
  for (let i = 0; i < n; i++) {
    const r = f();
    if (b === undefined || r.seconds < b.seconds)
      b = { ...r, maxRssMb: Math.max(r.maxRssMb, b?.maxRssMb ?? 0) };
    else if (b !== undefined) b = { ...b, maxRssMb: Math.max(r.maxRssMb, b.maxRssMb) };
  }
  return b!;
}

async function bench(): Promise<void> {
  const mbArg = process.argv.indexOf('--mb');
  const mb = mbArg > 0 ? Number(process.argv[mbArg + 1]) : 100;
  const keepArg = process.argv.indexOf('--keep');
  const dir = mkdtempSync(join(tmpdir(), 'stacklab-logs-'));
  const file = keepArg > 0 ? process.argv[keepArg + 1]! : join(dir, 'console.log');
  try {
    const made = writeLog(file, mb);
    const size = statSync(file).size;
    console.log(
      `log: ${(size / 1e6).toFixed(1)} MB, ${made.lines} lines, ${made.items} items (${made.tables} stack_trace tables of 4 chains)`,
    );
    const rounds = 3;
    const tsx = [process.execPath, '--import', 'tsx', import.meta.filename] as const;
    const wc = best(rounds, () => timed('wc', ['-l', file]));
    const lines = best(rounds, () => timed(tsx[0], [...tsx.slice(1), '--child-lines', file], true));
    const cli = best(rounds, () => timed(process.execPath, [join(ROOT, 'bin/stacklab.js'), 'analyze', file]));
    const cmpArg = process.argv.indexOf('--compare');
    const other =
      cmpArg > 0
        ? best(rounds, () => timed(process.execPath, [process.argv[cmpArg + 1]!, 'analyze', file]))
        : null;
    const mbps = (r: Run) => size / 1e6 / r.seconds;
    const row = (label: string, r: Run) =>
      console.log(
        `${label.padEnd(44)} ${r.seconds.toFixed(2).padStart(6)} s ${mbps(r).toFixed(0).padStart(6)} MB/s  CPU ${r.cpu.toFixed(2).padStart(5)} s  peak RSS ${r.maxRssMb.toFixed(0).padStart(4)} MB`,
      );
    row('wc -l', wc);
    row('read lines (readChunks + LineSplitter)', lines);
    row('stacklab analyze (the CLI, whole process)', cli);
    if (other) row(`--compare ${process.argv[cmpArg + 1]!.slice(-34)}`, other);
    console.log(`analyze / wc -l speed:       ${(mbps(cli) / mbps(wc)).toFixed(3)} (target >= 0.1)`);
    console.log(`analyze / read lines speed:  ${(mbps(cli) / mbps(lines)).toFixed(2)}`);
    console.log(
      `analyze / wc -l CPU:         ${(wc.cpu / cli.cpu).toFixed(3)} (CPU seconds, 10 ms resolution)`,
    );
    console.log(`CLI peak RSS:                ${cli.maxRssMb.toFixed(0)} MB (target < 200 MB)`);
    if (other) console.log(`--compare / this, CPU:       ${(other.cpu / cli.cpu).toFixed(2)}x`);
    console.log(`analyze said: ${cli.out.split('\n')[0] ?? ''}`);
  } finally {
    if (keepArg < 0) rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child-lines') childLines(process.argv[3]!);
else await bench();

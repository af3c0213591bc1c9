// Fuzz targets: one in-process entry point per reader and analyzer, with the corpus it starts from.
// A target's run() must return normally for any input: diagnostics are fine, and so is an
// InputError (the documented way layers below src/cli refuse unusable input). Anything else it
// throws is an internal error, and so is a broken output invariant (a diagnostic without a stable
// code or a file, a NaN or Infinity in the data a command would print).
//
// The whole-log item scanner (issue 9, branch `logs`) gets its target here when it lands: add a
// `text(...)` entry next to `analyze` calling the scanner on the whole input.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { analyzers } from '../src/analyze/index.ts';
import { type ItemRecord, LogItemAnalyzer } from '../src/analyze/items/item-analysis.ts';
import { LogScanner } from '../src/analyze/items/log-scanner.ts';
import { summarizeLog } from '../src/analyze/items/log-summary.ts';
import {
  CAPTURE_FILES,
  type CaptureFile,
  modelFromCapture,
  readForkRunCapture,
} from '../src/analyze/mm-validate.ts';
import { type Analyzer, analysisJson } from '../src/analyze/registry.ts';
import { replayTableData } from '../src/analyze/replay-data.ts';
import { replayStackTraceText } from '../src/analyze/replay-table.ts';
import { type Diagnostic, diag, InputError } from '../src/base/diag.ts';
import type { ParseOutput, Result } from '../src/base/result.ts';
import { err, ok } from '../src/base/result.ts';
import { memoryIo } from '../src/cli/io.ts';
import { scanChunks } from '../src/cli/log-input.ts';
import { main } from '../src/cli/main.ts';
import { analyzeBinary } from '../src/elf/binary.ts';
import { bytesSource } from '../src/elf/byte-source.ts';
import { buildCallGraph } from '../src/elf/call-graph.ts';
import { FrameAnalyzer } from '../src/elf/frame-analysis.ts';
import { addFrameLines } from '../src/elf/frame-lines.ts';
import { analyzeWorstCase, graphRoots, topPaths } from '../src/elf/paths.ts';
import { Scratch } from '../src/elf/scratch.ts';
import { parseBuddyinfo } from '../src/formats/buddyinfo.ts';
import { CheckstackLines, parseCheckstack } from '../src/formats/checkstack.ts';
import { parseExtfragIndex } from '../src/formats/extfrag-index.ts';
import { parseFolded, printFolded, sniffFolded } from '../src/formats/folded-stacks.ts';
import { parseFtraceStackTrace } from '../src/formats/ftrace-stack-trace.ts';
import { parseFuncStackTrace, sniffFuncStackTrace } from '../src/formats/func-stack-trace.ts';
import { parseGccStackUsage } from '../src/formats/gcc-stack-usage.ts';
import { parseMeminfo } from '../src/formats/meminfo.ts';
import { parseOverflowReport } from '../src/formats/overflow-report.ts';
import { parsePageAllocFailure } from '../src/formats/page-alloc-failure.ts';
import { parsePagetypeinfo } from '../src/formats/pagetypeinfo.ts';
import { parseProcCounts, sniffProcCounts } from '../src/formats/proc-interrupts.ts';
import { parseStackAnnotations, sniffStackAnnotations } from '../src/formats/stack-annotations.ts';
import { parseStackUsage } from '../src/formats/stack-usage.ts';
import { parseTaskHighWater } from '../src/formats/task-highwater.ts';
import { parseVmstat } from '../src/formats/vmstat.ts';
import { validateCodeModel } from '../src/kernel/sim/code-model.ts';
import { validateScenario } from '../src/kernel/sim/scenario.ts';
import { parseYamlInput } from '../src/kernel/sim/yaml-input.ts';
import { loadProfileFile } from '../src/model/profile-file.ts';
import { PROFILES } from '../src/model/profiles.ts';
import { analysisHeadline, renderAnalysis } from '../src/report/analysis-text/index.ts';
import { renderLogSummary } from '../src/report/log-summary.ts';
import { foldedOf, renderReplayText } from '../src/report/replay-report.ts';
import { replayBudget } from './measure.ts';

export const ROOT = join(import.meta.dirname, '..');

/** Raised by a target when an output invariant breaks (an internal error of another kind). */
export class InvariantBroken extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvariantBroken';
  }
}

export type InputKind = 'text' | 'elf' | 'capture';

export interface Seed {
  readonly name: string;
  readonly bytes: Uint8Array;
}

export interface Target {
  readonly name: string;
  readonly kind: InputKind;
  readonly describes: string;
  /** The corpus (deterministic order). */
  seeds(): Promise<Seed[]>;
  /** Time and memory one input may take (default: budget() of its size). */
  readonly budget?: (input: Uint8Array) => { ms: number; peakBytes: number };
  /** Runs one input; returns the number of diagnostics it produced. */
  run(input: Uint8Array): Promise<number> | number;
}

const CODE = /^[a-z0-9]+(?:-[a-z0-9]+)*\/[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Every diagnostic has a stable code and names a file. */
export function checkDiagnostics(ds: readonly Diagnostic[]): number {
  for (const d of ds) {
    if (!CODE.test(d.code))
      throw new InvariantBroken(`diagnostic code ${JSON.stringify(d.code)} is not "area/what"`);
    if (d.loc !== undefined && (typeof d.loc.file !== 'string' || d.loc.file === ''))
      throw new InvariantBroken(`diagnostic ${d.code} has a location without a file`);
    if (d.loc?.line !== undefined && !(Number.isSafeInteger(d.loc.line) && d.loc.line >= 1))
      throw new InvariantBroken(`diagnostic ${d.code} has line ${d.loc.line}`);
  }
  return ds.length;
}

/** No NaN or Infinity anywhere in data a command prints (JSON would turn them into null). */
export function checkFinite(
  value: unknown,
  path = '$',
  seen = new Set<object>(),
  budget = { left: 200_000 },
): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvariantBroken(`${path} is ${value}`);
    return;
  }
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  if (--budget.left < 0) return;
  seen.add(value);
  if (ArrayBuffer.isView(value)) return;
  if (value instanceof Map) {
    for (const [k, v] of value) checkFinite(v, `${path}.${String(k)}`, seen, budget);
    return;
  }
  for (const [k, v] of Object.entries(value)) checkFinite(v, `${path}.${k}`, seen, budget);
}

const decoder = new TextDecoder('utf-8');
const decode = (b: Uint8Array) => decoder.decode(b);

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p));
    else if (statSync(p).size <= 1 << 20) out.push(p);
  }
  return out;
}

/** shared/data/real beside the repository (CI and /work/main) or beside the worktree's parent. */
export function sharedRealDir(): string | undefined {
  for (const d of [
    join(ROOT, '..', 'shared', 'data', 'real'),
    join(ROOT, '..', '..', 'shared', 'data', 'real'),
  ])
    if (existsSync(d)) return d;
  return undefined;
}

/** Every real text file: test/fixtures, examples (the sample annotations, .su files) and shared/data/real. */
function textCorpus(): Seed[] {
  const real = sharedRealDir();
  const mine = [...files(join(ROOT, 'test', 'fixtures')), ...files(join(ROOT, 'examples'))];
  const all = [...mine, ...(real ? files(real) : [])].filter(
    (f) => !f.includes(`${join('fixtures', 'fuzz')}`) && !f.includes('elf-corpus'),
  );
  return all.map((f) => ({ name: relative(ROOT, f), bytes: new Uint8Array(readFileSync(f)) }));
}

let corpusCache: Seed[] | undefined;
const corpus = () => (corpusCache ??= textCorpus());

const enc = (s: string) => new TextEncoder().encode(s);

/** A text target: its seeds are the corpus files `accepts` takes, plus `extra`. */
function text(
  name: string,
  describes: string,
  accepts: (t: string) => boolean,
  run: (t: string, file: string) => number,
  extra: () => Seed[] = () => [],
): Target {
  return {
    name,
    kind: 'text',
    describes,
    async seeds() {
      const own = corpus().filter((s) => accepts(decode(s.bytes)));
      return [...own, ...extra()];
    },
    run: (input) => run(decode(input), `${name}.txt`),
  };
}

function analyzerTarget(a: Analyzer): Target {
  const t = text(
    a.id,
    `analyze: ${a.describes}`,
    (t) => a.sniff(t),
    (t, file) => {
      const out = a.run(t, file, { profiles: [], overrides: [] });
      if ('error' in out) return checkDiagnostics([out.error]);
      checkFinite(analysisJson(a, out.data));
      renderAnalysis(a.id, out.data, file);
      return checkDiagnostics(out.diagnostics);
    },
  );
  return a.id === 'stack-trace' ? { ...t, budget: replayBudget } : t;
}

/** Folded stacks made from the corpus's stack_trace tables (none are captured as such). */
function foldedSeeds(): Seed[] {
  const out: Seed[] = [];
  for (const s of corpus()) {
    const r = replayStackTraceText(decode(s.bytes), s.name, PROFILES);
    if (r.ok)
      out.push({
        name: `${s.name}.folded`,
        bytes: enc(printFolded(foldedOf(replayTableData(s.name, r.value)))),
      });
    if (out.length >= 6) break;
  }
  return out;
}

/** A convert run through the CLI's own code (exit 3 is the internal error). */
async function cliRun(argv: readonly string[], file: string, t: string): Promise<number> {
  const io = memoryIo({ [file]: t });
  const code = await main([...argv], io);
  if (code === 3) throw new Error(`exit 3: ${io.stderr.slice(0, 2000)}`);
  return code;
}

const CONVERT_TO = ['folded', 'speedscope', 'chrome', 'ftrace'] as const;

/**
 * ELF seeds: the C corpus built by test/elf/corpus.ts, plus fuzz/seeds/static-keys.c (the
 * __jump_table and .altinstructions a module has and the corpus lacks), built with the same
 * AArch64 cross compiler into test/.build/fuzz-<hash>/.
 */
async function elfSeeds(): Promise<Seed[]> {
  const { buildCorpus, CC } = await import('../test/elf/corpus.ts');
  const c = await buildCorpus();
  const seeds = [
    'calls.o',
    'mini-module.o',
    'frames-debug.o',
    'frames.o',
    'prog',
    'libcorpus.so',
    'mini-kernel',
  ].map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(c.path(f))) }));
  const src = join(ROOT, 'fuzz', 'seeds', 'static-keys.c');
  const flags = [
    '-O2',
    '-fno-pic',
    '-fno-pie',
    '-fno-omit-frame-pointer',
    '-fno-asynchronous-unwind-tables',
    '-mgeneral-regs-only',
  ];
  const hash = createHash('sha1')
    .update(readFileSync(src))
    .update(flags.join(' '))
    .digest('hex')
    .slice(0, 12);
  const dir = join(ROOT, 'test', '.build', `fuzz-${hash}`);
  const out = join(dir, 'static-keys.o');
  if (!existsSync(out)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${out}.tmp-${process.pid}`;
    execFileSync(CC, [...flags, '-c', src, '-o', tmp]);
    renameSync(tmp, out);
  }
  seeds.push({ name: 'static-keys.o', bytes: new Uint8Array(readFileSync(out)) });
  return seeds;
}

const ANNOTATIONS = parseStackAnnotations(
  'tables:\n  - table: op_table\n    callers: [dispatch]\n  - table: softirq_vec\n    callers: [__do_softirq]\n',
).value!;

function elfRun(input: Uint8Array, paths: boolean): number {
  const src = bytesSource(paths ? 'fuzz.ko' : 'fuzz.o', input);
  if (!paths) {
    const lines = new CheckstackLines();
    const r = addFrameLines(
      src,
      { emulateCheckstack: false, min: 0, analyzer: new FrameAnalyzer(), scratch: new Scratch() },
      lines,
    );
    if (!r.ok) return checkDiagnostics([r.error]);
    const b = analyzeBinary(src, { sites: false });
    if (!b.ok) return checkDiagnostics([b.error]);
    checkFinite(b.value.functions);
    return checkDiagnostics(r.value.diagnostics) + checkDiagnostics(b.value.diagnostics);
  }
  const b = analyzeBinary(src, { sites: true, tables: ANNOTATIONS.tables });
  if (!b.ok) return checkDiagnostics([b.error]);
  const { graph } = buildCallGraph([b.value], ANNOTATIONS);
  const wc = analyzeWorstCase(graph, { bounds: new Map(), defaultBound: 3 });
  topPaths(graph, wc, graphRoots(graph, wc), 3, 20_000);
  return checkDiagnostics(b.value.diagnostics);
}

/** A capture directory as one input: JSON { file name: text }. */
export function captureToBytes(files: Partial<Record<CaptureFile, string>>): Uint8Array {
  return enc(JSON.stringify(files));
}

export function bytesToCapture(b: Uint8Array): Partial<Record<CaptureFile, string>> {
  return JSON.parse(decode(b)) as Partial<Record<CaptureFile, string>>;
}

/** Real capture directories, each with its fork count cut to 100 so one model run takes ~50 ms. */
function captureSeeds(): Seed[] {
  const dirs = [join(ROOT, 'test', 'fixtures', 'arm64-6.1-qemu')];
  const real = sharedRealDir();
  if (real) dirs.push(join(real, 'arm64-6.1-qemu'));
  const out: Seed[] = [];
  for (const d of dirs)
    for (const run of existsSync(d) ? readdirSync(d).sort() : []) {
      const p = join(d, run);
      if (!statSync(p).isDirectory() || !CAPTURE_FILES.every((f) => existsSync(join(p, f)))) continue;
      const c: Partial<Record<CaptureFile, string>> = {};
      for (const f of CAPTURE_FILES) c[f] = readFileSync(join(p, f), 'utf8');
      c['workload-output.txt'] = c['workload-output.txt']!.replace(/forked=\d+/, 'forked=100');
      out.push({ name: relative(ROOT, p), bytes: captureToBytes(c) });
    }
  return out;
}

function captureRun(input: Uint8Array): number {
  let files: Partial<Record<CaptureFile, string>>;
  try {
    files = bytesToCapture(input);
  } catch {
    return 0; // the container is the harness's, not the product's
  }
  const r = readForkRunCapture(
    (f) => {
      const t = files[f];
      if (typeof t !== 'string')
        throw new InputError({
          code: 'io/cannot-read',
          severity: 'error',
          message: `no ${f}`,
          loc: { file: f },
        });
      return t;
    },
    (f) => f,
    // Limits sized for the fuzzer: a campaign runs thousands of these.
    { parallel: 8, nrCpus: 2, limits: { maxPages: 1 << 18, maxForks: 400 } },
  );
  checkDiagnostics(r.diagnostics);
  if (r.value === undefined) return r.diagnostics.length;
  // The model's zone from the capture (where pageblock and free counts size the work). The fork run
  // after it costs what --max-forks allows (about 0.3 ms a fork), which tests cover on real captures.
  const { node } = modelFromCapture(r.value, 1);
  checkFinite(Array.from(node.zone.nrFree));
  return r.diagnostics.length;
}

/** The readers alone (sniff and parse, no explanation): the fast targets a campaign runs millions of. */
const READERS: readonly {
  id: string;
  analyzer: string;
  parse: (t: string, file: string) => ParseOutput<unknown>;
}[] = [
  { id: 'stack-trace', analyzer: 'stack-trace', parse: parseFtraceStackTrace },
  { id: 'overflow-report', analyzer: 'overflow-report', parse: parseOverflowReport },
  { id: 'checkstack', analyzer: 'checkstack', parse: parseCheckstack },
  { id: 'page-alloc-failure', analyzer: 'page-alloc-failure', parse: parsePageAllocFailure },
  { id: 'pagetypeinfo', analyzer: 'pagetypeinfo', parse: parsePagetypeinfo },
  { id: 'buddyinfo', analyzer: 'buddyinfo', parse: parseBuddyinfo },
  { id: 'vmstat', analyzer: 'vmstat', parse: parseVmstat },
  { id: 'meminfo', analyzer: 'meminfo', parse: parseMeminfo },
  { id: 'stack-usage', analyzer: 'stack-usage', parse: parseStackUsage },
  { id: 'task-highwater', analyzer: 'task-highwater', parse: parseTaskHighWater },
];

/** Readers of `stacklab import` (no analyzer): their own sniff picks the seeds. */
const IMPORT_READERS: readonly {
  id: string;
  sniff: (t: string) => boolean;
  parse: (t: string, file: string) => ParseOutput<unknown>;
}[] = [
  { id: 'func-stack-trace', sniff: sniffFuncStackTrace, parse: parseFuncStackTrace },
  { id: 'proc-counts', sniff: (t) => sniffProcCounts(t) !== null, parse: parseProcCounts },
];

function readerTarget(r: (typeof READERS)[number]): Target {
  const a = analyzers().find((x) => x.id === r.analyzer)!;
  return text(
    `parse-${r.id}`,
    `the ${r.id} reader alone (sniff, parse)`,
    (t) => a.sniff(t),
    (t, file) => {
      a.sniff(t);
      const p = r.parse(t, file);
      checkFinite(p.value);
      return checkDiagnostics(p.diagnostics);
    },
  );
}

/**
 * The code models a scenario names, read from data/scenarios/ once per target list (the input under
 * test is the scenario; `stacklab run` reads its code model once too).
 */
function codeModelFiles(): (name: string) => Result<unknown> {
  const parsed = new Map<string, Result<unknown>>();
  return (name) => {
    let r = parsed.get(name);
    if (r === undefined) {
      const p = join(ROOT, 'data', 'scenarios', name.replace(/^.*\//, ''));
      const c = existsSync(p) ? parseYamlInput(readFileSync(p, 'utf8'), name, 'code-model') : undefined;
      r =
        c === undefined
          ? err(diag('io/cannot-read', 'error', `no ${name}`, { file: name }))
          : c.ok
            ? ok(c.value.value)
            : c;
      parsed.set(name, r);
    }
    return r;
  };
}

export function targets(): Target[] {
  const codeModels = codeModelFiles();
  const list: Target[] = [
    ...READERS.map(readerTarget),
    ...IMPORT_READERS.map((r) =>
      text(`parse-${r.id}`, `the ${r.id} reader (stacklab import)`, r.sniff, (t, file) => {
        r.sniff(t);
        const p = r.parse(t, file);
        checkFinite(p.value);
        return checkDiagnostics(p.diagnostics);
      }),
    ),
    ...analyzers().map(analyzerTarget),
  ];
  list.push(
    text(
      'analyze',
      'analyze dispatch: every sniff, then the first analyzer that accepts',
      () => true,
      (t, file) => {
        const a = analyzers().find((x) => x.sniff(t));
        if (!a) return 0;
        const out = a.run(t, file, { profiles: [], overrides: [] });
        if ('error' in out) return checkDiagnostics([out.error]);
        checkFinite(analysisJson(a, out.data));
        renderAnalysis(a.id, out.data, file);
        return checkDiagnostics(out.diagnostics);
      },
    ),
    text(
      'log-scan',
      'the whole-log item scanner of analyze (issue 9): chunks, items, their analyses and the summary',
      () => true,
      (t, file) => {
        const scanner = new LogScanner();
        const items = new LogItemAnalyzer(file, { profiles: [], overrides: [] }, true, (kind, data) =>
          analysisHeadline(renderAnalysis(kind, data, file), file),
        );
        const records: ItemRecord[] = [];
        let n = 0;
        let last = 0;
        const bytes = enc(t);
        const chunks: Uint8Array[] = [];
        for (let i = 0; i < bytes.length; i += 4096) chunks.push(bytes.subarray(i, i + 4096));
        scanChunks(chunks, scanner, (found) => {
          for (const it of found) {
            if (!(it.line > last && it.endLine >= it.line && it.lines.length === it.endLine - it.line + 1))
              throw new InvariantBroken(`item at lines ${it.line}-${it.endLine} after line ${last}`);
            last = it.endLine;
            const a = items.add(it);
            if (a === null) continue;
            records.push(a.record);
            n += checkDiagnostics(items.placed(a));
          }
        });
        if (last > scanner.lines)
          throw new InvariantBroken(`an item ends at ${last} of ${scanner.lines} lines`);
        const summary = summarizeLog(records, scanner.lines, scanner.skippedLines + items.droppedLines);
        checkFinite(records);
        checkFinite(summary);
        renderLogSummary(file, summary, records);
        return n + checkDiagnostics(items.diagnostics);
      },
    ),
    {
      ...text(
        'replay',
        'replay a stack_trace table under every profile, and its text report',
        (t) =>
          analyzers()
            .find((a) => a.id === 'stack-trace')!
            .sniff(t),
        (t, file) => {
          const r = replayStackTraceText(t, file, PROFILES);
          if (!r.ok) return checkDiagnostics([r.error]);
          const data = replayTableData(file, r.value);
          checkFinite(data);
          renderReplayText(data);
          return checkDiagnostics(r.value.diagnostics);
        },
      ),
      budget: replayBudget,
    },
    {
      name: 'convert',
      kind: 'text',
      describes: 'stacklab convert --to folded|speedscope|chrome|ftrace through the CLI code',
      budget: replayBudget,
      async seeds() {
        const st = analyzers().find((a) => a.id === 'stack-trace')!;
        return [...corpus().filter((s) => st.sniff(decode(s.bytes))), ...foldedSeeds()];
      },
      async run(input) {
        const t = decode(input);
        // The format follows from the input, so every input reaches every writer over a campaign.
        const to = CONVERT_TO[input.length % CONVERT_TO.length]!;
        return cliRun(['convert', 'in.txt', '--to', to], 'in.txt', t);
      },
    },
    text(
      'folded',
      'FlameGraph folded stacks (sniff and parse)',
      () => false,
      (t, file) => {
        sniffFolded(t);
        const p = parseFolded(t, file);
        checkFinite(p.value);
        return checkDiagnostics(p.diagnostics);
      },
      foldedSeeds,
    ),
    text(
      'extfrag-index',
      'debugfs extfrag/unusable_index',
      () => false,
      (t, file) => {
        const p = parseExtfragIndex(t, file);
        checkFinite(p.value);
        return checkDiagnostics(p.diagnostics);
      },
      () => [
        {
          name: 'extfrag_index',
          bytes: enc(
            'Node 0, zone      DMA -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 \n',
          ),
        },
        {
          name: 'unusable_index',
          bytes: enc(
            'Node 0, zone      DMA 0.000 0.004 0.013 0.029 0.036 0.052 0.069 0.083 0.105 0.133 0.186 \n',
          ),
        },
      ],
    ),
    text(
      'gcc-su',
      "GCC's -fstack-usage .su files",
      () => false,
      (t, file) => {
        const p = parseGccStackUsage(t, file);
        checkFinite(p.value);
        return checkDiagnostics(p.diagnostics);
      },
      () => [
        {
          name: 'frames.su',
          bytes: enc(
            'frames.c:12:5:leaf\t16\tstatic\nframes.c:20:6:big_frame\t5024\tstatic\nframes.c:31:6:vla\t48\tdynamic\nframes.c:40:6:bounded\t64\tdynamic,bounded\n',
          ),
        },
      ],
    ),
    text(
      'stack-annotations',
      'the YAML annotations file of `stacklab paths`',
      (t) => sniffStackAnnotations(t),
      (t, file) => checkDiagnostics(parseStackAnnotations(t, file).diagnostics),
    ),
    text(
      'profile-file',
      'a kernel profile file (--profile-file)',
      () => false,
      (t, file) => {
        const r = loadProfileFile(t, file);
        return r.ok ? 0 : checkDiagnostics([r.error]);
      },
      () => [
        {
          name: 'examples/phone-8k.yaml',
          bytes: new Uint8Array(readFileSync(join(ROOT, 'examples', 'phone-8k.yaml'))),
        },
      ],
    ),
    text(
      'scenario',
      'a `stacklab run` scenario or code model (YAML, zod schema, checks)',
      () => false,
      (t, file) => {
        const y = parseYamlInput(t, file, 'scenario');
        if (!y.ok) return checkDiagnostics([y.error]);
        const s = validateScenario(y.value.value, file, codeModels);
        const m = validateCodeModel(y.value.value, file);
        return checkDiagnostics([...(s.ok ? [] : [s.error]), ...(m.ok ? [] : [m.error])]);
      },
      () =>
        readdirSync(join(ROOT, 'data', 'scenarios'))
          .filter((f) => f.endsWith('.yaml'))
          .sort()
          .map((f) => ({
            name: `data/scenarios/${f}`,
            bytes: new Uint8Array(readFileSync(join(ROOT, 'data', 'scenarios', f))),
          })),
    ),
    {
      name: 'elf-frames',
      kind: 'elf',
      describes: 'ELF reader + frame sizes (`frames`, both paths)',
      seeds: elfSeeds,
      run: (b) => elfRun(b, false),
    },
    {
      name: 'elf-paths',
      kind: 'elf',
      describes: 'ELF reader, symbols, relocations, CFI, call graph, worst-case paths (`paths`)',
      seeds: elfSeeds,
      run: (b) => elfRun(b, true),
    },
    {
      name: 'mm-validate',
      kind: 'capture',
      describes:
        '`mm validate`: the nine files of a capture directory, then the model zone laid out from them',
      seeds: async () => captureSeeds(),
      run: captureRun,
    },
  );
  return list;
}

export function target(name: string): Target {
  const t = targets().find((x) => x.name === name);
  if (!t)
    throw new Error(
      `no fuzz target "${name}": one of ${targets()
        .map((x) => x.name)
        .join(', ')}`,
    );
  return t;
}

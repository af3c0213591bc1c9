// Validation against the real kernel: start the model from the real "before" state of a captured run
// (arm64-6.1-qemu/fork-256M: Debian 6.1.192 under QEMU, 256 MB, 2 CPUs), run that run's workload
// (stackwork fork 2000 8: 2000 children, 8 at a time, each touching a 2 KB stack and a 64 KB heap,
// then exiting), and compare the model's "after" state and vmstat deltas with the real "after" files.
//
// What is taken from the real files: pageblock counts per type, free blocks per type and order
// (pagetypeinfo-before), managed memory (meminfo MemTotal), the CMA area (CMA pageblocks), fork count,
// parallelism and duration (workload-output). One number is fitted: the pages each fork allocates
// besides the model's own kernel objects, so that the model's pgalloc per fork equals the real one.
// Everything else is the model's (positions of free blocks, what the allocated pages are, pcp lists,
// which were not captured). The gap table says how far each quantity lands.
import { type Diagnostic, diag } from '../base/diag.ts';
import { readNumber } from '../base/number.ts';
import type { ParseOutput } from '../base/result.ts';
import { splitLines } from '../base/text.ts';
import { vmstatLines, type ZoneSnapshot, zoneSnapshot } from '../device/experiment.ts';
import { SCENARIOS, Workload } from '../device/workloads.ts';
import { Rng } from '../engine/rng.ts';
import { type BuddyInfo, parseBuddyinfo } from '../formats/buddyinfo.ts';
import { type Meminfo, parseMeminfo } from '../formats/meminfo.ts';
import { type PagetypeInfo, parsePagetypeinfo } from '../formats/pagetypeinfo.ts';
import { parseVmstat, type Vmstat } from '../formats/vmstat.ts';
import { MAX_ORDER, MAX_ORDER_NR_PAGES } from '../mm/constants.ts';
import { DEFAULT_MM_PARAMS, type MmParams } from '../mm/node.ts';
import { emptyLayoutArrays, migratetypeByName, nodeFromLayout } from '../mm/snapshot.ts';

export interface ForkRunCapture {
  readonly buddyBefore: BuddyInfo;
  readonly buddyAfter: BuddyInfo;
  readonly pagetypeBefore: PagetypeInfo;
  readonly pagetypeAfter: PagetypeInfo;
  readonly vmstatBefore: Vmstat;
  readonly vmstatAfter: Vmstat;
  readonly meminfoBefore: Meminfo;
  readonly meminfoAfter: Meminfo;
  /** "stackwork fork: forked=2000 failed=0 seconds=6.44". */
  readonly forks: number;
  readonly failed: number;
  readonly seconds: number;
  /** Children running at once (8 for the fork-256M run, from capture-arm64.sh). */
  readonly parallel: number;
  readonly nrCpus: number;
}

/** One quantity, real and modelled; null where the capture lacks what it needs (never read as 0). */
export interface GapRow {
  readonly what: string;
  readonly before: number | null;
  readonly realAfter: number | null;
  readonly modelAfter: number | null;
  /** Real and model change (after - before), when a before exists. */
  readonly realDelta: number | null;
  readonly modelDelta: number | null;
}

export interface ValidationResult {
  readonly zone: string;
  readonly forks: { readonly real: number; readonly model: number; readonly modelFailed: number };
  readonly fittedChildPages: number;
  readonly pgallocPerFork: { readonly real: number; readonly model: number };
  readonly buddyinfo: readonly GapRow[];
  readonly freeByType: readonly GapRow[];
  readonly blocks: readonly GapRow[];
  readonly vmstat: readonly GapRow[];
  readonly meminfo: readonly GapRow[];
  readonly model: ZoneSnapshot;
  readonly unplaced: readonly { readonly type: string; readonly order: number; readonly count: number }[];
  readonly notes: readonly string[];
}

/** Parses "stackwork fork: forked=2000 failed=0 seconds=6.44" from workload-output.txt. */
export function parseStackworkOutput(
  text: string,
  file = '<input>',
): ParseOutput<{ forks: number; failed: number; seconds: number }> {
  const lines = splitLines(text);
  const hit = lines.find((l) => l.text.includes('stackwork fork:'));
  const m = hit && /stackwork fork: forked=(\d+) failed=(\d+) seconds=(\d+(?:\.\d+)?)/.exec(hit.text);
  if (!hit || !m)
    return {
      value: undefined,
      diagnostics: [
        diag('mm-validate/no-workload', 'error', 'no "stackwork fork: forked=N failed=N seconds=S" line', {
          file,
          line: hit?.no ?? 1,
        }),
      ],
    };
  const loc = { file, line: hit.no };
  const spec = { code: 'mm-validate/bad-number', severity: 'error' } as const;
  const forks = readNumber(m[1]!, { ...spec, what: 'forked' }, loc);
  const failed = readNumber(m[2]!, { ...spec, what: 'failed' }, loc);
  // The capture runs for seconds; a day is far past any real run.
  const seconds = readNumber(m[3]!, { ...spec, what: 'seconds', syntax: 'real', max: 86_400 }, loc);
  for (const r of [forks, failed, seconds]) if (!r.ok) return { value: undefined, diagnostics: [r.error] };
  return {
    value: {
      forks: (forks as Ok<number>).value,
      failed: (failed as Ok<number>).value,
      seconds: (seconds as Ok<number>).value,
    },
    diagnostics: [],
  };
}

type Ok<T> = { readonly ok: true; readonly value: T };

/** What the model will build and run at most; inputs beyond are diagnostics naming the flag that raises each. */
export interface ValidationLimits {
  /** Pages of the modelled zone (the model keeps about 12 bytes per page). --max-pages */
  readonly maxPages: number;
  /** Forks the model runs (about 0.3 ms each). --max-forks */
  readonly maxForks: number;
}

/** 4,194,304 pages = 16 GB of 4 KB pages (about 50 MB of model state); 100,000 forks (about 30 s). */
export const DEFAULT_VALIDATION_LIMITS: ValidationLimits = { maxPages: 1 << 22, maxForks: 100_000 };

/** The files of a capture directory (tools/capture-arm64.sh). */
export const CAPTURE_FILES = [
  'buddyinfo-before.txt',
  'buddyinfo-after.txt',
  'pagetypeinfo-before.txt',
  'pagetypeinfo-after.txt',
  'vmstat-before.txt',
  'vmstat-after.txt',
  'meminfo-before.txt',
  'meminfo-after.txt',
  'workload-output.txt',
] as const;
export type CaptureFile = (typeof CAPTURE_FILES)[number];

/**
 * Reads a capture and checks everything the model would be sized or driven by: the first error
 * stops (value undefined); missing counters that only some rows depend on are data-loss diagnostics.
 * `read` gives a file's text, `where` the name diagnostics use for it.
 */
export function readForkRunCapture(
  read: (f: CaptureFile) => string,
  where: (f: CaptureFile) => string,
  options: { parallel: number; nrCpus: number; limits?: ValidationLimits },
): ParseOutput<ForkRunCapture> {
  const diagnostics: Diagnostic[] = [];
  const fail = (d: Diagnostic): ParseOutput<ForkRunCapture> => ({
    value: undefined,
    diagnostics: [...diagnostics, d],
  });
  const parse = <T>(f: CaptureFile, p: (t: string, file: string) => ParseOutput<T>): T | Diagnostic => {
    const r = p(read(f), where(f));
    const e = r.diagnostics.find((d) => d.severity === 'error');
    if (r.value === undefined || e)
      return e ?? diag('mm-validate/unreadable', 'error', `cannot use ${f}`, { file: where(f) });
    diagnostics.push(...r.diagnostics);
    return r.value;
  };
  const wo = parse('workload-output.txt', parseStackworkOutput);
  if (isDiag(wo)) return fail(wo);
  const parts = {
    buddyBefore: parse('buddyinfo-before.txt', parseBuddyinfo),
    buddyAfter: parse('buddyinfo-after.txt', parseBuddyinfo),
    pagetypeBefore: parse('pagetypeinfo-before.txt', parsePagetypeinfo),
    pagetypeAfter: parse('pagetypeinfo-after.txt', parsePagetypeinfo),
    vmstatBefore: parse('vmstat-before.txt', parseVmstat),
    vmstatAfter: parse('vmstat-after.txt', parseVmstat),
    meminfoBefore: parse('meminfo-before.txt', parseMeminfo),
    meminfoAfter: parse('meminfo-after.txt', parseMeminfo),
  };
  for (const v of Object.values(parts)) if (isDiag(v)) return fail(v);
  const c = {
    ...(parts as { [K in keyof typeof parts]: Exclude<(typeof parts)[K], Diagnostic> }),
    ...wo,
    parallel: options.parallel,
    nrCpus: options.nrCpus,
  };
  const error = checkCapture(c, where, options.limits ?? DEFAULT_VALIDATION_LIMITS, diagnostics);
  return error ? fail(error) : { value: c, diagnostics };
}

function isDiag(v: unknown): v is Diagnostic {
  return typeof v === 'object' && v !== null && 'code' in v && 'severity' in v;
}

/** The counters the fit and the rows need, by file. */
const REQUIRED_VMSTAT = 'pgalloc_dma';

/**
 * Everything an input number sizes or drives is bounded here, before the model exists: the zone by
 * MemTotal and --max-pages, free blocks by the zone, forks by --max-forks, pages per fork by the zone.
 */
function checkCapture(
  c: ForkRunCapture,
  where: (f: CaptureFile) => string,
  limits: ValidationLimits,
  out: Diagnostic[],
): Diagnostic | undefined {
  const pti = c.pagetypeBefore;
  const at = (f: CaptureFile, line?: number) =>
    line === undefined ? { file: where(f) } : { file: where(f), line };
  const ptiAt = at('pagetypeinfo-before.txt', pti.lastLine);
  if (pti.blocks.length === 0)
    return diag(
      'mm-validate/no-block-table',
      'error',
      `no "Number of blocks type" table (the file ends at line ${pti.lastLine}): the model needs the pageblocks per type`,
      ptiAt,
      'the whole /proc/pagetypeinfo',
    );
  if (pti.free.length === 0)
    return diag(
      'mm-validate/no-free-table',
      'error',
      'no "Free pages count per migrate type" rows: the model needs the free blocks per type and order',
      ptiAt,
      'the whole /proc/pagetypeinfo',
    );
  if (
    pti.pageblockOrder < 1 ||
    pti.pageblockOrder >= MAX_ORDER ||
    pti.pagesPerBlock !== 2 ** pti.pageblockOrder
  )
    return diag(
      'mm-validate/pageblock',
      'error',
      `pageblock order ${pti.pageblockOrder} with ${pti.pagesPerBlock} pages per block: the model's zone has orders 0..${MAX_ORDER - 1} and 2^order pages per block`,
      at('pagetypeinfo-before.txt'),
    );
  const blockRow = pti.blocks[0]!;
  const totalBlocks = blockRow.counts.reduce((a, b) => a + b, 0);
  const memTotal = c.meminfoBefore.values.get('MemTotal');
  if (memTotal === undefined)
    return diag(
      'mm-validate/missing-counter',
      'error',
      'no MemTotal: the model needs the managed memory',
      at('meminfo-before.txt'),
      '"MemTotal:  229380 kB"',
    );
  const managed = Math.floor(memTotal / 4);
  const spanned = totalBlocks * pti.pagesPerBlock;
  if (spanned > limits.maxPages || managed > limits.maxPages)
    return diag(
      'mm-validate/too-large',
      'error',
      `the zone spans ${Math.max(spanned, managed)} pages (${gb(Math.max(spanned, managed))}), more than the model builds by default (${limits.maxPages} pages, ${gb(limits.maxPages)}); raise the limit with --max-pages ${Math.max(spanned, managed)}`,
      spanned > limits.maxPages ? at('pagetypeinfo-before.txt', blockRow.line) : at('meminfo-before.txt'),
    );
  if (managed < 1 || spanned < managed)
    return diag(
      'mm-validate/blocks-do-not-fit',
      'error',
      `the pageblocks (${totalBlocks} x ${pti.pagesPerBlock} = ${spanned} pages) do not hold MemTotal (${managed} pages)`,
      at('pagetypeinfo-before.txt', blockRow.line),
      'a zone at least as large as its managed memory',
    );
  let freePages = 0;
  for (const r of pti.free) {
    if (r.counts.length > MAX_ORDER && r.counts.slice(MAX_ORDER).some((n) => n > 0))
      return diag(
        'mm-validate/orders',
        'error',
        `free blocks of order ${MAX_ORDER} or more: the model's zone has orders 0..${MAX_ORDER - 1} (4 KB pages)`,
        at('pagetypeinfo-before.txt', r.line),
      );
    freePages += r.counts.reduce((s, n, o) => s + n * 2 ** o, 0);
  }
  if (freePages > managed)
    return diag(
      'mm-validate/free-exceeds-managed',
      'error',
      `the free lists hold ${freePages} pages, more than the zone manages (${managed} pages, MemTotal)`,
      at('pagetypeinfo-before.txt', pti.free[0]!.line),
    );
  if (c.forks < 1 || c.forks > limits.maxForks)
    return diag(
      'mm-validate/forks',
      'error',
      c.forks < 1
        ? 'the workload forked no children: nothing to compare'
        : `${c.forks} forks, more than the model runs by default (${limits.maxForks}); raise the limit with --max-forks ${c.forks}`,
      at('workload-output.txt'),
    );
  for (const [f, v] of [
    ['vmstat-before.txt', c.vmstatBefore],
    ['vmstat-after.txt', c.vmstatAfter],
  ] as const) {
    if (!v.values.has(REQUIRED_VMSTAT))
      return diag(
        'mm-validate/missing-counter',
        'error',
        `no ${REQUIRED_VMSTAT}: the pages each fork allocates are fitted to it`,
        at(f),
        `"${REQUIRED_VMSTAT} N"`,
      );
    const missing = VMSTAT_ROWS.filter((n) => !v.values.has(n));
    if (missing.length > 0)
      out.push(
        diag(
          'mm-validate/missing-counter',
          'data-loss',
          `no ${missing.join(', ')}: ${missing.length === 1 ? 'its row is' : 'their rows are'} not compared`,
          at(f),
        ),
      );
  }
  const pgalloc = c.vmstatAfter.values.get(REQUIRED_VMSTAT)! - c.vmstatBefore.values.get(REQUIRED_VMSTAT)!;
  if (pgalloc < 0)
    return diag(
      'mm-validate/counter-went-back',
      'error',
      `${REQUIRED_VMSTAT} is smaller after the run than before (${pgalloc})`,
      at('vmstat-after.txt'),
      'an after-file captured after the before-file',
    );
  // A child's pages are allocated while it lives: all children alive at once cannot hold more than the zone.
  if (pgalloc / c.forks > managed / c.parallel)
    return diag(
      'mm-validate/pages-per-fork',
      'error',
      `${(pgalloc / c.forks).toFixed(0)} pages allocated per fork, more than ${c.parallel} children at a time can hold in ${managed} pages`,
      at('vmstat-after.txt'),
    );
  for (const [f, m] of [
    ['meminfo-before.txt', c.meminfoBefore],
    ['meminfo-after.txt', c.meminfoAfter],
  ] as const)
    if (!m.values.has('MemFree'))
      out.push(
        diag('mm-validate/missing-counter', 'data-loss', 'no MemFree: its row is not compared', at(f)),
      );
  return undefined;
}

const gb = (pages: number) => `${((pages * 4) / 1024 / 1024).toFixed(1)} GB`;

const VMSTAT_ROWS = [
  'nr_free_pages',
  'nr_kernel_stack',
  'nr_slab_unreclaimable',
  'nr_page_table_pages',
  'pgalloc_dma',
  'pgfree',
  'allocstall_dma',
  'pgscan_kswapd',
  'pgscan_direct',
  'pgsteal_kswapd',
  'pgsteal_direct',
  'kswapd_low_wmark_hit_quickly',
  'pageoutrun',
  'compact_stall',
  'compact_success',
  'compact_fail',
  'compact_migrate_scanned',
  'compact_free_scanned',
  'pgmigrate_success',
  'oom_kill',
];

/** Unmeasured forks that warm the model's pcp lists and stack cache before the measured run. */
const PCP_WARMUP_FORKS = 64;

/** The model's zone laid out from the capture's before-state (what the fork run then starts from). */
export function modelFromCapture(c: ForkRunCapture, seed: number): ReturnType<typeof nodeFromLayout> {
  const pti = c.pagetypeBefore;
  const { blocks, free } = emptyLayoutArrays();
  pti.blockTypes.forEach((t, i) => {
    const mt = migratetypeByName(t);
    if (mt !== undefined) blocks[mt] = pti.blocks[0]?.counts[i] ?? 0;
  });
  for (const r of pti.free) {
    const mt = migratetypeByName(r.type);
    if (mt === undefined) continue;
    r.counts.forEach((n, o) => {
      free[mt]![o] = n;
    });
  }
  const totalBlocks = blocks.reduce((a, b) => a + b, 0);
  // checkCapture() made sure MemTotal is there and the blocks hold it.
  const managed = Math.floor(c.meminfoBefore.values.get('MemTotal')! / 4);
  const cmaBlocks = blocks[migratetypeByName('CMA')!] ?? 0;
  // The model's zone is a whole number of MAX_ORDER blocks: a real zone that is not is rounded up,
  // the extra pages reserved (as a memory hole would be).
  const spanned = Math.ceil((totalBlocks * pti.pagesPerBlock) / MAX_ORDER_NR_PAGES) * MAX_ORDER_NR_PAGES;
  const params: MmParams = {
    ...DEFAULT_MM_PARAMS,
    mode: '6.1',
    zoneName: c.buddyBefore.zones[0]?.zone ?? 'DMA',
    spannedPages: spanned,
    reservedPages: spanned - managed,
    cmaPages: cmaBlocks * pti.pagesPerBlock,
    configCma: cmaBlocks > 0 || pti.blockTypes.includes('CMA'),
    configIsolate: pti.blockTypes.includes('Isolate'),
    nrCpus: c.nrCpus,
    pageblockOrder: pti.pageblockOrder,
    zramPages: 0,
  };
  return nodeFromLayout(params, seed, { blocks, free, managedPages: managed });
}

function runModel(c: ForkRunCapture, childPages: number, forks: number, seed: number) {
  const { node, unplaced } = modelFromCapture(c, seed);
  const spec = {
    ...SCENARIOS['fork-storm'],
    stormParallel: c.parallel,
    stormChildAnonPages: childPages,
    stormChildLifetimeUs: (c.seconds * 1e6 * c.parallel) / Math.max(1, c.forks),
  };
  const w = new Workload(node, spec, 'vmap', new Rng(seed), null);
  w.boot();
  // The real system was running before the capture (its pcp lists and stack caches were warm):
  // a few unmeasured forks warm the model's, then the measured run starts.
  let events = 0;
  w.maxForks = PCP_WARMUP_FORKS;
  while (events++ < 1_000_000 && w.step()) {}
  w.stacks.flushRcu(node.now + 1e6);
  const beforeBuddy = Array.from(node.zone.nrFree);
  const before = new Map(vmstatLines(node, w).map((e) => [e.name, e.value]));
  w.measuring = true;
  w.maxForks = w.forks + forks;
  w.startStorm();
  while (w.step() && events++ < 10_000_000) {}
  w.stacks.flushRcu(node.now + 1e6);
  const after = new Map(vmstatLines(node, w).map((e) => [e.name, e.value]));
  return { node, w, before, after, beforeBuddy, unplaced };
}

export function validateForkRun(c: ForkRunCapture, seed = 1): ValidationResult {
  const vb = c.vmstatBefore.values;
  const va = c.vmstatAfter.values;
  // readForkRunCapture() made sure both counters are there.
  const realPerFork = (va.get(REQUIRED_VMSTAT)! - vb.get(REQUIRED_VMSTAT)!) / Math.max(1, c.forks);
  // Fit: measure what a child costs the model without extra pages, then add the difference.
  const probe = runModel(c, 0, Math.min(200, c.forks), seed);
  const basePerFork =
    ((probe.after.get('pgalloc_dma') ?? 0) - (probe.before.get('pgalloc_dma') ?? 0)) /
    Math.max(1, probe.w.measuredForks);
  const childPages = Math.max(0, Math.round(realPerFork - basePerFork));
  const run = runModel(c, childPages, c.forks, seed);
  const modelPerFork =
    ((run.after.get('pgalloc_dma') ?? 0) - (run.before.get('pgalloc_dma') ?? 0)) /
    Math.max(1, run.w.measuredForks);
  const snap = zoneSnapshot(run.node);
  const bBefore = c.buddyBefore.zones[0]?.nrFree ?? [];
  const bAfter = c.buddyAfter.zones[0]?.nrFree ?? [];
  const buddyinfo: GapRow[] = bAfter.map((n, o) => ({
    what: `order ${o} free blocks`,
    before: bBefore[o] ?? null,
    realAfter: n,
    modelAfter: snap.nrFree[o] ?? 0,
    realDelta: bBefore[o] === undefined ? null : n - bBefore[o]!,
    modelDelta: (snap.nrFree[o] ?? 0) - (run.beforeBuddy[o] ?? 0),
  }));
  const pages = (counts: readonly number[]) => counts.reduce((s, n, o) => s + n * 2 ** o, 0);
  const freeByType: GapRow[] = c.pagetypeAfter.free.map((r) => {
    const before = c.pagetypeBefore.free.find((x) => x.type === r.type);
    const model = snap.freeByType.find((x) => x.type === r.type);
    const b = before ? pages(before.counts) : null;
    const m = model ? pages(model.counts) : 0;
    return {
      what: `${r.type} free pages`,
      before: b,
      realAfter: pages(r.counts),
      modelAfter: m,
      realDelta: b === null ? null : pages(r.counts) - b,
      modelDelta: b === null ? null : m - b,
    };
  });
  const blocks: GapRow[] = c.pagetypeAfter.blockTypes.map((t, i) => {
    const b = c.pagetypeBefore.blocks[0]?.counts[c.pagetypeBefore.blockTypes.indexOf(t)] ?? null;
    const ra = c.pagetypeAfter.blocks[0]?.counts[i] ?? 0;
    const mi = snap.blockTypes.indexOf(t);
    const m = mi >= 0 ? (snap.blockCounts[mi] ?? 0) : 0;
    return {
      what: `${t} pageblocks`,
      before: b,
      realAfter: ra,
      modelAfter: m,
      realDelta: b === null ? null : ra - b,
      modelDelta: b === null ? null : m - b,
    };
  });
  const vmstat: GapRow[] = VMSTAT_ROWS.filter((n) => va.has(n) || vb.has(n)).map((n) =>
    gapRow(n, vb.get(n), va.get(n), run.before.get(n), run.after.get(n)),
  );
  // MemFree is the zone's free pages in kB (one zone, 4 KB pages).
  const kb = (v: number | undefined) => (v === undefined ? undefined : v * 4);
  const meminfo: GapRow[] = [
    gapRow(
      'MemFree kB',
      c.meminfoBefore.values.get('MemFree'),
      c.meminfoAfter.values.get('MemFree'),
      kb(run.before.get('nr_free_pages')),
      kb(run.after.get('nr_free_pages')),
    ),
  ];
  const notes = [
    `free-block positions are not in /proc files: the model places them (snapshot.ts); the real pcp lists (up to ${run.node.zone.pcpHigh} pages per CPU) were not captured: the model warms its own with ${PCP_WARMUP_FORKS} unmeasured forks, and model Δ is measured from that point`,
    `allocated pages are labelled by their pageblock's type (unmovable kernel memory, reclaimable slab, movable pages of unknown owner); the model frees none of them`,
    `per-fork page count fitted: ${childPages} anonymous pages per child, so that pgalloc per fork is ${modelPerFork.toFixed(1)} (real ${realPerFork.toFixed(1)})`,
    'stacks are VMAP (CONFIG_VMAP_STACK=y in the captured kernel, config-stack-facts.txt); the per-CPU cache serves most of them',
  ];
  return {
    zone: c.buddyBefore.zones[0]?.zone ?? '?',
    forks: { real: c.forks, model: run.w.measuredForks, modelFailed: run.w.measuredFailures },
    fittedChildPages: childPages,
    pgallocPerFork: { real: realPerFork, model: modelPerFork },
    buddyinfo,
    freeByType,
    blocks,
    vmstat,
    meminfo,
    model: snap,
    unplaced: run.unplaced,
    notes,
  };
}

/** A counter real and modelled: the model's change is added to the real before-value. */
function gapRow(
  what: string,
  realBefore: number | undefined,
  realAfter: number | undefined,
  modelBefore: number | undefined,
  modelAfter: number | undefined,
): GapRow {
  const modelDelta = modelBefore === undefined || modelAfter === undefined ? null : modelAfter - modelBefore;
  return {
    what,
    before: realBefore ?? null,
    realAfter: realAfter ?? null,
    modelAfter: realBefore === undefined || modelDelta === null ? null : realBefore + modelDelta,
    realDelta: realBefore === undefined || realAfter === undefined ? null : realAfter - realBefore,
    modelDelta,
  };
}

function fmt(n: number | null): string {
  return n === null ? '-' : String(n);
}

function signed(n: number | null): string {
  return n === null ? '-' : n > 0 ? `+${n}` : String(n);
}

/** Text table of the gaps. */
export function renderValidation(v: ValidationResult): string {
  const out: string[] = [];
  out.push(
    `fork-run validation, zone ${v.zone}: ${v.forks.real} real forks, ${v.forks.model} model forks (${v.forks.modelFailed} failed)`,
  );
  out.push(
    `pgalloc per fork: real ${v.pgallocPerFork.real.toFixed(1)}, model ${v.pgallocPerFork.model.toFixed(1)} (child pages fitted: ${v.fittedChildPages})`,
  );
  const table = (title: string, rows: readonly GapRow[]) => {
    out.push('');
    out.push(title);
    const head = ['', 'before', 'real after', 'model after', 'real Δ', 'model Δ'];
    const body = rows.map((r) => [
      r.what,
      fmt(r.before),
      fmt(r.realAfter),
      fmt(r.modelAfter),
      signed(r.realDelta),
      signed(r.modelDelta),
    ]);
    const widths = head.map((_, i) => Math.max(...[head, ...body].map((row) => row[i]!.length)));
    for (const row of [head, ...body])
      out.push(
        `  ${row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`,
      );
  };
  table('/proc/buddyinfo', v.buddyinfo);
  table('/proc/pagetypeinfo: free pages per type', v.freeByType);
  table('/proc/pagetypeinfo: pageblocks per type', v.blocks);
  table('/proc/vmstat', v.vmstat);
  table('/proc/meminfo', v.meminfo);
  if (v.unplaced.length > 0)
    out.push(
      `\nfree blocks the layout could not place: ${v.unplaced.map((u) => `${u.count} x order ${u.order} ${u.type}`).join(', ')}`,
    );
  out.push('\nnotes:');
  for (const n of v.notes) out.push(`  - ${n}`);
  return `${out.join('\n')}\n`;
}

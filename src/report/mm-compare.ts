// Text rendering of page-allocator experiments: the side-by-side table of `stacklab mm compare` and
// the summary of one `stacklab mm` run. Pure functions of the results.

import type { MmCompareResult } from '../device/compare.ts';
import { DEVICES } from '../device/devices.ts';
import type { MmRunResult, MmStall } from '../device/experiment.ts';
import { STACK_KB } from '../device/kernel-stacks.ts';
import { depthTasks, type StackDepths } from '../device/stack-depths.ts';
import { SCENARIOS } from '../device/workloads.ts';
import { formatExtfragIndex, formatUnusableIndex } from '../mm/frag-index.ts';

/** Column heads: two lines, so three strategies and their labels fit 100 columns. */
const STRATEGY_HEAD: Readonly<Record<string, string>> = {
  '16k': '16k\n(order 2)',
  '8k': '8k\n(order 1)',
  vmap: 'vmap\n(4 x order 0)',
  dynamic: 'dynamic\n(grow on fault)',
};

export const STRATEGY_LABEL: Readonly<Record<string, string>> = {
  '16k': '16k (order 2)',
  '8k': '8k (order 1)',
  vmap: 'vmap (4 x order 0)',
  dynamic: 'dynamic (1 page, grows on fault)',
};

export type Cell = string | number;
export type Row = readonly [label: string, cells: readonly Cell[]] | readonly [section: string];

function num(v: number, digits = 0): string {
  if (!Number.isFinite(v)) return '-';
  return digits === 0 ? String(Math.round(v)) : v.toFixed(digits);
}

/** One decimal everywhere (a share too small for it reads "<0.1 %", never 0.0 % or 0.10 %). */
function pct(part: number, whole: number): string {
  if (whole === 0) return '-';
  const v = (100 * part) / whole;
  return part > 0 && v < 0.05 ? '<0.1 %' : `${v.toFixed(1)} %`;
}

function per1000(v: number, forks: number): string {
  return forks === 0 ? '-' : ((v * 1000) / forks).toFixed(1);
}

/** Heads may hold "\n": a head of several lines. */
function renderTable(head: readonly string[], rows: readonly Row[]): string {
  const body = rows.filter((r): r is readonly [string, readonly Cell[]] => r.length === 2);
  const heads = head.map((h) => h.split('\n'));
  const w0 = Math.max(...heads[0]!.map((h) => h.length), ...body.map((r) => r[0].length));
  const widths = heads
    .slice(1)
    .map((h, i) => Math.max(...h.map((x) => x.length), ...body.map((r) => String(r[1][i] ?? '').length)));
  const line = (label: string, cells: readonly Cell[]) =>
    `${label.padEnd(w0)}  ${cells.map((c, i) => String(c).padStart(widths[i]!)).join('  ')}`.trimEnd();
  const height = Math.max(...heads.map((h) => h.length));
  const out: string[] = [];
  for (let k = 0; k < height; k++)
    out.push(
      line(
        heads[0]![k] ?? '',
        heads.slice(1).map((h) => h[k - (height - h.length)] ?? ''),
      ),
    );
  out.push(`${'-'.repeat(w0)}  ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const r of rows) out.push(r.length === 1 ? r[0] : line(r[0], r[1]));
  return `${out.join('\n')}\n`;
}

/** Pages per stack of a live task under each strategy (dynamic: what the run's live stacks mapped). */
export function pagesPerStack(r: MmRunResult): number {
  if (r.stacks === 'dynamic') return r.dynamic?.pagesPerStack ?? Number.NaN;
  return STACK_KB[r.stacks] / 4;
}

/**
 * Kernel-stack memory if every live task had this strategy's stack, kB: tasks x pages per stack, plus
 * the dynamic pools. (The warm-up's tasks keep the stacks they were made with; this is the design's
 * figure, not the mixed one of the end state.)
 */
export function stackMemoryKB(r: MmRunResult): number {
  const pools = r.dynamic?.poolPages ?? 0;
  return (r.memory.liveTasks * pagesPerStack(r) + pools) * 4;
}

/** Share of tasks deeper than each strategy's stack, from a depth distribution (8k: past 2 pages). */
export function overflowShare(stacks: string, d: StackDepths): number {
  const total = depthTasks(d);
  if (total === 0) return Number.NaN;
  const fit = stacks === '8k' ? 2 : d.tasksByPages.length;
  const over = d.tasksByPages.slice(fit).reduce((a, b) => a + b, 0) + d.overflowing;
  return over / total;
}

function interval(p: { estimate: number; low: number; high: number }): string {
  const f = (v: number) => (v === 0 ? '0' : v < 1e-3 ? v.toExponential(1) : v.toFixed(3));
  return `${f(p.estimate)} [${f(p.low)}, ${f(p.high)}]`;
}

/** The rows that put the strategies' stack memory and risk side by side. */
export function stackRows(runs: readonly MmRunResult[], depths?: StackDepths): Row[] {
  const c = (f: (r: MmRunResult) => Cell) => runs.map(f);
  const dyn = (f: (d: NonNullable<MmRunResult['dynamic']>) => Cell) =>
    c((r) => (r.dynamic ? f(r.dynamic) : '-'));
  const rows: Row[] = [
    ['kernel stacks, every live task on this strategy (tasks)'],
    ['  stack memory, kB', c((r) => `${num(stackMemoryKB(r))} (${r.memory.liveTasks})`)],
    ['  % of managed RAM', c((r) => pct(stackMemoryKB(r), r.memory.managedPages * 4))],
    ['  pages per stack', c((r) => num(pagesPerStack(r), 2))],
    ['  stack faults per second', dyn((d) => num(d.faultsPerSecond, 1))],
    [
      '  tasks that faulted',
      dyn((d) => `${d.stats.tasksFaulted} (${pct(d.stats.tasksFaulted, d.stats.tasks)})`),
    ],
    ['  pool refills (pages)', dyn((d) => d.stats.refills)],
    ['  refill failures', dyn((d) => d.stats.refillFailures)],
    ['  panics (fault on an empty pool)', dyn((d) => d.stats.panics)],
    ['  P(panic) per device-hour [95 %]', dyn((d) => interval(d.panicPerDeviceHour))],
  ];
  if (depths)
    rows.push(['  tasks deeper than the stack', c((r) => pct(overflowShare(r.stacks, depths) * 1e6, 1e6))]);
  return rows;
}

/** One column's figures for the comparison table (text and HTML render the same rows). */
export function columns(runs: readonly MmRunResult[], depths?: StackDepths): Row[] {
  const c = (f: (r: MmRunResult) => Cell) => runs.map(f);
  const w = (r: MmRunResult, k: string) => r.window[k] ?? 0;
  const f = (r: MmRunResult) => r.forks.measured;
  return [
    ['forks measured', c((r) => r.forks.measured)],
    [
      'stack allocation entered the slow path',
      c((r) => `${r.stackAllocs.slowpath} (${pct(r.stackAllocs.slowpath, r.stackAllocs.allocs)})`),
    ],
    ['  ... direct compaction stalls', c((r) => r.stackAllocs.compactStalls)],
    ['  ... direct reclaim entries', c((r) => r.stackAllocs.directReclaims)],
    [
      '  vmap per-CPU cache hits',
      c((r) =>
        r.stacks === 'vmap'
          ? `${r.stackAllocs.cacheHits} (${pct(r.stackAllocs.cacheHits, r.stackAllocs.allocs)})`
          : '-',
      ),
    ],
    ['forks that failed (-ENOMEM)', c((r) => r.forks.failed)],
    [
      'forks that entered any slow path',
      c((r) => `${r.forks.slowpath} (${pct(r.forks.slowpath, r.forks.measured)})`),
    ],
    ['fork latency, µs of allocator work'],
    // One rounding for the whole block.
    ['  p50', c((r) => num(r.forks.latencyUs.p50, 2))],
    ['  p90', c((r) => num(r.forks.latencyUs.p90, 2))],
    ['  p99', c((r) => num(r.forks.latencyUs.p99, 2))],
    ['  p99.9', c((r) => num(r.forks.latencyUs.p999, 2))],
    ['  max', c((r) => num(r.forks.latencyUs.max, 2))],
    ['  mean', c((r) => num(r.forks.latencyUs.mean, 2))],
    ['whole system, per 1000 forks (/proc/vmstat deltas)'],
    ['  compact_stall', c((r) => per1000(w(r, 'compact_stall'), f(r)))],
    ['  compact_success', c((r) => per1000(w(r, 'compact_success'), f(r)))],
    ['  compact_fail', c((r) => per1000(w(r, 'compact_fail'), f(r)))],
    ['  allocstall (direct reclaim)', c((r) => per1000(w(r, 'allocstall'), f(r)))],
    ['  pgscan_direct', c((r) => per1000(w(r, 'pgscan_direct'), f(r)))],
    ['  pgsteal_direct', c((r) => per1000(w(r, 'pgsteal_direct'), f(r)))],
    ['  compact_migrate_scanned', c((r) => per1000(w(r, 'compact_migrate_scanned'), f(r)))],
    ['  compact_free_scanned', c((r) => per1000(w(r, 'compact_free_scanned'), f(r)))],
    ['  pageoutrun (kswapd runs)', c((r) => per1000(w(r, 'pageoutrun'), f(r)))],
    ['  pgscan_kswapd', c((r) => per1000(w(r, 'pgscan_kswapd'), f(r)))],
    ['  unmovable stole from movable', c((r) => per1000(w(r, 'extfrag_unmovable_from_movable'), f(r)))],
    ['  lowmemorykiller kills (all)', c((r) => w(r, 'lmk_kill'))],
    ['  OOM kills (all)', c((r) => w(r, 'oom_kill'))],
    ['end state'],
    ['  free pages (+ pcp)', c((r) => `${r.memory.freePages} (+${r.memory.pcpPages})`)],
    ...[1, 2, 3].map(
      (o): Row => [
        `  unusable_index order ${o}`,
        c((r) => formatUnusableIndex(r.zone.unusableIndex[o] ?? 0)),
      ],
    ),
    ['  extfrag_index order 2', c((r) => formatExtfragIndex(r.zone.extfragIndex[2] ?? 0).trim())],
    ['  Unmovable pageblocks (mixed)', c((r) => blocks(r, 'Unmovable'))],
    ['  Movable pageblocks (mixed)', c((r) => blocks(r, 'Movable'))],
    ['  held by stacks now, KB (mixed kinds)', c((r) => r.memory.kernelStackPages * 4)],
    ['  kswapd + kcompactd CPU, ms', c((r) => num(r.background.kswapdCpuMs + r.background.kcompactdCpuMs))],
    ...stackRows(runs, depths),
  ];
}

function blocks(r: MmRunResult, type: string): string {
  const i = r.zone.blockTypes.indexOf(type);
  return i < 0 ? '-' : `${r.zone.blockCounts[i]} (${r.zone.mixedCounts[i]})`;
}

/** The side-by-side table of `stacklab mm compare`. */
export function renderMmCompare(c: MmCompareResult): string {
  const d = DEVICES[c.device];
  const first = c.runs[0];
  let s = `stacklab mm compare: ${c.device} (${d.title}), ${c.mode} allocator, ${c.scenario} workload, seed ${c.seed}\n`;
  if (c.overrides.length > 0) s += `device overrides: ${c.overrides.join(', ')}\n`;
  s += `aged ${c.warmup} ${c.scenario === 'build' ? 'compiles' : 'app launches'} (${num(c.agedSeconds)} s) with ${c.agedWith} stacks, `;
  s += `then ${c.forks} forks per strategy (${first ? num(first.measuredSeconds) : '-'} s) from that same memory\n`;
  if (first)
    s += `watermarks (pages): min ${first.watermarks.min}, low ${first.watermarks.low}, high ${first.watermarks.high}\n`;
  s += '\n';
  s += renderTable(
    ['', ...c.runs.map((r) => STRATEGY_HEAD[r.stacks] ?? r.stacks)],
    columns(c.runs, c.depths),
  );
  s +=
    "\nLatency is the model's synchronous allocator work per fork (cost units: pages scanned, migrated and\n";
  s +=
    'reclaimed, converted with the constants of src/mm/costs.ts), not measured time. Tasks created during\n';
  s += `the warm-up keep their ${c.agedWith} stacks, so "held by stacks now" mixes kinds.\n`;
  if (c.runs.some((r) => r.stacks === 'dynamic') || c.depths) s += dynamicNote(c);
  for (const r of c.runs)
    if (r.stall) s += `\n${STRATEGY_LABEL[r.stacks] ?? r.stacks}: ${stallText(r.stall)}`;
  const bad = c.runs.filter((r) => r.invariantViolations.length > 0);
  if (bad.length > 0)
    s += `\nWARNING: allocator invariants violated in ${bad.map((r) => r.stacks).join(', ')}\n`;
  return s;
}

/** Where the dynamic column's depths and parameters come from. */
function dynamicNote(c: MmCompareResult): string {
  const r = c.runs.find((x) => x.dynamic)?.dynamic;
  let s = '';
  if (c.depths) s += `Task depths: ${c.depths.id}: ${c.depths.source}.\n`;
  if (r) {
    const p = r.params;
    s += `Dynamic stacks: ${p.pagesAtFork} page at fork, pool of ${p.poolPages} per CPU, refill ${p.refillGfp} `;
    s += `${p.refillDelayUs} µs after the fault${p.unmapOnReturnToUser ? ', pages unmapped on return to user' : ''}; `;
    s += 'tasks reach their depth at their first run (src/model/dynamic-stack-params.ts has the sources).\n';
  }
  return s;
}

/** The summary of one `stacklab mm` run. */
export function renderMmRun(r: MmRunResult): string {
  const d = DEVICES[r.device as keyof typeof DEVICES];
  let s = `stacklab mm: ${r.device}${d ? ` (${d.title})` : ''}, ${r.mode} allocator, ${STRATEGY_LABEL[r.stacks]} stacks\n`;
  s += `workload ${r.scenario}: ${SCENARIOS[r.scenario].title}\n`;
  s += `seed ${r.seed}; aged ${r.warmup} ${r.scenario === 'build' ? 'compiles' : 'launches'} with ${r.agedWith} stacks; `;
  s += `${r.forks.measured} forks measured over ${num(r.measuredSeconds)} s (virtual)\n`;
  s += `min_free_kbytes ${r.watermarks.minFreeKbytes}; watermarks min/low/high ${r.watermarks.min}/${r.watermarks.low}/${r.watermarks.high} pages\n\n`;
  s += renderTable(['', STRATEGY_LABEL[r.stacks] ?? r.stacks], columns([r]));
  s += `\nmemory: ${r.memory.anonPages} anon, ${r.memory.filePages} file, ${r.memory.slabUnreclaimablePages} slab, `;
  s += `${r.memory.slabReclaimablePages} reclaimable slab, ${r.memory.zramPoolPages} zram pool pages (${r.memory.zramStoredPages} stored); `;
  s += `${r.memory.liveTasks} tasks in ${r.memory.liveProcs} processes\n`;
  if (r.stall) s += stallText(r.stall);
  if (r.invariantViolations.length > 0)
    s += `WARNING: allocator invariants violated:\n  ${r.invariantViolations.join('\n  ')}\n`;
  return s;
}

/** A run that stopped because the simulated kernel made no progress. */
function stallText(x: MmStall): string {
  const what = x.phase === 'forks' ? 'forks measured' : 'warm-up launches';
  return (
    `STOPPED: the simulated kernel stopped making progress (${x.done} of ${x.wanted} ${what}; ` +
    `${x.slowpathEntries} direct reclaims/compactions and ${x.events} events since the last one). ` +
    'The memory is too small for this workload: a real kernel would livelock or OOM here.\n'
  );
}

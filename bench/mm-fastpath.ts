// Page allocator fast path: allocations and frees per second through the public API (allocPages /
// freePages: watermark check, pcp list or buddy lists, struct-page bookkeeping), against a bare
// typed-array push/pop loop measured in the same run. Prints ratios; never gates on absolute times.
//
//   node --import tsx bench/mm-fastpath.ts
import { allocPages, freePages } from '../src/mm/alloc.ts';
import { GFP_KERNEL, NO_PAGE } from '../src/mm/constants.ts';
import type { KernelMode } from '../src/mm/migratetype.ts';
import { DEFAULT_MM_PARAMS, MmNode } from '../src/mm/node.ts';
import { PG_KERNEL } from '../src/mm/page-kind.ts';

const OPS = Number(process.env.MM_BENCH_OPS ?? 20_000_000);
const PAGES = 262_144; // a 1 GB zone

function now(): number {
  return performance.now();
}

/** Baseline: push/pop of page numbers on a typed-array stack, the cheapest possible "allocator". */
function baseline(ops: number): number {
  const stack = new Int32Array(PAGES);
  for (let i = 0; i < PAGES; i++) stack[i] = i;
  let top = PAGES;
  let sink = 0;
  const t = now();
  for (let i = 0; i < ops; i += 2) {
    const p = stack[--top]!;
    sink ^= p;
    stack[top++] = p;
  }
  const ms = now() - t;
  if (sink === 42) console.log('');
  return (ops / ms) * 1000;
}

/** Alloc/free pairs, `depth` blocks held at a time, so refills and drains of the pcp lists show. */
function allocator(mode: KernelMode, order: number, depth: number, ops: number): number {
  const node = new MmNode({ ...DEFAULT_MM_PARAMS, mode, spannedPages: PAGES, nrCpus: 4 }, 1);
  const z = node.zone;
  const held = new Int32Array(depth);
  let n = 0;
  const t = now();
  for (let i = 0; i < ops; i += 2) {
    if (n === depth) {
      // Free the whole batch, oldest first, then start again.
      for (let j = 0; j < n; j++) freePages(z, held[j]!);
      i += n - 1;
      n = 0;
      continue;
    }
    const p = allocPages(node, order, GFP_KERNEL, PG_KERNEL);
    if (p === NO_PAGE) throw new Error('allocation failed in the benchmark');
    held[n++] = p;
    if (depth === 1) {
      freePages(z, p);
      n = 0;
    }
  }
  const ms = now() - t;
  return (ops / ms) * 1000;
}

function fmt(opsPerSec: number): string {
  return `${(opsPerSec / 1e6).toFixed(1)} M ops/s`;
}

// Warm up the JIT on small runs, then measure.
baseline(1e6);
allocator('6.1', 0, 1, 1e6);
allocator('2015', 0, 64, 1e6);
const base = baseline(OPS * 5);
console.log(`baseline typed-array push/pop: ${fmt(base)}`);
const cases: [string, KernelMode, number, number][] = [
  ['6.1 order-0, alloc+free pairs (pcp hits)', '6.1', 0, 1],
  ['6.1 order-0, 512 held (pcp refill/drain)', '6.1', 0, 512],
  ['6.1 order-2, alloc+free pairs (pcp, 16 KB stacks)', '6.1', 2, 1],
  ['2015 order-0, alloc+free pairs (pcp hits)', '2015', 0, 1],
  ['2015 order-2, alloc+free pairs (buddy split/merge)', '2015', 2, 1],
  ['2015 order-2, 512 held (buddy)', '2015', 2, 512],
];
for (const [label, mode, order, depth] of cases) {
  const r = allocator(mode, order, depth, OPS);
  console.log(`${label.padEnd(52)} ${fmt(r).padStart(14)}   baseline/this = ${(base / r).toFixed(1)}x`);
}

// What tasks of measured depth would hold under other stack designs: 16 KiB static (today's arm64),
// 12 KiB and 8 KiB static (Mateusz Guzik's and the 2015 RFC's sizes) and dynamic stacks (the 2024
// RFC: one page at fork, the rest on fault). Input: exact per-task high-water marks (a task high-water
// file), or a kstack_* histogram whose buckets are ranges, which gives each figure as an interval.
//
// A static stack costs its whole size whatever the task uses; a dynamic one the pages its task
// touched, ceil(high-water / 4 KiB) and at least the page mapped at fork. The guard page below a
// vmalloc'ed stack is virtual only and costs nothing in any design. The per-CPU pools of dynamic
// stacks (3 pages per CPU) come on top; a file does not say how many CPUs there were.

import { pagesForHighWater } from '../device/stack-depths.ts';
import { PAGE_SIZE } from '../mm/constants.ts';
import { DEFAULT_DYNAMIC_STACK } from '../model/dynamic-stack-params.ts';
import { kstackBucketName } from '../model/kstack-histogram.ts';

/** A figure known exactly (low = high) or as an interval. */
export interface Span {
  readonly low: number;
  readonly high: number;
}

export type PricedDesign = '16k' | '12k' | '8k' | 'dynamic';
export const PRICED_DESIGNS: readonly PricedDesign[] = ['16k', '12k', '8k', 'dynamic'];
const STATIC_BYTES: Readonly<Record<Exclude<PricedDesign, 'dynamic'>, number>> = {
  '16k': 16384,
  '12k': 12288,
  '8k': 8192,
};

export interface DesignPrice {
  readonly design: PricedDesign;
  /** Physical pages the tasks' stacks hold. */
  readonly pages: Span;
  readonly kB: Span;
  /** Tasks deeper than the design's stack (they overflow). */
  readonly overflowing: Span;
  /** dynamic: tasks that fault at least once, and the faults. */
  readonly faulting: Span;
  readonly faults: Span;
}

export interface TaskPrice {
  readonly line: number;
  readonly caller: string;
  readonly highWaterBytes: number;
  /** Pages a dynamic stack maps for this task, and its faults (pages - the one mapped at fork). */
  readonly dynamicPages: number;
  readonly faults: number;
  /** Static designs this task overflows. */
  readonly overflows: readonly PricedDesign[];
}

export interface StackPricing {
  readonly tasks: number;
  /** Exact per-task marks (true) or histogram ranges (false). */
  readonly exact: boolean;
  readonly designs: readonly DesignPrice[];
  /** Pages of the dynamic design's per-CPU pool, per CPU (on top of `designs`). */
  readonly poolPagesPerCpu: number;
  /** Exact input only: each task. */
  readonly perTask: readonly TaskPrice[];
  /**
   * Histogram input only: the THREAD_SIZE of the kernel that printed it, from its last bucket
   * (vmstat lists kstack_* buckets up to THREAD_SIZE, zeros included: mm/vmstat.c), null past 64 KB
   * (kstack_rest).
   */
  readonly printedBy?: { readonly threadSizeBytes: number | null; readonly lastBucket: string };
}

const exact = (v: number): Span => ({ low: v, high: v });
const add = (a: Span, b: Span): Span => ({ low: a.low + b.low, high: a.high + b.high });
const ZERO = exact(0);

function price(design: PricedDesign, pages: Span, over: Span, faulting = ZERO, faults = ZERO): DesignPrice {
  return {
    design,
    pages,
    kB: { low: (pages.low * PAGE_SIZE) / 1024, high: (pages.high * PAGE_SIZE) / 1024 },
    overflowing: over,
    faulting,
    faults,
  };
}

/** Prices tasks with exact high-water marks (bytes), as read from a task high-water file. */
export function priceHighWater(
  tasks: readonly { readonly highWaterBytes: number; readonly line: number; readonly caller: string }[],
): StackPricing {
  const atFork = DEFAULT_DYNAMIC_STACK.pagesAtFork;
  const perTask: TaskPrice[] = tasks.map((t) => {
    const dynamicPages = pagesForHighWater(t.highWaterBytes, atFork);
    const overflows = PRICED_DESIGNS.filter(
      (d) => d !== 'dynamic' && t.highWaterBytes > STATIC_BYTES[d as keyof typeof STATIC_BYTES],
    );
    // A dynamic stack grows to THREAD_SIZE (16 KiB) and overflows past it, as the 16k one does.
    if (overflows.includes('16k')) overflows.push('dynamic');
    return {
      line: t.line,
      caller: t.caller,
      highWaterBytes: t.highWaterBytes,
      dynamicPages: Math.min(dynamicPages, 4),
      faults: Math.min(dynamicPages, 4) - atFork,
      overflows,
    };
  });
  const n = perTask.length;
  const over = (d: PricedDesign) => exact(perTask.filter((t) => t.overflows.includes(d)).length);
  const designs = PRICED_DESIGNS.map((d) => {
    if (d === 'dynamic') {
      const pages = perTask.reduce((a, t) => a + t.dynamicPages, 0);
      const faulting = perTask.filter((t) => t.faults > 0).length;
      const faults = perTask.reduce((a, t) => a + t.faults, 0);
      return price(d, exact(pages), over(d), exact(faulting), exact(faults));
    }
    return price(d, exact((n * STATIC_BYTES[d]) / PAGE_SIZE), over(d));
  });
  return { tasks: n, exact: true, designs, poolPagesPerCpu: DEFAULT_DYNAMIC_STACK.poolPages, perTask };
}

/** One kstack_* bucket: tasks whose deepest use was in (the previous bucket's bound, upToBytes]. */
export interface KstackBucketCount {
  readonly upToBytes: number | null;
  readonly tasks: number;
}

/** Prices a kstack_* histogram: each bucket is a range of depths, so each figure is an interval. */
export function priceKstack(buckets: readonly KstackBucketCount[]): StackPricing {
  const sorted = [...buckets].sort((a, b) => (a.upToBytes ?? Infinity) - (b.upToBytes ?? Infinity));
  const atFork = DEFAULT_DYNAMIC_STACK.pagesAtFork;
  let n = 0;
  const acc = new Map<PricedDesign, { over: Span; pages: Span; faulting: Span; faults: Span }>(
    PRICED_DESIGNS.map((d) => [d, { over: ZERO, pages: ZERO, faulting: ZERO, faults: ZERO }]),
  );
  let lo = 0;
  for (const b of sorted) {
    const t = b.tasks;
    n += t;
    const hi = b.upToBytes ?? Infinity;
    // Depths in (lo, hi]: the shallowest is lo + 1 bytes.
    const overs = (limit: number): Span => ({ low: lo + 1 > limit ? t : 0, high: hi > limit ? t : 0 });
    for (const d of PRICED_DESIGNS) {
      const a = acc.get(d)!;
      if (d === 'dynamic') {
        const fewest = Math.min(4, pagesForHighWater(lo + 1, atFork));
        const most = Math.min(4, hi === Infinity ? 4 : pagesForHighWater(hi, atFork));
        a.pages = add(a.pages, { low: t * fewest, high: t * most });
        a.faulting = add(a.faulting, { low: fewest > atFork ? t : 0, high: most > atFork ? t : 0 });
        a.faults = add(a.faults, { low: t * (fewest - atFork), high: t * (most - atFork) });
        a.over = add(a.over, overs(16384));
      } else {
        a.pages = add(a.pages, exact((t * STATIC_BYTES[d]) / PAGE_SIZE));
        a.over = add(a.over, overs(STATIC_BYTES[d]));
      }
    }
    if (b.upToBytes !== null) lo = b.upToBytes;
  }
  const designs = PRICED_DESIGNS.map((d) => {
    const a = acc.get(d)!;
    return price(d, a.pages, a.over, a.faulting, a.faults);
  });
  const last = sorted[sorted.length - 1];
  const printedBy =
    last === undefined
      ? undefined
      : {
          threadSizeBytes: last.upToBytes,
          lastBucket: kstackBucketName(last.upToBytes),
        };
  return {
    tasks: n,
    exact: false,
    designs,
    poolPagesPerCpu: DEFAULT_DYNAMIC_STACK.poolPages,
    perTask: [],
    ...(printedBy ? { printedBy } : {}),
  };
}

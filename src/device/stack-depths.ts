// How deep tasks get, as the number of 4 KiB stack pages each one touches: the input that prices
// dynamic stacks. A task whose deepest use (its high-water mark) is `hw` bytes touches the top
// ceil(hw / 4096) pages of its stack, at least the pages mapped at fork; the guard page below the
// stack is never touched by a task that does not overflow and costs nothing.
//
// Sources: real per-task high-water marks (taskstack_highwater.txt, read through /proc/kcore), the
// kstack_* histogram of /proc/vmstat (a bucket is a range of depths, so a task is counted at the
// largest page count of its bucket: conservative for dynamic stacks), or a simulator run's perTask.
import { PAGE_SIZE } from '../mm/constants.ts';
import { kstackBuckets } from '../model/kstack-histogram.ts';

export interface StackDepths {
  /** Built-in id or file name. */
  readonly id: string;
  /** Where the depths come from. */
  readonly source: string;
  /** tasksByPages[k - 1]: tasks that touch k pages (k = 1 .. threadPages). */
  readonly tasksByPages: readonly number[];
  /** Tasks deeper than THREAD_SIZE (they would overflow; a 16 KiB kernel cannot show them). */
  readonly overflowing: number;
  /** Tasks whose page count is an upper bound (a histogram bucket spanning several page counts). */
  readonly roundedUp: number;
}

/** Pages a task with high-water mark `hwBytes` touches: whole pages, at least those mapped at fork. */
export function pagesForHighWater(hwBytes: number, pagesAtFork = 1): number {
  return Math.max(pagesAtFork, Math.ceil(hwBytes / PAGE_SIZE));
}

/** Depths from exact per-task high-water marks (bytes). */
export function depthsFromHighWater(
  id: string,
  source: string,
  hwBytes: Iterable<number>,
  threadPages = 4,
): StackDepths {
  const by = new Array<number>(threadPages).fill(0);
  let overflowing = 0;
  for (const hw of hwBytes) {
    const p = pagesForHighWater(hw);
    if (p > threadPages) overflowing++;
    else by[p - 1]!++;
  }
  return { id, source, tasksByPages: by, overflowing, roundedUp: 0 };
}

/** One kstack_* bucket as read: its upper bound in bytes (null: kstack_rest) and its tasks. */
export interface KstackCount {
  readonly upToBytes: number | null;
  readonly tasks: number;
}

/**
 * Depths from a kstack_* histogram. A bucket (lo, hi] counts at ceil(hi / 4096) pages; where that
 * differs from the fewest pages of the bucket its tasks are `roundedUp`. Buckets above THREAD_SIZE
 * (kstack_32k.. on a 16 KiB kernel cannot hold tasks; other kernels' files can) count as overflowing.
 */
export function depthsFromKstack(
  id: string,
  source: string,
  counts: readonly KstackCount[],
  threadPages = 4,
): StackDepths {
  const by = new Array<number>(threadPages).fill(0);
  let overflowing = 0;
  let roundedUp = 0;
  const sorted = [...counts].sort((a, b) => (a.upToBytes ?? Infinity) - (b.upToBytes ?? Infinity));
  let lo = 0;
  for (const c of sorted) {
    const hi = c.upToBytes;
    const most = hi === null ? Infinity : Math.max(1, Math.ceil(hi / PAGE_SIZE));
    const fewest = Math.max(1, Math.ceil((lo + 1) / PAGE_SIZE));
    if (most > threadPages) {
      // Part of the bucket may still fit: those tasks are counted at THREAD_SIZE, as rounded up.
      if (fewest <= threadPages) {
        by[threadPages - 1]! += c.tasks;
        roundedUp += c.tasks;
      } else overflowing += c.tasks;
    } else {
      by[most - 1]! += c.tasks;
      if (most !== fewest) roundedUp += c.tasks;
    }
    if (hi !== null) lo = hi;
  }
  return { id, source, tasksByPages: by, overflowing, roundedUp };
}

export function depthTasks(d: StackDepths): number {
  return d.tasksByPages.reduce((a, b) => a + b, 0) + d.overflowing;
}

/** The kstack_* buckets of a 16 KiB kernel with these counts, in bucket order. */
function kstack16k(tasks: readonly number[]): KstackCount[] {
  return kstackBuckets(16384).map((b, i) => ({ upToBytes: b.upToBytes, tasks: tasks[i] ?? 0 }));
}

export type BuiltinDepthsId = 'kstack-arm64-2024' | 'kstack-x86-2024' | 'qemu-6.1-highwater';
export const BUILTIN_DEPTH_IDS: readonly BuiltinDepthsId[] = [
  'kstack-arm64-2024',
  'kstack-x86-2024',
  'qemu-6.1-highwater',
];

/** The depth distributions stacklab carries, each with its source ("DS": reference/dynamic-stacks.md). */
export const BUILTIN_DEPTHS: Readonly<Record<BuiltinDepthsId, StackDepths>> = {
  'kstack-arm64-2024': depthsFromKstack(
    'kstack-arm64-2024',
    'kstack_1k..16k = 1 / 340 / 25212 / 1659 / 0, arm64 (64 KiB pages), from the commit adding the kstack_* histogram to mm/vmstat.c (DS): 93.9 % <= 4 KiB, 6.1 % in 4-8 KiB',
    kstack16k([1, 340, 25212, 1659, 0]),
  ),
  'kstack-x86-2024': depthsFromKstack(
    'kstack-x86-2024',
    'kstack_1k..16k = 3 / 188 / 11391 / 243 / 0, Intel, from the same commit (DS): 97.95 % <= 4 KiB',
    kstack16k([3, 188, 11391, 243, 0]),
  ),
  // 109 tasks at <= 4096 B, one at 5096 B: test/device/stack-depths.test.ts reads the real files
  // (shared/data/real/arm64-6.1-qemu/{fork-256M,udp-512M}/taskstack_highwater.txt) and checks this.
  'qemu-6.1-highwater': {
    id: 'qemu-6.1-highwater',
    source:
      "the 110 live task stacks of Debian 6.1.192 arm64 under QEMU (fork-256M and udp-512M captures, taskstack_highwater.txt): max 5096 B; a near-idle machine, Gleixner's objection applies",
    tasksByPages: [109, 1, 0, 0],
    overflowing: 0,
    roundedUp: 0,
  },
};

/** The default input of the mm experiment: arm64's own histogram, the deepest of the three. */
export const DEFAULT_DEPTHS: BuiltinDepthsId = 'kstack-arm64-2024';

/**
 * Pages touched by a task drawn with `u` uniform in [0, 1); tasks deeper than THREAD_SIZE draw
 * threadPages + 1 (they fault past the last page: an overflow).
 */
export function samplePages(d: StackDepths, u: number): number {
  const total = depthTasks(d);
  let x = u * total;
  for (let i = 0; i < d.tasksByPages.length; i++) {
    x -= d.tasksByPages[i]!;
    if (x < 0) return i + 1;
  }
  return d.overflowing > 0 ? d.tasksByPages.length + 1 : d.tasksByPages.length;
}

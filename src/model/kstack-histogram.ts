// The kstack_* histogram of /proc/vmstat (6.12+, CONFIG_DEBUG_STACK_USAGE): at exit, each task's
// deepest stack use (THREAD_SIZE minus the untouched bytes stack_not_used() finds above
// end_of_stack()) is counted in the first bucket it fits. One definition serves the simulator
// (result.kstack) and the readers of real vmstat files.
//
//   kstack_1k 0
//   kstack_2k 39
//   kstack_4k 1187
//
// @kernel kstack_histogram() kernel/exit.c, vmstat_text[] mm/vmstat.c (Debian linux-source-6.12 6.12.117)

/** One bucket: its vmstat name and the largest use it counts (null for kstack_rest). */
export interface KstackBucket {
  readonly name: string;
  readonly upToBytes: number | null;
}

/** A bucket's vmstat name: kstack_Nk for a limit of N * 1024 bytes, kstack_rest for none. */
export function kstackBucketName(upToBytes: number | null): string {
  return upToBytes === null ? 'kstack_rest' : `kstack_${upToBytes / 1024}k`;
}

/** Bucket limits in bytes: "used_stack <= 1024" ... "<= 65536" (kstack_histogram()). */
const LIMITS = [1024, 2048, 4096, 8192, 16384, 32768, 65536] as const;

/**
 * The buckets a kernel with this THREAD_SIZE has: kstack_1k always, kstack_Nk for N * 1024 = 2 x
 * the previous limit while THREAD_SIZE is bigger than the previous limit, kstack_rest above 64 KB
 * (each guarded by "#if THREAD_SIZE > <previous limit>" in both kernel/exit.c and mm/vmstat.c).
 */
export function kstackBuckets(threadSize: number): KstackBucket[] {
  const out: KstackBucket[] = [];
  let previous = 0;
  for (const limit of LIMITS) {
    if (limit !== 1024 && !(threadSize > previous)) break;
    out.push({ name: kstackBucketName(limit), upToBytes: limit });
    previous = limit;
  }
  if (threadSize > 65536) out.push({ name: kstackBucketName(null), upToBytes: null });
  return out;
}

/** The bucket a task whose deepest use was `usedBytes` is counted in, or null when none fits (only possible past THREAD_SIZE). */
export function kstackBucketOf(usedBytes: number, threadSize: number): KstackBucket | null {
  for (const b of kstackBuckets(threadSize)) if (b.upToBytes === null || usedBytes <= b.upToBytes) return b;
  return null;
}

/** Counts per bucket, every bucket of the kernel present (zeros included, as /proc/vmstat prints them). */
export function kstackHistogram(usedBytes: Iterable<number>, threadSize: number): Map<string, number> {
  const counts = new Map(kstackBuckets(threadSize).map((b) => [b.name, 0]));
  for (const u of usedBytes) {
    const b = kstackBucketOf(u, threadSize);
    if (b) counts.set(b.name, (counts.get(b.name) ?? 0) + 1);
  }
  return counts;
}

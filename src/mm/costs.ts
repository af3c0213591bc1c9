// The cost model: synchronous allocator work in units, converted to microseconds with these constants
// (PA §6.4). They are model parameters, NOT published measurements: the reference gives ranges
// ("scan 0.05-0.2 µs/page, migrate 2-10 µs/page, reclaim file 1-3 µs/page, zram compress 10-30
// µs/page") and one figure, ≈1.5 µs extra per vmalloc'ed stack (PA §5.3, unconfirmed). Reports give
// the raw units (pages scanned, migrated, reclaimed) next to the converted latency, so a reader can
// re-weigh them.

export interface CostModel {
  /** Per allocation or free served by a per-CPU list. */
  readonly pcpUs: number;
  /** Per allocation served by the buddy lists under the zone lock. */
  readonly buddyUs: number;
  /** Per page scanned on an LRU list by reclaim. */
  readonly scanLruUs: number;
  /** Per clean page-cache page reclaimed. */
  readonly reclaimFileUs: number;
  /** Per anonymous page compressed into zram. */
  readonly reclaimAnonUs: number;
  /** Per PFN examined by the compaction migrate scanner. */
  readonly compactMigrateScanUs: number;
  /** Per PFN examined by the compaction free scanner. */
  readonly compactFreeScanUs: number;
  /** Per page migrated (unmap, 4 KB copy, remap). */
  readonly migrateUs: number;
  /** Extra work of a vmalloc'ed stack on a per-CPU cache miss (vmap_area, pages[], mapping). */
  readonly vmallocUs: number;
  /** Freeing a vmalloc'ed stack that does not fit the cache (vfree, lazy TLB purge share). */
  readonly vfreeUs: number;
  /** Entering the slow path (flag recomputation, kswapd wake-up). */
  readonly slowpathUs: number;
  /** drain_all_pages(): IPIs to every CPU. */
  readonly drainAllUs: number;
  /** 2015: wait_iff_congested() per retry loop; 0 because it only sleeps when writeback congests. */
  readonly waitCongestedUs: number;
  /** Choosing and killing an OOM victim (and waiting for its memory). */
  readonly oomKillUs: number;
}

export const DEFAULT_COSTS: CostModel = {
  pcpUs: 0.05,
  buddyUs: 0.2,
  scanLruUs: 0.1,
  reclaimFileUs: 2,
  reclaimAnonUs: 20,
  compactMigrateScanUs: 0.05,
  compactFreeScanUs: 0.05,
  migrateUs: 5,
  vmallocUs: 1.5,
  vfreeUs: 1,
  slowpathUs: 1,
  drainAllUs: 20,
  waitCongestedUs: 0,
  oomKillUs: 2000,
};

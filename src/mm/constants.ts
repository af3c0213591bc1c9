// Page-allocator constants, spelled as the kernel spells them. Each cites its source: the 6.1 file
// (Debian linux-source-6.1, 6.1.192) or a section of shared/reference/page-allocator.md ("PA §n").
// 2015-era values are marked "2015" and come from the reference's reconstruction (PA §0).

export { PAGE_ALLOC_COSTLY_ORDER, PAGE_SHIFT, PAGE_SIZE } from '../model/constants.ts';

/** include/linux/mmzone.h (6.1): orders 0..MAX_ORDER-1 exist; the largest block is 1024 pages (4 MB). */
export const MAX_ORDER = 11;
/** include/linux/mmzone.h: MAX_ORDER_NR_PAGES = 1 << (MAX_ORDER - 1). */
export const MAX_ORDER_NR_PAGES = 1 << (MAX_ORDER - 1);

/** include/linux/swap.h: SWAP_CLUSTER_MAX, the reclaim batch (also kswapd's minimum target). */
export const SWAP_CLUSTER_MAX = 32;
/** include/linux/compaction.h / mm/internal.h: COMPACT_CLUSTER_MAX = SWAP_CLUSTER_MAX. */
export const COMPACT_CLUSTER_MAX = SWAP_CLUSTER_MAX;
/** mm/vmscan.c: DEF_PRIORITY, reclaim scans lru_size >> priority per pass. */
export const DEF_PRIORITY = 12;
/** mm/internal.h (6.1): MAX_RECLAIM_RETRIES, no-progress reclaim loops before OOM. */
export const MAX_RECLAIM_RETRIES = 16;
/** mm/page_alloc.c (6.1): MAX_COMPACT_RETRIES (÷4 for costly orders). */
export const MAX_COMPACT_RETRIES = 16;
/** mm/compaction.c: COMPACT_MAX_DEFER_SHIFT, compaction is skipped at most 64 times after failures. */
export const COMPACT_MAX_DEFER_SHIFT = 6;
/** mm/compaction.c: sysctl_extfrag_threshold default. */
export const EXTFRAG_THRESHOLD = 500;
/** mm/page_alloc.c (6.1): watermark_boost_factor default (150 % of the high watermark). */
export const WATERMARK_BOOST_FACTOR = 15000;
/** mm/page_alloc.c (6.1): watermark_scale_factor default (0.1 % of managed pages). */
export const WATERMARK_SCALE_FACTOR = 10;
/** mm/compaction.c (6.1): sysctl_compaction_proactiveness default. */
export const COMPACTION_PROACTIVENESS = 20;
/** mm/compaction.c (6.1): HPAGE_FRAG_CHECK_INTERVAL_MSEC, kcompactd's proactive period. */
export const HPAGE_FRAG_CHECK_INTERVAL_MSEC = 500;
/** mm/vmscan.c: kswapd naps HZ/10 before deciding to sleep fully. */
export const KSWAPD_NAP_US = 100_000;
/** 2015: wait_iff_congested(..., HZ/50) between retries of the "too small to fail" loop (PA §2.8). */
export const CONGESTION_WAIT_MAX_US = 20_000;

/** include/linux/compaction.h: compact_gap(order) = 2UL << order, free pages compaction needs as workspace. */
export function compactGap(order: number): number {
  return 2 << order;
}

/** The sentinel for "no page" in hot paths that return a PFN (kept out of public result types). */
export const NO_PAGE = -1;

/**
 * GFP bits, with the 6.1 values (include/linux/gfp_types.h). The model uses them for both modes; the
 * 2015 bit layout only matters when decoding old reports (see formats/page-alloc-failure.ts).
 */
export const ___GFP_DMA = 0x01;
export const ___GFP_HIGHMEM = 0x02;
export const ___GFP_DMA32 = 0x04;
export const ___GFP_MOVABLE = 0x08;
export const ___GFP_RECLAIMABLE = 0x10;
export const ___GFP_HIGH = 0x20;
export const ___GFP_IO = 0x40;
export const ___GFP_FS = 0x80;
export const ___GFP_ZERO = 0x100;
export const ___GFP_ATOMIC = 0x200;
export const ___GFP_DIRECT_RECLAIM = 0x400;
export const ___GFP_KSWAPD_RECLAIM = 0x800;
export const ___GFP_NOWARN = 0x2000;
export const ___GFP_RETRY_MAYFAIL = 0x4000;
export const ___GFP_NOFAIL = 0x8000;
export const ___GFP_NORETRY = 0x10000;
export const ___GFP_NOMEMALLOC = 0x80000;
export const ___GFP_ACCOUNT = 0x400000;

/** include/linux/gfp_types.h (6.1): GFP_KERNEL = __GFP_RECLAIM | __GFP_IO | __GFP_FS. */
export const GFP_KERNEL = ___GFP_DIRECT_RECLAIM | ___GFP_KSWAPD_RECLAIM | ___GFP_IO | ___GFP_FS;
/** GFP_ATOMIC = __GFP_HIGH | __GFP_ATOMIC | __GFP_KSWAPD_RECLAIM. */
export const GFP_ATOMIC = ___GFP_HIGH | ___GFP_ATOMIC | ___GFP_KSWAPD_RECLAIM;
/** GFP_HIGHUSER_MOVABLE (anonymous and page-cache pages): GFP_USER | __GFP_HIGHMEM | __GFP_MOVABLE. */
export const GFP_HIGHUSER_MOVABLE = GFP_KERNEL | ___GFP_HIGHMEM | ___GFP_MOVABLE;
/** kernel/fork.c (6.1): THREADINFO_GFP = GFP_KERNEL_ACCOUNT | __GFP_ZERO; unmovable (PA §1.1). */
export const THREADINFO_GFP = GFP_KERNEL | ___GFP_ACCOUNT | ___GFP_ZERO;

/** mm/internal.h (6.1) ALLOC_* flags (PA §2.9). The low two bits index the watermark. */
export const ALLOC_WMARK_MIN = 0;
export const ALLOC_WMARK_LOW = 1;
export const ALLOC_WMARK_HIGH = 2;
export const ALLOC_NO_WATERMARKS = 0x04;
export const ALLOC_WMARK_MASK = ALLOC_NO_WATERMARKS - 1;
export const ALLOC_OOM = 0x08;
export const ALLOC_NON_BLOCK = 0x10;
export const ALLOC_MIN_RESERVE = 0x20;
export const ALLOC_CPUSET = 0x40;
export const ALLOC_CMA = 0x80;
export const ALLOC_NOFRAGMENT = 0x100;
export const ALLOC_HIGHATOMIC = 0x200;
export const ALLOC_KSWAPD = 0x800;
/** mm/internal.h (6.1): ALLOC_RESERVES = ALLOC_NON_BLOCK|ALLOC_MIN_RESERVE|ALLOC_HIGHATOMIC|ALLOC_OOM. */
export const ALLOC_RESERVES = ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM;

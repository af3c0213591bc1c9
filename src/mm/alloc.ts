// Page allocation and freeing: the fast path and the slow path of each mode (PA §2.8).
//
// Fast path (both modes): get_page_from_freelist() at the LOW watermark; pcp lists for orders the
// mode keeps there, else the buddy lists. On failure the slow path of the mode runs:
//
//   6.1 (mm/page_alloc.c __alloc_pages_slowpath, read from 6.1.192):
//     wake kswapd -> freelist at MIN -> initial ASYNC compaction (order > 0, not movable)
//     retry: wake kswapd -> freelist -> direct reclaim (+ drain pcp once) -> compaction at
//     `compact_priority` -> should_reclaim_retry (16 no-progress loops, order-n check with
//     reclaimable pages) -> should_compact_retry (priority escalation) -> OOM -> retry or fail
//
//   2015 (3.10-4.2, reconstructed in PA §2.8; order of steps unconfirmed):
//     wake kswapd -> freelist at MIN -> rebalance: direct compaction (async first, then sync light;
//     skipped while deferred) -> direct reclaim (+ drain) -> no progress: OOM (order <= 3) and
//     restart; progress: order <= 3 retries forever ("too small to fail") after wait_iff_congested

import { AssertionFailed } from '../base/assert.ts';
import {
  freeOnePage,
  reserveHighatomicPageblock,
  rmqueueBuddy,
  unreserveHighatomicPageblock,
} from './buddy.ts';
import {
  COMPACT_COMPLETE,
  COMPACT_CONTENDED,
  COMPACT_CONTINUE,
  COMPACT_DEFERRED,
  COMPACT_PARTIAL_SKIPPED,
  COMPACT_PRIO_ASYNC,
  COMPACT_PRIO_SYNC_LIGHT,
  COMPACT_SKIPPED,
  COMPACT_SUCCESS,
  CompactControl,
  compactionDeferReset,
  compactionSuitable,
  DEF_COMPACT_PRIORITY,
  INIT_COMPACT_PRIORITY,
  MIN_COMPACT_COSTLY_PRIORITY,
  MIN_COMPACT_PRIORITY,
  tryToCompactPages,
} from './compaction.ts';
import {
  ___GFP_ATOMIC,
  ___GFP_DIRECT_RECLAIM,
  ___GFP_DMA,
  ___GFP_FS,
  ___GFP_HIGH,
  ___GFP_KSWAPD_RECLAIM,
  ___GFP_MOVABLE,
  ___GFP_NOMEMALLOC,
  ___GFP_NORETRY,
  ___GFP_RECLAIMABLE,
  ___GFP_RETRY_MAYFAIL,
  ALLOC_CMA,
  ALLOC_HIGHATOMIC,
  ALLOC_KSWAPD,
  ALLOC_MIN_RESERVE,
  ALLOC_NO_WATERMARKS,
  ALLOC_NON_BLOCK,
  ALLOC_WMARK_HIGH,
  ALLOC_WMARK_LOW,
  ALLOC_WMARK_MASK,
  ALLOC_WMARK_MIN,
  MAX_COMPACT_RETRIES,
  MAX_RECLAIM_RETRIES,
  NO_PAGE,
  PAGE_ALLOC_COSTLY_ORDER,
} from './constants.ts';
import { wakeAllKswapds, wakeupKswapd } from './kswapd.ts';
import { MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE } from './migratetype.ts';
import type { MmNode } from './node.ts';
import { PG_FREE, PG_PCP, PG_TAIL } from './page-kind.ts';
import { drainAllPages, freeUnrefPage, pcpAllowedOrder, rmqueuePcplist } from './pcp.ts';
import { tryToFreePages, zoneReclaimablePages } from './reclaim.ts';
import { zoneWatermarkFast, zoneWatermarkOk } from './watermark.ts';
import type { Zone } from './zone.ts';

/** @kernel gfp_migratetype() include/linux/gfp.h */
export function gfpMigratetype(gfp: number): number {
  if (gfp & ___GFP_MOVABLE) return MIGRATE_MOVABLE;
  if (gfp & ___GFP_RECLAIMABLE) return MIGRATE_RECLAIMABLE;
  return MIGRATE_UNMOVABLE;
}

/** @kernel prep_new_page(): marks every page of the new block as `kind`, the head with its order. */
export function prepNewPage(z: Zone, pfn: number, order: number, kind: number): void {
  const n = 1 << order;
  for (let i = 0; i < n; i++) {
    z.kind[pfn + i] = kind;
    z.owner[pfn + i] = 0;
  }
  z.order[pfn] = order;
}

/**
 * @kernel __free_pages() mm/page_alloc.c: frees the block whose head is `pfn` (its order is remembered
 * from allocation). Orders the mode keeps on pcp lists go there; the rest merge in the buddy.
 */
export function freePages(z: Zone, pfn: number): void {
  const order = z.order[pfn]!;
  const n = 1 << order;
  const kind = z.kind;
  const k = kind[pfn]!;
  if (k === PG_FREE || k === PG_TAIL || k === PG_PCP)
    throw new AssertionFailed(`free of pfn ${pfn} that is not allocated (kind ${k})`);
  for (let i = 0; i < n; i++) kind[pfn + i] = PG_TAIL;
  z.vm.pgfree += n;
  if (pcpAllowedOrder(z, order)) freeUnrefPage(z, pfn, order);
  else freeOnePage(z, pfn, order, z.pageblockMigratetype(pfn));
}

/**
 * @kernel get_page_from_freelist() mm/page_alloc.c for the single zone: watermark check of the mode,
 * then pcp or buddy. No NOFRAGMENT (a single zone has no lower zone to protect).
 */
export function getPageFromFreelist(node: MmNode, order: number, mt: number, allocFlags: number): number {
  const z = node.zone;
  if (!(allocFlags & ALLOC_NO_WATERMARKS)) {
    const mark = z.wmark(allocFlags & ALLOC_WMARK_MASK);
    if (!zoneWatermarkFast(z, order, mark, allocFlags)) return NO_PAGE;
  }
  let p = NO_PAGE;
  const costs = node.params.costs;
  if (pcpAllowedOrder(z, order) && (!z.configCma || allocFlags & ALLOC_CMA || mt !== MIGRATE_MOVABLE)) {
    p = rmqueuePcplist(z, order, mt, allocFlags);
    node.trace.costUs += costs.pcpUs;
  }
  if (p === NO_PAGE) {
    p = rmqueueBuddy(z, order, mt, allocFlags);
    node.trace.costUs += costs.buddyUs;
  }
  if (z.boostedWatermarkFlag) {
    z.boostedWatermarkFlag = false;
    wakeupKswapd(node, 0);
  }
  if (p === NO_PAGE) return NO_PAGE;
  if (allocFlags & ALLOC_HIGHATOMIC && z.mode === '6.1') reserveHighatomicPageblock(z, p);
  z.vm.pgalloc += 1 << order;
  return p;
}

/** Flags of the first attempt: LOW watermark, kswapd allowed, CMA for movable requests. */
function fastpathFlags(gfp: number, mt: number): number {
  let f = ALLOC_WMARK_LOW;
  if (gfp & ___GFP_KSWAPD_RECLAIM) f |= ALLOC_KSWAPD;
  if (mt === MIGRATE_MOVABLE) f |= ALLOC_CMA;
  return f;
}

/**
 * @kernel gfp_to_alloc_flags() mm/page_alloc.c (6.1.192): non-blocking callers (no
 * __GFP_DIRECT_RECLAIM) get ALLOC_NON_BLOCK, and ALLOC_HIGHATOMIC for order > 0, unless
 * __GFP_NOMEMALLOC. 2015's ALLOC_HIGH / ALLOC_HARDER map onto ALLOC_MIN_RESERVE / ALLOC_NON_BLOCK.
 */
export function gfpToAllocFlags(gfp: number, order: number, mt: number): number {
  let f = ALLOC_WMARK_MIN;
  if (gfp & ___GFP_HIGH) f |= ALLOC_MIN_RESERVE;
  if (gfp & ___GFP_KSWAPD_RECLAIM) f |= ALLOC_KSWAPD;
  if (!(gfp & ___GFP_DIRECT_RECLAIM) && !(gfp & ___GFP_NOMEMALLOC)) {
    f |= ALLOC_NON_BLOCK;
    if (order > 0) f |= ALLOC_HIGHATOMIC;
  }
  if (mt === MIGRATE_MOVABLE) f |= ALLOC_CMA;
  return f;
}

/**
 * @kernel __alloc_pages() mm/page_alloc.c: one block of 2^order pages, marked `kind`, or NO_PAGE.
 * node.trace tells what it took. Callers set zone.cpu first.
 */
export function allocPages(node: MmNode, order: number, gfp: number, kind: number): number {
  const t = node.trace;
  t.reset(order);
  const mt = gfpMigratetype(gfp);
  let p = getPageFromFreelist(node, order, mt, fastpathFlags(gfp, mt));
  if (p === NO_PAGE) {
    t.slowpath = true;
    node.charge(node.params.costs.slowpathUs);
    p = node.params.mode === '6.1' ? slowpath61(node, order, gfp, mt) : slowpath2015(node, order, gfp, mt);
  }
  if (p === NO_PAGE) {
    t.failed = true;
    return NO_PAGE;
  }
  prepNewPage(node.zone, p, order, kind);
  return p;
}

/** Allocation without reclaim or watermarks (PF_MEMALLOC context: zsmalloc pages from reclaim). */
export function allocPagesNoWatermarks(node: MmNode, order: number, gfp: number, kind: number): number {
  const mt = gfpMigratetype(gfp);
  const p = getPageFromFreelist(
    node,
    order,
    mt,
    ALLOC_NO_WATERMARKS | (mt === MIGRATE_MOVABLE ? ALLOC_CMA : 0),
  );
  if (p !== NO_PAGE) prepNewPage(node.zone, p, order, kind);
  return p;
}

/**
 * @kernel __alloc_pages_direct_compact() mm/page_alloc.c: counts compact_stall/success/fail.
 * 6.1 counts a stall for any result but SKIPPED (a deferred attempt is a stall); 2015 returns before
 * counting when deferred (3.10).
 */
function directCompact(
  node: MmNode,
  order: number,
  mt: number,
  allocFlags: number,
  prio: number,
): { page: number; result: number } {
  const z = node.zone;
  const t = node.trace;
  if (order === 0) return { page: NO_PAGE, result: COMPACT_SKIPPED };
  const r = tryToCompactPages(
    node,
    (node.compactDirect ??= new CompactControl(z.spanned)),
    order,
    mt,
    allocFlags,
    prio,
  );
  if (r.result === COMPACT_SKIPPED) return { page: NO_PAGE, result: r.result };
  if (z.mode === '2015' && r.result === COMPACT_DEFERRED) return { page: NO_PAGE, result: r.result };
  z.vm.compact_stall++;
  t.compactStalls++;
  let page = NO_PAGE;
  if (r.captured !== NO_PAGE) {
    page = r.captured;
    z.vm.pgalloc += 1 << order;
  } else {
    page = getPageFromFreelist(node, order, mt, allocFlags);
  }
  if (page !== NO_PAGE) {
    z.compactBlockskipFlush = false;
    compactionDeferReset(z, order, true);
    z.vm.compact_success++;
    t.compactSuccess = true;
    return { page, result: r.result };
  }
  z.vm.compact_fail++;
  return { page: NO_PAGE, result: r.result };
}

/**
 * @kernel __alloc_pages_direct_reclaim() mm/page_alloc.c: try_to_free_pages(), then the freelist;
 * if that fails, unreserve a HIGHATOMIC block and drain the pcp lists once (6.1; 2015 drains too).
 */
function directReclaim(
  node: MmNode,
  order: number,
  gfp: number,
  mt: number,
  allocFlags: number,
): { page: number; progress: number } {
  const t = node.trace;
  t.directReclaims++;
  const progress = tryToFreePages(node, order, gfp);
  if (progress === 0) return { page: NO_PAGE, progress };
  let page = getPageFromFreelist(node, order, mt, allocFlags);
  if (page === NO_PAGE) {
    unreserveHighatomicPageblock(node.zone, mt, false);
    drainAllPages(node.zone);
    t.drains++;
    node.charge(node.params.costs.drainAllUs);
    page = getPageFromFreelist(node, order, mt, allocFlags);
  }
  return { page, progress };
}

/**
 * @kernel __alloc_pages_may_oom() mm/page_alloc.c: one last try at the HIGH watermark, then the OOM
 * killer, except for costly orders, __GFP_RETRY_MAYFAIL and lowmem-only (GFP_DMA) requests.
 * Returns the page (or NO_PAGE) and whether a victim was killed.
 */
function mayOom(node: MmNode, order: number, gfp: number, mt: number): { page: number; killed: boolean } {
  const page = getPageFromFreelist(
    node,
    order,
    mt,
    ALLOC_WMARK_HIGH | (mt === MIGRATE_MOVABLE ? ALLOC_CMA : 0),
  );
  if (page !== NO_PAGE) return { page, killed: false };
  if (order > PAGE_ALLOC_COSTLY_ORDER) return { page, killed: false };
  if (gfp & ___GFP_RETRY_MAYFAIL) return { page, killed: false };
  if (gfp & ___GFP_DMA) return { page, killed: false };
  if (!(gfp & ___GFP_FS)) return { page, killed: false };
  node.charge(node.params.costs.oomKillUs);
  const killed = node.hooks.oomKill(node);
  if (killed) {
    node.zone.vm.oom_kill++;
    node.trace.oomKills++;
  }
  return { page: NO_PAGE, killed };
}

/** @kernel should_reclaim_retry() mm/page_alloc.c (6.1). */
function shouldReclaimRetry(
  node: MmNode,
  order: number,
  allocFlags: number,
  didProgress: boolean,
  loops: { n: number },
): boolean {
  const z = node.zone;
  if (didProgress && order <= PAGE_ALLOC_COSTLY_ORDER) loops.n = 0;
  else loops.n++;
  let ret = false;
  if (loops.n <= MAX_RECLAIM_RETRIES) {
    const available = zoneReclaimablePages(node) + z.freePages;
    ret = zoneWatermarkOk(z, order, z.wmark(ALLOC_WMARK_MIN), allocFlags, available);
  }
  if (!ret) return unreserveHighatomicPageblock(z, MIGRATE_UNMOVABLE, true);
  return ret;
}

/** @kernel should_compact_retry() mm/page_alloc.c (6.1). `st` carries priority and retry count. */
function shouldCompactRetry(
  node: MmNode,
  order: number,
  allocFlags: number,
  result: number,
  st: { prio: number; retries: number },
): boolean {
  if (order === 0) return false;
  if (result === COMPACT_SUCCESS) st.retries++;
  let checkPriority = false;
  if (result === COMPACT_COMPLETE) checkPriority = true;
  else if (result === COMPACT_SKIPPED) {
    const z = node.zone;
    const available = Math.floor(zoneReclaimablePages(node) / order) + z.freePages;
    return compactionSuitable(z, order, allocFlags, available) === COMPACT_CONTINUE;
  } else if (
    result === COMPACT_DEFERRED ||
    result === COMPACT_CONTENDED ||
    result === COMPACT_PARTIAL_SKIPPED
  ) {
    checkPriority = true;
  }
  if (!checkPriority) {
    const max = order > PAGE_ALLOC_COSTLY_ORDER ? MAX_COMPACT_RETRIES / 4 : MAX_COMPACT_RETRIES;
    if (st.retries <= max) return true;
  }
  const minPriority = order > PAGE_ALLOC_COSTLY_ORDER ? MIN_COMPACT_COSTLY_PRIORITY : MIN_COMPACT_PRIORITY;
  if (st.prio > minPriority) {
    st.prio--;
    st.retries = 0;
    return true;
  }
  return false;
}

/** @kernel __alloc_pages_slowpath() mm/page_alloc.c (6.1.192). */
function slowpath61(node: MmNode, order: number, gfp: number, mt: number): number {
  const canDirectReclaim = (gfp & ___GFP_DIRECT_RECLAIM) !== 0;
  const costly = order > PAGE_ALLOC_COSTLY_ORDER;
  const t = node.trace;
  const st = { prio: DEF_COMPACT_PRIORITY, retries: 0 };
  const loops = { n: 0 };
  let compactResult = COMPACT_SKIPPED;
  const allocFlags = gfpToAllocFlags(gfp, order, mt);
  if (allocFlags & ALLOC_KSWAPD) wakeAllKswapds(node, order);
  let page = getPageFromFreelist(node, order, mt, allocFlags);
  if (page !== NO_PAGE) return page;
  if (canDirectReclaim && !node.inReclaim && (costly || (order > 0 && mt !== MIGRATE_MOVABLE))) {
    const r = directCompact(node, order, mt, allocFlags, INIT_COMPACT_PRIORITY);
    if (r.page !== NO_PAGE) return r.page;
    compactResult = r.result;
    if (costly && gfp & ___GFP_NORETRY) {
      if (compactResult === COMPACT_SKIPPED || compactResult === COMPACT_DEFERRED) return NO_PAGE;
      st.prio = INIT_COMPACT_PRIORITY;
    }
  }
  for (let guard = 0; guard < 100_000; guard++) {
    if (allocFlags & ALLOC_KSWAPD) wakeAllKswapds(node, order);
    page = getPageFromFreelist(node, order, mt, allocFlags);
    if (page !== NO_PAGE) return page;
    if (!canDirectReclaim || node.inReclaim) return NO_PAGE;
    const rec = directReclaim(node, order, gfp, mt, allocFlags);
    if (rec.page !== NO_PAGE) return rec.page;
    const comp = directCompact(node, order, mt, allocFlags, st.prio);
    if (comp.page !== NO_PAGE) return comp.page;
    compactResult = comp.result;
    if (gfp & ___GFP_NORETRY) return NO_PAGE;
    if (costly && !(gfp & ___GFP_RETRY_MAYFAIL)) return NO_PAGE;
    t.retries++;
    if (shouldReclaimRetry(node, order, allocFlags, rec.progress > 0, loops)) continue;
    if (rec.progress > 0 && shouldCompactRetry(node, order, allocFlags, compactResult, st)) continue;
    const oom = mayOom(node, order, gfp, mt);
    if (oom.page !== NO_PAGE) return oom.page;
    if (oom.killed) {
      loops.n = 0;
      continue;
    }
    return NO_PAGE;
  }
  return NO_PAGE;
}

/**
 * 2015 __alloc_pages_slowpath() (3.10-4.2, PA §2.8, reconstructed). The "too small to fail" loop is
 * capped at params.maxRetryLoops2015 iterations so that a livelock ends as a failure in the model.
 */
function slowpath2015(node: MmNode, order: number, gfp: number, mt: number): number {
  const wait = (gfp & ___GFP_DIRECT_RECLAIM) !== 0;
  const t = node.trace;
  const costs = node.params.costs;
  let allocFlags = gfpToAllocFlags(gfp, order, mt) & ~ALLOC_HIGHATOMIC;
  if (gfp & ___GFP_ATOMIC) allocFlags |= ALLOC_NON_BLOCK;
  let prio = COMPACT_PRIO_ASYNC;
  const maxLoops = node.params.maxRetryLoops2015;
  for (let loop = 0; loop < maxLoops; loop++) {
    // restart:
    if (gfp & ___GFP_KSWAPD_RECLAIM) wakeAllKswapds(node, order);
    let page = getPageFromFreelist(node, order, mt, allocFlags);
    if (page !== NO_PAGE) return page;
    if (!wait || node.inReclaim) return NO_PAGE;
    // rebalance: (looped below while reclaim makes progress)
    for (; loop < maxLoops; loop++) {
      if (loop > 0) t.retries++;
      const comp = directCompact(node, order, mt, allocFlags, prio);
      if (comp.page !== NO_PAGE) return comp.page;
      prio = COMPACT_PRIO_SYNC_LIGHT;
      const rec = directReclaim(node, order, gfp, mt, allocFlags);
      if (rec.page !== NO_PAGE) return rec.page;
      if (rec.progress === 0) {
        if (gfp & ___GFP_FS && !(gfp & ___GFP_NORETRY)) {
          const oom = mayOom(node, order, gfp, mt);
          if (oom.page !== NO_PAGE) return oom.page;
          if (order > PAGE_ALLOC_COSTLY_ORDER) return NO_PAGE;
          if (gfp & ___GFP_DMA) return NO_PAGE;
          if (!oom.killed && loop + 1 >= maxLoops) return NO_PAGE;
          break; // goto restart
        }
        return NO_PAGE;
      }
      // should_alloc_retry(): order <= PAGE_ALLOC_COSTLY_ORDER loops forever unless __GFP_NORETRY.
      const retry =
        !(gfp & ___GFP_NORETRY) && (order <= PAGE_ALLOC_COSTLY_ORDER || gfp & ___GFP_RETRY_MAYFAIL);
      if (retry) {
        node.charge(costs.waitCongestedUs);
        continue;
      }
      page = directCompact(node, order, mt, allocFlags, COMPACT_PRIO_SYNC_LIGHT).page;
      return page;
    }
  }
  return NO_PAGE;
}

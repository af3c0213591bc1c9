// The buddy allocator proper: split, merge, fallback and stealing between migratetypes (PA §2.3, §2.4).
//
// A block of order o at PFN p has its buddy at p ^ 2^o; two free buddies of the same order merge
// into the block at p & buddy. Allocation takes the smallest suitable block of the requested type and
// puts the halves it does not need back ("expand"):
//
//   order-3 block at 0:  [0 1 2 3 4 5 6 7]  request order 1
//                         ^^^ allocated
//                             [2 3] -> free order 1      [4 5 6 7] -> free order 2
//
// 6.1 behaviour follows mm/page_alloc.c of Debian's 6.1.192. The 2015 variant of __rmqueue_fallback
// follows 3.10 as PA §2.3 and the 3.10 source describe it: only blocks of order >= pageblock_order/2
// or RECLAIMABLE requests take the whole pageblock's free pages, and the pageblock is claimed when at
// least half of it is free (no "alike pages" count, no watermark boost).
import {
  ALLOC_CMA,
  ALLOC_HIGHATOMIC,
  ALLOC_KSWAPD,
  ALLOC_NOFRAGMENT,
  ALLOC_NON_BLOCK,
  ALLOC_OOM,
  MAX_ORDER,
  NO_PAGE,
  WATERMARK_BOOST_FACTOR,
} from './constants.ts';
import {
  FALLBACKS,
  MIGRATE_CMA,
  MIGRATE_HIGHATOMIC,
  MIGRATE_ISOLATE,
  MIGRATE_MOVABLE,
  MIGRATE_RECLAIMABLE,
  MIGRATE_RESERVE,
  MIGRATE_UNMOVABLE,
  migratetypeIsMergeable,
} from './migratetype.ts';
import { kindIsMovable, PG_FREE } from './page-kind.ts';
import type { Zone } from './zone.ts';

/** @kernel __find_buddy_pfn() mm/internal.h */
export function findBuddyPfn(pfn: number, order: number): number {
  return pfn ^ (1 << order);
}

/** @kernel expand() mm/page_alloc.c: returns the unused halves of [pfn, pfn + 2^high) as free blocks. */
export function expand(z: Zone, pfn: number, low: number, high: number, mt: number): void {
  let size = 1 << high;
  while (high > low) {
    high--;
    size >>= 1;
    z.addToFreeList(pfn + size, high, mt, false);
  }
}

/**
 * @kernel __rmqueue_smallest() mm/page_alloc.c: smallest block of type `mt`, split down to `order`.
 * The block keeps the type of the list it came from in `lmt` (set_pcppage_migratetype): it was on
 * free_list[.][mt], so `lmt` already says `mt`.
 */
export function rmqueueSmallest(z: Zone, order: number, mt: number): number {
  for (let o = order; o < MAX_ORDER; o++) {
    const p = z.freeListFirst(o, mt);
    if (p === NO_PAGE) continue;
    z.delFromFreeList(p);
    expand(z, p, order, o, mt);
    return p;
  }
  return NO_PAGE;
}

/** The out-parameter of moveFreepagesBlock (the kernel's `int *num_movable`). */
export interface MovedPages {
  /** Allocated pages of the block that are movable. */
  movable: number;
}

/**
 * @kernel move_freepages_block() mm/page_alloc.c: moves every free block of the pageblock holding
 * `pfn` to `mt`'s lists. Returns pages moved; `out.movable` gets the allocated pages that are movable.
 */
export function moveFreepagesBlock(z: Zone, pfn: number, mt: number, out?: MovedPages): number {
  const start = pfn & ~(z.pageblockNrPages - 1);
  const end = start + z.pageblockNrPages;
  const zsMovable = z.mode === '6.1';
  let moved = 0;
  let movable = 0;
  const kind = z.kind;
  for (let p = start; p < end; ) {
    const k = kind[p]!;
    if (k === PG_FREE) {
      const o = z.order[p]!;
      z.moveToFreeList(p, mt);
      p += 1 << o;
      moved += 1 << o;
    } else {
      if (kindIsMovable(k, zsMovable)) movable++;
      p++;
    }
  }
  if (out) out.movable = movable;
  return moved;
}

/** @kernel can_steal_fallback() mm/page_alloc.c (6.1); 2015 = 3.10's condition (PA §2.3). */
export function canStealFallback(z: Zone, order: number, startMt: number): boolean {
  if (order >= z.pageblockOrder) return true;
  if (order >= z.pageblockOrder >> 1) return true;
  if (startMt === MIGRATE_RECLAIMABLE) return true;
  return z.mode === '6.1' && startMt === MIGRATE_UNMOVABLE;
}

/** 2015: movable requests try CMA first among their fallbacks (3.10 fallbacks[] with CONFIG_CMA). */
function fallbackList(z: Zone, mt: number): readonly number[] {
  if (z.mode === '2015' && mt === MIGRATE_MOVABLE && z.configCma) return FALLBACKS_2015_MOVABLE_CMA;
  return FALLBACKS[mt] ?? [];
}
const FALLBACKS_2015_MOVABLE_CMA = [MIGRATE_CMA, MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE];

/** The out-parameter of findSuitableFallback (the kernel's `bool *can_steal`). */
export interface FallbackSteal {
  /** The whole pageblock may be stolen. */
  canSteal: boolean;
}

/**
 * @kernel find_suitable_fallback() mm/page_alloc.c: the fallback type to take a block of `order` from,
 * or -1; `out.canSteal` says whether the whole block may be stolen.
 */
export function findSuitableFallback(
  z: Zone,
  order: number,
  mt: number,
  onlyStealable: boolean,
  out: FallbackSteal,
): number {
  out.canSteal = false;
  if (z.nrFree[order] === 0) return -1;
  for (const fmt of fallbackList(z, mt)) {
    if (z.freeAreaEmpty(order, fmt)) continue;
    if (canStealFallback(z, order, mt)) out.canSteal = true;
    if (!onlyStealable) return fmt;
    if (out.canSteal) return fmt;
  }
  return -1;
}

/** @kernel boost_watermark() mm/page_alloc.c (6.1 only; PA §2.6). */
export function boostWatermark(z: Zone): boolean {
  if (z.pageblockNrPages * 4 > z.managed) return false;
  let maxBoost = Math.floor((z.wmarkHigh * WATERMARK_BOOST_FACTOR) / 10000);
  if (maxBoost === 0) return false;
  maxBoost = Math.max(z.pageblockNrPages, maxBoost);
  z.watermarkBoost = Math.min(z.watermarkBoost + z.pageblockNrPages, maxBoost);
  return true;
}

/** @kernel change_pageblock_range() mm/page_alloc.c */
function changePageblockRange(z: Zone, pfn: number, startOrder: number, mt: number): void {
  const n = 1 << (startOrder - z.pageblockOrder);
  for (let i = 0; i < n; i++) z.setPageblockMigratetype(pfn + i * z.pageblockNrPages, mt);
}

/** @kernel steal_suitable_fallback() mm/page_alloc.c (6.1). */
function stealSuitableFallback(
  z: Zone,
  pfn: number,
  allocFlags: number,
  startType: number,
  whole: boolean,
): void {
  const currentOrder = z.order[pfn]!;
  const oldBlockType = z.pageblockMigratetype(pfn);
  if (oldBlockType === MIGRATE_HIGHATOMIC) {
    z.moveToFreeList(pfn, startType);
    return;
  }
  if (currentOrder >= z.pageblockOrder) {
    changePageblockRange(z, pfn, currentOrder, startType);
    z.moveToFreeList(pfn, startType);
    return;
  }
  if (boostWatermark(z) && allocFlags & ALLOC_KSWAPD) z.boostedWatermarkFlag = true;
  if (!whole) {
    z.moveToFreeList(pfn, startType);
    return;
  }
  const moved: MovedPages = { movable: 0 };
  const freePages = moveFreepagesBlock(z, pfn, startType, moved);
  const movable = moved.movable;
  let alike: number;
  if (startType === MIGRATE_MOVABLE) alike = movable;
  else if (oldBlockType === MIGRATE_MOVABLE) alike = z.pageblockNrPages - (freePages + movable);
  else alike = 0;
  if (freePages === 0) {
    z.moveToFreeList(pfn, startType);
    return;
  }
  if (freePages + alike >= 1 << (z.pageblockOrder - 1)) z.setPageblockMigratetype(pfn, startType);
}

/** Called for every fallback: counts the mm_page_alloc_extfrag tracepoint's events. */
function countExtfrag(
  z: Zone,
  order: number,
  fallbackOrder: number,
  startMt: number,
  fallbackMt: number,
): void {
  z.vm.extfrag_events++;
  if (fallbackOrder < z.pageblockOrder) z.vm.extfrag_fragmenting++;
  if (startMt !== MIGRATE_MOVABLE && fallbackMt === MIGRATE_MOVABLE) z.vm.extfrag_unmovable_from_movable++;
  void order;
}

/**
 * @kernel __rmqueue_fallback() mm/page_alloc.c (6.1): steals from another type's list, largest block
 * first, so that __rmqueue_smallest can retry. Returns whether a block was moved.
 */
export function rmqueueFallback(z: Zone, order: number, startMt: number, allocFlags: number): boolean {
  let minOrder = order;
  if (order < z.pageblockOrder && allocFlags & ALLOC_NOFRAGMENT) minOrder = z.pageblockOrder;
  let current = MAX_ORDER - 1;
  let fmt = -1;
  const steal: FallbackSteal = { canSteal: false };
  for (; current >= minOrder; current--) {
    fmt = findSuitableFallback(z, current, startMt, false, steal);
    if (fmt === -1) continue;
    if (!steal.canSteal && startMt === MIGRATE_MOVABLE && current > order) {
      // find_smallest: a movable request that cannot steal splits the smallest block instead.
      for (current = order; current < MAX_ORDER; current++) {
        fmt = findSuitableFallback(z, current, startMt, false, steal);
        if (fmt !== -1) break;
      }
    }
    break;
  }
  if (fmt === -1 || current < minOrder || current >= MAX_ORDER) return false;
  const pfn = z.freeListFirst(current, fmt);
  stealSuitableFallback(z, pfn, allocFlags, startMt, steal.canSteal);
  countExtfrag(z, order, current, startMt, fmt);
  return true;
}

/**
 * 2015: 3.10's __rmqueue_fallback, which takes the block itself (PA §2.3). CMA blocks are never
 * re-typed; the split halves go to the requester's lists.
 */
function rmqueueFallback2015(z: Zone, order: number, startMt: number): number {
  for (let current = MAX_ORDER - 1; current >= order; current--) {
    for (const fmt of fallbackList(z, startMt)) {
      const pfn = z.freeListFirst(current, fmt);
      if (pfn === NO_PAGE) continue;
      let listMt = fmt;
      if (fmt !== MIGRATE_CMA && (current >= z.pageblockOrder >> 1 || startMt === MIGRATE_RECLAIMABLE)) {
        const pages = moveFreepagesBlock(z, pfn, startMt);
        if (pages >= 1 << (z.pageblockOrder - 1)) z.setPageblockMigratetype(pfn, startMt);
        listMt = startMt;
      }
      z.delFromFreeList(pfn);
      if (current >= z.pageblockOrder && fmt !== MIGRATE_CMA) changePageblockRange(z, pfn, current, startMt);
      const splitMt = listMt === MIGRATE_CMA ? MIGRATE_CMA : startMt;
      expand(z, pfn, order, current, splitMt);
      // set_freepage_migratetype(): the block is accounted to the type its halves went to.
      z.lmt[pfn] = splitMt;
      countExtfrag(z, order, current, startMt, fmt);
      return pfn;
    }
  }
  return NO_PAGE;
}

/**
 * @kernel __rmqueue() mm/page_alloc.c: one block of `order` for a request of type `mt`, or NO_PAGE.
 * 6.1 balances movable requests onto CMA when more than half of the free memory is CMA; 2015 ends the
 * search in MIGRATE_RESERVE instead of failing.
 */
export function rmqueue(z: Zone, order: number, mt: number, allocFlags: number): number {
  if (z.mode === '2015') {
    let p = rmqueueSmallest(z, order, mt);
    if (p !== NO_PAGE) return p;
    p = rmqueueFallback2015(z, order, mt);
    if (p !== NO_PAGE) return p;
    return rmqueueSmallest(z, order, MIGRATE_RESERVE);
  }
  if (allocFlags & ALLOC_CMA && z.freeCma > z.freePages >> 1) {
    const p = rmqueueSmallest(z, order, MIGRATE_CMA);
    if (p !== NO_PAGE) return p;
  }
  for (;;) {
    let p = rmqueueSmallest(z, order, mt);
    if (p !== NO_PAGE) return p;
    if (allocFlags & ALLOC_CMA) {
      p = rmqueueSmallest(z, order, MIGRATE_CMA);
      if (p !== NO_PAGE) return p;
    }
    if (!rmqueueFallback(z, order, mt, allocFlags)) return NO_PAGE;
  }
}

/** @kernel rmqueue_buddy() mm/page_alloc.c (6.1): the HIGHATOMIC reserve first for atomic high orders. */
export function rmqueueBuddy(z: Zone, order: number, mt: number, allocFlags: number): number {
  let p = NO_PAGE;
  if (z.mode === '6.1' && allocFlags & ALLOC_HIGHATOMIC) p = rmqueueSmallest(z, order, MIGRATE_HIGHATOMIC);
  if (p === NO_PAGE) {
    p = rmqueue(z, order, mt, allocFlags);
    if (p === NO_PAGE && z.mode === '6.1' && allocFlags & (ALLOC_OOM | ALLOC_NON_BLOCK))
      p = rmqueueSmallest(z, order, MIGRATE_HIGHATOMIC);
  }
  return p;
}

/**
 * @kernel __free_one_page() mm/page_alloc.c: returns [pfn, pfn + 2^order) to the free lists of `mt`,
 * merging with free buddies up to MAX_ORDER-1. A block that is likely to merge soon goes to the tail.
 * During direct compaction a block of the wanted order is captured instead (6.1 compaction_capture).
 * Every page of the block must already be PG_TAIL.
 */
export function freeOnePage(z: Zone, pfn: number, order: number, mt: number): void {
  const kind = z.kind;
  const pbOrder = z.pageblockOrder;
  const is61 = z.mode === '6.1';
  let buddy = 0;
  while (order < MAX_ORDER - 1) {
    if (
      z.captureOrder === order &&
      mt !== MIGRATE_CMA &&
      mt !== MIGRATE_ISOLATE &&
      !(order < pbOrder && mt === MIGRATE_MOVABLE)
    ) {
      z.capturedPfn = pfn;
      z.captureOrder = -1;
      return;
    }
    buddy = pfn ^ (1 << order);
    if (kind[buddy] !== PG_FREE || z.order[buddy] !== order) break;
    if (is61 && order >= pbOrder) {
      const buddyMt = z.pageblockMigratetype(buddy);
      if (mt !== buddyMt && (!migratetypeIsMergeable(mt) || !migratetypeIsMergeable(buddyMt))) break;
    }
    z.delFromFreeList(buddy);
    pfn &= buddy;
    order++;
  }
  let toTail = false;
  if (order < MAX_ORDER - 2) {
    // buddy_merge_likely(): the buddy of the next order up is free, so this block may merge soon.
    const higher = (pfn & ~(1 << order)) ^ (1 << (order + 1));
    toTail = kind[higher] === PG_FREE && z.order[higher] === order + 1;
  }
  z.addToFreeList(pfn, order, mt, toTail);
}

/** @kernel reserve_highatomic_pageblock() mm/page_alloc.c (6.1; PA §2.10). */
export function reserveHighatomicPageblock(z: Zone, pfn: number): void {
  const maxManaged = Math.floor(z.managed / 100) + z.pageblockNrPages;
  if (z.nrReservedHighatomic >= maxManaged) return;
  const mt = z.pageblockMigratetype(pfn);
  if (migratetypeIsMergeable(mt)) {
    z.nrReservedHighatomic += z.pageblockNrPages;
    z.setPageblockMigratetype(pfn, MIGRATE_HIGHATOMIC);
    moveFreepagesBlock(z, pfn, MIGRATE_HIGHATOMIC);
  }
}

/** @kernel unreserve_highatomic_pageblock() mm/page_alloc.c (6.1): gives one reserved block back. */
export function unreserveHighatomicPageblock(z: Zone, mt: number, force: boolean): boolean {
  if (z.mode !== '6.1') return false;
  if (!force && z.nrReservedHighatomic <= z.pageblockNrPages) return false;
  for (let order = 0; order < MAX_ORDER; order++) {
    const pfn = z.freeListFirst(order, MIGRATE_HIGHATOMIC);
    if (pfn === NO_PAGE) continue;
    if (z.pageblockMigratetype(pfn) === MIGRATE_HIGHATOMIC)
      z.nrReservedHighatomic -= Math.min(z.pageblockNrPages, z.nrReservedHighatomic);
    z.setPageblockMigratetype(pfn, mt);
    if (moveFreepagesBlock(z, pfn, mt) > 0) return true;
  }
  return false;
}

/**
 * 2015: setup_zone_migrate_reserve() (3.10, PA §2.10): min(2, ceil(min_wmark / pageblock_nr_pages))
 * MOVABLE pageblocks at the start of the zone become MIGRATE_RESERVE at boot.
 */
export function setupZoneMigrateReserve(z: Zone): void {
  if (z.mode !== '2015') return;
  const want = Math.min(2, Math.ceil(z.wmarkMin / z.pageblockNrPages));
  let got = 0;
  for (let b = 0; b < z.nrPageblocks && got < want; b++) {
    if (z.pbType[b] !== MIGRATE_MOVABLE) continue;
    const pfn = b << z.pageblockOrder;
    z.pbType[b] = MIGRATE_RESERVE;
    moveFreepagesBlock(z, pfn, MIGRATE_RESERVE);
    got++;
  }
}

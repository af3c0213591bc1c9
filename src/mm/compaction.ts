// Memory compaction (mm/compaction.c; PA §3.1): a migrate scanner walks up from the zone start
// isolating movable pages, a free scanner walks down from the end isolating free pages, and each
// isolated page is copied into a free one. When they meet the run ends; it ends earlier when the
// finish test sees a block of the wanted order (6.1 only looks at pageblock boundaries).
//
//   pfn 0 ──migrate──▶ . . . . . . . . . . . . ◀──free── end
//          moves movable pages out           fills free pages in MOVABLE/CMA blocks
//
// Both modes: deferral after failed sync runs (up to 64 skipped attempts), skip bits per pageblock,
// cached scanner positions. 6.1: capture of a freed block for the compacting task, async runs only
// scan source blocks of the request's type, finish test accepts blocks that can be stolen.
// 2015 (3.10, PA §3.1 and §2.8, reconstructed): async runs scan only MOVABLE/CMA source blocks, the
// finish test wants the exact type, and the fragmentation index gates every order, not just costly.
// Not modelled: fast_isolate_freepages / fast_find_migrateblock (6.1 shortcuts that scan less), lock
// contention, and the async free scanner's stride.

import { type FallbackSteal, findSuitableFallback, freeOnePage } from './buddy.ts';
import {
  ALLOC_CMA,
  COMPACT_CLUSTER_MAX,
  COMPACT_MAX_DEFER_SHIFT,
  COMPACTION_PROACTIVENESS,
  compactGap,
  EXTFRAG_THRESHOLD,
  MAX_ORDER,
  NO_PAGE,
  PAGE_ALLOC_COSTLY_ORDER,
} from './constants.ts';
import { fragmentationIndex } from './frag-index.ts';
import { isMigrateMovable, MIGRATE_CMA, MIGRATE_ISOLATE, MIGRATE_MOVABLE } from './migratetype.ts';
import type { MmNode } from './node.ts';
import { PG_ANON, PG_FILE, PG_FREE, PG_TAIL, PG_UNKNOWN_MOVABLE, PG_ZSMALLOC } from './page-kind.ts';
import { zoneWatermarkOk } from './watermark.ts';
import type { Zone } from './zone.ts';

/** enum compact_result (include/linux/compaction.h, 6.1 order: "larger is better"). */
export const COMPACT_NOT_SUITABLE_ZONE = 0;
export const COMPACT_SKIPPED = 1;
export const COMPACT_DEFERRED = 2;
export const COMPACT_NO_SUITABLE_PAGE = 3;
export const COMPACT_CONTINUE = 4;
export const COMPACT_COMPLETE = 5;
export const COMPACT_PARTIAL_SKIPPED = 6;
export const COMPACT_CONTENDED = 7;
export const COMPACT_SUCCESS = 8;
export const COMPACT_RESULT_NAMES = [
  'not_suitable_zone',
  'skipped',
  'deferred',
  'no_suitable_page',
  'continue',
  'complete',
  'partial_skipped',
  'contended',
  'success',
];

/** kcompactd backs proactive compaction off for 1 << COMPACT_MAX_DEFER_SHIFT periods without progress. */
export const COMPACT_MAX_DEFER_SHIFT_BACKOFF = 1 << COMPACT_MAX_DEFER_SHIFT;

/** enum compact_priority: lower is more aggressive. */
export const COMPACT_PRIO_SYNC_FULL = 0;
export const MIN_COMPACT_PRIORITY = COMPACT_PRIO_SYNC_FULL;
export const COMPACT_PRIO_SYNC_LIGHT = 1;
export const MIN_COMPACT_COSTLY_PRIORITY = COMPACT_PRIO_SYNC_LIGHT;
export const DEF_COMPACT_PRIORITY = COMPACT_PRIO_SYNC_LIGHT;
export const COMPACT_PRIO_ASYNC = 2;
export const INIT_COMPACT_PRIORITY = COMPACT_PRIO_ASYNC;

/** enum migrate_mode. */
export const MIGRATE_ASYNC = 0;
export const MIGRATE_SYNC_LIGHT = 1;
export const MIGRATE_SYNC = 2;

/** struct compact_control, reused between runs (no allocation per run). */
export class CompactControl {
  /** -1 = compact the whole zone (proactive / compact_memory). */
  order = 0;
  migratetype = 0;
  mode = MIGRATE_ASYNC;
  direct = true;
  wholeZone = false;
  ignoreSkipHint = false;
  ignoreBlockSuitable = false;
  proactive = false;
  allocFlags = 0;
  migratePfn = 0;
  freePfn = 0;
  totalMigrateScanned = 0;
  totalFreeScanned = 0;
  migrated = 0;
  /** Cost of this run so far (µs). */
  spentUs = 0;
  /** The scanners met during this run (cached positions were reset). */
  met = false;
  /** Stop after this much work (µs of cost); Infinity for direct compaction. */
  budgetUs = Number.POSITIVE_INFINITY;
  /** Isolated free pages (order 0 each) waiting to receive migrated pages. */
  readonly freeList: Int32Array;
  nrFree = 0;
  readonly migrateList = new Int32Array(COMPACT_CLUSTER_MAX);
  nrMigrate = 0;

  constructor(spanned: number) {
    this.freeList = new Int32Array(Math.min(spanned, 1 << 16));
  }
}

/** @kernel defer_compaction() mm/compaction.c */
export function deferCompaction(z: Zone, order: number): void {
  z.compactConsidered = 0;
  z.compactDeferShift++;
  if (order < z.compactOrderFailed) z.compactOrderFailed = order;
  if (z.compactDeferShift > COMPACT_MAX_DEFER_SHIFT) z.compactDeferShift = COMPACT_MAX_DEFER_SHIFT;
}

/** @kernel compaction_deferred() mm/compaction.c: true if this attempt should be skipped. */
export function compactionDeferred(z: Zone, order: number): boolean {
  const limit = 1 << z.compactDeferShift;
  if (order < z.compactOrderFailed) return false;
  if (++z.compactConsidered >= limit) {
    z.compactConsidered = limit;
    return false;
  }
  return true;
}

/** @kernel compaction_defer_reset() mm/compaction.c */
export function compactionDeferReset(z: Zone, order: number, allocSuccess: boolean): void {
  if (allocSuccess) {
    z.compactConsidered = 0;
    z.compactDeferShift = 0;
  }
  if (order >= z.compactOrderFailed) z.compactOrderFailed = order + 1;
}

/** @kernel compaction_restarting() mm/compaction.c */
function compactionRestarting(z: Zone, order: number): boolean {
  if (order < z.compactOrderFailed) return false;
  return z.compactDeferShift === COMPACT_MAX_DEFER_SHIFT && z.compactConsidered >= 1 << z.compactDeferShift;
}

/** @kernel __reset_isolation_suitable() mm/compaction.c: clears every skip bit, rewinds the scanners. */
export function resetIsolationSuitable(z: Zone): void {
  z.pbSkip.fill(0);
  z.compactCachedMigratePfn[0] = 0;
  z.compactCachedMigratePfn[1] = 0;
  z.compactCachedFreePfn = z.spanned - z.pageblockNrPages;
  z.compactBlockskipFlush = false;
}

function resetCachedPositions(z: Zone): void {
  z.compactCachedMigratePfn[0] = 0;
  z.compactCachedMigratePfn[1] = 0;
  z.compactCachedFreePfn = z.spanned - z.pageblockNrPages;
}

/** Free pages per order as an array (for the fragmentation index). */
function nrFreeArray(z: Zone): Int32Array {
  return z.nrFree;
}

/**
 * @kernel __compaction_suitable() / compaction_suitable() mm/compaction.c.
 *   6.1:  order-n check at the caller's watermark passes -> SUCCESS; order-0 free >= (min, or low for
 *         costly orders) + compact_gap(n) else SKIPPED; the fragmentation index gates costly orders.
 *   2015: low + 2^(n+1) order-0 test, then the fragmentation index for every order (3.10).
 * `freeTarget` lets compaction_zonelist_suitable() ask "what if reclaim freed this much".
 */
export function compactionSuitable(
  z: Zone,
  order: number,
  allocFlags: number,
  freeTarget: number = z.freePages,
): number {
  if (order < 0) return COMPACT_CONTINUE;
  if (z.mode === '2015') {
    const watermark = z.wmarkLow + compactGap(order);
    if (!zoneWatermarkOk(z, 0, watermark, allocFlags, freeTarget)) return COMPACT_SKIPPED;
    const fragindex = fragmentationIndex(nrFreeArray(z), order);
    if (fragindex >= 0 && fragindex <= EXTFRAG_THRESHOLD) return COMPACT_SKIPPED;
    if (fragindex === -1000 && zoneWatermarkOk(z, order, watermark, allocFlags, freeTarget))
      return COMPACT_SUCCESS;
    return COMPACT_CONTINUE;
  }
  const mark = z.wmark(allocFlags & 3);
  if (zoneWatermarkOk(z, order, mark, allocFlags)) return COMPACT_SUCCESS;
  const wm =
    (order > PAGE_ALLOC_COSTLY_ORDER ? z.wmarkLow + z.watermarkBoost : z.wmarkMin + z.watermarkBoost) +
    compactGap(order);
  if (!zoneWatermarkOk(z, 0, wm, ALLOC_CMA, freeTarget)) return COMPACT_SKIPPED;
  if (order > PAGE_ALLOC_COSTLY_ORDER) {
    const fragindex = fragmentationIndex(nrFreeArray(z), order);
    if (fragindex >= 0 && fragindex <= EXTFRAG_THRESHOLD) return COMPACT_SKIPPED;
  }
  return COMPACT_CONTINUE;
}

function isMovablePage(kind: number, is61: boolean): boolean {
  return (
    kind === PG_ANON || kind === PG_FILE || kind === PG_UNKNOWN_MOVABLE || (is61 && kind === PG_ZSMALLOC)
  );
}

/** @kernel suitable_migration_source() mm/compaction.c (6.1); 2015: migrate_async_suitable(). */
function suitableMigrationSource(z: Zone, cc: CompactControl, pfn: number): boolean {
  if (cc.mode !== MIGRATE_ASYNC || !cc.direct) return true;
  const bt = z.pageblockMigratetype(pfn);
  if (z.mode === '2015') return isMigrateMovable(bt);
  if (cc.migratetype === MIGRATE_MOVABLE) return isMigrateMovable(bt);
  return bt === cc.migratetype;
}

/** @kernel suitable_migration_target() mm/compaction.c */
function suitableMigrationTarget(z: Zone, cc: CompactControl, pfn: number): boolean {
  if (z.kind[pfn] === PG_FREE && z.order[pfn]! >= z.pageblockOrder) return false;
  if (cc.ignoreBlockSuitable) return true;
  return isMigrateMovable(z.pageblockMigratetype(pfn));
}

function scannersMet(z: Zone, cc: CompactControl): boolean {
  return cc.freePfn >> z.pageblockOrder <= cc.migratePfn >> z.pageblockOrder;
}

/**
 * @kernel __compact_finished() mm/compaction.c. Returns COMPACT_CONTINUE to keep going.
 */
function compactFinished(node: MmNode, cc: CompactControl, spentUs: number): number {
  const z = node.zone;
  if (scannersMet(z, cc)) {
    cc.met = true;
    resetCachedPositions(z);
    if (cc.direct) z.compactBlockskipFlush = true;
    return cc.wholeZone ? COMPACT_COMPLETE : COMPACT_PARTIAL_SKIPPED;
  }
  if (spentUs >= cc.budgetUs) return COMPACT_PARTIAL_SKIPPED;
  if (cc.proactive) {
    return fragmentationScoreZone(z) > proactiveLowWmark() ? COMPACT_CONTINUE : COMPACT_SUCCESS;
  }
  if (cc.order < 0) return COMPACT_CONTINUE;
  if (z.mode === '2015') {
    // 3.10: the zone must pass the (old) watermark check at low + 2^order, then an exact-type block.
    if (!zoneWatermarkOk(z, cc.order, z.wmarkLow + (1 << cc.order), cc.allocFlags)) return COMPACT_CONTINUE;
    for (let o = cc.order; o < MAX_ORDER; o++) {
      if (!z.freeAreaEmpty(o, cc.migratetype)) return COMPACT_SUCCESS;
      if (cc.order >= z.pageblockOrder && z.nrFree[o]! > 0) return COMPACT_SUCCESS;
    }
    return COMPACT_CONTINUE;
  }
  if ((cc.migratePfn & (z.pageblockNrPages - 1)) !== 0) return COMPACT_CONTINUE;
  const steal: FallbackSteal = { canSteal: false };
  for (let o = cc.order; o < MAX_ORDER; o++) {
    if (!z.freeAreaEmpty(o, cc.migratetype)) return COMPACT_SUCCESS;
    if (cc.migratetype === MIGRATE_MOVABLE && !z.freeAreaEmpty(o, MIGRATE_CMA)) return COMPACT_SUCCESS;
    if (findSuitableFallback(z, o, cc.migratetype, true, steal) !== -1) return COMPACT_SUCCESS;
  }
  return COMPACT_CONTINUE;
}

/**
 * @kernel isolate_migratepages() + isolate_migratepages_block() mm/compaction.c: advances the migrate
 * scanner to the next usable pageblock and isolates up to COMPACT_CLUSTER_MAX movable pages.
 */
function isolateMigratepages(node: MmNode, cc: CompactControl): void {
  const z = node.zone;
  const kind = z.kind;
  const pbPages = z.pageblockNrPages;
  const is61 = z.mode === '6.1';
  cc.nrMigrate = 0;
  let low = cc.migratePfn;
  let blockStart = low & ~(pbPages - 1);
  let blockEnd = blockStart + pbPages;
  for (; blockEnd <= cc.freePfn; low = blockEnd, blockStart = blockEnd, blockEnd += pbPages) {
    cc.migratePfn = low;
    const blk = blockStart >> z.pageblockOrder;
    if (!cc.ignoreSkipHint && z.pbSkip[blk]) continue;
    if (!suitableMigrationSource(z, cc, blockStart)) continue;
    let scanned = 0;
    let pfn = low;
    const startedAtBlockStart = low === blockStart;
    for (; pfn < blockEnd; pfn++) {
      scanned++;
      const k = kind[pfn]!;
      if (k === PG_FREE) {
        pfn += (1 << z.order[pfn]!) - 1;
        continue;
      }
      if (!isMovablePage(k, is61)) continue;
      cc.migrateList[cc.nrMigrate++] = pfn;
      if (cc.nrMigrate >= COMPACT_CLUSTER_MAX) {
        pfn++;
        break;
      }
    }
    cc.totalMigrateScanned += scanned;
    cc.migratePfn = pfn;
    // update_pageblock_skip(): a whole block scanned without isolating anything is skipped next time.
    if (cc.nrMigrate === 0 && startedAtBlockStart && pfn >= blockEnd && !cc.ignoreSkipHint) z.pbSkip[blk] = 1;
    if (cc.nrMigrate > 0 || pfn < blockEnd) return;
  }
  cc.migratePfn = Math.min(low, cc.freePfn);
}

/**
 * @kernel isolate_freepages() + isolate_freepages_block() mm/compaction.c: moves the free scanner down
 * through suitable target blocks, taking free blocks off the lists and splitting them into order-0
 * pages, until there are enough targets for the isolated batch.
 */
function isolateFreepages(node: MmNode, cc: CompactControl): void {
  const z = node.zone;
  const pbPages = z.pageblockNrPages;
  const kind = z.kind;
  let blockStart = cc.freePfn;
  const lowLimit = (cc.migratePfn & ~(pbPages - 1)) + pbPages;
  for (; blockStart >= lowLimit; blockStart -= pbPages) {
    const blk = blockStart >> z.pageblockOrder;
    if (!suitableMigrationTarget(z, cc, blockStart)) continue;
    if (!cc.ignoreSkipHint && z.pbSkip[blk]) continue;
    let scanned = 0;
    let isolated = 0;
    const end = blockStart + pbPages;
    for (let pfn = blockStart; pfn < end; pfn++) {
      scanned++;
      if (kind[pfn] !== PG_FREE) continue;
      const o = z.order[pfn]!;
      if (z.lmt[pfn] === MIGRATE_ISOLATE) {
        pfn += (1 << o) - 1;
        continue;
      }
      // __isolate_free_page(): keep the zone above min + 2^order while taking free pages.
      if (!zoneWatermarkOk(z, 0, z.wmarkMin + (1 << o), ALLOC_CMA)) break;
      if (cc.nrFree + (1 << o) > cc.freeList.length) break;
      z.delFromFreeList(pfn);
      for (let i = 0; i < 1 << o; i++) cc.freeList[cc.nrFree++] = pfn + i;
      isolated += 1 << o;
      pfn += (1 << o) - 1;
    }
    cc.totalFreeScanned += scanned;
    node.zone.vm.compact_isolated += isolated;
    if (isolated === 0 && !cc.ignoreSkipHint) z.pbSkip[blk] = 1;
    if (cc.nrFree >= cc.nrMigrate) {
      cc.freePfn = blockStart - pbPages;
      return;
    }
  }
  cc.freePfn = blockStart;
}

/** Gives the isolated but unused free pages back (release_freepages()). */
function releaseFreepages(z: Zone, cc: CompactControl): void {
  let highest = -1;
  for (let i = 0; i < cc.nrFree; i++) {
    const p = cc.freeList[i]!;
    if (p > highest) highest = p;
    z.kind[p] = PG_TAIL;
    freeOnePage(z, p, 0, z.pageblockMigratetype(p));
  }
  cc.nrFree = 0;
  if (highest >= 0) {
    const fp = highest & ~(z.pageblockNrPages - 1);
    if (fp > z.compactCachedFreePfn) z.compactCachedFreePfn = fp;
  }
}

/** Migrates the isolated batch; returns false when no target page could be found (-ENOMEM). */
function migratePages(node: MmNode, cc: CompactControl): boolean {
  const z = node.zone;
  const lru = node.lru;
  const costs = node.params.costs;
  for (let i = 0; i < cc.nrMigrate; i++) {
    if (cc.nrFree === 0) {
      isolateFreepages(node, cc);
      if (cc.nrFree === 0) {
        node.zone.vm.pgmigrate_fail += cc.nrMigrate - i;
        return false;
      }
    }
    const src = cc.migrateList[i]!;
    if (!isMovablePage(z.kind[src]!, z.mode === '6.1')) continue;
    const dst = cc.freeList[--cc.nrFree]!;
    lru.migrate(src, dst);
    z.kind[src] = PG_TAIL;
    freeOnePage(z, src, 0, z.pageblockMigratetype(src));
    node.zone.vm.pgmigrate_success++;
    node.zone.vm.compact_isolated++;
    cc.migrated++;
    cc.spentUs += costs.migrateUs;
    if (z.capturedPfn !== NO_PAGE) return true;
  }
  return true;
}

/**
 * @kernel compact_zone() mm/compaction.c: one compaction run. Returns a compact_result. Scanned PFN
 * counts are added to compact_migrate_scanned / compact_free_scanned (and the daemon counters).
 */
export function compactZone(node: MmNode, cc: CompactControl): number {
  const z = node.zone;
  const costs = node.params.costs;
  cc.totalMigrateScanned = 0;
  cc.totalFreeScanned = 0;
  cc.migrated = 0;
  cc.nrFree = 0;
  cc.nrMigrate = 0;
  cc.spentUs = 0;
  cc.met = false;
  let ret = compactionSuitable(z, cc.order, cc.allocFlags);
  if (ret === COMPACT_SUCCESS || ret === COMPACT_SKIPPED) return ret;
  if (cc.order >= 0 && compactionRestarting(z, cc.order)) resetIsolationSuitable(z);
  const sync = cc.mode !== MIGRATE_ASYNC ? 1 : 0;
  if (cc.wholeZone) {
    cc.migratePfn = 0;
    cc.freePfn = z.spanned - z.pageblockNrPages;
  } else {
    cc.migratePfn = z.compactCachedMigratePfn[sync]!;
    cc.freePfn = z.compactCachedFreePfn;
    if (cc.freePfn < 0 || cc.freePfn >= z.spanned)
      cc.freePfn = z.compactCachedFreePfn = z.spanned - z.pageblockNrPages;
    if (cc.migratePfn < 0 || cc.migratePfn >= z.spanned) cc.migratePfn = 0;
    if (cc.migratePfn <= z.compactInitMigratePfn) cc.wholeZone = true;
  }
  for (;;) {
    const spent =
      cc.spentUs +
      cc.totalMigrateScanned * costs.compactMigrateScanUs +
      cc.totalFreeScanned * costs.compactFreeScanUs;
    ret = compactFinished(node, cc, spent);
    if (ret !== COMPACT_CONTINUE) break;
    const before = cc.migratePfn;
    isolateMigratepages(node, cc);
    if (cc.nrMigrate === 0) {
      if (cc.migratePfn === before && !scannersMet(z, cc))
        cc.migratePfn = (before & ~(z.pageblockNrPages - 1)) + z.pageblockNrPages;
      continue;
    }
    if (!migratePages(node, cc)) {
      if (!scannersMet(z, cc)) {
        ret = COMPACT_CONTENDED;
        break;
      }
    }
    if (z.capturedPfn !== NO_PAGE) {
      ret = COMPACT_SUCCESS;
      break;
    }
  }
  if (cc.nrFree > 0) releaseFreepages(z, cc);
  if (!cc.met) {
    z.compactCachedMigratePfn[sync] = cc.migratePfn;
    z.compactCachedFreePfn = Math.max(cc.freePfn, 0);
  }
  node.zone.vm.compact_migrate_scanned += cc.totalMigrateScanned;
  node.zone.vm.compact_free_scanned += cc.totalFreeScanned;
  cc.spentUs +=
    cc.totalMigrateScanned * costs.compactMigrateScanUs + cc.totalFreeScanned * costs.compactFreeScanUs;
  return ret;
}

/** Per-request summary for the slow path. */
export interface DirectCompactResult {
  result: number;
  /** A captured block of the wanted order, or NO_PAGE. */
  captured: number;
}

/**
 * @kernel try_to_compact_pages() + compact_zone_order() mm/compaction.c for the single zone.
 * `prio` selects the mode: ASYNC, or SYNC_LIGHT with SYNC_FULL also ignoring skip bits and block
 * types over the whole zone. 2015 uses `prio` ASYNC for the first attempt and SYNC_LIGHT afterwards.
 */
export function tryToCompactPages(
  node: MmNode,
  cc: CompactControl,
  order: number,
  migratetype: number,
  allocFlags: number,
  prio: number,
): DirectCompactResult {
  const z = node.zone;
  const out: DirectCompactResult = { result: COMPACT_SKIPPED, captured: NO_PAGE };
  if (prio > MIN_COMPACT_PRIORITY && compactionDeferred(z, order)) {
    out.result = COMPACT_DEFERRED;
    return out;
  }
  cc.order = order;
  cc.migratetype = migratetype;
  cc.mode = prio === COMPACT_PRIO_ASYNC ? MIGRATE_ASYNC : MIGRATE_SYNC_LIGHT;
  cc.direct = true;
  cc.proactive = false;
  cc.allocFlags = allocFlags;
  cc.wholeZone = prio === MIN_COMPACT_PRIORITY;
  cc.ignoreSkipHint = prio === MIN_COMPACT_PRIORITY;
  cc.ignoreBlockSuitable = prio === MIN_COMPACT_PRIORITY;
  cc.budgetUs = Number.POSITIVE_INFINITY;
  if (z.mode === '6.1') {
    z.captureOrder = order;
    z.capturedPfn = NO_PAGE;
  }
  const status = compactZone(node, cc);
  z.captureOrder = -1;
  out.captured = z.capturedPfn;
  z.capturedPfn = NO_PAGE;
  out.result = out.captured !== NO_PAGE ? COMPACT_SUCCESS : status;
  const t = node.trace;
  t.migrateScanned += cc.totalMigrateScanned;
  t.freeScanned += cc.totalFreeScanned;
  t.migrated += cc.migrated;
  node.charge(cc.spentUs);
  if (out.result === COMPACT_SUCCESS) compactionDeferReset(z, order, false);
  else if (prio !== COMPACT_PRIO_ASYNC && (status === COMPACT_COMPLETE || status === COMPACT_PARTIAL_SKIPPED))
    deferCompaction(z, order);
  return out;
}

/** 6.1 proactive compaction: fragmentation score of the zone (extfrag at order 9, PA §3.4). */
export function fragmentationScoreZone(z: Zone): number {
  let freePages = 0;
  let suitable = 0;
  const ord = Math.min(9, MAX_ORDER - 1);
  for (let o = 0; o < MAX_ORDER; o++) {
    const n = z.nrFree[o]!;
    freePages += n << o;
    if (o >= ord) suitable += n << (o - ord);
  }
  if (freePages === 0) return 0;
  return Math.floor(((freePages - suitable * (1 << ord)) * 100) / freePages);
}

/** fragmentation_score_wmark(low=true): (100 - proactiveness) rounded, at least 5 (PA §3.4). */
export function proactiveLowWmark(): number {
  return Math.max(100 - COMPACTION_PROACTIVENESS, 5);
}

export function proactiveHighWmark(): number {
  return Math.min(proactiveLowWmark() + 10, 100);
}

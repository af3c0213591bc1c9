// Page reclaim (mm/vmscan.c; PA §3.2): scan the inactive LRU tails, free clean page-cache pages,
// compress anonymous pages into zram, shrink reclaimable slab, and let Android's lowmemorykiller
// act. Direct reclaim (try_to_free_pages) wants SWAP_CLUSTER_MAX = 32 pages and raises the
// priority (scans lru_size >> priority per pass) until it has them.
//
// Simplified: a fixed share of scanned pages is "referenced" and rotated instead of reclaimed; anon
// vs file balance follows swappiness only (no refault costs); no dirty pages or writeback; slab is
// shrunk in proportion to the LRU share scanned.

import { allocPagesNoWatermarks, freePages } from './alloc.ts';
import {
  ___GFP_HIGHMEM,
  ___GFP_MOVABLE,
  ___GFP_NOWARN,
  DEF_PRIORITY,
  NO_PAGE,
  SWAP_CLUSTER_MAX,
} from './constants.ts';
import {
  LRU_ACTIVE_ANON,
  LRU_ACTIVE_FILE,
  LRU_INACTIVE_ANON,
  LRU_INACTIVE_FILE,
  POOL_SLAB_RECLAIMABLE,
  POOL_ZSMALLOC,
} from './lru.ts';
import type { MmNode } from './node.ts';
import { PG_ZSMALLOC } from './page-kind.ts';

/** struct scan_control, the fields the model uses. */
export interface ScanControl {
  nrToReclaim: number;
  priority: number;
  nrScanned: number;
  nrReclaimed: number;
  isKswapd: boolean;
  /** kswapd's boost reclaim neither swaps nor writes back (PA §2.6). */
  maySwap: boolean;
}

/** GFP of zsmalloc pages: 6.1 __GFP_MOVABLE (zsmalloc migration, ≈4.8); 2015 unmovable (PA §0). */
function zsmallocGfp(node: MmNode): number {
  return node.params.mode === '6.1'
    ? ___GFP_HIGHMEM | ___GFP_MOVABLE | ___GFP_NOWARN
    : ___GFP_HIGHMEM | ___GFP_NOWARN;
}

/** Stores one anonymous page in zram; false when the disk is full or no zsmalloc page is available. */
export function zramStore(node: MmNode): boolean {
  const zr = node.zram;
  const p = node.params;
  if (p.zramPages === 0 || zr.stored >= p.zramPages) return false;
  const needed = Math.ceil((zr.stored + 1) / p.zramRatio);
  if (needed > zr.poolPages) {
    const pfn = allocPagesNoWatermarks(node, 0, zsmallocGfp(node), PG_ZSMALLOC);
    if (pfn === NO_PAGE) return false;
    node.lru.add(pfn, POOL_ZSMALLOC);
    zr.poolPages++;
  }
  zr.stored++;
  node.zone.vm.pswpout++;
  return true;
}

/** Drops `n` pages from zram (swap-in or exit) and frees zsmalloc pages no longer needed. */
export function zramRelease(node: MmNode, n: number): void {
  const zr = node.zram;
  zr.stored = Math.max(0, zr.stored - n);
  const needed = Math.ceil(zr.stored / node.params.zramRatio);
  const z = node.zone;
  const head = node.lru.head(POOL_ZSMALLOC);
  while (zr.poolPages > needed) {
    const pfn = z.next[head]!;
    if (pfn === head) break;
    node.lru.remove(pfn);
    freePages(z, pfn);
    zr.poolPages--;
  }
}

/** Whether anonymous pages can be reclaimed at all (swap space left). */
function canSwap(node: MmNode): boolean {
  const p = node.params;
  return p.zramPages > 0 && node.zram.stored < p.zramPages && p.swappiness > 0;
}

/** @kernel zone_reclaimable_pages() mm/vmscan.c: file LRU, plus anon LRU when swap has room. */
export function zoneReclaimablePages(node: MmNode): number {
  const lru = node.lru;
  return lru.filePages + (canSwap(node) ? lru.anonPages : 0);
}

/** @kernel shrink_inactive_list() mm/vmscan.c: scans `nr` pages from the tail of `list`. */
function shrinkInactiveList(node: MmNode, list: number, nr: number, sc: ScanControl): void {
  const z = node.zone;
  const lru = node.lru;
  const vm = z.vm;
  const rng = node.rng;
  const head = lru.head(list);
  const isAnon = list === LRU_INACTIVE_ANON;
  const active = isAnon ? LRU_ACTIVE_ANON : LRU_ACTIVE_FILE;
  const refFrac = node.params.referencedFraction;
  const swapped = lru.swapped;
  let scanned = 0;
  let reclaimed = 0;
  for (; scanned < nr; ) {
    const p = z.prev[head]!;
    if (p === head) break;
    scanned++;
    if (rng.float() < refFrac) {
      lru.move(p, active);
      vm.pgactivate++;
      continue;
    }
    if (isAnon) {
      if (!sc.maySwap || !zramStore(node)) {
        lru.move(p, list);
        continue;
      }
      const owner = z.owner[p]!;
      lru.remove(p);
      swapped[owner]!++;
    } else {
      lru.remove(p);
    }
    freePages(z, p);
    reclaimed++;
  }
  sc.nrScanned += scanned;
  sc.nrReclaimed += reclaimed;
  if (sc.isKswapd) {
    vm.pgscan_kswapd += scanned;
    vm.pgsteal_kswapd += reclaimed;
  } else {
    vm.pgscan_direct += scanned;
    vm.pgsteal_direct += reclaimed;
  }
  if (isAnon) {
    vm.pgscan_anon += scanned;
    vm.pgsteal_anon += reclaimed;
  } else {
    vm.pgscan_file += scanned;
    vm.pgsteal_file += reclaimed;
  }
  const costs = node.params.costs;
  const us = scanned * costs.scanLruUs + reclaimed * (isAnon ? costs.reclaimAnonUs : costs.reclaimFileUs);
  if (sc.isKswapd) node.kswapd.cpuUs += us;
  else node.charge(us);
  if (!sc.isKswapd) {
    node.trace.reclaimScanned += scanned;
    node.trace.reclaimed += reclaimed;
  }
}

/** @kernel shrink_active_list() mm/vmscan.c: deactivates `nr` pages from the active tail. */
function shrinkActiveList(node: MmNode, active: number, inactive: number, nr: number): void {
  const z = node.zone;
  const lru = node.lru;
  const head = lru.head(active);
  for (let i = 0; i < nr; i++) {
    const p = z.prev[head]!;
    if (p === head) break;
    lru.move(p, inactive);
    z.vm.pgdeactivate++;
  }
}

/** @kernel get_scan_count() mm/vmscan.c, reduced to swappiness weighting. Returns [anon, file] pages. */
function getScanCount(node: MmNode, priority: number, maySwap: boolean): [number, number] {
  const lru = node.lru;
  const z = node.zone;
  const anon = lru.anonPages;
  const file = lru.filePages;
  const swappiness = node.params.swappiness;
  if (!maySwap || !canSwap(node)) return [0, Math.max(file >> priority, file > 0 ? 1 : 0)];
  // file_is_tiny: inactive file plus free below the high watermark -> anon only.
  if (lru.count[LRU_INACTIVE_FILE]! + z.freePages < z.wmarkHigh) return [Math.max(anon >> priority, 1), 0];
  const a = Math.ceil(((anon >> priority) * swappiness) / 200);
  const f = Math.ceil(((file >> priority) * (200 - swappiness)) / 200);
  return [a, f];
}

/** @kernel shrink_slab() mm/vmscan.c: reclaimable slab freed in proportion to the LRU share scanned. */
function shrinkSlab(node: MmNode, scanned: number, sc: ScanControl): void {
  const lru = node.lru;
  const z = node.zone;
  const total = lru.anonPages + lru.filePages;
  const pool = lru.count[POOL_SLAB_RECLAIMABLE]!;
  if (pool === 0 || scanned === 0) return;
  const share = total > 0 ? scanned / total : 1;
  // Objects scanned (count them as pages' worth of 8 objects); only about a third of the pages
  // touched become empty, because live objects pin them.
  z.vm.slabs_scanned += Math.ceil(pool * share * 8);
  let toFree = Math.floor(pool * share * 0.33 + node.rng.float());
  const head = lru.head(POOL_SLAB_RECLAIMABLE);
  let freed = 0;
  while (toFree-- > 0) {
    const p = z.prev[head]!;
    if (p === head) break;
    lru.remove(p);
    freePages(z, p);
    freed++;
  }
  sc.nrReclaimed += freed;
}

/** @kernel shrink_node() mm/vmscan.c: one pass over the LRUs at sc.priority, then slab and LMK. */
export function shrinkNode(node: MmNode, sc: ScanControl): void {
  const lru = node.lru;
  const before = sc.nrScanned;
  const [na, nf] = getScanCount(node, sc.priority, sc.maySwap);
  let anonLeft = na;
  let fileLeft = nf;
  while ((anonLeft > 0 || fileLeft > 0) && sc.nrReclaimed < sc.nrToReclaim) {
    if (fileLeft > 0) {
      const n = Math.min(fileLeft, SWAP_CLUSTER_MAX);
      if (lru.count[LRU_INACTIVE_FILE]! < n) shrinkActiveList(node, LRU_ACTIVE_FILE, LRU_INACTIVE_FILE, n);
      shrinkInactiveList(node, LRU_INACTIVE_FILE, n, sc);
      fileLeft -= n;
    }
    if (anonLeft > 0) {
      const n = Math.min(anonLeft, SWAP_CLUSTER_MAX);
      if (lru.count[LRU_INACTIVE_ANON]! < lru.count[LRU_ACTIVE_ANON]!)
        shrinkActiveList(node, LRU_ACTIVE_ANON, LRU_INACTIVE_ANON, n);
      shrinkInactiveList(node, LRU_INACTIVE_ANON, n, sc);
      anonLeft -= n;
    }
  }
  shrinkSlab(node, sc.nrScanned - before, sc);
  if (node.hooks.lowMemoryKill(node)) sc.nrReclaimed += SWAP_CLUSTER_MAX;
}

/**
 * @kernel try_to_free_pages() mm/vmscan.c: direct reclaim of 32 pages, priority 12 down to 0.
 * Counts allocstall (one per entry) and returns the pages reclaimed.
 */
export function tryToFreePages(node: MmNode, order: number, _gfp: number): number {
  const z = node.zone;
  z.vm.allocstall++;
  z.reclaimActive = true;
  const wasInReclaim = node.inReclaim;
  node.inReclaim = true;
  const sc: ScanControl = {
    nrToReclaim: SWAP_CLUSTER_MAX,
    priority: DEF_PRIORITY,
    nrScanned: 0,
    nrReclaimed: 0,
    isKswapd: false,
    maySwap: true,
  };
  for (; sc.priority >= 0; sc.priority--) {
    shrinkNode(node, sc);
    if (sc.nrReclaimed >= sc.nrToReclaim) break;
  }
  node.inReclaim = wasInReclaim;
  z.reclaimActive = false;
  void order;
  return sc.nrReclaimed;
}

// Background reclaim and compaction: kswapd (both modes) and kcompactd (6.1; PA §3.3, §3.4).
//
// They run beside the workload in virtual time: between two workload events of a run the daemons get
// (elapsed time × kswapdCpuShare) µs of cost-model work each. kswapd balances the zone to the HIGH
// watermark for the order it was woken with, drops to order 0 after reclaiming compact_gap(order)
// pages, then naps 100 ms; a wake-up during the nap counts kswapd_low_wmark_hit_quickly, an unbalanced
// zone at the end of the nap kswapd_high_wmark_hit_quickly. In 6.1 it wakes kcompactd when it goes
// to sleep; 2015 kswapd compacts by itself at the end of a high-order run (compact_pgdat, async).
// 6.1 kcompactd also compacts proactively every 500 ms while the fragmentation score is above 90.

import {
  COMPACT_COMPLETE,
  COMPACT_CONTINUE,
  COMPACT_MAX_DEFER_SHIFT_BACKOFF,
  COMPACT_PARTIAL_SKIPPED,
  COMPACT_SKIPPED,
  COMPACT_SUCCESS,
  CompactControl,
  compactionDeferReset,
  compactionDeferred,
  compactionSuitable,
  compactZone,
  deferCompaction,
  fragmentationScoreZone,
  MIGRATE_ASYNC,
  MIGRATE_SYNC_LIGHT,
  proactiveHighWmark,
  resetIsolationSuitable,
} from './compaction.ts';
import {
  ALLOC_WMARK_HIGH,
  compactGap,
  DEF_PRIORITY,
  HPAGE_FRAG_CHECK_INTERVAL_MSEC,
  KSWAPD_NAP_US,
  MAX_RECLAIM_RETRIES,
  SWAP_CLUSTER_MAX,
} from './constants.ts';
import { MIGRATE_UNMOVABLE } from './migratetype.ts';
import type { MmNode } from './node.ts';
import { drainAllPages } from './pcp.ts';
import { type ScanControl, shrinkNode } from './reclaim.ts';
import { zoneWatermarkOk } from './watermark.ts';

/**
 * @kernel pgdat_balanced() mm/vmscan.c (6.1): the order-n check at the high watermark (with boost).
 * 2015 zone_balanced() also wants compaction not to be skipped for order > 0 (3.10).
 */
export function pgdatBalanced(node: MmNode, order: number): boolean {
  const z = node.zone;
  if (!zoneWatermarkOk(z, order, z.wmark(ALLOC_WMARK_HIGH), 0)) return false;
  if (z.mode === '2015' && order > 0 && compactionSuitable(z, order, 0) === COMPACT_SKIPPED) return false;
  return true;
}

/** @kernel wakeup_kswapd() mm/vmscan.c: records the order and wakes kswapd unless already balanced. */
export function wakeupKswapd(node: MmNode, order: number): void {
  const ks = node.kswapd;
  const z = node.zone;
  if (ks.failures >= MAX_RECLAIM_RETRIES) return;
  if (ks.awake) {
    if (order > ks.order) ks.order = order;
    return;
  }
  if (pgdatBalanced(node, order) && z.watermarkBoost === 0) return;
  if (node.now < ks.napUntil) z.vm.kswapd_low_wmark_hit_quickly++;
  ks.napUntil = -1;
  ks.awake = true;
  ks.order = order;
  ks.reclaimOrder = order;
  ks.priority = DEF_PRIORITY;
  ks.reclaimedThisRun = 0;
  z.vm.pageoutrun++;
}

/** @kernel wake_all_kswapds() mm/page_alloc.c for the single node. */
export function wakeAllKswapds(node: MmNode, order: number): void {
  wakeupKswapd(node, order);
}

/** @kernel wakeup_kcompactd() mm/compaction.c (6.1): only if compaction could run for the order. */
export function wakeupKcompactd(node: MmNode, order: number): void {
  if (node.params.mode !== '6.1' || order <= 0) return;
  const kc = node.kcompactd;
  if (compactionSuitable(node.zone, order, 0) !== COMPACT_CONTINUE) return;
  kc.pending = true;
  if (order > kc.order) kc.order = order;
}

/** A background compaction run (kcompactd, proactive, or 2015 kswapd's compact_pgdat). */
function backgroundCompact(
  node: MmNode,
  order: number,
  mode: number,
  proactive: boolean,
  budgetUs: number,
): number {
  const z = node.zone;
  const cc = (node.compactDaemon ??= new CompactControl(z.spanned));
  cc.order = proactive ? -1 : order;
  cc.migratetype = MIGRATE_UNMOVABLE;
  cc.mode = mode;
  cc.direct = false;
  cc.proactive = proactive;
  cc.allocFlags = 0;
  cc.wholeZone = proactive;
  cc.ignoreSkipHint = proactive;
  cc.ignoreBlockSuitable = false;
  cc.budgetUs = budgetUs;
  const status = compactZone(node, cc);
  node.kcompactd.cpuUs += cc.spentUs;
  if (node.params.mode === '6.1') {
    z.vm.compact_daemon_migrate_scanned += cc.totalMigrateScanned;
    z.vm.compact_daemon_free_scanned += cc.totalFreeScanned;
  }
  return status;
}

/** @kernel kcompactd_do_work() mm/compaction.c (6.1). */
function kcompactdDoWork(node: MmNode, budgetUs: number): void {
  const z = node.zone;
  const kc = node.kcompactd;
  const order = kc.order;
  kc.pending = false;
  kc.order = 0;
  z.vm.compact_daemon_wake++;
  if (compactionDeferred(z, order)) return;
  if (compactionSuitable(z, order, 0) !== COMPACT_CONTINUE) return;
  const status = backgroundCompact(node, order, MIGRATE_SYNC_LIGHT, false, budgetUs);
  if (status === COMPACT_SUCCESS) compactionDeferReset(z, order, false);
  else if (status === COMPACT_PARTIAL_SKIPPED || status === COMPACT_COMPLETE) {
    drainAllPages(z);
    deferCompaction(z, order);
  }
}

/** kswapd goes to sleep: skip bits reset, kcompactd woken (6.1), or compact_pgdat (2015). */
function kswapdSleep(node: MmNode, budgetLeftUs: number): void {
  const ks = node.kswapd;
  const z = node.zone;
  if (z.mode === '6.1') {
    if (z.watermarkBoost > 0) {
      z.watermarkBoost = 0;
      wakeupKcompactd(node, z.pageblockOrder);
    }
    if (z.compactBlockskipFlush) resetIsolationSuitable(z);
    wakeupKcompactd(node, ks.order);
  } else if (ks.order > 0 && budgetLeftUs > 0) {
    backgroundCompact(node, ks.order, MIGRATE_ASYNC, false, budgetLeftUs);
  }
  ks.awake = false;
  ks.order = 0;
  ks.reclaimOrder = 0;
  ks.napUntil = node.now + KSWAPD_NAP_US;
}

/**
 * @kernel balance_pgdat() mm/vmscan.c, run in slices: reclaims SWAP_CLUSTER_MAX batches at the current
 * priority until the zone is balanced or the slice's budget is spent. Returns µs used.
 */
export function kswapdRun(node: MmNode, budgetUs: number): number {
  const ks = node.kswapd;
  let spent = 0;
  while (ks.awake && spent < budgetUs) {
    if (
      pgdatBalanced(node, ks.reclaimOrder) &&
      (node.zone.mode === '2015' || node.zone.watermarkBoost === 0)
    ) {
      kswapdSleep(node, budgetUs - spent);
      break;
    }
    const sc: ScanControl = {
      nrToReclaim: SWAP_CLUSTER_MAX,
      priority: ks.priority,
      nrScanned: 0,
      nrReclaimed: 0,
      isKswapd: true,
      maySwap: true,
    };
    const before = ks.cpuUs;
    shrinkNode(node, sc);
    spent += ks.cpuUs - before + 1;
    ks.reclaimedThisRun += sc.nrReclaimed;
    if (ks.reclaimOrder > 0 && ks.reclaimedThisRun >= compactGap(ks.reclaimOrder)) ks.reclaimOrder = 0;
    if (sc.nrReclaimed < SWAP_CLUSTER_MAX) ks.priority--;
    if (ks.priority < 1) {
      if (ks.reclaimedThisRun === 0) ks.failures++;
      kswapdSleep(node, 0);
      break;
    }
  }
  return spent;
}

/**
 * Lets the daemons catch up to time `to` (µs): kswapd and kcompactd each get the elapsed time times
 * kswapdCpuShare as their budget; the nap and the 6.1 proactive timer are checked.
 */
export function advanceBackground(node: MmNode, to: number): void {
  const dt = to - node.now;
  if (dt <= 0) return;
  node.now = to;
  const ks = node.kswapd;
  const z = node.zone;
  const share = node.params.kswapdCpuShare;
  if (!ks.awake && ks.napUntil >= 0 && to >= ks.napUntil) {
    ks.napUntil = -1;
    if (!pgdatBalanced(node, 0)) {
      z.vm.kswapd_high_wmark_hit_quickly++;
      wakeupKswapd(node, 0);
    } else if (ks.failures > 0 && pgdatBalanced(node, 0)) ks.failures = 0;
  }
  if (ks.awake) kswapdRun(node, dt * share);
  if (node.params.mode !== '6.1') return;
  const kc = node.kcompactd;
  if (kc.pending) kcompactdDoWork(node, dt * share);
  const period = HPAGE_FRAG_CHECK_INTERVAL_MSEC * 1000;
  if (kc.nextProactive === 0) kc.nextProactive = period;
  while (to >= kc.nextProactive) {
    kc.nextProactive += period;
    if (kc.proactiveDefer > 0) {
      kc.proactiveDefer--;
      continue;
    }
    if (ks.awake) continue;
    const prev = fragmentationScoreZone(z);
    if (prev <= proactiveHighWmark()) continue;
    backgroundCompact(node, -1, MIGRATE_SYNC_LIGHT, true, Math.min(dt, period) * share);
    const score = fragmentationScoreZone(z);
    kc.proactiveDefer = score < prev ? 0 : COMPACT_MAX_DEFER_SHIFT_BACKOFF;
  }
}

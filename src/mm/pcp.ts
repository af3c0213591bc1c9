// Per-CPU page lists (PA §2.5). 6.1 keeps orders 0..3 of the three PCP types per CPU, so order-1
// and order-2 stacks come from and go to these lists; 2015 kernels kept order 0 only. Pages parked
// here are neither free for the buddy (no merging) nor counted in NR_FREE_PAGES or /proc/buddyinfo.
import { assertTrue } from '../base/assert.ts';
import { PAGE_ALLOC_COSTLY_ORDER } from '../model/constants.ts';
import { freeOnePage, rmqueue } from './buddy.ts';
import { NO_PAGE } from './constants.ts';
import { MIGRATE_ISOLATE, MIGRATE_MOVABLE, MIGRATE_PCPTYPES } from './migratetype.ts';
import { PG_PCP } from './page-kind.ts';
import { NR_PCP_LISTS, type Zone } from './zone.ts';

/** CONFIG_PCP_BATCH_SCALE_MAX default (mm/Kconfig, 6.1). */
const PCP_BATCH_SCALE_MAX = 5;

/** @kernel pcp_allowed_order() mm/page_alloc.c: orders that use pcp lists in this mode. */
export function pcpAllowedOrder(z: Zone, order: number): boolean {
  return z.mode === '6.1' ? order <= PAGE_ALLOC_COSTLY_ORDER : order === 0;
}

/**
 * @kernel rmqueue_bulk() mm/page_alloc.c: `count` blocks from the buddy in one lock hold, appended to
 * the pcp list. Returns how many it got.
 */
function rmqueueBulk(
  z: Zone,
  order: number,
  count: number,
  head: number,
  mt: number,
  allocFlags: number,
): number {
  let i = 0;
  for (; i < count; i++) {
    const p = rmqueue(z, order, mt, allocFlags);
    if (p === NO_PAGE) break;
    z.kind[p] = PG_PCP;
    z.order[p] = order;
    // rmqueue left the type of the list the block came from in lmt[p] (set_pcppage_migratetype).
    z.listAddTail(head, p);
  }
  return i;
}

/** @kernel rmqueue_pcplist() / __rmqueue_pcplist() mm/page_alloc.c: a block from this CPU's list. */
export function rmqueuePcplist(z: Zone, order: number, mt: number, allocFlags: number): number {
  const cpu = z.cpu;
  z.pcpFreeFactor[cpu]! >>= 1;
  const head = z.pcpListHead(cpu, order, mt);
  let p = z.next[head]!;
  if (p === head) {
    let batch = z.pcpBatch;
    if (batch > 1) batch = Math.max(batch >> order, 2);
    const got = rmqueueBulk(z, order, batch, head, mt, allocFlags);
    z.pcpCount[cpu]! += got << order;
    p = z.next[head]!;
    if (p === head) return NO_PAGE;
  }
  z.listDel(p);
  z.pcpCount[cpu]! -= 1 << order;
  return p;
}

/**
 * @kernel free_pcppages_bulk() mm/page_alloc.c: returns `count` pages to the buddy, round-robin over
 * this CPU's lists starting after `pindex`, oldest (tail) first.
 */
export function freePcppagesBulk(z: Zone, cpu: number, count: number, pindex: number): void {
  count = Math.min(count, z.pcpCount[cpu]!);
  let minP = 0;
  let maxP = NR_PCP_LISTS - 1;
  pindex = pindex - 1;
  const base = z.pcpBase + cpu * NR_PCP_LISTS;
  while (count > 0) {
    let head: number;
    for (;;) {
      if (++pindex > maxP) pindex = minP;
      head = base + pindex;
      if (z.next[head] !== head) break;
      if (pindex === maxP) maxP--;
      if (pindex === minP) minP++;
      assertTrue(minP <= maxP + 1, 'pcp count out of sync with lists');
    }
    const order = Math.floor(pindex / MIGRATE_PCPTYPES);
    const nr = 1 << order;
    do {
      const p = z.prev[head]!;
      z.listDel(p);
      count -= nr;
      z.pcpCount[cpu]! -= nr;
      freeOnePage(z, p, order, z.lmt[p]!);
    } while (count > 0 && z.next[head] !== head);
  }
}

/** @kernel nr_pcp_free() mm/page_alloc.c (6.1) */
function nrPcpFree(z: Zone, cpu: number, high: number, batch: number, freeHigh: boolean): number {
  if (freeHigh) return z.pcpCount[cpu]!;
  if (high < batch) return 1;
  const minNr = batch;
  const maxNr = high - batch;
  const ff = z.pcpFreeFactor[cpu]!;
  batch <<= ff;
  if (batch < maxNr && ff < PCP_BATCH_SCALE_MAX) z.pcpFreeFactor[cpu] = ff + 1;
  return Math.min(Math.max(batch, minNr), maxNr);
}

/** @kernel nr_pcp_high() mm/page_alloc.c (6.1): capped at 4*batch while reclaim is active. */
function nrPcpHigh(z: Zone, freeHigh: boolean): number {
  const high = z.pcpHigh;
  if (high === 0 || freeHigh) return 0;
  if (!z.reclaimActive) return high;
  return Math.min(z.pcpBatch << 2, high);
}

/**
 * @kernel free_unref_page() + free_unref_page_commit() mm/page_alloc.c (6.1); 2015 =
 * free_hot_cold_page(): order 0 only, drain `batch` pages once count reaches high.
 * The block's pages must already be PG_TAIL.
 */
export function freeUnrefPage(z: Zone, pfn: number, order: number): void {
  const mt = z.pageblockMigratetype(pfn);
  let pcpMt = mt;
  if (mt >= MIGRATE_PCPTYPES) {
    if (mt === MIGRATE_ISOLATE) {
      freeOnePage(z, pfn, order, mt);
      return;
    }
    pcpMt = MIGRATE_MOVABLE;
  }
  const cpu = z.cpu;
  z.kind[pfn] = PG_PCP;
  z.order[pfn] = order;
  z.lmt[pfn] = mt;
  const pindex = order * MIGRATE_PCPTYPES + pcpMt;
  z.listAdd(z.pcpBase + cpu * NR_PCP_LISTS + pindex, pfn);
  const count = (z.pcpCount[cpu]! += 1 << order);
  if (z.mode === '2015') {
    if (count >= z.pcpHigh) freePcppagesBulk(z, cpu, z.pcpBatch, pindex);
    return;
  }
  const freeHigh = z.pcpFreeFactor[cpu] !== 0 && order > 0 && order <= PAGE_ALLOC_COSTLY_ORDER;
  const high = nrPcpHigh(z, freeHigh);
  if (count >= high) freePcppagesBulk(z, cpu, nrPcpFree(z, cpu, high, z.pcpBatch, freeHigh), pindex);
}

/** @kernel drain_all_pages() mm/page_alloc.c: every CPU's pcp pages back to the buddy. */
export function drainAllPages(z: Zone): void {
  for (let cpu = 0; cpu < z.nrCpus; cpu++) {
    if (z.pcpCount[cpu]! > 0) freePcppagesBulk(z, cpu, z.pcpCount[cpu]!, 0);
  }
}

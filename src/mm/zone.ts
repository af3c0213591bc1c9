// One memory zone: the model's `struct zone` plus its slice of `mem_map` (PA §6.1).
//
// Every per-page field is a typed array indexed by PFN (relative to the zone start); there are no
// per-page objects. Lists are intrusive doubly linked lists over PFNs that share one pair of
// next/prev arrays: a page is on at most one list at a time (a buddy free list if it heads a free
// block, a per-CPU list if it heads a pcp block, an LRU or pool list if it is allocated). Each list
// has a sentinel node at an index >= spanned, so removal never needs to know which list it is on.
//
//   index:  0 .. spanned-1          spanned .. spanned+F-1      +P                 +E
//           page frames             free_area[o].free_list[mt]  pcp lists per CPU  extra lists
import { assertTrue } from '../base/assert.ts';
import { cloneShallow } from './clone.ts';
import { MAX_ORDER, MAX_ORDER_NR_PAGES, NO_PAGE } from './constants.ts';
import {
  type KernelMode,
  MIGRATE_CMA,
  MIGRATE_ISOLATE,
  MIGRATE_PCPTYPES,
  MIGRATE_TYPES,
} from './migratetype.ts';
import { PG_FREE, PG_TAIL } from './page-kind.ts';
import { VmEvents } from './vmstat.ts';

/** 6.1: pcp lists hold orders 0..PAGE_ALLOC_COSTLY_ORDER for each PCP type (PA §2.5). */
export const PCP_MAX_ORDER = 3;
export const NR_PCP_LISTS = (PCP_MAX_ORDER + 1) * MIGRATE_PCPTYPES;

export interface ZoneConfig {
  /** As /proc/buddyinfo prints it: "DMA", "DMA32", "Normal". */
  readonly name: string;
  /** Pages the zone spans; a multiple of MAX_ORDER_NR_PAGES (1024). */
  readonly spannedPages: number;
  readonly nrCpus: number;
  readonly mode: KernelMode;
  /** 9 (CONFIG_HUGETLB_PAGE, 2 MB) or 10 (4 MB) with 4 KB pages (PA §2.2). */
  readonly pageblockOrder: number;
  /** CONFIG_CMA: pagetypeinfo prints a CMA row. */
  readonly configCma: boolean;
  /** CONFIG_MEMORY_ISOLATION: pagetypeinfo prints an Isolate row. */
  readonly configIsolate: boolean;
  /** Extra list heads for LRUs and pools kept by higher-level code. */
  readonly extraLists: number;
}

export class Zone {
  readonly name: string;
  readonly mode: KernelMode;
  readonly spanned: number;
  readonly nrCpus: number;
  readonly pageblockOrder: number;
  readonly pageblockNrPages: number;
  readonly configCma: boolean;
  readonly configIsolate: boolean;
  /** Pages handed to the buddy allocator (spanned minus what boot kept): zone_managed_pages(). */
  managed = 0;

  // ---- mem_map: one entry per PFN (next/prev also hold the list sentinels) ----
  readonly next: Int32Array;
  readonly prev: Int32Array;
  /** PG_* kind (page-kind.ts). */
  readonly kind: Uint8Array;
  /** Buddy order of a free/pcp head, allocation order of an allocated head. */
  readonly order: Uint8Array;
  /** Free list migratetype of a free head; "pcppage migratetype" of a pcp head. */
  readonly lmt: Uint8Array;
  /** Who holds an allocated page (process id, pool id); meaning belongs to the workload. */
  readonly owner: Int32Array;

  // ---- pageblocks: 3 type bits + the compaction skip bit (include/linux/pageblock-flags.h) ----
  readonly pbType: Uint8Array;
  readonly pbSkip: Uint8Array;

  // ---- free_area[] ----
  /** Blocks on free_list[mt] of each order, index order * MIGRATE_TYPES + mt. */
  readonly nrFreeList: Int32Array;
  /** free_area[order].nr_free. */
  readonly nrFree: Int32Array;
  /** NR_FREE_PAGES: pages on buddy free lists except MIGRATE_ISOLATE. */
  freePages = 0;
  /** NR_FREE_CMA_PAGES. */
  freeCma = 0;

  // ---- watermarks (mm/page_alloc.c __setup_per_zone_wmarks) ----
  wmarkMin = 0;
  wmarkLow = 0;
  wmarkHigh = 0;
  watermarkBoost = 0;
  /** lowmem_reserve[] for the single-zone model is 0 (PA §2.6). */
  lowmemReserve = 0;
  /** 6.1: pages in HIGHATOMIC pageblocks. */
  nrReservedHighatomic = 0;
  /** ZONE_BOOSTED_WATERMARK: kswapd is woken after the allocation that set it. */
  boostedWatermarkFlag = false;
  /** ZONE_RECLAIM_ACTIVE: caps pcp high at 4*batch while set. */
  reclaimActive = false;

  // ---- per-CPU pages ----
  pcpBatch = 1;
  pcpHigh = 0;
  readonly pcpCount: Int32Array;
  readonly pcpFreeFactor: Int32Array;
  /** The CPU the caller runs on; pcp and vmap-stack caches are per CPU. */
  cpu = 0;

  // ---- compaction state (struct zone, CONFIG_COMPACTION) ----
  /** [0] async, [1] sync. */
  readonly compactCachedMigratePfn: [number, number] = [0, 0];
  compactCachedFreePfn = 0;
  compactInitMigratePfn = 0;
  compactInitFreePfn = 0;
  compactConsidered = 0;
  compactDeferShift = 0;
  compactOrderFailed = 0;
  compactBlockskipFlush = false;
  /** capture_control of the task compacting right now: the order it wants, or -1. */
  captureOrder = -1;
  capturedPfn = NO_PAGE;

  readonly vm = new VmEvents();

  // ---- list layout ----
  readonly freeBase: number;
  readonly pcpBase: number;
  readonly extraBase: number;

  constructor(cfg: ZoneConfig) {
    assertTrue(
      cfg.spannedPages > 0 && cfg.spannedPages % MAX_ORDER_NR_PAGES === 0,
      `zone size ${cfg.spannedPages} must be a positive multiple of ${MAX_ORDER_NR_PAGES} pages`,
    );
    assertTrue(cfg.pageblockOrder >= 1 && cfg.pageblockOrder < MAX_ORDER, 'pageblock_order out of range');
    this.name = cfg.name;
    this.mode = cfg.mode;
    this.spanned = cfg.spannedPages;
    this.nrCpus = cfg.nrCpus;
    this.pageblockOrder = cfg.pageblockOrder;
    this.pageblockNrPages = 1 << cfg.pageblockOrder;
    this.configCma = cfg.configCma;
    this.configIsolate = cfg.configIsolate;
    const n = cfg.spannedPages;
    this.freeBase = n;
    this.pcpBase = n + MAX_ORDER * MIGRATE_TYPES;
    this.extraBase = this.pcpBase + cfg.nrCpus * NR_PCP_LISTS;
    const total = this.extraBase + cfg.extraLists;
    this.next = new Int32Array(total);
    this.prev = new Int32Array(total);
    for (let h = n; h < total; h++) {
      this.next[h] = h;
      this.prev[h] = h;
    }
    this.kind = new Uint8Array(n);
    this.order = new Uint8Array(n);
    this.lmt = new Uint8Array(n);
    this.owner = new Int32Array(n);
    this.pbType = new Uint8Array(n >> cfg.pageblockOrder);
    this.pbSkip = new Uint8Array(n >> cfg.pageblockOrder);
    this.nrFreeList = new Int32Array(MAX_ORDER * MIGRATE_TYPES);
    this.nrFree = new Int32Array(MAX_ORDER);
    this.pcpCount = new Int32Array(cfg.nrCpus);
    this.pcpFreeFactor = new Int32Array(cfg.nrCpus);
    this.compactCachedFreePfn = n - this.pageblockNrPages;
    this.compactInitFreePfn = this.compactCachedFreePfn;
  }

  /** An independent copy (for starting several experiments from one state). */
  clone(): Zone {
    return cloneShallow(this, { vm: this.vm.clone() });
  }

  get nrPageblocks(): number {
    return this.pbType.length;
  }

  /** Sentinel of free_area[order].free_list[mt]. */
  freeListHead(order: number, mt: number): number {
    return this.freeBase + order * MIGRATE_TYPES + mt;
  }

  /** Sentinel of a CPU's pcp list (order, PCP type). */
  pcpListHead(cpu: number, order: number, mt: number): number {
    return this.pcpBase + cpu * NR_PCP_LISTS + order * MIGRATE_PCPTYPES + mt;
  }

  /** Sentinel of extra list i (LRUs and pools). */
  extraListHead(i: number): number {
    return this.extraBase + i;
  }

  listEmpty(head: number): boolean {
    return this.next[head] === head;
  }

  /** list_add: insert after the sentinel (the list's head end). */
  listAdd(head: number, p: number): void {
    const nx = this.next[head]!;
    this.next[p] = nx;
    this.prev[p] = head;
    this.prev[nx] = p;
    this.next[head] = p;
  }

  /** list_add_tail: insert before the sentinel. */
  listAddTail(head: number, p: number): void {
    const pv = this.prev[head]!;
    this.prev[p] = pv;
    this.next[p] = head;
    this.next[pv] = p;
    this.prev[head] = p;
  }

  listDel(p: number): void {
    const nx = this.next[p]!;
    const pv = this.prev[p]!;
    this.next[pv] = nx;
    this.prev[nx] = pv;
  }

  /** Puts `q` where `p` is in p's list (migration keeps LRU position). */
  listReplace(p: number, q: number): void {
    const nx = this.next[p]!;
    const pv = this.prev[p]!;
    this.next[q] = nx;
    this.prev[q] = pv;
    this.next[pv] = q;
    this.prev[nx] = q;
  }

  /** Number of entries on a list (O(n); for printing and tests). */
  listLength(head: number): number {
    let n = 0;
    for (let p = this.next[head]!; p !== head; p = this.next[p]!) n++;
    return n;
  }

  /** @kernel get_pageblock_migratetype() include/linux/mmzone.h */
  pageblockMigratetype(pfn: number): number {
    return this.pbType[pfn >> this.pageblockOrder]!;
  }

  /** @kernel set_pageblock_migratetype() mm/page_alloc.c */
  setPageblockMigratetype(pfn: number, mt: number): void {
    this.pbType[pfn >> this.pageblockOrder] = mt;
  }

  /** @kernel __add_to_free_list() / add_to_free_list_tail() mm/page_alloc.c (sets PageBuddy and order). */
  addToFreeList(pfn: number, order: number, mt: number, tail: boolean): void {
    this.kind[pfn] = PG_FREE;
    this.order[pfn] = order;
    this.lmt[pfn] = mt;
    const head = this.freeBase + order * MIGRATE_TYPES + mt;
    if (tail) this.listAddTail(head, pfn);
    else this.listAdd(head, pfn);
    this.nrFreeList[order * MIGRATE_TYPES + mt]!++;
    this.nrFree[order]!++;
    if (mt !== MIGRATE_ISOLATE) this.freePages += 1 << order;
    if (mt === MIGRATE_CMA) this.freeCma += 1 << order;
  }

  /** @kernel del_page_from_free_list() mm/page_alloc.c; the head becomes a tail until re-marked. */
  delFromFreeList(pfn: number): void {
    const order = this.order[pfn]!;
    const mt = this.lmt[pfn]!;
    this.listDel(pfn);
    this.kind[pfn] = PG_TAIL;
    this.nrFreeList[order * MIGRATE_TYPES + mt]!--;
    this.nrFree[order]!--;
    if (mt !== MIGRATE_ISOLATE) this.freePages -= 1 << order;
    if (mt === MIGRATE_CMA) this.freeCma -= 1 << order;
  }

  /** @kernel move_to_free_list() mm/page_alloc.c: to the tail of another type's list, same order. */
  moveToFreeList(pfn: number, mt: number): void {
    const order = this.order[pfn]!;
    this.delFromFreeList(pfn);
    this.addToFreeList(pfn, order, mt, true);
  }

  /** @kernel free_area_empty() include/linux/mmzone.h */
  freeAreaEmpty(order: number, mt: number): boolean {
    return this.nrFreeList[order * MIGRATE_TYPES + mt] === 0;
  }

  /** First block on free_list[mt] of `order`, or NO_PAGE. */
  freeListFirst(order: number, mt: number): number {
    const head = this.freeBase + order * MIGRATE_TYPES + mt;
    const p = this.next[head]!;
    return p === head ? NO_PAGE : p;
  }

  /** @kernel page_is_buddy(): `pfn` heads a free block of exactly `order`. */
  isFreeBuddy(pfn: number, order: number): boolean {
    return this.kind[pfn] === PG_FREE && this.order[pfn] === order;
  }

  /** Pages held on every CPU's pcp lists (Mem-Info "free_pcp"). */
  get pcpPages(): number {
    let s = 0;
    for (let c = 0; c < this.nrCpus; c++) s += this.pcpCount[c]!;
    return s;
  }

  /** wmark_pages(): a watermark plus the current boost. */
  wmark(which: number): number {
    const base = which === 0 ? this.wmarkMin : which === 1 ? this.wmarkLow : this.wmarkHigh;
    return base + this.watermarkBoost;
  }
}

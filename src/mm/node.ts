// A memory node (`pg_data_t`): the zone, its LRUs, kswapd and kcompactd, the zram pool, the virtual
// clock, and the story of the allocation in progress. The model has one node with one zone, which
// PA §2.1 says is adequate for phones (all RAM in one zone).
import { assertTrue } from '../base/assert.ts';
import { Rng } from '../engine/rng.ts';
import { freeOnePage, setupZoneMigrateReserve } from './buddy.ts';
import { cloneShallow } from './clone.ts';
import type { CompactControl } from './compaction.ts';
import { MAX_ORDER, MAX_ORDER_NR_PAGES, PAGE_SHIFT } from './constants.ts';
import { type CostModel, DEFAULT_COSTS } from './costs.ts';
import { Lru, NR_LRU_LISTS } from './lru.ts';
import { type KernelMode, MIGRATE_CMA, MIGRATE_MOVABLE } from './migratetype.ts';
import { PG_RESERVED, PG_TAIL } from './page-kind.ts';
import { calculateMinFreeKbytes, setupPcp, setupPerZoneWmarks } from './watermark.ts';
import { Zone } from './zone.ts';

/** Everything that defines one simulated machine's memory; devices.ts fills it in. */
export interface MmParams {
  readonly mode: KernelMode;
  /** As the kernel names the zone: "DMA" (arm64 <= 4 GB), "Normal". */
  readonly zoneName: string;
  /** Pages the zone spans (RAM), a multiple of 1024. */
  readonly spannedPages: number;
  /** Pages never handed to the buddy allocator (kernel image, firmware, carve-outs). */
  readonly reservedPages: number;
  /** Pages of the CMA area at the end of the zone (0 = none). */
  readonly cmaPages: number;
  readonly configCma: boolean;
  readonly configIsolate: boolean;
  readonly nrCpus: number;
  readonly pageblockOrder: number;
  /** min_free_kbytes; undefined = the kernel's default from managed memory. */
  readonly minFreeKbytes?: number;
  readonly extraFreeKbytes: number;
  readonly watermarkScaleFactor: number;
  /** Android sysctl min_free_order_shift for the 2015 check (1 = plain halving). */
  readonly minFreeOrderShift: number;
  /** vm.swappiness. */
  readonly swappiness: number;
  /** zram disk size in pages of uncompressed data (0 = no swap). */
  readonly zramPages: number;
  /** Compression ratio of zram (uncompressed / compressed). */
  readonly zramRatio: number;
  /** Share of scanned inactive pages found referenced and rotated instead of reclaimed. */
  readonly referencedFraction: number;
  /** Fraction of one CPU kswapd and kcompactd may use while awake. */
  readonly kswapdCpuShare: number;
  /** 2015: cap on "too small to fail" retry loops, so a livelock ends as a failure in the model. */
  readonly maxRetryLoops2015: number;
  readonly costs: CostModel;
}

export const DEFAULT_MM_PARAMS: Omit<MmParams, 'mode' | 'spannedPages' | 'nrCpus'> = {
  zoneName: 'DMA',
  reservedPages: 0,
  cmaPages: 0,
  configCma: false,
  configIsolate: true,
  pageblockOrder: 9,
  extraFreeKbytes: 0,
  watermarkScaleFactor: 10,
  minFreeOrderShift: 1,
  swappiness: 60,
  zramPages: 0,
  zramRatio: 3,
  referencedFraction: 0.25,
  kswapdCpuShare: 1,
  maxRetryLoops2015: 1000,
  costs: DEFAULT_COSTS,
};

/** What the allocator did for the request in progress; reset by allocPages, read by callers. */
export class AllocTrace {
  order = 0;
  slowpath = false;
  compactStalls = 0;
  compactSuccess = false;
  directReclaims = 0;
  reclaimScanned = 0;
  reclaimed = 0;
  migrateScanned = 0;
  freeScanned = 0;
  migrated = 0;
  retries = 0;
  oomKills = 0;
  drains = 0;
  failed = false;
  /** Synchronous cost in µs (cost model). */
  costUs = 0;

  reset(order: number): void {
    this.order = order;
    this.slowpath = false;
    this.compactStalls = 0;
    this.compactSuccess = false;
    this.directReclaims = 0;
    this.reclaimScanned = 0;
    this.reclaimed = 0;
    this.migrateScanned = 0;
    this.freeScanned = 0;
    this.migrated = 0;
    this.retries = 0;
    this.oomKills = 0;
    this.drains = 0;
    this.failed = false;
    this.costUs = 0;
  }
}

/** Callbacks into the workload: the allocator's last resorts kill processes the workload owns. */
export interface NodeHooks {
  /** out_of_memory(): kill one process; true if a victim was found. */
  oomKill(node: MmNode): boolean;
  /**
   * Android lowmemorykiller, run from reclaim (a shrinker in 2015 kernels): kill a cached app when
   * free and file pages are below its level. Returns true if something was killed.
   */
  lowMemoryKill(node: MmNode): boolean;
}

export const NO_HOOKS: NodeHooks = {
  oomKill: () => false,
  lowMemoryKill: () => false,
};

export interface KswapdState {
  /** Woken and not yet balanced. */
  awake: boolean;
  /** pgdat->kswapd_order: the largest order a waker asked for. */
  order: number;
  /** The order balance_pgdat works on (drops to 0 after compact_gap pages). */
  reclaimOrder: number;
  /** balance_pgdat's sc.priority, kept across slices. */
  priority: number;
  failures: number;
  /** Napping (HZ/10) after balancing; a wake-up during the nap counts as "hit quickly". */
  napUntil: number;
  reclaimedThisRun: number;
  /** CPU µs spent (background). */
  cpuUs: number;
}

export interface KcompactdState {
  pending: boolean;
  order: number;
  cpuUs: number;
  /** 6.1 proactive compaction: next check time and back-off. */
  nextProactive: number;
  proactiveDefer: number;
}

export interface ZramState {
  /** Uncompressed pages stored. */
  stored: number;
  /** zsmalloc pages held (zone pages of kind PG_ZSMALLOC). */
  poolPages: number;
}

export class MmNode {
  readonly params: MmParams;
  readonly zone: Zone;
  readonly lru: Lru;
  readonly rng: Rng;
  readonly trace = new AllocTrace();
  readonly kswapd: KswapdState = {
    awake: false,
    order: 0,
    reclaimOrder: 0,
    priority: 12,
    failures: 0,
    napUntil: -1,
    reclaimedThisRun: 0,
    cpuUs: 0,
  };
  readonly kcompactd: KcompactdState = {
    pending: false,
    order: 0,
    cpuUs: 0,
    nextProactive: 0,
    proactiveDefer: 0,
  };
  readonly zram: ZramState = { stored: 0, poolPages: 0 };
  hooks: NodeHooks = NO_HOOKS;
  /** Virtual time in µs. */
  now = 0;
  /** PF_MEMALLOC: allocations from inside reclaim must not recurse into reclaim. */
  inReclaim = false;
  /**
   * The compact_control of direct compaction and of kcompactd/kswapd, made on first use and reused
   * (the kernel's lives on the stack; compactZone() resets every field a run reads).
   */
  compactDirect: CompactControl | undefined = undefined;
  compactDaemon: CompactControl | undefined = undefined;
  readonly minFreeKbytes: number;

  /**
   * `boot` = false leaves every page allocated (PG_RESERVED) and the watermarks unset, for callers
   * that lay out the zone themselves (snapshot.ts) and then call finishBoot().
   */
  constructor(params: MmParams, seed: number, maxOwners = 1 << 14, boot = true) {
    this.params = params;
    this.rng = new Rng(seed);
    this.zone = new Zone({
      name: params.zoneName,
      spannedPages: params.spannedPages,
      nrCpus: params.nrCpus,
      mode: params.mode,
      pageblockOrder: params.pageblockOrder,
      configCma: params.configCma,
      configIsolate: params.configIsolate,
      extraLists: NR_LRU_LISTS,
    });
    this.lru = new Lru(this.zone, maxOwners);
    if (boot) this.minFreeKbytes = this.boot();
    else {
      this.zone.kind.fill(PG_RESERVED);
      this.minFreeKbytes = 0;
    }
  }

  /**
   * Boot: every pageblock starts MOVABLE (memmap_init), the CMA area's blocks CMA; reserved pages stay
   * allocated and the rest is freed to the buddy in MAX_ORDER blocks where possible. Then watermarks,
   * pcp sizes and (2015) the MIGRATE_RESERVE blocks are set up. Returns min_free_kbytes.
   */
  private boot(): number {
    const z = this.zone;
    const p = this.params;
    assertTrue(p.reservedPages + p.cmaPages < p.spannedPages, 'reserved + CMA exceed the zone');
    z.pbType.fill(MIGRATE_MOVABLE);
    const cmaStart = p.spannedPages - p.cmaPages;
    for (let pfn = cmaStart; pfn < p.spannedPages; pfn += z.pageblockNrPages)
      z.setPageblockMigratetype(pfn, MIGRATE_CMA);
    z.kind.fill(PG_TAIL);
    for (let pfn = 0; pfn < p.reservedPages; pfn++) z.kind[pfn] = PG_RESERVED;
    let managed = 0;
    for (let base = 0; base < p.spannedPages; base += MAX_ORDER_NR_PAGES) {
      if (base >= p.reservedPages) {
        freeOnePage(z, base, MAX_ORDER - 1, z.pageblockMigratetype(base));
        managed += MAX_ORDER_NR_PAGES;
        continue;
      }
      for (let pfn = Math.max(base, p.reservedPages); pfn < base + MAX_ORDER_NR_PAGES; pfn++) {
        freeOnePage(z, pfn, 0, z.pageblockMigratetype(pfn));
        managed++;
      }
    }
    return this.finishBoot(managed, true);
  }

  /** Watermarks from min_free_kbytes, pcp sizes and (2015, when asked) the MIGRATE_RESERVE blocks. */
  finishBoot(managed: number, reserveBlocks: boolean): number {
    const z = this.zone;
    const p = this.params;
    z.managed = managed;
    const minFreeKbytes = p.minFreeKbytes ?? calculateMinFreeKbytes(managed << (PAGE_SHIFT - 10), p.mode);
    setupPerZoneWmarks(z, {
      minFreeKbytes,
      extraFreeKbytes: p.extraFreeKbytes,
      watermarkScaleFactor: p.watermarkScaleFactor,
    });
    setupPcp(z);
    if (reserveBlocks) setupZoneMigrateReserve(z);
    z.compactInitMigratePfn = 0;
    (this as { minFreeKbytes: number }).minFreeKbytes = minFreeKbytes;
    return minFreeKbytes;
  }

  /** An independent copy of the node; hooks must be set again by the new owner. */
  clone(): MmNode {
    const zone = this.zone.clone();
    return cloneShallow(this, {
      zone,
      lru: this.lru.clone(zone),
      rng: cloneShallow(this.rng),
      trace: new AllocTrace(),
      kswapd: { ...this.kswapd },
      kcompactd: { ...this.kcompactd },
      zram: { ...this.zram },
      hooks: NO_HOOKS,
      compactDirect: undefined,
      compactDaemon: undefined,
    });
  }

  /** Adds synchronous cost to the allocation in progress. */
  charge(us: number): void {
    this.trace.costUs += us;
  }
}

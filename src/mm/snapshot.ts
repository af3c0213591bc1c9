// A zone rebuilt from what /proc/pagetypeinfo tells of a real one: the number of pageblocks of each
// type and the number of free blocks of each type and order. Positions are not in the file, so the
// model places them: pageblock types in runs (Unmovable, Reclaimable, Movable, then CMA at the end
// of the zone, where the CMA area sits), free blocks largest first inside blocks of their own type
// at the lowest aligned spot whose buddy is not a free block of the same order (a real free list is
// fully merged). Every other page is allocated: the zone's unmanaged pages first (kernel image,
// firmware), then pages labelled by their block's type (unmovable kernel memory, reclaimable slab, or
// movable pages of unknown owner that compaction may move but nothing frees).
import { assertTrue } from '../base/assert.ts';
import { MAX_ORDER } from './constants.ts';
import { POOL_OTHER_MOVABLE, POOL_SLAB_RECLAIMABLE } from './lru.ts';
import {
  MIGRATE_CMA,
  MIGRATE_HIGHATOMIC,
  MIGRATE_ISOLATE,
  MIGRATE_MOVABLE,
  MIGRATE_RECLAIMABLE,
  MIGRATE_RESERVE,
  MIGRATE_TYPES,
  MIGRATE_UNMOVABLE,
  MIGRATETYPE_NAMES,
} from './migratetype.ts';
import { MmNode, type MmParams } from './node.ts';
import {
  PG_FREE,
  PG_KERNEL,
  PG_RESERVED,
  PG_SLAB_RECLAIMABLE,
  PG_TAIL,
  PG_UNKNOWN_MOVABLE,
} from './page-kind.ts';

export interface ZoneLayout {
  /** Pageblocks per migratetype (index = model migratetype). */
  readonly blocks: readonly number[];
  /** Free blocks per migratetype and order: free[mt][order]. */
  readonly free: readonly (readonly number[])[];
  /** Pages the buddy allocator manages (MemTotal); the rest of the span is reserved. */
  readonly managedPages: number;
}

/** Maps pagetypeinfo type names ("Unmovable", "HighAtomic", "Reserve" ...) to model migratetypes. */
export function migratetypeByName(name: string): number | undefined {
  const i = MIGRATETYPE_NAMES.indexOf(name);
  return i >= 0 ? i : undefined;
}

/** Result of laying out a snapshot: the node and the free blocks that could not be placed. */
export interface SnapshotNode {
  readonly node: MmNode;
  readonly unplaced: readonly { readonly type: string; readonly order: number; readonly count: number }[];
}

export function nodeFromLayout(params: MmParams, seed: number, layout: ZoneLayout): SnapshotNode {
  const node = new MmNode(params, seed, 1 << 14, false);
  const z = node.zone;
  const pbo = z.pageblockOrder;
  const nBlocks = z.nrPageblocks;
  const total = layout.blocks.reduce((a, b) => a + b, 0);
  assertTrue(total <= nBlocks, `layout has ${total} pageblocks, the zone ${nBlocks}`);
  // Pageblock types: runs in this order, CMA last; blocks the snapshot does not account for stay MOVABLE.
  const runOrder = [
    MIGRATE_UNMOVABLE,
    MIGRATE_RECLAIMABLE,
    MIGRATE_HIGHATOMIC,
    MIGRATE_RESERVE,
    MIGRATE_MOVABLE,
    MIGRATE_ISOLATE,
  ];
  let b = 0;
  for (const mt of runOrder) for (let i = 0; i < (layout.blocks[mt] ?? 0); i++) z.pbType[b++] = mt;
  const cma = layout.blocks[MIGRATE_CMA] ?? 0;
  while (b < nBlocks - cma) z.pbType[b++] = MIGRATE_MOVABLE;
  while (b < nBlocks) z.pbType[b++] = MIGRATE_CMA;
  const used = new Uint8Array(z.spanned);
  const unplaced: { type: string; order: number; count: number }[] = [];
  // Positions rejected once stay rejected (pages only get used, free heads never go away), so each
  // (type, order, anyBlock) search resumes where the last one stopped.
  const cursor = new Map<number, number>();
  const place = (mt: number, order: number, anyBlock: boolean): boolean => {
    const n = 1 << order;
    const key = (mt * MAX_ORDER + order) * 2 + (anyBlock ? 1 : 0);
    for (let p = cursor.get(key) ?? 0; p + n <= z.spanned; p += n) {
      cursor.set(key, p);
      if (!anyBlock && z.pbType[p >> pbo] !== mt) continue;
      if (order >= pbo && z.pbType[p >> pbo] !== mt && !anyBlock) continue;
      let free = true;
      for (let i = 0; i < n && free; i++) if (used[p + i]) free = false;
      if (!free) continue;
      const buddy = p ^ n;
      if (order < MAX_ORDER - 1 && z.kind[buddy] === PG_FREE && z.order[buddy] === order) continue;
      for (let i = 0; i < n; i++) {
        used[p + i] = 1;
        z.kind[p + i] = PG_TAIL;
      }
      z.addToFreeList(p, order, mt, true);
      return true;
    }
    return false;
  };
  // Largest blocks first, CMA and MOVABLE first among equals (they hold the big ones).
  const typeOrder = [
    MIGRATE_CMA,
    MIGRATE_MOVABLE,
    MIGRATE_RECLAIMABLE,
    MIGRATE_UNMOVABLE,
    MIGRATE_HIGHATOMIC,
    MIGRATE_RESERVE,
    MIGRATE_ISOLATE,
  ];
  for (let order = MAX_ORDER - 1; order >= 0; order--) {
    for (const mt of typeOrder) {
      const count = layout.free[mt]?.[order] ?? 0;
      let missing = 0;
      for (let i = 0; i < count; i++) if (!place(mt, order, false) && !place(mt, order, true)) missing++;
      if (missing > 0) unplaced.push({ type: MIGRATETYPE_NAMES[mt]!, order, count: missing });
    }
  }
  // Everything else is allocated.
  let reserved = z.spanned - layout.managedPages;
  for (let p = 0; p < z.spanned; p++) {
    if (used[p]) continue;
    z.order[p] = 0;
    z.owner[p] = 0;
    if (reserved > 0) {
      z.kind[p] = PG_RESERVED;
      reserved--;
      continue;
    }
    const bt = z.pbType[p >> pbo]!;
    if (bt === MIGRATE_MOVABLE || bt === MIGRATE_CMA) {
      z.kind[p] = PG_UNKNOWN_MOVABLE;
      node.lru.add(p, POOL_OTHER_MOVABLE);
    } else if (bt === MIGRATE_RECLAIMABLE) {
      z.kind[p] = PG_SLAB_RECLAIMABLE;
      node.lru.add(p, POOL_SLAB_RECLAIMABLE);
    } else z.kind[p] = PG_KERNEL;
  }
  node.finishBoot(layout.managedPages, false);
  return { node, unplaced };
}

/** Pageblock-type and free-block arrays sized for the model (helpers for callers). */
export function emptyLayoutArrays(): { blocks: number[]; free: number[][] } {
  return {
    blocks: new Array<number>(MIGRATE_TYPES).fill(0),
    free: Array.from({ length: MIGRATE_TYPES }, () => new Array<number>(MAX_ORDER).fill(0)),
  };
}

// The two watermark checks of watermark.ts, step by step, on plain numbers: for explaining real
// reports (analyze/page-alloc-failure.ts) and for tests that the explanation and the allocator's own
// check agree. Same rules as zoneWatermarkOk61 / zoneWatermarkOk2015 (PA §2.7).
import {
  ALLOC_CMA,
  ALLOC_HIGHATOMIC,
  ALLOC_MIN_RESERVE,
  ALLOC_NON_BLOCK,
  ALLOC_OOM,
  ALLOC_RESERVES,
} from './constants.ts';
import {
  MIGRATE_CMA,
  MIGRATE_HIGHATOMIC,
  MIGRATE_MOVABLE,
  MIGRATE_RECLAIMABLE,
  MIGRATE_UNMOVABLE,
  MIGRATETYPE_NAMES,
} from './migratetype.ts';

/** What the check reads from a zone. */
export interface WatermarkInputs {
  /** NR_FREE_PAGES. */
  readonly freePages: number;
  readonly freeCma: number;
  readonly nrReservedHighatomic: number;
  readonly lowmemReserve: number;
  /** free_area[o].nr_free. */
  readonly nrFree: readonly number[];
  /** !free_area_empty(o, mt). */
  hasBlock(order: number, mt: number): boolean;
}

export interface WatermarkStep {
  readonly text: string;
  readonly ok: boolean;
}

export interface WatermarkExplanation {
  readonly ok: boolean;
  readonly steps: readonly WatermarkStep[];
  /** Where it failed: the order-0 test, a per-order step (2015), or no usable block (6.1). */
  readonly failedAt: 'order-0' | 'order-step' | 'no-block' | null;
  /** 2015: the order o whose step failed. */
  readonly failedOrder: number | null;
}

function discount2015(min: number, flags: number): number {
  if (flags & ALLOC_MIN_RESERVE) min -= Math.floor(min / 2);
  if (flags & ALLOC_NON_BLOCK) min -= Math.floor(min / 4);
  return min;
}

/** 2015 __zone_watermark_ok() (pre-97a16fc82a7c). */
export function explainWatermark2015(
  z: WatermarkInputs,
  order: number,
  mark: number,
  flags: number,
  minFreeOrderShift = 1,
): WatermarkExplanation {
  const steps: WatermarkStep[] = [];
  let free = z.freePages - ((1 << order) - 1);
  let min = discount2015(mark, flags);
  const cma = flags & ALLOC_CMA ? 0 : z.freeCma;
  const base = free - cma;
  const ok0 = base > min + z.lowmemReserve;
  steps.push({
    text:
      `free ${z.freePages}${order > 0 ? ` - ${(1 << order) - 1} (2^order - 1)` : ''}${cma ? ` - ${cma} CMA` : ''} = ${base}` +
      ` ${ok0 ? '>' : '<='} min ${min}${z.lowmemReserve ? ` + lowmem_reserve ${z.lowmemReserve}` : ''}`,
    ok: ok0,
  });
  if (!ok0) return { ok: false, steps, failedAt: 'order-0', failedOrder: null };
  for (let o = 0; o < order; o++) {
    const drop = (z.nrFree[o] ?? 0) * 2 ** o;
    free -= drop;
    min >>= minFreeOrderShift;
    const ok = free > min;
    steps.push({
      text: `without the ${z.nrFree[o] ?? 0} order-${o} blocks (${drop} pages): ${free} ${ok ? '>' : '<='} min ${min}`,
      ok,
    });
    if (!ok) return { ok: false, steps, failedAt: 'order-step', failedOrder: o };
  }
  return { ok: true, steps, failedAt: null, failedOrder: null };
}

/** 6.1 __zone_watermark_ok(). */
export function explainWatermark61(
  z: WatermarkInputs,
  order: number,
  mark: number,
  flags: number,
): WatermarkExplanation {
  const steps: WatermarkStep[] = [];
  let min = mark;
  let unusable = (1 << order) - 1;
  const parts: string[] = [];
  if (order > 0) parts.push(`${(1 << order) - 1} (2^order - 1)`);
  if (!(flags & ALLOC_RESERVES) && z.nrReservedHighatomic) {
    unusable += z.nrReservedHighatomic;
    parts.push(`${z.nrReservedHighatomic} highatomic reserve`);
  }
  if (!(flags & ALLOC_CMA) && z.freeCma) {
    unusable += z.freeCma;
    parts.push(`${z.freeCma} free CMA`);
  }
  if (flags & ALLOC_RESERVES) {
    if (flags & ALLOC_MIN_RESERVE) {
      min -= Math.floor(min / 2);
      if (flags & ALLOC_NON_BLOCK) min -= Math.floor(min / 4);
    }
    if (flags & ALLOC_OOM) min -= Math.floor(min / 2);
  }
  const free = z.freePages - unusable;
  const ok0 = free > min + z.lowmemReserve;
  steps.push({
    text:
      `free ${z.freePages}${parts.map((p) => ` - ${p}`).join('')} = ${free} ${ok0 ? '>' : '<='} min ${min}` +
      `${z.lowmemReserve ? ` + lowmem_reserve ${z.lowmemReserve}` : ''}`,
    ok: ok0,
  });
  if (!ok0) return { ok: false, steps, failedAt: 'order-0', failedOrder: null };
  if (order === 0) return { ok: true, steps, failedAt: null, failedOrder: null };
  const usable = [MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE];
  if (flags & ALLOC_CMA) usable.push(MIGRATE_CMA);
  if (flags & (ALLOC_HIGHATOMIC | ALLOC_OOM)) usable.push(MIGRATE_HIGHATOMIC);
  for (let o = order; o < z.nrFree.length; o++) {
    if (!(z.nrFree[o] ?? 0)) continue;
    for (const mt of usable) {
      if (z.hasBlock(o, mt)) {
        steps.push({
          text: `a free order-${o} block on the ${MIGRATETYPE_NAMES[mt]} list (${z.nrFree[o]} of order ${o})`,
          ok: true,
        });
        return { ok: true, steps, failedAt: null, failedOrder: null };
      }
    }
  }
  steps.push({
    text: `no free block of order >= ${order} on the ${usable.map((m) => MIGRATETYPE_NAMES[m]).join('/')} lists`,
    ok: false,
  });
  return { ok: false, steps, failedAt: 'no-block', failedOrder: null };
}

// Fragmentation indices from per-order free block counts (mm/vmstat.c fill_contig_page_info(),
// unusable_free_index(), __fragmentation_index(); PA §4.6). Pure integer arithmetic on nr_free[], so
// the same functions serve the model and the analysis of real reports.
//
//   F   = Σ nr_free[o]·2^o            free pages
//   B   = Σ nr_free[o]                free blocks
//   S_j = Σ_{o≥j} nr_free[o]·2^(o−j)  blocks usable for an order-j request

export interface ContigPageInfo {
  readonly freePages: number;
  readonly freeBlocksTotal: number;
  readonly freeBlocksSuitable: number;
}

/** @kernel fill_contig_page_info() mm/vmstat.c */
export function fillContigPageInfo(nrFree: ArrayLike<number>, order: number): ContigPageInfo {
  let freePages = 0;
  let freeBlocksTotal = 0;
  let freeBlocksSuitable = 0;
  for (let o = 0; o < nrFree.length; o++) {
    const blocks = nrFree[o] ?? 0;
    freeBlocksTotal += blocks;
    freePages += blocks * 2 ** o;
    if (o >= order) freeBlocksSuitable += blocks * 2 ** (o - order);
  }
  return { freePages, freeBlocksTotal, freeBlocksSuitable };
}

/** @kernel unusable_free_index() mm/vmstat.c: thousandths of free memory unusable for `order`. */
export function unusableFreeIndex(nrFree: ArrayLike<number>, order: number): number {
  const info = fillContigPageInfo(nrFree, order);
  if (info.freePages === 0) return 1000;
  return Math.floor(((info.freePages - info.freeBlocksSuitable * 2 ** order) * 1000) / info.freePages);
}

/**
 * @kernel __fragmentation_index() mm/vmstat.c: -1000 when a suitable block exists; otherwise near 0
 * means the request fails for lack of memory, near 1000 for fragmentation.
 */
export function fragmentationIndex(nrFree: ArrayLike<number>, order: number): number {
  const info = fillContigPageInfo(nrFree, order);
  const requested = 2 ** order;
  if (info.freeBlocksTotal === 0) return 0;
  if (info.freeBlocksSuitable) return -1000;
  return 1000 - Math.trunc((1000 + Math.trunc((info.freePages * 1000) / requested)) / info.freeBlocksTotal);
}

/** @kernel extfrag_for_order() mm/vmstat.c (6.1): percent of free memory in blocks below `order`. */
export function extfragForOrder(nrFree: ArrayLike<number>, order: number): number {
  const info = fillContigPageInfo(nrFree, order);
  if (info.freePages === 0) return 0;
  return Math.floor(((info.freePages - info.freeBlocksSuitable * 2 ** order) * 100) / info.freePages);
}

/** "%d.%03d" as unusable_show_print() prints an index. */
export function formatUnusableIndex(index: number): string {
  return `${Math.trunc(index / 1000)}.${String(Math.abs(index % 1000)).padStart(3, '0')}`;
}

/** "%2d.%03d" as extfrag_show_print() prints an index (-1000 -> "-1.000"). */
export function formatExtfragIndex(index: number): string {
  const whole = Math.trunc(index / 1000);
  const frac = Math.abs(index % 1000);
  return `${String(whole).padStart(2, ' ')}.${String(frac).padStart(3, '0')}`;
}

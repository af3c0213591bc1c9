// What a page frame is used for: the model's condensed `struct page` state (PA §6.1 "owner kind").
// One byte per PFN in Zone.kind. Free blocks and pcp blocks mark only their head; the other pages of
// a block are PG_TAIL, so "is my buddy a free block of order o" is one load (PageBuddy + order).

/** Head of a free block on a buddy free list (PageBuddy). */
export const PG_FREE = 0;
/** Non-head page of a free or pcp block. */
export const PG_TAIL = 1;
/** Head of a block parked on a per-CPU list: not free for the buddy, not in NR_FREE_PAGES. */
export const PG_PCP = 2;
/** Anonymous page on the anon LRU (movable, reclaimable to swap). */
export const PG_ANON = 3;
/** Page-cache page on the file LRU (movable, reclaimable). */
export const PG_FILE = 4;
/** Unmovable slab page (task_struct, kmalloc ...). */
export const PG_SLAB = 5;
/** Reclaimable slab page (dentries, inodes: SLAB_RECLAIM_ACCOUNT). */
export const PG_SLAB_RECLAIMABLE = 6;
/** Page-table page (pgd/pud/pmd/pte): unmovable. */
export const PG_PAGETABLE = 7;
/** Direct-mapped kernel stack (order 2 or 1). */
export const PG_STACK = 8;
/** vmalloc backing page of a VMAP_STACK stack (order 0, unmovable). */
export const PG_VMALLOC = 9;
/** zsmalloc page holding compressed zram data: unmovable in 2015, movable in 6.1 (PA §0). */
export const PG_ZSMALLOC = 10;
/** Memory the buddy never got (kernel image, firmware carve-outs, early boot allocations). */
export const PG_RESERVED = 11;
/** Other unmovable kernel memory (drivers, kmalloc of large sizes). */
export const PG_KERNEL = 12;
/** Pages in free lists' snapshots we cannot attribute (used when starting from a real snapshot). */
export const PG_UNKNOWN_MOVABLE = 13;

export const PAGE_KIND_NAMES: readonly string[] = [
  'free',
  'tail',
  'pcp',
  'anon',
  'file',
  'slab',
  'slab_reclaimable',
  'pagetable',
  'stack',
  'vmalloc',
  'zsmalloc',
  'reserved',
  'kernel',
  'movable',
];

/** Migratetype a page of this kind is allocated with (for "mixed block" statistics). */
export function kindIsMovable(kind: number, zsmallocMovable: boolean): boolean {
  return (
    kind === PG_ANON ||
    kind === PG_FILE ||
    kind === PG_UNKNOWN_MOVABLE ||
    (kind === PG_ZSMALLOC && zsmallocMovable)
  );
}

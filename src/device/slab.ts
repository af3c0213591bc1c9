// Unmovable slab caches, reduced to what matters for fragmentation: objects share pages, so a slab is
// only freed when its last object goes, and long-lived objects pin slabs that short-lived ones came
// and went from. Each cache keeps a stack of partial slabs (SLUB's per-node partial list).
//
// SLUB asks for its preferred slab order first — up to slub_max_order = PAGE_ALLOC_COSTLY_ORDER (3)
// for objects of 1 KB and more (mm/slub.c calculate_order(), 6.1) — without retrying, and falls back
// to the minimum order (allocate_slab()): 6.1 drops __GFP_RECLAIM from that first attempt, 2015
// kernels kept it with __GFP_NORETRY (3.10, reconstructed). These opportunistic order-2/3 slabs eat
// the same high-order blocks fork stacks need. Reclaimable caches (dentry, inode) are a pool in lru.ts.

import { allocPages, freePages } from '../mm/alloc.ts';
import { cloneShallow } from '../mm/clone.ts';
import {
  ___GFP_DIRECT_RECLAIM,
  ___GFP_KSWAPD_RECLAIM,
  ___GFP_NOMEMALLOC,
  ___GFP_NORETRY,
  ___GFP_NOWARN,
  GFP_KERNEL,
  NO_PAGE,
} from '../mm/constants.ts';
import type { MmNode } from '../mm/node.ts';
import { PG_SLAB } from '../mm/page-kind.ts';

export class SlabCache {
  readonly name: string;
  /** Objects per 4 KB page; a slab of order o holds objsPerPage << o. */
  readonly objsPerPage: number;
  /** Preferred slab order (oo); the fallback is order 0 (s->min). */
  readonly order: number;
  readonly id: number;
  /** Partial slabs (head PFNs); may hold stale entries, checked when popped. */
  private partial: number[] = [];
  /** Objects in use per slab head PFN (shared by all caches of a node). */
  private readonly inuse: Int32Array;
  pages = 0;
  objects = 0;
  /** Slabs allocated at the preferred order and at the fallback order. */
  highOrderSlabs = 0;
  fallbackSlabs = 0;

  constructor(name: string, objsPerPage: number, order: number, id: number, inuse: Int32Array) {
    this.name = name;
    this.objsPerPage = objsPerPage;
    this.order = order;
    this.id = id;
    this.inuse = inuse;
  }

  clone(inuse: Int32Array): SlabCache {
    return cloneShallow(this, { inuse });
  }

  private capacity(node: MmNode, head: number): number {
    return this.objsPerPage << node.zone.order[head]!;
  }

  /** kmem_cache_alloc(): returns the slab head PFN holding the new object, or NO_PAGE. */
  alloc(node: MmNode): number {
    const z = node.zone;
    node.trace.reset(0);
    while (this.partial.length > 0) {
      const p = this.partial[this.partial.length - 1]!;
      if (z.kind[p] !== PG_SLAB || z.owner[p] !== this.id || this.inuse[p]! >= this.capacity(node, p)) {
        this.partial.pop();
        continue;
      }
      if (++this.inuse[p]! >= this.capacity(node, p)) this.partial.pop();
      this.objects++;
      return p;
    }
    let p = NO_PAGE;
    let cost = 0;
    if (this.order > 0) {
      let gfp = GFP_KERNEL | ___GFP_NOWARN | ___GFP_NORETRY;
      if (node.params.mode === '6.1')
        gfp = (gfp | ___GFP_NOMEMALLOC) & ~(___GFP_DIRECT_RECLAIM | ___GFP_KSWAPD_RECLAIM);
      p = allocPages(node, this.order, gfp, PG_SLAB);
      cost = node.trace.costUs;
      if (p !== NO_PAGE) this.highOrderSlabs++;
    }
    if (p === NO_PAGE) {
      p = allocPages(node, 0, GFP_KERNEL, PG_SLAB);
      node.trace.costUs += cost;
      if (p === NO_PAGE) return NO_PAGE;
      this.fallbackSlabs++;
    }
    z.owner[p] = this.id;
    this.inuse[p] = 1;
    this.pages += 1 << z.order[p]!;
    this.objects++;
    if (this.capacity(node, p) > 1) this.partial.push(p);
    return p;
  }

  /** kmem_cache_free(): an empty slab goes back to the page allocator. */
  free(node: MmNode, head: number): void {
    const n = --this.inuse[head]!;
    this.objects--;
    if (n === 0) {
      this.pages -= 1 << node.zone.order[head]!;
      freePages(node.zone, head);
    } else if (n === this.capacity(node, head) - 1) this.partial.push(head);
  }
}

/** The unmovable caches the workloads use, sharing one in-use array. */
export class SlabCaches {
  readonly inuse: Int32Array;
  readonly caches: SlabCache[] = [];

  constructor(spanned: number) {
    this.inuse = new Int32Array(spanned);
  }

  clone(): SlabCaches {
    const inuse = this.inuse.slice();
    return cloneShallow(this, { inuse, caches: this.caches.map((c) => c.clone(inuse)) });
  }

  create(name: string, objsPerPage: number, order: number): SlabCache {
    const c = new SlabCache(name, objsPerPage, order, this.caches.length + 1, this.inuse);
    this.caches.push(c);
    return c;
  }

  get pages(): number {
    let s = 0;
    for (const c of this.caches) s += c.pages;
    return s;
  }
}

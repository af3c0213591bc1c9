// Where allocated pages live, so that reclaim can find victims and compaction can move them:
// the four LRU lists (include/linux/mmzone.h enum lru_list, without the unevictable one), two pools
// of non-LRU pages (zsmalloc pages and reclaimable slab pages), and one list per owning process of
// its anonymous pages. All are intrusive lists over PFNs (see zone.ts); an allocated page records in
// Zone.lmt which LRU or pool list it is on.
//
// Reclaim takes pages from the inactive tails, so the victims' physical addresses are effectively
// random (PA §3.2): that is why freeing memory by reclaim alone rarely makes order-2 blocks.
import { assertTrue } from '../base/assert.ts';
import { cloneShallow } from './clone.ts';
import { PG_ANON, PG_FILE } from './page-kind.ts';
import type { Zone } from './zone.ts';

export const LRU_INACTIVE_ANON = 0;
export const LRU_ACTIVE_ANON = 1;
export const LRU_INACTIVE_FILE = 2;
export const LRU_ACTIVE_FILE = 3;
/** zsmalloc pages of the zram pool (movable in 6.1 through zsmalloc migration). */
export const POOL_ZSMALLOC = 4;
/** Reclaimable slab pages (dentry/inode caches), freed by shrinkers. */
export const POOL_SLAB_RECLAIMABLE = 5;
/** Movable pages of a real snapshot whose owner is unknown: migratable, never reclaimed or freed. */
export const POOL_OTHER_MOVABLE = 6;
/** Extra lists a Zone must reserve for this module. */
export const NR_LRU_LISTS = 7;

/** Owner value of pages that belong to no process (page cache, pools, kernel). */
export const OWNER_NONE = 0;

export class Lru {
  readonly z: Zone;
  /** Pages on each list. */
  readonly count: Int32Array;
  /** Per-process anonymous-page lists: onext/oprev over PFNs, sentinels after the PFNs. */
  readonly onext: Int32Array;
  readonly oprev: Int32Array;
  readonly ownerPages: Int32Array;
  /** Anonymous pages of each owner that reclaim moved to zram. */
  readonly swapped: Int32Array;
  readonly maxOwners: number;

  constructor(z: Zone, maxOwners: number) {
    this.z = z;
    this.count = new Int32Array(NR_LRU_LISTS);
    this.maxOwners = maxOwners;
    const n = z.spanned + maxOwners;
    this.onext = new Int32Array(n);
    this.oprev = new Int32Array(n);
    for (let i = z.spanned; i < n; i++) {
      this.onext[i] = i;
      this.oprev[i] = i;
    }
    this.ownerPages = new Int32Array(maxOwners);
    this.swapped = new Int32Array(maxOwners);
  }

  clone(z: Zone): Lru {
    return cloneShallow(this, { z });
  }

  head(list: number): number {
    return this.z.extraListHead(list);
  }

  /** Adds an allocated page to an LRU or pool list (at the head: most recently used). */
  add(pfn: number, list: number): void {
    this.z.lmt[pfn] = list;
    this.z.listAdd(this.z.extraListHead(list), pfn);
    this.count[list]!++;
  }

  /** Removes a page from its LRU or pool list (and from its owner's list if anonymous). */
  remove(pfn: number): void {
    const z = this.z;
    this.count[z.lmt[pfn]!]!--;
    z.listDel(pfn);
    if (z.kind[pfn] === PG_ANON) this.ownerUnlink(pfn);
  }

  /** Moves a page to the head of another list (activation, deactivation, rotation). */
  move(pfn: number, list: number): void {
    const z = this.z;
    this.count[z.lmt[pfn]!]!--;
    z.listDel(pfn);
    this.add(pfn, list);
  }

  /** Links an anonymous page to its owner slot. */
  ownerLink(pfn: number, slot: number): void {
    assertTrue(slot > 0 && slot < this.maxOwners, 'owner slot out of range');
    const head = this.z.spanned + slot;
    const nx = this.onext[head]!;
    this.onext[pfn] = nx;
    this.oprev[pfn] = head;
    this.oprev[nx] = pfn;
    this.onext[head] = pfn;
    this.z.owner[pfn] = slot;
    this.ownerPages[slot]!++;
  }

  ownerUnlink(pfn: number): void {
    const nx = this.onext[pfn]!;
    const pv = this.oprev[pfn]!;
    this.onext[pv] = nx;
    this.oprev[nx] = pv;
    this.ownerPages[this.z.owner[pfn]!]!--;
  }

  /** First anonymous page of an owner, or -1 when it has none. */
  ownerFirst(slot: number): number {
    const head = this.z.spanned + slot;
    const p = this.onext[head]!;
    return p === head ? -1 : p;
  }

  /**
   * Moves the identity of allocated page `from` to free page `to` (migrate_pages() for one page):
   * same kind, owner and list position. The caller frees `from` afterwards.
   */
  migrate(from: number, to: number): void {
    const z = this.z;
    const k = z.kind[from]!;
    z.kind[to] = k;
    z.order[to] = 0;
    z.owner[to] = z.owner[from]!;
    z.lmt[to] = z.lmt[from]!;
    z.listReplace(from, to);
    if (k === PG_ANON) {
      const nx = this.onext[from]!;
      const pv = this.oprev[from]!;
      this.onext[to] = nx;
      this.oprev[to] = pv;
      this.onext[pv] = to;
      this.oprev[nx] = to;
    }
  }

  get anonPages(): number {
    return this.count[LRU_INACTIVE_ANON]! + this.count[LRU_ACTIVE_ANON]!;
  }

  get filePages(): number {
    return this.count[LRU_INACTIVE_FILE]! + this.count[LRU_ACTIVE_FILE]!;
  }
}

/** The list a new page of this kind starts on (6.1 puts new anon pages on the active list). */
export function initialLru(kind: number): number {
  return kind === PG_FILE ? LRU_INACTIVE_FILE : LRU_ACTIVE_ANON;
}

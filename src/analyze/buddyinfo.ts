// Explains /proc/buddyinfo or /proc/pagetypeinfo: free memory per zone and how much of it is usable
// for each order (the debugfs unusable_index and extfrag_index, computed from the counts; PA §4.6).
import type { BuddyInfo } from '../formats/buddyinfo.ts';
import type { PagetypeInfo } from '../formats/pagetypeinfo.ts';
import { fragmentationIndex, unusableFreeIndex } from '../mm/frag-index.ts';

export interface ZoneFragmentation {
  readonly node: number;
  readonly zone: string;
  readonly nrFree: readonly number[];
  readonly freePages: number;
  readonly unusableIndex: readonly number[];
  readonly extfragIndex: readonly number[];
  /** Pageblocks per type name (pagetypeinfo only). */
  readonly blocks: Readonly<Record<string, number>> | null;
}

export function fragmentationOf(node: number, zone: string, nrFree: readonly number[]): ZoneFragmentation {
  return {
    node,
    zone,
    nrFree,
    freePages: nrFree.reduce((s, n, o) => s + n * 2 ** o, 0),
    unusableIndex: nrFree.map((_, o) => unusableFreeIndex(nrFree, o)),
    extfragIndex: nrFree.map((_, o) => fragmentationIndex(nrFree, o)),
    blocks: null,
  };
}

export function explainBuddyinfo(info: BuddyInfo): ZoneFragmentation[] {
  return info.zones.map((z) => fragmentationOf(z.node, z.zone, z.nrFree));
}

/** Sums the per-type rows of each zone into buddyinfo counts, and attaches the pageblock counts. */
export function explainPagetypeinfo(p: PagetypeInfo): ZoneFragmentation[] {
  const byZone = new Map<string, { node: number; zone: string; nrFree: number[] }>();
  for (const r of p.free) {
    const key = `${r.node}/${r.zone}`;
    let e = byZone.get(key);
    if (!e) {
      e = { node: r.node, zone: r.zone, nrFree: new Array<number>(r.counts.length).fill(0) };
      byZone.set(key, e);
    }
    r.counts.forEach((c, o) => {
      e.nrFree[o] = (e.nrFree[o] ?? 0) + c;
    });
  }
  return [...byZone.values()].map((e) => {
    const b = p.blocks.find((x) => x.node === e.node && x.zone === e.zone);
    // A short row (a cut copy) leaves the remaining types unknown, not zero.
    const blocks = b
      ? Object.fromEntries(p.blockTypes.flatMap((t, i) => (i < b.counts.length ? [[t, b.counts[i]!]] : [])))
      : null;
    return { ...fragmentationOf(e.node, e.zone, e.nrFree), blocks };
  });
}

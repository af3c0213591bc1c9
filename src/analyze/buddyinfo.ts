// Explains /proc/buddyinfo or /proc/pagetypeinfo: free memory per zone and how much of it is usable
// for each order (the debugfs unusable_index and extfrag_index, computed from the counts; PA §4.6).
import type { BuddyInfo } from '../formats/buddyinfo.ts';
import type { PagetypeInfo } from '../formats/pagetypeinfo.ts';
import {
  formatExtfragIndex,
  formatUnusableIndex,
  fragmentationIndex,
  unusableFreeIndex,
} from '../mm/frag-index.ts';

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

const mb = (pages: number, pageKb: number) => `${((pages * pageKb) / 1024).toFixed(1)} MB`;

/**
 * The files count pages, not bytes. 4 KB-page kernels print 11 orders (MAX_ORDER 11 up to 6.3);
 * other counts come from 16 KB or 64 KB pages or a configured MAX_ORDER, so no one size is right.
 */
function sizeOf(pages: number, orders: number): string {
  if (orders === 11) return `${mb(pages, 4)} with 4 KB pages`;
  return `${orders} orders, so maybe not 4 KB pages: ${mb(pages, 4)} at 4 KB, ${mb(pages, 16)} at 16 KB, ${mb(pages, 64)} at 64 KB`;
}

export function renderFragmentation(zs: readonly ZoneFragmentation[]): string {
  let s = '';
  for (const z of zs) {
    s += `Node ${z.node}, zone ${z.zone}: ${z.freePages} free pages (${sizeOf(z.freePages, z.nrFree.length)})\n`;
    const row = (label: string, cells: readonly string[]) =>
      `  ${label.padEnd(15)}${cells.map((c) => c.padStart(7)).join('')}\n`;
    s += row(
      'order',
      z.nrFree.map((_, o) => String(o)),
    );
    s += row('free blocks', z.nrFree.map(String));
    s += row('unusable_index', z.unusableIndex.map(formatUnusableIndex));
    s += row(
      'extfrag_index',
      z.extfragIndex.map((i) => formatExtfragIndex(i).trim()),
    );
    if (z.blocks)
      s += `  pageblocks     ${Object.entries(z.blocks)
        .map(([t, n]) => `${t} ${n}`)
        .join(', ')}\n`;
    const firstUnusable = z.unusableIndex.findIndex((i) => i >= 900);
    if (firstUnusable > 0)
      s += `  from order ${firstUnusable} up, 90 % or more of the free memory is in smaller blocks\n`;
  }
  return s;
}

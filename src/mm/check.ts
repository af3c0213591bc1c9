// Consistency checks of a zone's free lists and counters, for tests and for `stacklab mm --check`.
// Returns the violations found (empty when the zone is consistent); never throws.
import { MAX_ORDER } from './constants.ts';
import { MIGRATE_CMA, MIGRATE_ISOLATE, MIGRATE_TYPES, migratetypeIsMergeable } from './migratetype.ts';
import { PG_FREE, PG_PCP } from './page-kind.ts';
import { NR_PCP_LISTS, type Zone } from './zone.ts';

export function checkZone(z: Zone, limit = 20): string[] {
  const out: string[] = [];
  const note = (s: string) => {
    if (out.length < limit) out.push(s);
  };
  const inBlock = new Uint8Array(z.spanned);
  let freePages = 0;
  let freeCma = 0;
  const nrFree = new Int32Array(MAX_ORDER);
  for (let order = 0; order < MAX_ORDER; order++) {
    for (let mt = 0; mt < MIGRATE_TYPES; mt++) {
      const head = z.freeListHead(order, mt);
      let n = 0;
      let prev = head;
      for (let p = z.next[head]!; p !== head; p = z.next[p]!) {
        if (z.prev[p] !== prev) note(`free_list[${order}][${mt}]: broken prev link at pfn ${p}`);
        prev = p;
        if (n++ > z.spanned) {
          note(`free_list[${order}][${mt}]: cycle`);
          break;
        }
        if (p < 0 || p >= z.spanned) {
          note(`free_list[${order}][${mt}]: pfn ${p} out of range`);
          break;
        }
        if (z.kind[p] !== PG_FREE) note(`pfn ${p} on free_list[${order}][${mt}] is not PageBuddy`);
        if (z.order[p] !== order) note(`pfn ${p} on free_list[${order}] has order ${z.order[p]}`);
        if (z.lmt[p] !== mt) note(`pfn ${p} on free_list[.][${mt}] records type ${z.lmt[p]}`);
        if ((p & ((1 << order) - 1)) !== 0) note(`pfn ${p} not aligned to order ${order}`);
        for (let i = 0; i < 1 << order; i++) {
          if (inBlock[p + i]) note(`pfn ${p + i} is in two free blocks`);
          inBlock[p + i] = 1;
        }
        if (mt !== MIGRATE_ISOLATE) freePages += 1 << order;
        if (mt === MIGRATE_CMA) freeCma += 1 << order;
        nrFree[order]!++;
      }
      if (n !== z.nrFreeList[order * MIGRATE_TYPES + mt])
        note(
          `free_list[${order}][${mt}] has ${n} blocks, counter says ${z.nrFreeList[order * MIGRATE_TYPES + mt]}`,
        );
    }
    if (nrFree[order] !== z.nrFree[order])
      note(`nr_free[${order}] = ${z.nrFree[order]}, lists hold ${nrFree[order]}`);
  }
  if (freePages !== z.freePages) note(`NR_FREE_PAGES = ${z.freePages}, lists hold ${freePages}`);
  if (freeCma !== z.freeCma) note(`NR_FREE_CMA_PAGES = ${z.freeCma}, lists hold ${freeCma}`);
  // Every PageBuddy head must be on a list.
  for (let p = 0; p < z.spanned; p++) {
    if (z.kind[p] === PG_FREE && !inBlock[p]) note(`pfn ${p} is PageBuddy but on no free list`);
  }
  // Fully merged: no two free buddies of the same order (unless merging is refused for their types).
  for (let p = 0; p < z.spanned; p++) {
    if (z.kind[p] !== PG_FREE) continue;
    const o = z.order[p]!;
    if (o >= MAX_ORDER - 1) continue;
    const b = p ^ (1 << o);
    if (b > p && z.kind[b] === PG_FREE && z.order[b] === o) {
      const refused =
        z.mode === '6.1' &&
        o >= z.pageblockOrder &&
        z.pageblockMigratetype(p) !== z.pageblockMigratetype(b) &&
        (!migratetypeIsMergeable(z.pageblockMigratetype(p)) ||
          !migratetypeIsMergeable(z.pageblockMigratetype(b)));
      if (!refused) note(`free buddies ${p} and ${b} of order ${o} were not merged`);
    }
  }
  // pcp counts.
  for (let cpu = 0; cpu < z.nrCpus; cpu++) {
    let pages = 0;
    for (let i = 0; i < NR_PCP_LISTS; i++) {
      const head = z.pcpBase + cpu * NR_PCP_LISTS + i;
      let guard = 0;
      for (let p = z.next[head]!; p !== head; p = z.next[p]!) {
        if (guard++ > z.spanned) break;
        if (z.kind[p] !== PG_PCP) note(`pfn ${p} on a pcp list is not marked pcp`);
        pages += 1 << z.order[p]!;
      }
    }
    if (pages !== z.pcpCount[cpu]) note(`cpu ${cpu} pcp count ${z.pcpCount[cpu]}, lists hold ${pages}`);
  }
  return out;
}

// Property tests of the buddy allocator against a naive reference (an array of page owners):
// no page is handed out twice or lost, free counts balance, and everything coalesces back.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Rng } from '../../src/engine/rng.ts';
import { freePages, prepNewPage } from '../../src/mm/alloc.ts';
import { freeOnePage, rmqueueBuddy } from '../../src/mm/buddy.ts';
import { checkZone } from '../../src/mm/check.ts';
import { ALLOC_CMA, MAX_ORDER, NO_PAGE } from '../../src/mm/constants.ts';
import {
  type KernelMode,
  MIGRATE_MOVABLE,
  MIGRATE_RECLAIMABLE,
  MIGRATE_UNMOVABLE,
} from '../../src/mm/migratetype.ts';
import { PG_ANON, PG_TAIL } from '../../src/mm/page-kind.ts';
import { drainAllPages, pcpAllowedOrder, rmqueuePcplist } from '../../src/mm/pcp.ts';
import { setupPcp } from '../../src/mm/watermark.ts';
import { Zone } from '../../src/mm/zone.ts';

const LONG = process.env.STACKLAB_LONG === '1';

function bootZone(mode: KernelMode, pages: number, pageblockOrder: number, nrCpus: number): Zone {
  const z = new Zone({
    name: 'DMA',
    spannedPages: pages,
    nrCpus,
    mode,
    pageblockOrder,
    configCma: false,
    configIsolate: true,
    extraLists: 0,
  });
  z.pbType.fill(MIGRATE_MOVABLE);
  z.kind.fill(PG_TAIL);
  for (let p = 0; p < pages; p += 1 << (MAX_ORDER - 1)) freeOnePage(z, p, MAX_ORDER - 1, MIGRATE_MOVABLE);
  z.managed = pages;
  z.wmarkLow = 64;
  setupPcp(z);
  return z;
}

/** An allocation as the fast path does it, minus the watermark check. */
function alloc(z: Zone, order: number, mt: number): number {
  const flags = mt === MIGRATE_MOVABLE ? ALLOC_CMA : 0;
  let p = NO_PAGE;
  if (pcpAllowedOrder(z, order)) p = rmqueuePcplist(z, order, mt, flags);
  if (p === NO_PAGE) p = rmqueueBuddy(z, order, mt, flags);
  if (p !== NO_PAGE) prepNewPage(z, p, order, PG_ANON);
  return p;
}

/** Is there a naturally aligned run of 2^order pages all free in the reference? */
function referenceHasFreeBlock(ref: Uint8Array, order: number): boolean {
  const n = 1 << order;
  outer: for (let p = 0; p < ref.length; p += n) {
    for (let i = 0; i < n; i++) if (ref[p + i]) continue outer;
    return true;
  }
  return false;
}

function run(mode: KernelMode, seed: number, ops: number, pageblockOrder: number, nrCpus: number): void {
  const pages = 4096;
  const z = bootZone(mode, pages, pageblockOrder, nrCpus);
  const rng = new Rng(seed);
  const ref = new Uint8Array(pages);
  const live: number[] = [];
  const types = [MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE];
  let allocated = 0;
  for (let i = 0; i < ops; i++) {
    z.cpu = rng.int(nrCpus);
    const doAlloc = live.length === 0 || (allocated < pages * 0.9 && rng.float() < 0.55);
    if (doAlloc) {
      const r = rng.float();
      const order = r < 0.6 ? 0 : r < 0.8 ? 1 : r < 0.93 ? 2 : r < 0.98 ? 3 : rng.int(MAX_ORDER);
      const mt = types[rng.int(3)]!;
      let p = alloc(z, order, mt);
      if (p === NO_PAGE) {
        drainAllPages(z);
        p = alloc(z, order, mt);
        if (p === NO_PAGE) {
          assert.equal(
            referenceHasFreeBlock(ref, order),
            false,
            `order-${order} failed with an aligned free run`,
          );
          continue;
        }
      }
      assert.equal(p & ((1 << order) - 1), 0, 'block not aligned to its order');
      for (let k = 0; k < 1 << order; k++) {
        assert.equal(ref[p + k], 0, `page ${p + k} handed out twice`);
        ref[p + k] = 1;
      }
      live.push(p);
      allocated += 1 << order;
    } else {
      const j = rng.int(live.length);
      const p = live[j]!;
      live[j] = live[live.length - 1]!;
      live.pop();
      const order = z.order[p]!;
      for (let k = 0; k < 1 << order; k++) ref[p + k] = 0;
      allocated -= 1 << order;
      freePages(z, p);
    }
    assert.equal(z.freePages + z.pcpPages + allocated, pages, 'free + pcp + allocated must equal the zone');
    if (i % 5000 === 4999) assert.deepEqual(checkZone(z), []);
  }
  for (const p of live) freePages(z, p);
  drainAllPages(z);
  assert.deepEqual(checkZone(z), []);
  assert.equal(z.freePages, pages);
  assert.equal(z.nrFree[MAX_ORDER - 1], pages >> (MAX_ORDER - 1), 'everything coalesces back to order 10');
  for (let o = 0; o < MAX_ORDER - 1; o++) assert.equal(z.nrFree[o], 0, `order ${o} left over`);
}

describe('buddy allocator against a naive reference', () => {
  const runs = LONG ? 40 : 8;
  const opsPerRun = LONG ? 500_000 : 150_000;
  for (const mode of ['6.1', '2015'] as const) {
    test(`${mode}: ${runs} x ${opsPerRun} random alloc/free → no overlap, balanced counts, full coalescing`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 2 ** 31 - 1 }),
          fc.constantFrom(9, 10),
          fc.integer({ min: 1, max: 4 }),
          (seed, pbo, cpus) => {
            run(mode, seed, opsPerRun, pbo, cpus);
          },
        ),
        { numRuns: runs, seed: mode === '6.1' ? 61 : 2015 },
      );
    });
  }

  test('a freed order-2 block merges with its free buddies', () => {
    const z = bootZone('6.1', 1024, 9, 1);
    const a = alloc(z, 2, MIGRATE_UNMOVABLE);
    assert.equal(z.nrFree[MAX_ORDER - 1], 0);
    // pcp holds the rest of the batch; drain, free, drain: back to one order-10 block.
    freePages(z, a);
    drainAllPages(z);
    assert.equal(z.nrFree[MAX_ORDER - 1], 1);
    assert.deepEqual(checkZone(z), []);
  });
});

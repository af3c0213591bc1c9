// The allocator's paths on small hand-built zones: the 2015 check's fragmentation failure, the 6.1
// slow path compacting for an order-2 stack, deferral, and fallback stealing.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { allocPages, allocPagesNoWatermarks, freePages } from '../../src/mm/alloc.ts';
import { checkZone } from '../../src/mm/check.ts';
import { compactionDeferred, deferCompaction } from '../../src/mm/compaction.ts';
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL, NO_PAGE, THREADINFO_GFP } from '../../src/mm/constants.ts';
import { LRU_ACTIVE_ANON } from '../../src/mm/lru.ts';
import { type KernelMode, MIGRATE_MOVABLE, MIGRATE_UNMOVABLE } from '../../src/mm/migratetype.ts';
import { DEFAULT_MM_PARAMS, MmNode } from '../../src/mm/node.ts';
import { PG_ANON, PG_STACK } from '../../src/mm/page-kind.ts';
import { drainAllPages } from '../../src/mm/pcp.ts';
import { emptyLayoutArrays, nodeFromLayout } from '../../src/mm/snapshot.ts';

function node(mode: KernelMode, pages = 16384): MmNode {
  return new MmNode({ ...DEFAULT_MM_PARAMS, mode, spannedPages: pages, nrCpus: 1 }, 1);
}

/** Fills the zone with anonymous pages, then frees every other one: order-0 holes everywhere. */
function fragment(n: MmNode): void {
  const got: number[] = [];
  for (;;) {
    const p = allocPagesNoWatermarks(n, 0, GFP_HIGHUSER_MOVABLE, PG_ANON);
    if (p === NO_PAGE) break;
    got.push(p);
  }
  for (const p of got) n.lru.add(p, LRU_ACTIVE_ANON);
  for (const p of got)
    if (p % 2 === 1) {
      n.lru.remove(p);
      freePages(n.zone, p);
    }
  drainAllPages(n.zone);
}

describe('page allocator paths', () => {
  test('a paf-001-like zone: the 2015 fast path rejects order 2, 6.1 allocates at once', () => {
    const free = (mode: KernelMode) => {
      const { blocks, free } = emptyLayoutArrays();
      blocks[MIGRATE_UNMOVABLE] = 16;
      blocks[MIGRATE_MOVABLE] = 112;
      free[MIGRATE_UNMOVABLE]![0] = 4000;
      free[MIGRATE_MOVABLE]![0] = 4000;
      free[MIGRATE_UNMOVABLE]![1] = 1400;
      free[MIGRATE_MOVABLE]![1] = 1400;
      free[MIGRATE_UNMOVABLE]![2] = 2;
      return nodeFromLayout({ ...DEFAULT_MM_PARAMS, mode, spannedPages: 65536, nrCpus: 1 }, 1, {
        blocks,
        free,
        managedPages: 65536,
      });
    };
    const n15 = free('2015');
    assert.deepEqual(n15.unplaced, []);
    assert.deepEqual(checkZone(n15.node.zone), []);
    const p15 = allocPages(n15.node, 2, THREADINFO_GFP, PG_STACK);
    assert.equal(n15.node.trace.slowpath, true, '2015: order-2 check fails with 2 order-2 blocks');
    const n61 = free('6.1');
    const p61 = allocPages(n61.node, 2, THREADINFO_GFP, PG_STACK);
    assert.notEqual(p61, NO_PAGE);
    assert.equal(n61.node.trace.slowpath, false, '6.1: one free order-2 block is enough');
    void p15;
  });

  test('6.1: an order-2 stack on a fragmented zone compacts (compact_stall, compact_success)', () => {
    const n = node('6.1');
    fragment(n);
    assert.equal(n.zone.nrFree[2], 0);
    const p = allocPages(n, 2, THREADINFO_GFP, PG_STACK);
    assert.notEqual(p, NO_PAGE);
    assert.equal(n.trace.slowpath, true);
    assert.ok(n.zone.vm.compact_stall >= 1);
    assert.ok(n.zone.vm.compact_success >= 1);
    assert.ok(n.zone.vm.compact_migrate_scanned > 0 && n.zone.vm.compact_free_scanned > 0);
    assert.ok(n.trace.costUs > 10, 'compaction shows up as latency');
    assert.deepEqual(checkZone(n.zone), []);
  });

  test('deferral: after a failed sync run, up to 2^defer_shift attempts are skipped', () => {
    const z = node('6.1').zone;
    deferCompaction(z, 2);
    deferCompaction(z, 2);
    assert.equal(z.compactDeferShift, 2);
    const skipped = [1, 2, 3, 4].map(() => compactionDeferred(z, 2));
    assert.deepEqual(skipped, [true, true, true, false]);
    assert.equal(compactionDeferred(z, 1), false, 'lower orders are not deferred');
  });

  test('an unmovable request on an all-MOVABLE zone steals a whole free block and re-types it', () => {
    const n = node('6.1', 4096);
    const z = n.zone;
    assert.equal(Array.from(z.pbType).filter((t) => t === MIGRATE_UNMOVABLE).length, 0);
    const p = allocPages(n, 0, GFP_KERNEL, PG_STACK);
    assert.notEqual(p, NO_PAGE);
    assert.ok(z.vm.extfrag_unmovable_from_movable >= 1);
    // Largest first: an order-10 block, i.e. two order-9 pageblocks, changes type.
    assert.equal(Array.from(z.pbType).filter((t) => t === MIGRATE_UNMOVABLE).length, 2);
    assert.deepEqual(checkZone(z), []);
  });
});

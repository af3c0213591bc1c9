// Dynamic kernel stacks (issue 13): the per-CPU pools and the pages of each stack, under random
// fork / exit / refill sequences.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { KernelStacks, RCU_DELAY_US } from '../../src/device/kernel-stacks.ts';
import { SlabCaches } from '../../src/device/slab.ts';
import { type StackDepths, samplePages } from '../../src/device/stack-depths.ts';
import { allocPagesNoWatermarks } from '../../src/mm/alloc.ts';
import { GFP_KERNEL, NO_PAGE } from '../../src/mm/constants.ts';
import { DEFAULT_MM_PARAMS, MmNode } from '../../src/mm/node.ts';
import { PG_KERNEL, PG_PAGETABLE, PG_VMALLOC } from '../../src/mm/page-kind.ts';
import { DEFAULT_DYNAMIC_STACK, type DynamicStackParams } from '../../src/model/dynamic-stack-params.ts';

function setup(nrCpus: number, params: Partial<DynamicStackParams>, depths: StackDepths, seed = 1) {
  const node = new MmNode({ ...DEFAULT_MM_PARAMS, mode: '6.1', spannedPages: 8192, nrCpus }, seed);
  const slabs = new SlabCaches(node.zone.spanned);
  const stacks = new KernelStacks(node, 'vmap', slabs.create('vmap_area', 32, 0));
  stacks.useDynamic({ ...DEFAULT_DYNAMIC_STACK, ...params }, depths, seed);
  return { node, stacks };
}

/** Tasks as deep as `pages` pages, all of them. */
function allAt(pages: number): StackDepths {
  const by = [0, 0, 0, 0];
  by[pages - 1] = 1;
  return { id: `all-${pages}`, source: 'test', tasksByPages: by, overflowing: 0, roundedUp: 0 };
}

const mixed: StackDepths = {
  id: 'mixed',
  source: 'test',
  tasksByPages: [5, 3, 1, 1],
  overflowing: 0,
  roundedUp: 0,
};

describe('dynamic kernel stacks', () => {
  test('pages are never shared or lost, and no pool holds more than its size', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 5 }),
        fc.boolean(),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.nat(100)), { minLength: 1, maxLength: 120 }),
        (cpus, poolPages, unmap, ops) => {
          const { node, stacks } = setup(cpus, { poolPages, unmapOnReturnToUser: unmap }, mixed);
          const d = stacks.dynamic!;
          const live: number[] = [];
          for (const [op, x] of ops) {
            node.zone.cpu = x % cpus;
            if (op <= 1) {
              const id = stacks.alloc(() => {});
              if (id >= 0) {
                stacks.grow(id);
                live.push(id);
              }
            } else if (op === 2 && live.length > 0) {
              stacks.free(live.splice(x % live.length, 1)[0]!);
            } else {
              node.now += 1 + x * 100;
              stacks.flushRcu(node.now);
            }
            for (let c = 0; c < cpus; c++)
              assert.ok(d.poolSize(c) <= poolPages, `pool ${c} over ${poolPages}`);
          }
          // Let every RCU callback run, then account for every page.
          node.now += RCU_DELAY_US + 1;
          stacks.flushRcu(node.now);
          const pfns = [...d.poolPfns()];
          for (const id of [...live, ...d.cachedIds()]) pfns.push(...stacks.stackPfns(id));
          assert.equal(new Set(pfns).size, pfns.length, 'a page is held twice');
          for (const p of pfns) assert.equal(node.zone.kind[p], PG_VMALLOC, `pfn ${p} not a stack page`);
          let vmalloc = 0;
          let pte = 0;
          for (const k of node.zone.kind) {
            if (k === PG_VMALLOC) vmalloc++;
            if (k === PG_PAGETABLE) pte++;
          }
          assert.equal(vmalloc, pfns.length, 'a stack page is allocated but held by nothing');
          assert.equal(stacks.pagesHeld, pfns.length + pte);
          assert.equal(stacks.live, live.length);
          const mappedKB = live.reduce((a, id) => a + stacks.stackPfns(id).length * 4, 0);
          assert.equal(stacks.liveKB, mappedKB);
        },
      ),
      { numRuns: 150 },
    );
  });

  test('a panic is counted exactly when a fault finds its pool empty', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 6 }),
        (poolPages, depth, tasks) => {
          // No refill before the end: the pool is all the faults have.
          const { stacks } = setup(1, { poolPages, refillDelayUs: 1e12 }, allAt(depth));
          for (let i = 0; i < tasks; i++) stacks.grow(stacks.alloc(() => {}));
          const st = stacks.dynamic!.stats;
          const needed = tasks * (depth - 1);
          assert.equal(st.faults, needed);
          assert.equal(st.panics, Math.max(0, needed - poolPages));
          assert.equal(stacks.dynamic!.poolSize(0), Math.max(0, poolPages - needed));
          assert.equal(st.tasksFaulted, depth > 1 ? tasks : 0);
        },
      ),
    );
  });

  test('refills top the pool up; one that cannot allocate fails, and the next task to fault panics', () => {
    const { node, stacks } = setup(1, { poolPages: 3 }, allAt(4));
    const d = stacks.dynamic!;
    node.zone.cpu = 0;
    const a = stacks.alloc(() => {});
    stacks.grow(a);
    assert.equal(d.poolSize(0), 0);
    assert.equal(d.stats.panics, 0, 'three faults, three pool pages');
    node.now += 1;
    stacks.flushRcu(node.now);
    assert.equal(d.poolSize(0), 3);
    assert.equal(d.stats.refills, 3);
    assert.equal(d.stats.refillFailures, 0);
    // Two tasks forked (one page each), the first runs deep and empties the pool again ...
    const b = stacks.alloc(() => {});
    const c = stacks.alloc(() => {});
    stacks.grow(b);
    assert.equal(d.poolSize(0), 0);
    // ... then memory is gone before the refill: it fails and is retried later.
    while (allocPagesNoWatermarks(node, 0, GFP_KERNEL, PG_KERNEL) !== NO_PAGE);
    node.now += 1;
    stacks.flushRcu(node.now);
    assert.equal(d.stats.refillFailures, 1);
    assert.equal(d.poolSize(0), 0);
    assert.equal(d.stats.panics, 0, 'no task has needed a page yet');
    // The second task needs three pages and none is left: three panics.
    stacks.grow(c);
    assert.equal(d.stats.panics, 3);
    assert.equal(stacks.stackPfns(c).length, 1, 'a panicking fault maps nothing');
    // A fork now fails cleanly (no page for its first page either), without a panic.
    assert.equal(
      stacks.alloc(() => {}),
      -1,
    );
    assert.equal(d.stats.panics, 3);
  });

  test('samplePages follows the distribution', () => {
    assert.equal(samplePages(mixed, 0), 1);
    assert.equal(samplePages(mixed, 0.49), 1);
    assert.equal(samplePages(mixed, 0.5), 2);
    assert.equal(samplePages(mixed, 0.85), 3);
    assert.equal(samplePages(mixed, 0.95), 4);
  });
});

// Dynamic kernel stacks in the stack machine (issue 13): the pages of each task stack and the
// per-CPU pools under random pushes, task switches and returns to user, with the pages taken from the
// real order-0 allocator of src/mm, and the exact machine's faults and panics on real pushes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { DynamicPages, type PageSource } from '../../src/kernel/dynamic-pages.ts';
import { StackMachine } from '../../src/kernel/machine.ts';
import { allocPages, freePages } from '../../src/mm/alloc.ts';
import { GFP_ATOMIC, GFP_KERNEL, NO_PAGE } from '../../src/mm/constants.ts';
import { DEFAULT_MM_PARAMS, MmNode } from '../../src/mm/node.ts';
import { PG_VMALLOC } from '../../src/mm/page-kind.ts';
import { PAGE_SIZE } from '../../src/model/constants.ts';
import { machineDynamicStack } from '../../src/model/dynamic-stack-params.ts';
import { applyOverrides } from '../../src/model/profile.ts';
import { LINUX_6_1 } from '../../src/model/profiles.ts';

/** Order-0 pages from a real zone: a refill fails when the allocator says no (`failEvery` forces it). */
function mmSource(node: MmNode, failWhen: () => boolean) {
  const given = new Set<number>();
  const source: PageSource = {
    alloc: (why) => {
      if (why === 'refill' && failWhen()) return -1;
      const p = allocPages(node, 0, why === 'refill' ? GFP_ATOMIC : GFP_KERNEL, PG_VMALLOC);
      if (p === NO_PAGE) return -1;
      given.add(p);
      return p;
    },
    free: (pfn) => {
      assert.ok(given.delete(pfn), `pfn ${pfn} freed but never given`);
      freePages(node.zone, pfn);
    },
  };
  return { source, given };
}

function dynamicProfile(sets: string[] = []) {
  const r = applyOverrides(LINUX_6_1, ['stackAllocation=dynamic', ...sets]);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
}

const ops = fc.array(
  fc.oneof(
    fc.record({
      op: fc.constant('touch' as const),
      cpu: fc.nat(3),
      task: fc.nat(5),
      depth: fc.integer({ min: 1, max: 16384 }),
    }),
    fc.record({ op: fc.constant('switch' as const), cpu: fc.nat(3), dt: fc.nat(3000) }),
    fc.record({ op: fc.constant('user' as const), cpu: fc.nat(3), task: fc.nat(5) }),
  ),
  { minLength: 1, maxLength: 150 },
);

describe('dynamic stack pages (stack machine)', () => {
  test('pages are never shared or lost, no pool holds more than its size, a panic is exactly a fault on an empty pool', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 4 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 3 }),
        ops,
        (cpus, poolPages, unmap, failMod, program) => {
          const node = new MmNode({ ...DEFAULT_MM_PARAMS, mode: '6.1', spannedPages: 4096, nrCpus: cpus }, 1);
          let n = 0;
          // failMod 0: the allocator alone decides; else every failMod-th refill allocation fails.
          const { source, given } = mmSource(node, () => failMod > 0 && ++n % failMod === 0);
          const params = machineDynamicStack(16384, {
            poolPages,
            unmapOnReturnToUser: unmap,
            refillDelayUs: 1,
          });
          const tasks = 6;
          const d = new DynamicPages(params, cpus, tasks, source);
          let now = 0;
          for (const o of program) {
            const cpu = o.cpu % cpus;
            if (o.op === 'touch') {
              const want = Math.min(4, Math.ceil(o.depth / PAGE_SIZE));
              const had = d.mapped(o.task);
              const need = Math.max(0, want - had);
              const pool = d.poolSize(cpu);
              const before = { ...d.stats };
              const ok = d.touch(cpu, o.task, o.depth, now);
              // A panic exactly when the task needs more pages than the pool has left.
              assert.equal(ok, need <= pool, `need ${need}, pool ${pool}`);
              assert.equal(d.stats.panics - before.panics, need > pool ? 1 : 0);
              assert.equal(d.stats.faults - before.faults, Math.min(need, pool + 1));
              assert.equal(d.mapped(o.task), need <= pool ? Math.max(had, want) : had + pool);
            } else if (o.op === 'switch') {
              now += o.dt * 1000;
              const failures = d.stats.refillFailures;
              const pool = d.poolSize(cpu);
              d.schedulePoint(cpu, now);
              // A refill that fails leaves the pool short; one that succeeds fills it.
              if (d.stats.refillFailures === failures && d.poolSize(cpu) !== pool)
                assert.equal(d.poolSize(cpu), poolPages);
            } else d.returnToUser(cpu, o.task);
            for (let c = 0; c < cpus; c++)
              assert.ok(d.poolSize(c) <= poolPages, `pool ${c} over ${poolPages}`);
            const held = d.heldPfns();
            assert.equal(new Set(held).size, held.length, 'a page is held twice');
            assert.equal(held.length, given.size, 'a page was allocated and is held by nothing');
            for (const p of held) assert.equal(node.zone.kind[p], PG_VMALLOC, `pfn ${p} is not allocated`);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  test('the exact machine faults on the pushes that reach a new page and panics when the pool is empty', () => {
    const m = new StackMachine(dynamicProfile(['dynamicStack.poolPages=2']), { cpus: 1, tasks: 1 });
    const cpu = m.cpus[0]!;
    const d = m.dynamic!;
    assert.equal(d.mapped(0), 1);
    // Depth 4096 is still page 0; 4104 touches page 1.
    assert.ok(m.call(cpu, 'a', 4096, 0xffff800008001000n));
    assert.equal(d.stats.faults, 0);
    assert.ok(m.call(cpu, 'b', 16, 0xffff800008001000n));
    assert.equal(d.stats.faults, 1);
    assert.equal(d.poolSize(0), 1);
    // 12304 B deep: pages 2 and 3 at once, with one page left in the pool.
    assert.equal(m.call(cpu, 'c', 8192, 0xffff800008001000n), false);
    assert.equal(d.stats.faults, 3, 'one push across two pages faults twice');
    assert.equal(d.stats.panics, 1, 'the second of them found the pool empty');
    assert.equal(cpu.halted, true, 'the kernel panicked: this CPU stops');
    const e = m.events.at(-1);
    assert.equal(e?.type, 'dynamic-stack-panic');
    assert.equal(e?.type === 'dynamic-stack-panic' ? e.depth : 0, 12304);
    // The task leaving the CPU refills the pool; no STACK_END_MAGIC check on dynamic stacks.
    assert.equal(m.scheduleCheck(cpu), false);
    assert.equal(d.poolSize(0), 2);
    assert.equal(d.stats.refills, 2);
  });

  test('the guard page is never backed: a push past THREAD_SIZE is an overflow, not a fault', () => {
    const m = new StackMachine(dynamicProfile(), { cpus: 1, tasks: 1 });
    const cpu = m.cpus[0]!;
    const d = m.dynamic!;
    assert.ok(
      m.call(cpu, 'deep', 16384, 0xffff800008001000n),
      'the whole stack is usable: no STACK_END_MAGIC',
    );
    assert.equal(d.stats.faults, 3);
    assert.equal(d.mapped(0), 4);
    assert.equal(m.call(cpu, 'over', 16, 0xffff800008001000n), false);
    assert.equal(m.events.at(-1)?.type, 'overflow-panic');
    assert.equal(d.stats.faults, 3, 'no fault for the guard page');
    assert.equal(d.heldPfns().length, 4 + d.poolSize(0));
  });
});

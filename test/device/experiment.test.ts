// Whole experiments: reproducible from the seed, copies of an aged device independent, the
// allocator consistent at the end, and the comparison showing what order-2 stacks cost.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runMmCompare } from '../../src/device/compare.ts';
import { DEVICES } from '../../src/device/devices.ts';
import { ageDevice, measureForks, runMmExperiment } from '../../src/device/experiment.ts';
import { renderMmRun, stackMemoryKB } from '../../src/report/mm-compare.ts';

describe('page allocator experiments', () => {
  test('same seed → identical results; another seed → different', () => {
    const o = { device: 'phone-1g-2015', stacks: '16k', seed: 3, forks: 300, warmup: 4 } as const;
    const a = runMmExperiment(o);
    const b = runMmExperiment(o);
    assert.deepEqual(a, b);
    const c = runMmExperiment({ ...o, seed: 4 });
    assert.notDeepEqual(a.vmstat, c.vmstat);
    assert.deepEqual(a.invariantViolations, []);
  });

  test('a device too small for its workload stops with a stall, quickly, instead of spinning', () => {
    // board-512m with 8 MB or 32 MB: 2015's order <= 3 allocations retry (too small to fail), or page
    // cache churns without a fork; before the stall check these ran for minutes.
    for (const managedPages of [2048, 8192]) {
      const device = { ...DEVICES['board-512m'], managedPages };
      const r = runMmExperiment({ device, stacks: '16k', seed: 1, forks: 50, warmup: 1 });
      assert.ok(r.stall, `managedPages ${managedPages}: no stall reported`);
      assert.equal(r.stall.phase, 'forks');
      assert.ok(r.forks.measured < 50);
      assert.equal(r.stall.done, r.forks.measured);
      assert.match(renderMmRun(r), /STOPPED: the simulated kernel stopped making progress/);
    }
    // A healthy run has no stall.
    assert.equal(
      runMmExperiment({ device: 'board-512m', stacks: '16k', seed: 1, forks: 200, warmup: 1 }).stall,
      undefined,
    );
  });

  test('measuring from an aged device leaves it untouched', () => {
    const aged = ageDevice({ device: 'phone-1g-6.1', stacks: 'vmap', seed: 2, warmup: 4 });
    const first = measureForks(aged, '8k', 200);
    const second = measureForks(aged, '8k', 200);
    assert.deepEqual(first, second);
    assert.equal(first.agedWith, 'vmap', '6.1 phones age with VMAP stacks');
  });

  test('compare: each strategy forks from the same memory; vmap is served by its cache', () => {
    const c = runMmCompare({ device: 'phone-1g-2015', seed: 1, forks: 400, warmup: 6 });
    assert.deepEqual(
      c.runs.map((r) => r.stacks),
      ['16k', '8k', 'vmap', 'dynamic'],
    );
    for (const r of c.runs) {
      assert.equal(r.forks.measured, 400);
      assert.deepEqual(r.invariantViolations, []);
    }
    const vmap = c.runs[2]!;
    assert.ok(vmap.stackAllocs.cacheHits > 0);
    assert.equal(vmap.stackAllocs.cacheHits + vmap.stackAllocs.cacheMisses, vmap.stackAllocs.allocs);
  });

  test('board-512m and the fork storm run without invariant violations', () => {
    const b = runMmExperiment({ device: 'board-512m', stacks: '8k', seed: 1, forks: 200, warmup: 10 });
    assert.deepEqual(b.invariantViolations, []);
    const s = runMmExperiment({
      device: 'board-512m',
      stacks: '16k',
      scenario: 'fork-storm',
      seed: 1,
      forks: 500,
    });
    assert.equal(s.forks.measured, 500);
    assert.deepEqual(s.invariantViolations, []);
  });
  test('phone-4g-2026 holds its source: 16 KB stacks are 1-2 % of RAM; dynamic stacks cut that by 65-80 %', () => {
    const c = runMmCompare({
      device: 'phone-4g-2026',
      seed: 1,
      forks: 300,
      warmup: 20,
      strategies: ['16k', 'dynamic'],
    });
    const [s16, dyn] = c.runs;
    const share = stackMemoryKB(s16!) / (s16!.memory.managedPages * 4);
    assert.ok(share >= 0.01 && share <= 0.02, `16 KB stacks are ${(share * 100).toFixed(2)} % of RAM`);
    assert.ok(
      s16!.memory.liveTasks >= 2000,
      `${s16!.memory.liveTasks} tasks: Stevens counts 2000-3000 in system processes`,
    );
    const cut = 1 - stackMemoryKB(dyn!) / stackMemoryKB(s16!);
    assert.ok(cut >= 0.65 && cut <= 0.8, `dynamic cuts ${(cut * 100).toFixed(1)} %`);
    assert.deepEqual(dyn!.invariantViolations, []);
  });
});

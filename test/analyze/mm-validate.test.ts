// The fork-256M validation: the model starts from the real before-state and runs the real workload.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseStackworkOutput, validateForkRun } from '../../src/analyze/mm-validate.ts';
import { parseBuddyinfo } from '../../src/formats/buddyinfo.ts';
import { parseMeminfo } from '../../src/formats/meminfo.ts';
import { parsePagetypeinfo } from '../../src/formats/pagetypeinfo.ts';
import { parseVmstat } from '../../src/formats/vmstat.ts';

const dir = join(import.meta.dirname, '..', 'fixtures', 'arm64-6.1-qemu', 'fork-256M');
const r = (f: string) => readFileSync(join(dir, f), 'utf8');

describe('fork-256M validation', () => {
  test('the model reproduces the workload and lays out the real before-state', () => {
    const wo = parseStackworkOutput(r('workload-output.txt'))!;
    assert.deepEqual(wo, { forks: 2000, failed: 0, seconds: 6.44 });
    const v = validateForkRun({
      buddyBefore: parseBuddyinfo(r('buddyinfo-before.txt')).value!,
      buddyAfter: parseBuddyinfo(r('buddyinfo-after.txt')).value!,
      pagetypeBefore: parsePagetypeinfo(r('pagetypeinfo-before.txt')).value!,
      pagetypeAfter: parsePagetypeinfo(r('pagetypeinfo-after.txt')).value!,
      vmstatBefore: parseVmstat(r('vmstat-before.txt')).value!,
      vmstatAfter: parseVmstat(r('vmstat-after.txt')).value!,
      meminfoBefore: parseMeminfo(r('meminfo-before.txt')).value!,
      ...wo,
      parallel: 8,
      nrCpus: 2,
    });
    assert.deepEqual(v.unplaced, [], 'every real free block found a place');
    assert.equal(v.forks.model, 2000);
    assert.equal(v.forks.modelFailed, 0);
    assert.ok(Math.abs(v.pgallocPerFork.model - v.pgallocPerFork.real) / v.pgallocPerFork.real < 0.05);
    // No memory pressure in the real run, none in the model: no stalls, no scanning.
    for (const name of ['compact_stall', 'allocstall_dma', 'pgscan_direct', 'pgscan_kswapd'])
      assert.equal(v.vmstat.find((x) => x.what === name)!.modelDelta, 0, name);
    // The big blocks (CMA, order 10) are untouched, as in the real after-state.
    assert.equal(v.buddyinfo[10]!.modelDelta, 0);
    assert.deepEqual(
      v.blocks.map((b) => b.modelDelta),
      v.blocks.map((b) => b.realDelta),
    );
  });
});

// The 16k, 8k and vmap columns of mm compare for fixed seeds, byte for byte as before dynamic stacks
// (issue 13): a new strategy, a split of src/mm or an allocator refactor must not move them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { runMmCompare } from '../../src/device/compare.ts';
import { GOLDEN_CASES, GOLDEN_STRATEGIES, goldenFile } from './compare-golden.ts';

describe('mm compare golden results', () => {
  for (const c of GOLDEN_CASES) {
    test(`${c.device} seed ${c.seed}: 16k, 8k and vmap unchanged`, () => {
      const golden = JSON.parse(readFileSync(goldenFile(c), 'utf8')) as { stacks: string }[];
      assert.deepEqual(
        golden.map((r) => r.stacks),
        [...GOLDEN_STRATEGIES],
      );
      // The default strategy list (every strategy), so adding one cannot disturb the others.
      const runs = runMmCompare(c).runs.filter((r) =>
        (GOLDEN_STRATEGIES as readonly string[]).includes(r.stacks),
      );
      assert.deepEqual(JSON.parse(JSON.stringify(runs)), golden);
    });
  }
});

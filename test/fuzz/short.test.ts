// The default suite's short fuzz pass: a few hundred mutated inputs per target, in process, from a
// fixed campaign seed (the same inputs every run), each within the issue-15 budget (time x3 here
// for a loaded CI machine). The long campaign is `npm run fuzz` (figures in bench/README.md);
// STACKLAB_FUZZ_INPUTS=N changes the count here.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nthInput } from '../../fuzz/mutate.ts';
import { budgetOf, runTwiceIfSlow } from '../../fuzz/run-one.ts';
import { targets } from '../../fuzz/targets.ts';

const SEED = 20261202;
/** Inputs per target kind: a model run (mm-validate) costs ~50 ms, an ELF ~1 ms, a text ~0.2 ms. */
const COUNT: Record<string, number> = { text: 300, elf: 150, capture: 12 };
const scale =
  process.env.STACKLAB_FUZZ_INPUTS === undefined ? 1 : Number(process.env.STACKLAB_FUZZ_INPUTS) / 300;

describe('short fuzz pass', () => {
  for (const t of targets()) {
    test(t.name, { timeout: 120_000 }, async () => {
      const seeds = await t.seeds();
      assert.ok(seeds.length > 0, `${t.name} has seeds`);
      const n = Math.max(1, Math.round(COUNT[t.kind]! * scale));
      for (let i = 0; i < n; i++) {
        const { input, seed } = nthInput(t.kind, seeds, SEED, i);
        const r = await runTwiceIfSlow(t, input);
        const where = `input ${i} (from ${seed.name}, ${input.length} bytes)`;
        if (r.failure?.kind === 'crash') assert.fail(`${where}: ${r.failure.message}\n${r.failure.stack}`);
        const b = budgetOf(t, input);
        assert.ok(r.ms < 3 * b.ms, `${where}: ${r.ms.toFixed(0)} ms`);
        assert.ok(r.peakBytes < b.peakBytes, `${where}: ${(r.peakBytes / 2 ** 20).toFixed(0)} MB`);
      }
    });
  }
});

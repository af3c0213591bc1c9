// Writes the golden mm compare results of test/device/compare-golden.ts (the 16k, 8k and vmap runs for
// fixed seeds). Run it only when a change to those results is intended and explained in the commit:
//
//   node --import tsx scripts/golden-mm-compare.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { runMmCompare } from '../src/device/compare.ts';
import { GOLDEN_CASES, GOLDEN_DIR, GOLDEN_STRATEGIES, goldenFile } from '../test/device/compare-golden.ts';

mkdirSync(GOLDEN_DIR, { recursive: true });
for (const c of GOLDEN_CASES) {
  const r = runMmCompare({ ...c, strategies: GOLDEN_STRATEGIES });
  writeFileSync(goldenFile(c), `${JSON.stringify(r.runs, null, 1)}\n`);
  console.log(`wrote ${goldenFile(c)}`);
}

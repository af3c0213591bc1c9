// Every input a fuzz campaign (npm run fuzz) found failing stays a test: each file under
// test/fixtures/fuzz/TARGET/ runs through its target again and must finish without an internal
// error, within the issue-15 budget (1 s per 100 KB, at least 1 s; 10x the input + 100 MB; time x3
// here for a loaded CI machine), and leave no NaN/Infinity in the output.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { budgetOf, runTwiceIfSlow } from '../../fuzz/run-one.ts';
import { target } from '../../fuzz/targets.ts';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'fuzz');

const cases = existsSync(DIR)
  ? readdirSync(DIR, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .flatMap((d) =>
        readdirSync(join(DIR, d.name))
          .filter((f) => !f.endsWith('.meta.json') && !f.endsWith('.md'))
          .sort()
          .map((f) => ({ target: d.name, file: f })),
      )
  : [];

describe('fuzz regressions', () => {
  test('the fixtures are there and each names a known target', () => {
    assert.ok(cases.length > 0, 'no regression fixtures');
    for (const c of cases) assert.doesNotThrow(() => target(c.target), c.target);
  });

  for (const c of cases) {
    test(`${c.target}/${c.file}`, { timeout: 60_000 }, async () => {
      const input = new Uint8Array(readFileSync(join(DIR, c.target, c.file)));
      const t = target(c.target);
      const r = await runTwiceIfSlow(t, input);
      const b = budgetOf(t, input);
      if (r.failure?.kind === 'crash') assert.fail(`${r.failure.message}\n${r.failure.stack}`);
      assert.ok(r.ms < 3 * b.ms, `${r.ms.toFixed(0)} ms for ${input.length} bytes`);
      assert.ok(
        r.peakBytes < b.peakBytes,
        `${(r.peakBytes / 2 ** 20).toFixed(0)} MB for ${input.length} bytes`,
      );
    });
  }
});

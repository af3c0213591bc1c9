// The super-linear class of issue 15, swept rather than sampled: into one seed of every text target,
// a 100 KB run of each character or token that breaks naive scanners (blanks, digits, identifier
// characters, separators, "key:value", "N*4kB", "Node 0 ") goes at the start and in the middle
// of a line; every such input must finish within its budget (x3 for a loaded CI machine).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { budgetOf, runTwiceIfSlow } from '../../fuzz/run-one.ts';
import { targets } from '../../fuzz/targets.ts';

const RUNS = [' ', '\t', '0', 'a', 'A', '_', ':', ';', '*', '(', '[', '#', '.', '-', '>', '\n', '\r'];
const TOKENS = [
  '12*4kB ',
  '(UEM) ',
  'free:1kB ',
  'a:1 ',
  '0 ',
  'Node 0 ',
  'foo+0x1/0x2 ',
  'Tainted: ',
  '#012',
  '> ',
  '[<0>] ',
  'x invoked oom-killer: ',
];
const SIZE = 100_000;

describe('100 KB runs in every text target', () => {
  for (const t of targets().filter((x) => x.kind === 'text')) {
    test(t.name, { timeout: 300_000 }, async () => {
      const seeds = await t.seeds();
      const seed = new TextDecoder().decode(seeds[0]!.bytes);
      const lines = seed.split('\n');
      const li = Math.min(lines.length - 1, 3);
      let worst = 0;
      for (const piece of [...RUNS, ...TOKENS]) {
        const run = piece.repeat(Math.ceil(SIZE / piece.length));
        for (const at of [0, 0.5]) {
          const l = lines[li]!;
          const cut = Math.floor(l.length * at);
          const copy = [...lines];
          copy[li] = l.slice(0, cut) + run + l.slice(cut);
          const input = new TextEncoder().encode(copy.join('\n'));
          const r = await runTwiceIfSlow(t, input);
          const where = `${JSON.stringify(piece)} at ${at} of line ${li + 1} of ${seeds[0]!.name}`;
          if (r.failure?.kind === 'crash') assert.fail(`${where}: ${r.failure.message}\n${r.failure.stack}`);
          const b = budgetOf(t, input);
          assert.ok(r.ms < 3 * b.ms, `${where}: ${r.ms.toFixed(0)} ms`);
          worst = Math.max(worst, r.ms);
        }
      }
      assert.ok(worst >= 0);
    });
  }
});

// `stacklab analyze` on scripts/checkstack.pl output: published reports (32-bit ARM with markdown
// indentation and a "$ objdump" line; arm64 with pre-2020 "Dynamic (0x..)" lines) and what the real
// script printed for the C corpus.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkstackAnalyzer, explainCheckstack } from '../../src/analyze/analyzers/checkstack.ts';
import { analyzers } from '../../src/analyze/index.ts';
import { parseCheckstack } from '../../src/formats/checkstack.ts';
import { PROFILES } from '../../src/model/profiles.ts';
import { renderAnalysis } from '../../src/report/analysis-text/index.ts';

const read = (...p: string[]) => readFileSync(join(import.meta.dirname, '..', 'fixtures', ...p), 'utf8');
const opts = { profiles: [], overrides: [] };

test('chk-003 (32-bit ARM, eLinux wiki): 24 frames, the largest first, measured against each design', () => {
  const text = read('published', 'chk-003.txt');
  assert.equal(checkstackAnalyzer.sniff(text), true);
  const out = checkstackAnalyzer.run(text, 'chk-003.txt', opts);
  assert.ok(!('error' in out));
  const x = out.data as ReturnType<typeof explainCheckstack>;
  assert.equal(x.entries, 24);
  assert.equal(x.bits, 32);
  assert.equal(x.frameWarn, 1024);
  assert.equal(x.largest[0]?.function, 'nlmclnt_reclaim');
  assert.equal(x.largest[0]?.bytes, 720);
  const rfc = x.profiles.find((p) => p.id === 'rfc-2015');
  assert.equal(rfc?.THREAD_SIZE, 8192);
  assert.equal(rfc?.largestShare, 720 / 8192);
  assert.match(
    renderAnalysis('checkstack', out.data, 'chk-003.txt'),
    /nlmclnt_reclaim \[vmlinux-arm\.o\] +720 B/,
  );
  assert.match(renderAnalysis('checkstack', out.data, 'chk-003.txt'), /32-bit ARM's THREAD_SIZE is 8192/);
  // The "$ objdump" lines are skipped quietly (info), not counted as bad lines.
  assert.deepEqual(out.diagnostics, []);
});

test('chk-004 (arm64, 2020 patch): old "Dynamic (0x..)" lines are counted and sized', () => {
  const p = parseCheckstack(read('published', 'chk-004.txt'));
  assert.ok(p.value);
  const x = explainCheckstack(p.value, PROFILES);
  assert.equal(x.bits, 64);
  assert.equal(x.frameWarn, 2048);
  assert.equal(x.dynamic, 2);
  assert.deepEqual(
    x.largest.map((e) => [e.function, e.bytes, e.dynamic]),
    [
      ['sunxi_divs_clk_setup', 464, true],
      ['sunxi_divs_clk_setup', 464, false],
      ['sunxi_mux_clk_setup.isra.0', 320, true],
      ['sunxi_mux_clk_setup.isra.0', 320, false],
    ],
  );
});

test('the real checkstack.pl output for the C corpus: objects ranked, FRAME_WARN and 1/8-of-stack counts', () => {
  const p = parseCheckstack(read('checkstack', 'corpus-arm64.golden.txt'));
  assert.ok(p.value);
  const x = explainCheckstack(
    p.value,
    PROFILES.filter((q) => q.id === 'rfc-2015'),
  );
  const sizes = p.value.map((e) => e.bytes);
  assert.equal(x.overFrameWarn, sizes.filter((b) => b > 2048).length);
  assert.equal(x.profiles[0]?.overEighth, sizes.filter((b) => b > 1024).length);
  assert.equal(x.largest[0]?.bytes, Math.max(...sizes));
  assert.equal(
    x.files.reduce((a, f) => a + f.functions, 0),
    p.value.length,
  );
});

test('the analyzer is registered after the others and does not claim their inputs', () => {
  const ids = analyzers().map((a) => a.id);
  assert.ok(ids.includes('checkstack'));
  assert.equal(checkstackAnalyzer.sniff(read('published', 'st-x86_64-009.txt')), false);
  assert.equal(checkstackAnalyzer.sniff(read('published', 'paf-001.txt')), false);
});

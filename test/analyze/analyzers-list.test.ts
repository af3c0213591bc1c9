// The analyzers of `stacklab analyze` live in one room (src/analyze/analyzers/), in one ordered list
// (src/analyze/index.ts), and return data: each one's text is a renderer of src/report, found by id.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyzers } from '../../src/analyze/index.ts';
import type { Analyzer } from '../../src/analyze/registry.ts';
import { hasAnalysisText, renderAnalysis } from '../../src/report/analysis-text/index.ts';

const DIR = join(import.meta.dirname, '../../src/analyze/analyzers');
const isAnalyzer = (x: unknown): x is Analyzer =>
  typeof x === 'object' && x !== null && typeof (x as Analyzer).sniff === 'function' && 'describes' in x;

test('every analyzer the folder defines is in the list once, ids unique, and the list holds nothing else', async () => {
  const defined: Analyzer[] = [];
  for (const f of readdirSync(DIR).filter((f) => f.endsWith('.ts'))) {
    const mod = (await import(join(DIR, f))) as Record<string, unknown>;
    const here = Object.values(mod).filter(isAnalyzer);
    assert.ok(here.length > 0, `${f} defines no analyzer: it does not belong in this folder`);
    defined.push(...here);
  }
  const list = analyzers();
  assert.deepEqual(
    [...list].sort((a, b) => a.id.localeCompare(b.id)),
    [...defined].sort((a, b) => a.id.localeCompare(b.id)),
  );
  assert.equal(new Set(list.map((a) => a.id)).size, list.length);
  // The stack_trace and DEBUG_STACK_USAGE readers find their lines inside other text: they come last.
  assert.deepEqual(
    list.slice(-2).map((a) => a.id),
    ['stack-trace', 'stack-usage'],
  );
  assert.ok(Object.isFrozen(list));
});

test('analyzers return data and no text; every analyzer id has its text renderer in src/report', () => {
  for (const a of analyzers()) assert.ok(hasAnalysisText(a.id), `no renderer for ${a.id}`);
  assert.equal(hasAnalysisText('no-such-analyzer'), false);
  assert.throws(() => renderAnalysis('no-such-analyzer', {}, 'f'));
  for (const f of readdirSync(DIR)) {
    const src = readFileSync(join(DIR, f), 'utf8');
    assert.doesNotMatch(src, /from '[./]*report\//, `${f} imports src/report`);
    assert.doesNotMatch(src, /^export function render/m, `${f} renders text: that is src/report's job`);
  }
  // The meminfo analyzer's data, rendered by its id, says what the file holds.
  const meminfo = analyzers().find((a) => a.id === 'meminfo')!;
  const out = meminfo.run('MemTotal: 1000 kB\nKernelStack: 64 kB\n', 'm', {
    profiles: ['linux-6.1'],
    overrides: [],
  });
  assert.ok('data' in out);
  assert.equal('text' in out, false);
  assert.match(
    renderAnalysis('meminfo', out.data, 'm'),
    /^m: \/proc\/meminfo\n {2}kernel stacks hold 64 kB now/,
  );
});

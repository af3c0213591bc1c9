// The analyzers of `stacklab analyze` live in one room (src/report/analyzers/) and in one list.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Analyzer } from '../../src/analyze/registry.ts';
import { analyzers } from '../../src/report/analyzers/index.ts';

const DIR = join(import.meta.dirname, '../../src/report/analyzers');
const isAnalyzer = (x: unknown): x is Analyzer =>
  typeof x === 'object' && x !== null && typeof (x as Analyzer).sniff === 'function' && 'describes' in x;

test('every analyzer the folder defines is in the list once, ids unique, and the list holds nothing else', async () => {
  const defined: Analyzer[] = [];
  for (const f of readdirSync(DIR).filter((f) => f.endsWith('.ts') && f !== 'index.ts')) {
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

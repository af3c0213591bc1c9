import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SEED_STACK_TRACE } from '../../src/model/seed-table.ts';

test('embedded seed table equals data/seed/stack_trace-rfc-2015.txt byte for byte', () => {
  const file = readFileSync(new URL('../../data/seed/stack_trace-rfc-2015.txt', import.meta.url), 'utf8');
  assert.equal(SEED_STACK_TRACE, file);
});

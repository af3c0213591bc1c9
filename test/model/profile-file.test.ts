import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { loadProfileFile } from '../../src/model/profile-file.ts';

test('examples/phone-8k.yaml: a built-in with nested fields changed', () => {
  const text = readFileSync(new URL('../../examples/phone-8k.yaml', import.meta.url), 'utf8');
  const r = loadProfileFile(text, 'phone-8k.yaml');
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.equal(r.value.id, 'linux-6.1-8k');
  assert.equal(r.value.THREAD_SIZE, 8192);
  assert.equal(r.value.irqStack?.IRQ_STACK_SIZE, 8192);
  assert.equal(r.value.irqStack?.linkage, 'call-on-irq-stack-record', 'untouched fields keep the base value');
});

test('profile files: syntax errors with line, unknown fields with the accepted names, invalid values', () => {
  const syntax = loadProfileFile('base: [linux\n', 'a.yaml');
  assert.ok(!syntax.ok);
  assert.equal(syntax.error.code, 'profile-file/syntax');
  assert.equal(syntax.error.loc?.file, 'a.yaml');
  assert.ok((syntax.error.loc?.line ?? 0) >= 1);
  const field = loadProfileFile('base: linux-4.2\nset:\n  THREAD_SIZ: 8192\n', 'b.yaml');
  assert.ok(!field.ok);
  assert.match(field.error.expected ?? '', /THREAD_SIZE/);
  const value = loadProfileFile('base: linux-4.2\nset:\n  THREAD_SIZE: 10000\n', 'c.yaml');
  assert.ok(!value.ok);
  assert.match(value.error.message, /THREAD_SIZE: .*power of two/);
  const base = loadProfileFile('base: linux-9\n', 'd.yaml');
  assert.ok(!base.ok);
  assert.equal(base.error.code, 'profile-file/unknown-base');
  const list = loadProfileFile('- 1\n- 2\n', 'e.yaml');
  assert.ok(!list.ok);
  assert.equal(list.error.code, 'profile-file/not-object');
});

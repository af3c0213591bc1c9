import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parseStackAnnotations, sniffStackAnnotations } from '../../src/formats/stack-annotations.ts';

describe('stack annotations (YAML)', () => {
  test('the mini-kernel fixture parses, with defaults filled in', () => {
    const text = readFileSync(new URL('../../examples/arm64/mini-kernel.yaml', import.meta.url), 'utf8');
    const r = parseStackAnnotations(text, 'mini-kernel.yaml');
    assert.deepEqual(r.diagnostics, []);
    assert.deepEqual(r.value, {
      calls: { handle_irq_desc: ['handle_fasteoi_irq'], handle_irq_event: ['e1000_intr'] },
      tables: [{ table: 'softirq_vec', callers: ['__do_softirq'], stride: 8, offset: 0 }],
      recursion: {},
      frames: {},
      ignore: [],
    });
    assert.equal(sniffStackAnnotations(text), true);
  });

  const invalid: [string, string, string, number][] = [
    ['a bound that is not a number', 'recursion:\n  fact: lots\n', 'recursion.fact', 2],
    ['a table without callers', 'tables:\n  - table: ops\n', 'tables.0.callers', 2],
    [
      'a stride that is not a pointer multiple',
      'tables:\n  - table: ops\n    callers: [f]\n    stride: 12\n',
      'tables.0.stride',
      4,
    ],
    ['an unknown key', 'call:\n  f: [g]\n', '(document)', 1],
    ['a negative frame', 'frames:\n  entry: -16\n', 'frames.entry', 2],
  ];
  for (const [name, text, path, line] of invalid) {
    test(`${name} → annotations/invalid at ${path}, line ${line}`, () => {
      const r = parseStackAnnotations(text, 'a.yaml');
      assert.equal(r.value, undefined);
      const d = r.diagnostics[0]!;
      assert.equal(d.code, 'annotations/invalid');
      assert.ok(d.message.startsWith(path), d.message);
      assert.equal(d.loc?.line, line);
    });
  }

  test('broken YAML → annotations/bad-yaml with a line', () => {
    const r = parseStackAnnotations('calls:\n  f: [g\n', 'a.yaml');
    assert.equal(r.value, undefined);
    assert.equal(r.diagnostics[0]?.code, 'annotations/bad-yaml');
    assert.ok(r.diagnostics[0]?.loc?.line !== undefined);
  });

  test('an empty file is no annotations at all', () => {
    const r = parseStackAnnotations('', 'a.yaml');
    assert.deepEqual(r.value, { calls: {}, tables: [], recursion: {}, frames: {}, ignore: [] });
  });
});

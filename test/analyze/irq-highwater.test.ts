// `stacklab analyze irqstack_highwater.txt`: the per-CPU IRQ stacks' high-water marks of every real
// capture are explained (they were once rejected as "no live task stack"), and the task stacks'
// files still go to the task-highwater analyzer.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { IrqHighWaterExplanation } from '../../src/analyze/analyzers/irq-highwater.ts';
import { analyzers } from '../../src/analyze/index.ts';
import { renderAnalysis } from '../../src/report/analysis-text/index.ts';

const FIX = join(import.meta.dirname, '..', 'fixtures');

/** Every kscan file under test/fixtures, with the largest high-water column of its rows. */
function kscanFiles(): { file: string; irq: boolean; deepest: number }[] {
  const out: { file: string; irq: boolean; deepest: number }[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/^(irq|task)stack_highwater(-before)?\.txt$/.test(e.name)) {
        const rows = readFileSync(p, 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('0x'));
        const deepest = Math.max(...rows.map((l) => Number(l.split(/\s+/)[3])));
        out.push({ file: p, irq: e.name.startsWith('irq'), deepest });
      }
    }
  };
  walk(FIX);
  return out;
}

test('every real IRQ-stack high-water file is explained: the deepest stack and what smaller ones hold', () => {
  const files = kscanFiles().filter((f) => f.irq);
  assert.ok(files.length >= 30, `${files.length} files`);
  for (const { file, deepest } of files) {
    const text = readFileSync(file, 'utf8');
    const a = analyzers().find((x) => x.sniff(text));
    assert.equal(a?.id, 'irq-highwater', file);
    const out = a!.run(text, file, { profiles: [], overrides: [] });
    assert.ok('data' in out, file);
    const x = out.data as IrqHighWaterExplanation;
    assert.equal(x.deepestBytes, deepest, file);
    assert.equal(x.stackBytes, 16384);
    for (const m of x.smaller)
      assert.equal(m.over, x.stacks.filter((s) => s.highWaterBytes > m.bytes).length, file);
    assert.match(renderAnalysis('irq-highwater', out.data, 'f'), new RegExp(`deepest ${deepest} B`));
  }
});

test('task-stack files still go to the task-highwater analyzer', () => {
  const files = kscanFiles().filter((f) => !f.irq);
  assert.ok(files.length >= 10);
  for (const { file } of files) {
    const text = readFileSync(file, 'utf8');
    assert.equal(analyzers().find((x) => x.sniff(text))?.id, 'task-highwater', file);
  }
});

test('the udp capture: 4664 B on the busy CPU, 8 KiB would hold both, 4 KiB not the busy one', () => {
  const file = join(FIX, 'arm64-6.1-qemu/udp-512M/irqstack_highwater.txt');
  const a = analyzers().find((x) => x.id === 'irq-highwater')!;
  const out = a.run(readFileSync(file, 'utf8'), 'irqstack_highwater.txt', { profiles: [], overrides: [] });
  assert.ok('data' in out);
  const shown = renderAnalysis('irq-highwater', out.data, 'irqstack_highwater.txt');
  assert.match(shown, /line 2: 0xffff800008000000 {2}4664 B used, 11720 B to spare/);
  assert.match(shown, /4 KiB 1 of 2 past it; 8 KiB holds every one/);
  // A header with no rows is a diagnostic, not an empty explanation.
  const empty = a.run('# kscan patterns=init_irq_stacks|start_kernel size=16384\n', 'e', {
    profiles: [],
    overrides: [],
  });
  assert.ok('error' in empty);
});

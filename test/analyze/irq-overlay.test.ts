import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import {
  irqOverlay,
  irqPlacement,
  type OverlayInputs,
  overlayInputs,
} from '../../src/analyze/irq-overlay.ts';
import { analyzeBinary } from '../../src/elf/binary.ts';
import { bytesSource } from '../../src/elf/byte-source.ts';
import { buildCallGraph, findNodes } from '../../src/elf/call-graph.ts';
import { parseStackAnnotations } from '../../src/formats/stack-annotations.ts';
import { LINUX_4_2, LINUX_4_5, LINUX_6_1, PROFILES, RFC_2015, X86_64_6_1 } from '../../src/model/profiles.ts';
import { buildCorpus, CORPUS_NEEDS, type Corpus } from '../elf/corpus.ts';

const INPUTS: OverlayInputs = {
  task: { entry: 'el0_svc', bytes: 1712 },
  bhEntryDepth: 1712,
  softirq: { entry: '__do_softirq', bytes: 448 },
  hardirq: { entry: 'gic_handle_irq', frame: 48, bytes: 400 },
  frameOf: () => undefined,
  incomplete: false,
  unbounded: false,
  dynamic: false,
};

const total = (segs: readonly { bytes: number }[]) => segs.reduce((n, s) => n + s.bytes, 0);

describe('irqPlacement', () => {
  test('which stack hard IRQs and softirqs land on, per profile (kernel-semantics.md §2)', () => {
    assert.deepEqual(irqPlacement(LINUX_4_2), { hardirq: 'task', irqExitSoftirq: 'task', bhSoftirq: 'task' });
    assert.deepEqual(irqPlacement(RFC_2015), { hardirq: 'irq', irqExitSoftirq: 'irq', bhSoftirq: 'task' });
    assert.deepEqual(irqPlacement(LINUX_4_5), { hardirq: 'irq', irqExitSoftirq: 'irq', bhSoftirq: 'task' });
    assert.deepEqual(irqPlacement(LINUX_6_1), { hardirq: 'irq', irqExitSoftirq: 'irq', bhSoftirq: 'irq' });
    assert.deepEqual(irqPlacement(X86_64_6_1), { hardirq: 'irq', irqExitSoftirq: 'irq', bhSoftirq: 'irq' });
  });

  test('v5.16-v6.0 shape (irq_exit in the entry code, no own-stack switch) keeps softirqs on the task stack', () => {
    const p = { ...LINUX_6_1, softirq: { ...LINUX_6_1.softirq, ownStack: 'current' as const } };
    assert.deepEqual(irqPlacement(p), { hardirq: 'irq', irqExitSoftirq: 'task', bhSoftirq: 'task' });
  });
});

describe('irqOverlay', () => {
  test('linux-4.2: everything on the task stack, pt_regs 288 at the top and at the deepest point', () => {
    const o = irqOverlay(LINUX_4_2, INPUTS);
    assert.equal(o.worstIrq, undefined);
    const hard = o.scenarios.find((s) => s.id === 'hardirq')!;
    assert.equal(total(hard.task), 16 + 288 + 1712 + 288 + 400);
    const exit = o.scenarios.find((s) => s.id === 'irq-exit')!;
    // gic_handle_irq's frame + irq_exit 32 + softirq 448 + nested pt_regs + handler.
    assert.equal(total(exit.task), 16 + 288 + 1712 + 288 + 48 + 32 + 448 + 288 + 400);
    assert.deepEqual(o.worstTask, { bytes: 3520, size: 16384, margin: 12864, scenario: 'irq-exit' });
  });

  test('rfc-2015: handler and irq_exit softirqs on the IRQ stack, bh-enable softirqs on the 8 KB task stack', () => {
    const o = irqOverlay(RFC_2015, INPUTS);
    const bh = o.scenarios.find((s) => s.id === 'bh-enable')!;
    assert.equal(total(bh.task), 16 + 288 + 1712 + 448 + 288);
    assert.equal(total(bh.irq), 16 + 400);
    const exit = o.scenarios.find((s) => s.id === 'irq-exit')!;
    assert.equal(total(exit.task), 16 + 288 + 1712 + 288);
    assert.equal(total(exit.irq), 16 + 48 + 32 + 448 + 288 + 400);
    assert.equal(o.worstTask.size, 8192);
    assert.equal(o.worstTask.scenario, 'bh-enable');
  });

  test('linux-6.1: pt_regs 336, entry frames and the 16-byte call_on_irq_stack record on the task stack', () => {
    const o = irqOverlay(LINUX_6_1, INPUTS);
    const hard = o.scenarios.find((s) => s.id === 'hardirq')!;
    assert.equal(total(hard.task), 336 + 1712 + 336 + (16 + 32 + 32) + 16);
    assert.equal(total(hard.irq), 400);
    const bh = o.scenarios.find((s) => s.id === 'bh-enable')!;
    assert.equal(total(bh.task), 336 + 1712 + 16 + 16);
    assert.equal(total(bh.irq), 16 + 448 + 336 + 80 + 400);
    assert.ok(hard.task.some((s) => s.what.startsWith('call_on_irq_stack')));
  });

  test('missing entries and flags become notes', () => {
    const o = irqOverlay(LINUX_6_1, {
      ...INPUTS,
      softirq: undefined,
      bhEntryDepth: undefined,
      incomplete: true,
    });
    assert.ok(o.notes.some((n) => n.includes('__do_softirq')));
    assert.ok(o.notes.some((n) => n.includes('lower bounds')));
  });

  test('every built-in profile lays out without throwing', () => {
    for (const p of PROFILES) {
      const o = irqOverlay(p, INPUTS);
      assert.equal(o.worstTask.size, p.THREAD_SIZE);
    }
  });
});

describe('overlayInputs on the mini kernel', CORPUS_NEEDS, () => {
  let corpus: Corpus;
  before(async () => {
    corpus = await buildCorpus();
  });

  test('task path, softirq entry depth, softirq and hard-IRQ paths from the call graph', () => {
    const ann = parseStackAnnotations(
      readFileSync(new URL('../../examples/arm64/mini-kernel.yaml', import.meta.url), 'utf8'),
    ).value!;
    const r = analyzeBinary(bytesSource('mini-kernel', readFileSync(corpus.path('mini-kernel'))), {
      sites: true,
      tables: ann.tables,
    });
    assert.ok(r.ok);
    const { graph: g } = buildCallGraph([r.value], ann);
    const inp = overlayInputs(g, { bounds: new Map() }, findNodes(g, 'el0_svc'), undefined, undefined);
    assert.deepEqual(inp.task, { entry: 'el0_svc', bytes: 1712 });
    assert.equal(inp.bhEntryDepth, 1712);
    assert.deepEqual(inp.softirq, { entry: '__do_softirq', bytes: 448 });
    assert.deepEqual(inp.hardirq, { entry: 'gic_handle_irq', frame: 48, bytes: 400 });
    assert.equal(inp.frameOf('el0_svc'), 16);
    assert.equal(inp.incomplete, false);
  });
});

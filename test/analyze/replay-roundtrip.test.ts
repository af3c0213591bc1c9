// DESIGN §6: "Replaying any consistent real stack_trace table under its own era reproduces it byte
// for byte." Consistent tables are made here by the model itself (random syscall chains, softirqs
// and interrupts on a simulated kernel, printed by its stack tracer), then read back and replayed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { Chain, ChainFrame, ChainItem } from '../../src/analyze/chain.ts';
import { replayChain } from '../../src/analyze/replay.ts';
import { replayStackTraceText } from '../../src/analyze/replay-table.ts';
import { BUILTIN_PROFILE_IDS, resolveProfile } from '../../src/model/profiles.ts';
import { generatedChain } from './generated-chain.ts';

interface Plan {
  outer: number[];
  softirq: number[] | null;
  irq: { interrupted: number; handler: number[] } | null;
}

const sizes = fc.array(
  fc.integer({ min: 1, max: 24 }).map((n) => n * 16),
  { minLength: 1, maxLength: 12 },
);
const planArb: fc.Arbitrary<Plan> = fc.record({
  outer: sizes,
  softirq: fc.option(sizes, { nil: null }),
  irq: fc.option(
    fc.record({ interrupted: fc.integer({ min: 1, max: 16 }).map((n) => n * 16), handler: sizes }),
    {
      nil: null,
    },
  ),
});

export function chainOf(plan: Plan): Chain {
  const items: ChainItem[] = [];
  let n = 0;
  let caller = 'sys_entry+0x10/0x40';
  const frame = (size: number, prefix = 'fn'): ChainFrame => {
    const fn = `${prefix}${n++}`;
    const f: ChainFrame = {
      fn,
      size,
      ret: caller,
      recordOffset: 0,
      row: null,
      at: `${fn}+0x24/0x200`,
      sizeKnown: true,
    };
    caller = `${fn}+0x24/0x200`;
    return f;
  };
  items.push({ kind: 'start', path: 'syscall', vector: 'entry', entryFrames: [], topBytes: 0, regsBytes: 0 });
  for (const s of plan.outer) items.push({ kind: 'call', role: 'payload', frame: frame(s) });
  if (plan.softirq) {
    items.push({ kind: 'call', role: 'payload', frame: { ...frame(48, 'do_softirq_'), fn: 'do_softirq' } });
    caller = 'do_softirq+0x60/0x68';
    items.push({ kind: 'softirq', path: 'bh-enable', plumbing: [] });
    items.push({ kind: 'call', role: 'payload', frame: { ...frame(160), fn: '__do_softirq' } });
    caller = '__do_softirq+0x114/0x2f0';
    for (const s of plan.softirq) items.push({ kind: 'call', role: 'payload', frame: frame(s) });
  }
  if (plan.irq) {
    const x = frame(plan.irq.interrupted, 'x');
    items.push({
      kind: 'exception',
      type: 'irq',
      vector: 'el1_irq',
      interrupted: x,
      elr: `${x.fn}+0x8/0x80`,
      lrLive: false,
      entryFrames: [],
      callSite: 'irq',
      stage: 'handler',
    });
    caller = 'irq_entry+0x20/0x40';
    for (const s of plan.irq.handler) items.push({ kind: 'call', role: 'payload', frame: frame(s, 'h') });
  }
  const last = frame(32, 'leaf');
  items.push({ kind: 'call', role: 'payload', frame: last });
  items.push({
    kind: 'sample',
    fn: last.fn,
    ip: `${last.fn}+0x8/0x40`,
    parent: last.ret,
    inPlace: false,
    geometry: null,
  });
  return generatedChain(items);
}

describe('own-era replay of model-made tables', () => {
  // Every built-in profile: the five designs and the eras of issue 10 (4.19, 5.10, 6.1-rt, 6.12, x86_64-3.x).
  for (const id of BUILTIN_PROFILE_IDS) {
    test(`${id}: every generated table comes back byte for byte`, () => {
      const p = resolveProfile(id);
      assert.ok(p.ok);
      fc.assert(
        fc.property(planArb, (plan) => {
          const made = replayChain(chainOf(plan), p.value);
          fc.pre(made.ftrace.table !== null && made.ftrace.table.rows.length >= 3);
          const text = made.ftrace.text;
          const again = replayStackTraceText(text, 'made', [p.value], { source: id });
          assert.ok(again.ok);
          assert.equal(again.value.results[0]!.ftrace.text, text);
        }),
        { numRuns: Number(process.env.STACKLAB_PROPERTY_RUNS ?? 150), seed: 2015 },
      );
    });
  }
});

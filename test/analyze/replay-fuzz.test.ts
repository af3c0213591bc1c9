// Bad input never crashes the replay: random tables (damaged Depths, odd sizes, entry symbols in odd
// places) replay under every profile without an exception.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { replayStackTraceText } from '../../src/analyze/replay-table.ts';
import { printFtraceStackTrace } from '../../src/formats/ftrace-stack-trace.ts';
import { PROFILES } from '../../src/model/profiles.ts';

const SYMBOLS = [
  'el0_svc_naked',
  'el1_irq',
  'el1h_64_irq',
  'el0t_64_sync_handler',
  'el1h_64_irq_handler',
  'el1_interrupt',
  '__do_softirq',
  'do_softirq',
  'irq_exit',
  '__irq_exit_rcu',
  'ftrace_call',
  'stack_trace_call',
  'call_on_irq_stack',
  'gic_handle_irq',
  'foo',
  'bar',
  'return_to_handler',
  'entry_SYSCALL_64_after_hwframe',
  'ret_fast_syscall',
];

const rowArb = fc.record({
  sym: fc.constantFrom(...SYMBOLS),
  off: fc.integer({ min: 0, max: 0x400 }),
  step: fc.oneof(fc.integer({ min: 0, max: 700 }), fc.integer({ min: -64, max: 64 })),
});

describe('replay robustness', () => {
  test('random tables replay under every profile without throwing', () => {
    fc.assert(
      fc.property(fc.array(rowArb, { minLength: 1, maxLength: 40 }), (rows) => {
        let depth = rows.reduce((a, r) => a + Math.max(0, r.step), 200);
        const table = rows.map((r) => {
          const d = depth;
          depth -= r.step;
          return { depth: d, location: { text: `${r.sym}+0x${r.off.toString(16)}/0x800` } };
        });
        const text = printFtraceStackTrace({ rows: table });
        const out = replayStackTraceText(text, 'fuzz', PROFILES);
        assert.ok(out.ok);
        for (const res of out.value.results) assert.ok(res.ftrace.text.startsWith('        Depth'));
      }),
      { numRuns: Number(process.env.STACKLAB_FUZZ_RUNS ?? 300), seed: 42 },
    );
  });

  test('random text never throws in the parser or the replay', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (s) => {
        const text = `        Depth    Size   Location    (3 entries)\n${s}`;
        replayStackTraceText(text, 'noise', PROFILES);
      }),
      { numRuns: 300, seed: 43 },
    );
  });
});

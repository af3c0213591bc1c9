// `stacklab analyze` of func_stack_trace output: every real capture's unwinds (counted form) and a
// raw trace are explained, with each traced call's context and its stack switches.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  type FuncStackTraceExplanation,
  traceContext,
} from '../../src/analyze/analyzers/func-stack-trace.ts';
import { analyzers } from '../../src/analyze/index.ts';
import { renderAnalysis } from '../../src/report/analysis-text/index.ts';

const FIX = join(import.meta.dirname, '..', 'fixtures');
const run = (text: string, file: string) => {
  const a = analyzers().find((x) => x.sniff(text));
  assert.equal(a?.id, 'func-stack-trace', file);
  const out = a!.run(text, file, { profiles: [], overrides: [] });
  assert.ok('data' in out, file);
  return out.data as FuncStackTraceExplanation;
};

test('every captured func_stack_trace-unique.txt: counts add up, 6.1 unwinds cross through call_on_irq_stack', () => {
  let n = 0;
  for (const era of ['arm64-6.1-qemu', 'arm64-6.12-qemu', 'arm64-6.1-rt-qemu', 'arm64-6.1-pac-qemu'])
    for (const d of readdirSync(join(FIX, era), { withFileTypes: true })) {
      if (!d.isDirectory()) continue;
      const file = join(FIX, era, d.name, 'func_stack_trace-unique.txt');
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      const x = run(text, file);
      const counts = [...text.matchAll(/^(\d+) x$/gm)].reduce((s, m) => s + Number(m[1]), 0);
      assert.equal(x.recorded, counts, file);
      assert.equal(
        Object.values(x.contexts).reduce((s, c) => s + c, 0),
        x.recorded,
        file,
      );
      assert.ok(x.crossed <= x.recorded);
      n++;
    }
  assert.ok(n >= 10, `${n} files`);
  const udp = run(
    readFileSync(join(FIX, 'arm64-6.1-qemu/udp-512M/func_stack_trace-unique.txt'), 'utf8'),
    'udp',
  );
  assert.equal(udp.switches[0]?.fn, 'call_on_irq_stack');
  assert.ok(udp.contexts.softirq > 0 && udp.contexts['hardirq-on-softirq'] > 0);
  assert.match(renderAnalysis('func-stack-trace', udp, 'f'), /crossed onto another stack: \d+ of \d+/);
});

test('contexts from the innermost marker; a raw trace is read too', () => {
  assert.equal(
    traceContext(['f', 'gic_handle_irq', 'el1h_64_irq', 'net_rx_action', '__do_softirq']),
    'hardirq-on-softirq',
  );
  assert.equal(traceContext(['f', 'net_rx_action', 'handle_softirqs', 'gic_handle_irq']), 'softirq');
  assert.equal(traceContext(['f', 'gic_handle_irq', 'el1h_64_irq', 'do_idle']), 'hardirq');
  assert.equal(traceContext(['f', 'do_el0_svc']), 'task');
  const raw = [
    '          <idle>-0       [001] d.h..    16.232585: hrtimer_interrupt <-arch_timer_handler_virt',
    '          <idle>-0       [001] d.h..    16.232590: <stack trace>',
    ' => hrtimer_interrupt',
    ' => arch_timer_handler_virt',
    ' => gic_handle_irq',
    ' => call_on_irq_stack',
    ' => do_idle',
    '',
  ].join('\n');
  const x = run(raw, 'trace');
  assert.equal(x.recorded, 1);
  assert.equal(x.contexts.hardirq, 1);
  assert.deepEqual(x.switches, [{ fn: 'call_on_irq_stack', count: 1 }]);
});

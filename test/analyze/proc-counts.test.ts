// /proc/interrupts and /proc/softirqs as analyze items: totals per CPU and per source from a real
// capture (checked against the file's own columns, summed here), the classes of x86's named rows,
// and before/after deltas, which refuse copies of another machine or across a reboot.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  interruptsAnalyzer,
  type ProcCountsExplanation,
  snapshotDelta,
  softirqsAnalyzer,
} from '../../src/analyze/analyzers/proc-counts.ts';
import type { Analyzer } from '../../src/analyze/registry.ts';

const CAPTURE = join(import.meta.dirname, '..', 'fixtures', 'arm64-6.1-qemu', 'udp-512M');
const read = (f: string) => readFileSync(join(CAPTURE, f), 'utf8');

function explain(a: Analyzer, text: string): ProcCountsExplanation {
  assert.equal(a.sniff(text), true, `${a.id} sniff`);
  const out = a.run(text, 'x', { profiles: [], overrides: [] });
  assert.ok(!('error' in out), 'error' in out ? out.error.message : '');
  return out.data as ProcCountsExplanation;
}

/** Per-CPU sums of the rows that have a count per CPU, read with nothing but split(). */
function columnSums(text: string): number[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const cpus = lines[0]!.trim().split(/\s+/).length;
  const sums = new Array<number>(cpus).fill(0);
  for (const l of lines.slice(1)) {
    const words = l
      .trim()
      .split(/\s+/)
      .slice(1, cpus + 1);
    if (words.length === cpus && words.every((w) => /^\d+$/.test(w)))
      words.forEach((w, i) => {
        sums[i]! += Number(w);
      });
  }
  return sums;
}

describe('/proc/interrupts and /proc/softirqs', () => {
  test('a real /proc/interrupts (arm64 6.1 QEMU): per-CPU totals, the timer, IPIs and devices', () => {
    const text = read('interrupts-after.txt');
    const x = explain(interruptsAnalyzer, text);
    assert.equal(softirqsAnalyzer.sniff(text), false);
    assert.equal(x.cpus, 2);
    assert.deepEqual(x.perCpu, columnSums(text));
    assert.equal(x.total, x.perCpu[0]! + x.perCpu[1]!);
    assert.equal(x.busiestCpu, x.perCpu[0]! >= x.perCpu[1]! ? 0 : 1);
    const c = x.classes!;
    assert.equal(c.timer + c.ipi + c.device + c.other, x.total);
    assert.equal(x.rows[0]!.class, 'timer');
    assert.match(x.rows[0]!.desc, /arch_timer/);
    assert.ok(x.rows.filter((r) => r.id.startsWith('IPI')).every((r) => r.class === 'ipi'));
    // Largest first; each row where the file has it.
    for (let i = 1; i < x.rows.length; i++) assert.ok(x.rows[i - 1]!.total >= x.rows[i]!.total);
    const lines = text.split('\n');
    for (const r of x.rows) assert.ok(lines[r.line - 1]!.trim().startsWith(`${r.id}:`));
  });

  test('a real /proc/softirqs: NET_RX of the UDP flood on CPU0, and no classes', () => {
    const text = read('softirqs-after.txt');
    const x = explain(softirqsAnalyzer, text);
    assert.equal(interruptsAnalyzer.sniff(text), false);
    assert.deepEqual(x.perCpu, columnSums(text));
    assert.equal(x.classes, undefined);
    assert.equal(x.rows[0]!.id, 'NET_RX');
  });

  test("x86's named rows: LOC is the timer, RES/CAL/TLB are IPIs, NMI and ERR the rest", () => {
    // The layout of arch/x86/kernel/irq.c arch_show_interrupts() (counts made up).
    const text = [
      '            CPU0       CPU1',
      '   0:         35          0   IO-APIC    2-edge      timer',
      '   1:          0          9   IO-APIC    1-edge      i8042',
      ' NMI:          2          3   Non-maskable interrupts',
      ' LOC:     123456     123000   Local timer interrupts',
      ' RES:       1000       1200   Rescheduling interrupts',
      ' CAL:        500        600   Function call interrupts',
      ' TLB:         10         20   TLB shootdowns',
      ' ERR:          0',
      ' MIS:          0',
    ].join('\n');
    const x = explain(interruptsAnalyzer, text);
    const cls = Object.fromEntries(x.rows.map((r) => [r.id, r.class]));
    assert.deepEqual(cls, {
      LOC: 'timer',
      RES: 'ipi',
      CAL: 'ipi',
      '0': 'timer',
      TLB: 'ipi',
      '1': 'device',
      NMI: 'other',
      ERR: 'other',
      MIS: 'other',
    });
    assert.deepEqual(x.perCpu, [35 + 2 + 123456 + 1000 + 500 + 10, 9 + 3 + 123000 + 1200 + 600 + 20]);
  });

  test('before/after: the delta per row and CPU; none for another machine or across a reboot', () => {
    const b = explain(softirqsAnalyzer, read('softirqs-before.txt'));
    const a = explain(softirqsAnalyzer, read('softirqs-after.txt'));
    const d = snapshotDelta(b, a)!;
    for (const r of d.rows) {
      const [rb, ra] = [b.rows.find((x) => x.id === r.id)!, a.rows.find((x) => x.id === r.id)!];
      assert.deepEqual(
        r.delta,
        ra.counts.map((v, i) => v - rb.counts[i]!),
      );
      assert.ok(r.total > 0);
    }
    assert.equal(d.total, a.total - b.total);
    // Reversed: counters went down (a reboot between the copies).
    assert.equal(snapshotDelta(a, b), undefined);
    const oneCpu = explain(softirqsAnalyzer, '        CPU0\n      HI:  1\n   TIMER:  2\n  NET_RX:  3\n');
    assert.equal(snapshotDelta(oneCpu, a), undefined);
    assert.equal(snapshotDelta(b, explain(interruptsAnalyzer, read('interrupts-after.txt'))), undefined);
  });
});

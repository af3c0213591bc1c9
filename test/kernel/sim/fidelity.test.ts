// qemu-6.1-udp against the real capture it stands for (test/fixtures/arm64-6.1-qemu/udp-512M):
// 8 s of the workload under linux-6.1 must give the IRQ-stack high-water and the tracer's
// stack_max_size within 15 % of what the real kernel left behind.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runResult } from '../../../src/analyze/run.ts';
import { validateScenario } from '../../../src/kernel/sim/scenario.ts';
import { simulate } from '../../../src/kernel/sim/simulate.ts';
import { parseYamlInput } from '../../../src/kernel/sim/yaml-input.ts';
import { resolveProfile } from '../../../src/model/profiles.ts';

const ROOT = join(import.meta.dirname, '../../..');
const REAL = join(ROOT, 'test/fixtures/arm64-6.1-qemu/udp-512M');

function scenario() {
  const load = (f: string) => {
    const r = parseYamlInput(readFileSync(join(ROOT, 'data/scenarios', f), 'utf8'), f, 'test');
    assert.ok(r.ok);
    return r.value.value;
  };
  const v = validateScenario(load('qemu-6.1-udp.yaml'), 'qemu-6.1-udp.yaml', (n) => ({
    ok: true,
    value: load(n),
  }));
  assert.ok(v.ok, v.ok ? '' : v.error.message);
  return v.value;
}

/** The busy CPU's IRQ-stack high-water from the capture's kscan (column 4, largest row). */
function realIrqHighwater(dir = REAL): number {
  const rows = readFileSync(join(dir, 'irqstack_highwater.txt'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('0x'))
    .map((l) => Number(l.split(/\s+/)[3]));
  return Math.max(...rows);
}

describe('fidelity: qemu-6.1-udp against the real udp-512M capture', () => {
  test('IRQ-stack high-water and stack_max_size within 15 %', () => {
    const s = scenario();
    const p = resolveProfile('linux-6.1');
    assert.ok(p.ok);
    const r = runResult(simulate({ scenario: s, profile: p.value, seed: s.seed, durationNs: 8e9 }));
    const realIrq = realIrqHighwater();
    const realMax = Number(readFileSync(join(REAL, 'stack_max_size.txt'), 'utf8').trim());
    assert.equal(realIrq, 4664);
    assert.equal(realMax, 4512);
    // The capture's high-water is what a scan of zeroed stacks reads: the tracer's frames included.
    const irqErr = Math.abs(r.highwater.irq - realIrq) / realIrq;
    const maxErr = Math.abs(r.ftrace.stackMaxSize - realMax) / realMax;
    assert.ok(
      irqErr <= 0.15,
      `IRQ stack ${r.highwater.irq} B vs real ${realIrq} B (${(irqErr * 100).toFixed(1)} %)`,
    );
    assert.ok(
      maxErr <= 0.15,
      `stack_max_size ${r.ftrace.stackMaxSize} vs real ${realMax} (${(maxErr * 100).toFixed(1)} %)`,
    );
    // And the load behind them is the capture's: ~31,552 NET_RX softirqs on CPU 0, none on CPU 1.
    const netRx = r.perCpu[0]!.softirqs.NET_RX!;
    assert.ok(Math.abs(netRx - 31552) / 31552 < 0.2, `NET_RX ${netRx}`);
    assert.equal(r.perCpu[1]!.softirqs.NET_RX, 0);
  });

  test('and against every repeat capture of the workload with the tracer on (within 15 %)', () => {
    const s = scenario();
    const p = resolveProfile('linux-6.1');
    assert.ok(p.ok);
    const dir = join(ROOT, 'test/fixtures/arm64-6.1-qemu/repeats');
    // The runs with the tracer on (the others read stack_max_size 0); those booted with
    // randomize_kstack_offset=off against a run without the offset.
    const maxOf = (d: string) => Number(readFileSync(join(dir, d, 'stack_max_size.txt'), 'utf8').trim());
    const noOffset = (d: string) =>
      readFileSync(join(dir, d, 'qemu-command.txt'), 'utf8').includes('randomize_kstack_offset=off');
    const runs = readdirSync(dir).filter(
      (d) => existsSync(join(dir, d, 'stack_max_size.txt')) && maxOf(d) > 0,
    );
    assert.ok(runs.length >= 14, `${runs.length} repeat captures`);
    const sim = (off: boolean) => {
      const prof = off ? { ...p.value, RANDOMIZE_KSTACK_OFFSET: false } : p.value;
      return runResult(simulate({ scenario: s, profile: prof, seed: s.seed, durationNs: 8e9 }));
    };
    const results = { on: sim(false), off: sim(true) };
    for (const run of runs) {
      const r = noOffset(run) ? results.off : results.on;
      const realIrq = realIrqHighwater(join(dir, run));
      const realMax = maxOf(run);
      assert.ok(
        Math.abs(r.highwater.irq - realIrq) / realIrq <= 0.15,
        `${run}: IRQ ${r.highwater.irq} vs ${realIrq}`,
      );
      assert.ok(
        Math.abs(r.ftrace.stackMaxSize - realMax) / realMax <= 0.15,
        `${run}: stack_max_size ${r.ftrace.stackMaxSize} vs ${realMax}`,
      );
    }
  });

  test('an interrupt inside the tracer lands on its frames: the IRQ stack is deeper than with none', () => {
    const s = scenario();
    const p = resolveProfile('linux-6.1');
    assert.ok(p.ok);
    const run = (cost: number) =>
      runResult(
        simulate({
          scenario: { ...s, stackTracerCost: cost },
          profile: p.value,
          seed: s.seed,
          durationNs: 2e9,
        }),
      );
    const none = run(0);
    const inside = run(s.stackTracerCost);
    // stack_trace_call's 360 B and ftrace_call's 88 B are under the nested interrupt's pt_regs.
    assert.ok(
      inside.maxDepth.irq >= none.maxDepth.irq + 448,
      `${inside.maxDepth.irq} vs ${none.maxDepth.irq}`,
    );
    assert.ok(!none.ftrace.table.includes('stack_trace_call'));
  });
});

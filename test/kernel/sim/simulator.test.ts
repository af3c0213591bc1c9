// The simulated kernel: reproducible from its seed, and the kernel's rules hold in every window of
// random runs (hard IRQs never nest, the IRQ stack is entered once at a time, frames account for SP,
// softirq restarts stop at MAX_SOFTIRQ_RESTART and ksoftirqd takes over exactly then).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { runResult } from '../../../src/analyze/run.ts';
import { A_POP } from '../../../src/kernel/sim/activations.ts';
import {
  F,
  F_PREV_DEPTH,
  F_PREV_STACK,
  F_SIZE,
  F_STACK,
  FK_LINK,
} from '../../../src/kernel/sim/fast-machine.ts';
import type { KernelSim } from '../../../src/kernel/sim/kernel-sim.ts';
import { type Scenario, validateScenario } from '../../../src/kernel/sim/scenario.ts';
import { simulate } from '../../../src/kernel/sim/simulate.ts';
import { parseYamlInput } from '../../../src/kernel/sim/yaml-input.ts';
import { MAX_SOFTIRQ_RESTART } from '../../../src/model/constants.ts';
import { BUILTIN_PROFILES as PROFILES, resolveProfile } from '../../../src/model/profiles.ts';

const DIR = join(import.meta.dirname, '../../../data/scenarios');
function builtin(name: string): Scenario {
  const load = (f: string) => {
    const r = parseYamlInput(readFileSync(join(DIR, f), 'utf8'), f, 'test');
    assert.ok(r.ok);
    return r.value.value;
  };
  const v = validateScenario(load(`${name}.yaml`), name, (n) => ({ ok: true, value: load(n) }));
  assert.ok(v.ok, v.ok ? '' : v.error.message);
  return v.value;
}
const profile = (id: string) => {
  const r = resolveProfile(id);
  assert.ok(r.ok);
  return r.value;
};

/** A small scenario: a syscall chain with bh-enable softirqs, a ticking timer, a device IRQ. */
function small(opts: {
  cpus: number;
  rate: number;
  preempt: 'none' | 'voluntary' | 'full';
  selfRaise?: boolean;
  depth: number;
  quiet?: boolean;
}): Scenario {
  const functions: Record<string, unknown> = {};
  for (let i = 0; i < opts.depth; i++)
    functions[`f${i}`] = {
      frame: 32 + 16 * (i % 5),
      self: { exp: '2us' },
      calls: i + 1 < opts.depth ? [{ call: `f${i + 1}`, at: 0x10, p: 0.9 }] : [],
    };
  Object.assign(functions, {
    sys: {
      frame: 64,
      self: { exp: '1us' },
      calls: [
        { call: 'f0', at: 8 },
        { local_bh_disable: true },
        { raise: 'NET_RX' },
        { local_bh_enable: true },
        { cond_resched: true },
      ],
    },
    gic: {
      frame: 48,
      self: '300ns',
      calls: [{ call: 'tick', at: 0x20 }, ...(opts.quiet ? [] : [{ raise: 'TIMER', p: 0.5 }])],
    },
    tick: { frame: 96, self: '1us', calls: opts.quiet ? [] : [{ ipi: 'resched', p: 0.1 }] },
    dev: { frame: 64, self: '1us', calls: [{ raise: 'NET_RX' }] },
    __do_softirq: { frame: 128, self: '300ns', calls: [{ softirq_actions: true }] },
    rx: {
      frame: 80,
      self: { exp: '3us' },
      calls: [{ call: 'f2', at: 0x30 }, ...(opts.selfRaise ? [{ raise: 'TIMER' }] : [])],
    },
    timers: { frame: 64, self: '1us', calls: opts.selfRaise ? [{ raise: 'TIMER' }] : [] },
    resched: { frame: 32, self: '500ns' },
    bh: { frame: 32 },
    idle: { frame: 48 },
    sched: { frame: 64 },
    ksd: { frame: 48 },
  });
  const raw = {
    scenario: 1,
    name: 'small',
    cpus: opts.cpus,
    hz: 250,
    preempt: opts.preempt,
    codeModel: {
      codeModel: 1,
      name: 'small',
      functions,
      kernel: {
        bhEnable: ['bh'],
        softirq: '__do_softirq',
        actions: { NET_RX: 'rx', TIMER: 'timers' },
        idle: ['idle'],
        schedule: ['sched'],
        ksoftirqd: ['ksd'],
      },
    },
    tasks: Array.from({ length: opts.cpus }, (_, c) => ({
      name: `w${c}`,
      cpu: c,
      count: 2,
      think: { exp: '20us' },
      syscalls: [{ call: 'sys' }],
    })),
    timer: { handler: 'gic' },
    irqs: opts.quiet ? [] : [{ name: 'eth0', handler: 'dev', rate: opts.rate }],
    ipi: { resched: 'resched' },
  };
  const v = validateScenario(raw, 'small', () => ({
    ok: false,
    error: { code: 'x', severity: 'error', message: 'x' },
  }));
  assert.ok(v.ok, v.ok ? '' : v.error.message);
  return v.value;
}

/** Invariants of every CPU between windows. */
function check(sim: KernelSim, problems: string[]): void {
  const fm = sim.cfg.fm;
  for (const cpu of fm.cpus) {
    if (cpu.halted) continue;
    if (cpu.hardirqDepth > 1) problems.push(`cpu${cpu.id}: hardirqDepth ${cpu.hardirqDepth}`);
    const fr = fm.frames[cpu.task]!;
    const n = fm.nFrames[cpu.task]!;
    let onIrq = 0;
    for (let k = 0; k < n; k++) {
      const o = k * F;
      if (fr[o + F_PREV_STACK] !== fr[o + F_STACK] && fm.stackKind[fr[o + F_STACK]!] === 1) onIrq++;
    }
    if (onIrq > 1) problems.push(`cpu${cpu.id}: IRQ stack entered ${onIrq} times`);
    // An interrupt that came after the tracer's guard silences it until it returns: one count per
    // such interrupt still open (its A_POP), never below zero, never left behind.
    const A = sim.acts[cpu.task]!;
    let open = 0;
    for (let i = 0; i < A.n; i++) if (A.type[i] === A_POP && A.arg[i] === 1) open++;
    if (sim.tracer.guarded[cpu.id] !== open)
      problems.push(`cpu${cpu.id}: tracer guarded ${sim.tracer.guarded[cpu.id]}, ${open} interrupts open`);
    // SP is where the frames say: the top frame's end (or the stack's start when none is on it).
    if (n > 0) {
      const o = (n - 1) * F;
      const want =
        fr[o + F_PREV_STACK] === fr[o + F_STACK] || fr[o] !== FK_LINK
          ? fr[o + F_PREV_DEPTH]! + fr[o + F_SIZE]!
          : cpu.depth;
      if (fr[o + F_STACK] === cpu.stack && want !== cpu.depth)
        problems.push(`cpu${cpu.id}: depth ${cpu.depth}, frames say ${want}`);
    }
  }
}

describe('simulator', () => {
  test('same seed, same bytes; another seed, another run', () => {
    const s = builtin('seed-dragonboard');
    const p = profile('linux-4.2');
    const a = JSON.stringify(runResult(simulate({ scenario: s, profile: p, seed: 5, durationNs: 3e8 })));
    const b = JSON.stringify(runResult(simulate({ scenario: s, profile: p, seed: 5, durationNs: 3e8 })));
    const c = JSON.stringify(runResult(simulate({ scenario: s, profile: p, seed: 6, durationNs: 3e8 })));
    assert.equal(a, b);
    assert.notEqual(a, c);
  });

  test('kernel rules hold in every window of random runs, under every profile (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          profile: fc.constantFrom(...PROFILES.map((p) => p.id)),
          cpus: fc.integer({ min: 1, max: 3 }),
          rate: fc.integer({ min: 100, max: 20000 }),
          preempt: fc.constantFrom('none', 'voluntary', 'full'),
          depth: fc.integer({ min: 3, max: 40 }),
          seed: fc.integer({ min: 0, max: 1000 }),
          // The tracer's callback time per call and the share of interrupts before its guard.
          tracerCost: fc.constantFrom(0, 200, 2000, 20000),
          tracerOpen: fc.constantFrom(0, 0.3, 1),
        }),
        (o) => {
          const problems: string[] = [];
          const base = small({ cpus: o.cpus, rate: o.rate, preempt: o.preempt as 'full', depth: o.depth });
          const out = simulate({
            scenario: { ...base, stackTracerCost: o.tracerCost, stackTracerOpen: o.tracerOpen },
            profile: profile(o.profile),
            seed: o.seed,
            durationNs: 5e7,
            inspect: (sim) => check(sim, problems),
          });
          assert.deepEqual(problems.slice(0, 3), []);
          assert.ok(out.frameEvents > 0);
          assert.equal(out.stop, 'time');
        },
      ),
      { numRuns: process.env.STACKLAB_LONG ? 300 : 25 },
    );
  });

  test('__do_softirq restarts at most MAX_SOFTIRQ_RESTART times, then ksoftirqd takes over', () => {
    for (const selfRaise of [false, true]) {
      // Without self-raising work the only softirq is the syscall's own NET_RX, and nothing else raises one.
      const s = small({ cpus: 1, rate: 500, preempt: 'voluntary', depth: 6, selfRaise, quiet: !selfRaise });
      let maxPasses = 0;
      let wakeups = 0;
      simulate({
        scenario: s,
        profile: profile('linux-6.1'),
        seed: 1,
        durationNs: 2e8,
        inspect: (sim) => {
          wakeups = sim.ksoftirqdWakeups[0]!;
          const A = sim.acts;
          for (const a of A)
            for (let i = 0; i < a.n; i++)
              if (a.type[i] === 6) maxPasses = Math.max(maxPasses, MAX_SOFTIRQ_RESTART - a.rep[i]! + 1);
        },
      });
      if (selfRaise) {
        // A softirq that raises itself never drains: every __do_softirq gives up and wakes ksoftirqd.
        assert.ok(wakeups > 0, 'ksoftirqd never woken');
        assert.ok(maxPasses <= MAX_SOFTIRQ_RESTART, `passes ${maxPasses}`);
      } else assert.equal(wakeups, 0, 'ksoftirqd woken although every softirq drained at once');
    }
  });

  test('a frame budget stops the run cleanly and says so', () => {
    const out = simulate({
      scenario: builtin('seed-dragonboard'),
      profile: profile('linux-6.1'),
      seed: 1,
      durationNs: 5e9,
      maxFrameEvents: 200_000,
    });
    assert.equal(out.stop, 'frame-budget');
    assert.ok(out.simulatedNs < 5e9 && out.simulatedNs > 0);
    const r = runResult(out);
    assert.match(r.notes.join('\n'), /stopped early \(frame-budget\)/);
  });
});

// Property tests over random call chains and interrupt arrival points, for every profile.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { PROFILES } from '../../src/model/profiles.ts';
import { opArb, runProgram } from './random-program.ts';

const RUNS = Number(process.env.STACKLAB_PROPERTY_RUNS ?? 150);

describe('stack machine invariants (fast-check)', () => {
  for (const profile of PROFILES) {
    test(`${profile.id}: SP balance, one IRQ-stack entry at a time, no nested hard IRQs, maxima`, () => {
      fc.assert(
        fc.property(
          fc.array(opArb, { minLength: 1, maxLength: 120 }),
          fc.constantFrom('syscall', 'irq'),
          (ops, start) => {
            const log = runProgram(profile, ops, start as 'syscall' | 'irq');
            assert.deepEqual(log.violations, []);
            // Per-stack maxima from the tracer equal the reference computed from live frames.
            for (const max of log.tracer.stackMaxima()) {
              const stack = [...log.reference.keys()].find((s) => s.name === max.stackName);
              assert.ok(stack, `reference saw ${max.stackName}`);
              assert.equal(max.maxDepth, log.reference.get(stack!), `${max.stackName}`);
            }
            assert.equal(log.tracer.stackMaxima().length, log.reference.size);
          },
        ),
        { numRuns: RUNS, seed: 0x5eed },
      );
    });
  }

  test('programs do reach the IRQ stack and nested interrupts (the properties are not vacuous)', () => {
    const p = PROFILES.find((x) => x.id === 'linux-6.1')!;
    const log = runProgram(p, [
      { op: 'call', size: 64 },
      { op: 'softirq-bh' },
      { op: 'call', size: 128 },
      { op: 'irq' },
      { op: 'call', size: 32 },
      { op: 'exit' },
      { op: 'exit' },
    ]);
    assert.deepEqual(log.violations, []);
    assert.equal(log.irqs, 1);
    assert.equal(log.softirqs, 1);
    const irq = log.tracer.maxOf('irq');
    assert.ok(irq && irq.maxDepth > 336, 'the nested IRQ pushed pt_regs on the IRQ stack');
  });

  test('a tiny THREAD_SIZE overflows as a result, never an exception', () => {
    for (const profile of PROFILES) {
      fc.assert(
        fc.property(fc.array(opArb, { minLength: 1, maxLength: 200 }), (ops) => {
          const small = { ...profile, THREAD_SIZE: 4096, THREAD_ALIGN: profile.VMAP_STACK ? 8192 : 4096 };
          const log = runProgram(small, ops);
          assert.deepEqual(log.violations, []);
        }),
        { numRuns: 40, seed: 7 },
      );
    }
  });
});

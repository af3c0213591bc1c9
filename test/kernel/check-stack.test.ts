// The kernel stack tracer's era quirks: LR - 4, unfound entries kept or dropped, the arm64 shift,
// IRQ-stack samples ignored, and the exact text format.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { replayStackTraceText } from '../../src/analyze/replay-table.ts';
import { KernelStackTracer } from '../../src/kernel/check-stack.ts';
import { CodeMap } from '../../src/kernel/codemap.ts';
import { enterFromUser } from '../../src/kernel/entry.ts';
import { StackMachine } from '../../src/kernel/machine.ts';
import type { KernelProfile } from '../../src/model/profile.ts';
import { PROFILES, resolveProfile } from '../../src/model/profiles.ts';

const SEED = readFileSync(new URL('../../data/seed/stack_trace-rfc-2015.txt', import.meta.url), 'utf8');
const UDP = readFileSync(
  new URL('../fixtures/arm64-6.1-qemu/udp-512M/stack_trace.txt', import.meta.url),
  'utf8',
);

function profile(id: string, sets: string[] = []): KernelProfile {
  const r = resolveProfile(id, sets);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
}

function replayRows(text: string, p: KernelProfile) {
  const r = replayStackTraceText(text, 't', [p], { source: text === SEED ? 'linux-4.2' : 'linux-6.1' });
  assert.ok(r.ok);
  return r.value.results[0]!;
}

/** A three-deep call chain on one CPU, sampled at the innermost function. */
function chain(p: KernelProfile) {
  const m = new StackMachine(p);
  const cpu = m.cpus[0]!;
  const codes = new CodeMap();
  const lr = (t: string) => codes.addr(t) + 4n;
  assert.ok(enterFromUser(m, cpu, 'syscall', codes, { pushEntryFrames: false }));
  assert.ok(m.call(cpu, 'a', 64, lr('entry+0x0/0x8')));
  assert.ok(m.call(cpu, 'b', 96, lr('a+0x10/0x40')));
  assert.ok(m.call(cpu, 'c', 48, lr('b+0x20/0x80')));
  const tracer = new KernelStackTracer(m, codes);
  return { m, cpu, codes, tracer, lr };
}

describe('check_stack() era quirks', () => {
  test('v4.2 unwinder without the LR-4 fix: only line 0 is found, every line repeats its Depth', () => {
    const r = replayRows(SEED, profile('linux-4.2', ['tracer.lrMinus4Compensated=false']));
    const rows = r.ftrace.table!.rows;
    assert.equal(rows.length, 51, 'keep-previous prints every entry');
    assert.ok(
      rows.every((x) => x.depth === rows[0]!.depth),
      'all Depths equal line 0',
    );
    const lines = r.ftrace.text.trimEnd().split('\n');
    assert.match(lines[2]!, /^ {2}0\) {5}5352 {7}0 {3}_raw_spin_unlock_irqrestore/);
    assert.match(lines[lines.length - 1]!, /^ 50\) {5}5352 {4}5352 {3}el0_svc_naked\+0x20\/0x28$/);
  });

  test('with the fix (the seed\'s "some fixes") the same chain prints the seed', () => {
    assert.equal(replayRows(SEED, profile('linux-4.2')).ftrace.text, SEED);
  });

  test('unfound entries: kept with the previous Depth (<= v4.2) or dropped (v4.3+)', () => {
    // An LR - 4 unwinder without the fix: no entry but the exact ip matches anything on the stack.
    for (const [mode, expectRows] of [
      ['keep-previous', 4],
      ['drop', 1],
    ] as const) {
      const p = profile('linux-4.2', [`tracer.unfound=${mode}`, 'tracer.lrMinus4Compensated=false']);
      const c = chain(p);
      c.tracer.sample(c.cpu, { fn: 'c', ip: c.lr('c+0x8/0x30') });
      const rows = c.tracer.table!.rows;
      assert.equal(rows.length, expectRows, mode);
      assert.ok(rows.every((r) => r.depth === rows[0]!.depth));
    }
    // With the fix every entry is found.
    const c = chain(profile('linux-4.2'));
    c.tracer.sample(c.cpu, { fn: 'c', ip: c.lr('c+0x8/0x30') });
    assert.equal(new Set(c.tracer.table!.rows.map((r) => r.depth)).size, 4);
  });

  test('the arm64 shift (v5.4+) prints each function with its own frame and drops the outermost entry', () => {
    const shifted = chain(profile('linux-6.1'));
    shifted.tracer.sample(shifted.cpu, {
      fn: 'd',
      ip: shifted.lr('d+0x8/0x30'),
      parent: shifted.lr('c+0x18/0x40'),
    });
    const unshifted = chain(profile('linux-6.1', ['tracer.shift=false']));
    unshifted.tracer.sample(unshifted.cpu, {
      fn: 'd',
      ip: unshifted.lr('d+0x8/0x30'),
      parent: unshifted.lr('c+0x18/0x40'),
    });
    const a = shifted.tracer.table!.rows;
    const b = unshifted.tracer.table!.rows;
    assert.equal(a.length, b.length - 1);
    assert.deepEqual(
      a.map((r) => r.depth),
      b.slice(1).map((r) => r.depth),
    );
    // With the shift, c's row Size is c's own frame (48); without, it is its callee's.
    const size = (rows: typeof a, i: number) => rows[i]!.depth - (rows[i + 1]?.depth ?? 0);
    const ci = a.findIndex((r) => r.location.text.startsWith('c+'));
    assert.equal(size(a, ci), 48);
  });

  test('samples on the IRQ stack are ignored ("we do not handle interrupt stacks yet")', () => {
    const r = replayRows(SEED, profile('linux-6.1'));
    assert.ok(r.ftrace.samplesOffTaskStack > 0);
    assert.ok(r.ftrace.deepestIgnored > r.ftrace.table!.rows[0]!.depth, 'the ignored ones were deeper');
  });

  test('tracer_frame is learned at the first max and subtracted: stack_max_size equals line 0 (v4.2)', () => {
    const r = replayRows(SEED, profile('linux-4.2'));
    assert.equal(r.ftrace.maxSize, 5352);
  });

  test('the recursion guard skips samples while the tracer runs', () => {
    const c = chain(profile('linux-4.2'));
    c.tracer.sample(c.cpu, { fn: 'c', ip: c.lr('c+0x8/0x30') });
    assert.equal(c.tracer.recursionSkips, 0);
    assert.ok(c.tracer.table);
  });

  test('6.1 table comes back byte for byte, including the shifted Sizes', () => {
    assert.equal(replayRows(UDP, profile('linux-6.1')).ftrace.text, UDP);
  });

  test("building only the last max's table (a counting first pass) gives the table every-max building gives", () => {
    // calls (positive sizes) and returns (0), each call sampled: the sequence a replay makes.
    const program = fc.array(
      fc.oneof(
        fc.integer({ min: 1, max: 24 }).map((n) => n * 16),
        fc.constant(0),
      ),
      {
        minLength: 1,
        maxLength: 120,
      },
    );
    for (const p of PROFILES) {
      const run = (buildTableAt?: number) => {
        const c = chain(p);
        const tracer = new KernelStackTracer(
          c.m,
          c.codes,
          buildTableAt === undefined ? {} : { buildTableAt },
        );
        return { c, tracer };
      };
      fc.assert(
        fc.property(program, (ops) => {
          const play = (r: ReturnType<typeof run>) => {
            let depth = 0;
            let caller = 'c+0x20/0x80';
            ops.forEach((size, i) => {
              if (size === 0) {
                if (depth > 0) {
                  r.c.m.pop(r.c.cpu);
                  depth--;
                }
                return;
              }
              r.c.m.call(r.c.cpu, `f${i}`, size, r.c.lr(caller));
              depth++;
              caller = `f${i}+0x10/0x80`;
              r.tracer.sample(r.c.cpu, { fn: `f${i}`, ip: r.c.lr(`f${i}+0x8/0x80`), parent: r.c.lr(caller) });
            });
            return r.tracer;
          };
          const eager = play(run());
          const counted = play(run(0));
          const lazy = play(run(counted.maxCount));
          assert.equal(lazy.maxCount, eager.maxCount);
          assert.equal(lazy.maxSize, eager.maxSize);
          assert.equal(lazy.tableBuiltAt, eager.maxCount);
          assert.deepEqual(lazy.table, eager.table);
          assert.ok(counted.tableBuiltAt <= 1 || counted.tableBuiltAt === counted.maxCount);
        }),
        { numRuns: 60, seed: 10 },
      );
    }
  });
});

// Replay under dynamic stacks (issue 13, `--set stackAllocation=dynamic`): a real table's chain
// faults in exactly the pages its task-stack depth reaches, and a pool too small for them panics.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { replayTableData } from '../../src/analyze/replay-data.ts';
import { replayStackTraceText } from '../../src/analyze/replay-table.ts';
import { applyOverrides } from '../../src/model/profile.ts';
import { LINUX_6_1 } from '../../src/model/profiles.ts';

const FILE = 'test/fixtures/arm64-6.1-qemu/udp-512M/stack_trace.txt';
const TEXT = readFileSync(new URL(`../../${FILE}`, import.meta.url), 'utf8');

function replay(sets: string[]) {
  const p = applyOverrides(LINUX_6_1, ['stackAllocation=dynamic', ...sets]);
  assert.ok(p.ok, p.ok ? '' : p.error.message);
  const r = replayStackTraceText(TEXT, FILE, [p.value], {});
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return replayTableData(FILE, r.value).profiles[0]!;
}

describe('replay with dynamic stacks', () => {
  test('the chain faults once per page past the first that its task-stack depth reaches', () => {
    const d = replay([]);
    const task = d.deepest.find((s) => s.stack.startsWith('task_stack'))!;
    const pages = Math.min(4, Math.ceil(task.depth / 4096));
    assert.ok(d.dynamic, 'the replay carries the dynamic section');
    assert.equal(d.dynamic.pagesMapped, pages);
    assert.equal(d.dynamic.faults, pages - 1);
    assert.equal(d.dynamic.poolLeft, 3 - d.dynamic.faults);
    assert.equal(d.dynamic.panics, 0);
    assert.ok(d.notes.some((n) => /dynamic stack: \d+ stack fault/.test(n)));
    assert.ok(!d.notes.some((n) => /STACK_END_MAGIC/.test(n)), 'dynamic stacks keep no STACK_END_MAGIC');
  });

  test('with an empty pool the first fault panics and the chain stops there', () => {
    const d = replay(['dynamicStack.poolPages=0']);
    assert.equal(d.dynamic?.panics, 1);
    assert.equal(d.dynamic?.faults, 1);
    assert.equal(d.events.at(-1)?.type, 'dynamic-stack-panic');
    // A vmap replay of the same chain has no dynamic section.
    const r = replayStackTraceText(TEXT, FILE, [LINUX_6_1], {});
    assert.ok(r.ok);
    assert.equal(replayTableData(FILE, r.value).profiles[0]!.dynamic, undefined);
  });
});

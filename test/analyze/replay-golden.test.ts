// Golden tests: a real table replayed under its own era comes back byte for byte.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { replayStackTraceText } from '../../src/analyze/replay-table.ts';
import { PROFILES, resolveProfile } from '../../src/model/profiles.ts';

const read = (p: string) => readFileSync(new URL(`../../${p}`, import.meta.url), 'utf8');

const capture = (folder: string, runs: string[], profile: string): [string, string][] =>
  runs.map((r) => [`test/fixtures/${folder}/${r}/stack_trace.txt`, profile]);

const OWN_ERA: [file: string, profile: string][] = [
  ['data/seed/stack_trace-rfc-2015.txt', 'linux-4.2'],
  ['test/fixtures/arm64-6.1-qemu/udp-512M/stack_trace.txt', 'linux-6.1'],
  ['test/fixtures/arm64-6.1-qemu/fork-256M/stack_trace.txt', 'linux-6.1'],
  // Issue 10's captures: each is detected as its own kernel and comes back byte for byte there.
  ...capture('arm64-6.12-qemu', ['udp-512M', 'tcp-512M', 'fork-512M', 'fs-512M', 'boot-512M'], 'linux-6.12'),
  ...capture('arm64-6.1-rt-qemu', ['udp-512M', 'tcp-512M', 'fork-512M', 'fs-512M'], 'linux-6.1-rt'),
  ...capture(
    'arm64-6.1-pac-qemu',
    ['udp-cpumax-pac-512M', 'tcp-cpumax-pac-512M', 'fork-cpumax-pac-512M', 'boot-cpumax-pac-512M'],
    'linux-6.1',
  ),
];

/** Published tables (with "# " provenance headers) whose own era stacklab models. */
const OWN_ERA_PUBLISHED: [file: string, profile: string][] = [
  ['test/fixtures/published/st-x86_64-009.txt', 'x86_64-6.1'],
  ['test/fixtures/published/st-x86_64-016.txt', 'x86_64-6.1'],
  // mcount era: 2.6.3x check_stack() leaves the traced function out, 120 B of syscall pt_regs, 8 KB.
  ['test/fixtures/published/st-x86_64-011.txt', 'x86_64-3.x'],
  ['test/fixtures/published/st-x86_64-018.txt', 'x86_64-3.x'],
];

describe("replay under the table's own era", () => {
  for (const [file, id] of OWN_ERA) {
    test(`${file} under ${id} reproduces the table byte for byte`, () => {
      const text = read(file);
      const p = resolveProfile(id);
      assert.ok(p.ok);
      const r = replayStackTraceText(text, file, [p.value]);
      assert.ok(r.ok, r.ok ? '' : r.error.message);
      assert.equal(r.value.chain.source.id, id, 'the era is detected');
      const res = r.value.results[0]!;
      assert.equal(res.ownEra, true);
      assert.equal(res.ftrace.text, text);
      assert.equal(r.value.canonicalInput, text);
    });
  }

  for (const [file, id] of OWN_ERA_PUBLISHED) {
    test(`${file} under ${id} reproduces the table as the kernel printed it`, () => {
      const p = resolveProfile(id);
      assert.ok(p.ok);
      const r = replayStackTraceText(read(file), file, [p.value]);
      assert.ok(r.ok);
      assert.equal(r.value.chain.source.id, id, 'the era is detected');
      assert.equal(r.value.results[0]!.ftrace.text, r.value.canonicalInput);
      assert.equal(r.value.ownEra.exact, true);
    });
  }

  test('a table no modelled era gives back names the first row, the reason and the readings tried', () => {
    // st-x86_64-017: an x86_64 3.x-4.2 fentry kernel with the function_graph tracer on at the same time.
    const file = 'test/fixtures/published/st-x86_64-017.txt';
    const r = replayStackTraceText(read(file), file, PROFILES, { withOwnEra: true });
    assert.ok(r.ok);
    const c = r.value.ownEra;
    assert.equal(c.exact, false);
    assert.ok(c.firstMismatch);
    assert.equal(c.firstMismatch.row, 23, 'the outermost wrong row: return_to_handler');
    assert.match(c.firstMismatch.expected, /return_to_handler\+0x0\/0x28/);
    assert.match(c.firstMismatch.reason, /function_graph/);
    assert.ok(c.tried.length >= 1 && c.tried.every((t) => !t.exact));
    const note = r.value.diagnostics.find((d) => d.code === 'replay/not-exact');
    assert.ok(note, 'a notice says so');
    assert.equal(note.loc?.line, c.firstMismatch.line);
  });

  test('a damaged row is named: the outermost row that comes back wrong, with its line', () => {
    const file = 'test/fixtures/arm64-6.12-qemu/udp-512M/stack_trace.txt';
    // Row 9 (loopback_xmit) printed 16 B shallower than its Size column says: Depth 3608 -> 3592.
    const damaged = read(file).replace('  9)     3608', '  9)     3592');
    assert.notEqual(damaged, read(file));
    const r = replayStackTraceText(damaged, 'damaged', PROFILES, { withOwnEra: true });
    assert.ok(r.ok);
    const c = r.value.ownEra;
    assert.equal(c.exact, false);
    assert.equal(c.firstMismatch?.row, 9);
    assert.equal(c.firstMismatch?.line, 12);
    assert.match(c.firstMismatch!.expected, /^ {2}9\) {5}3592 {6}48 {3}loopback_xmit/);
    assert.match(c.firstMismatch!.got ?? '', /^ {2}9\) {5}3592 {6}32 {3}loopback_xmit/);
  });

  test('a copy whose whitespace a mail client collapsed comes back, compared after normalising it', () => {
    const file = 'test/fixtures/arm64-6.1-qemu/fork-256M/stack_trace.txt';
    const collapsed = read(file)
      .split('\n')
      .map((l) => l.replace(/ +/g, ' ').trim())
      .join('\n');
    const r = replayStackTraceText(collapsed, 'mail', PROFILES, { withOwnEra: true });
    assert.ok(r.ok);
    assert.equal(r.value.ownEra.exact, true);
    assert.equal(r.value.ownEra.whitespaceNormalised, true);
    const own = r.value.results.find((x) => x.ownEra)!;
    assert.equal(own.ftrace.text, read(file));
    const plain = replayStackTraceText(read(file), file, PROFILES, { withOwnEra: true });
    assert.ok(plain.ok);
    assert.equal(plain.value.ownEra.whitespaceNormalised, false);
  });

  test('without --profile the own era is replayed too, after the five designs', () => {
    const file = 'test/fixtures/arm64-6.1-rt-qemu/tcp-512M/stack_trace.txt';
    const r = replayStackTraceText(read(file), file, PROFILES, { withOwnEra: true });
    assert.ok(r.ok);
    assert.deepEqual(
      r.value.results.map((x) => x.profile.id),
      [...PROFILES.map((p) => p.id), 'linux-6.1-rt'],
    );
    assert.equal(r.value.results.at(-1)!.ftrace.text, read(file));
  });

  test('the era is detected from entry symbols', () => {
    const seed = replayStackTraceText(read(OWN_ERA[0]![0]), 'seed', PROFILES);
    assert.ok(seed.ok);
    assert.equal(seed.value.chain.source.id, 'linux-4.2');
    const udp = replayStackTraceText(read(OWN_ERA[1]![0]), 'udp', PROFILES);
    assert.ok(udp.ok);
    assert.equal(udp.value.chain.source.id, 'linux-6.1');
  });

  test('a prefixed copy (dmesg timestamps) replays to the canonical table', () => {
    const text = read(OWN_ERA[0]![0]);
    const prefixed = text
      .split('\n')
      .map((l, i) => (l ? `[  ${100 + i}.123456] ${l}` : l))
      .join('\n');
    const p = resolveProfile('linux-4.2');
    assert.ok(p.ok);
    const r = replayStackTraceText(prefixed, 'dmesg', [p.value]);
    assert.ok(r.ok);
    assert.equal(r.value.results[0]!.ftrace.text, text);
  });
});

describe('the seed under the other designs', () => {
  const r = replayStackTraceText(read('data/seed/stack_trace-rfc-2015.txt'), 'seed', PROFILES);
  assert.ok(r.ok);
  const by = (id: string) => r.value.results.find((x) => x.profile.id === id)!;

  test('rfc-2015: el1_irq pt_regs is the last task-stack frame, the handler starts the IRQ stack', () => {
    const rfc = by('rfc-2015');
    const task = rfc.placement.filter((f) => f.stack === 'task');
    const irq = rfc.placement.filter((f) => f.stack === 'irq' && f.size > 0);
    assert.equal(task[task.length - 1]!.name, 'pt_regs(el1_irq)');
    assert.equal(irq[0]!.name, 'gic_handle_irq');
    assert.equal(irq[irq.length - 1]!.name, '_raw_spin_unlock_irqrestore');
    // pt_regs base = where the scan found x30 (4080) + S_LR (240): 4320 B of the task stack.
    assert.equal(rfc.task!.maxDepth, 4320);
    assert.ok(rfc.verdicts.find((v) => v.stack === 'task')!.fits);
  });

  test('rfc-2015: ftrace shows only task-stack frames, from the sample interrupted by the IRQ', () => {
    const rfc = by('rfc-2015');
    const rows = rfc.ftrace.table!.rows;
    assert.equal(rows[0]!.location.text, '__alloc_skb+0x48/0x180');
    assert.equal(rows[0]!.depth, 3880);
    assert.equal(rows.length, 32);
    assert.ok(!rows.some((x) => /^(gic_handle_irq|el1_irq|hrtimer_interrupt)\+/.test(x.location.text)));
  });

  test('linux-6.1: softirq and the nested IRQ on the IRQ stack, about 2 KB left on the task stack', () => {
    const l = by('linux-6.1');
    const on = (name: string) => l.placement.find((f) => f.name === name)?.stack;
    assert.equal(on('__do_softirq'), 'irq');
    assert.equal(on('net_rx_action'), 'irq');
    assert.equal(on('gic_handle_irq'), 'irq');
    assert.equal(on('do_softirq'), 'task');
    assert.equal(on('call_on_irq_stack'), 'task');
    const nested = l.placement.filter((f) => f.kind === 'pt_regs');
    assert.deepEqual(
      nested.map((f) => [f.stack, f.size]),
      [
        ['task', 336],
        ['irq', 336],
      ],
    );
    assert.ok(l.task!.maxDepth > 1800 && l.task!.maxDepth < 2600, `task ${l.task!.maxDepth}`);
    assert.ok(l.ftrace.samplesOffTaskStack > 0);
  });

  test('linux-4.2 under 8 KB overflows silently into thread_info', () => {
    const p = resolveProfile('linux-4.2', ['THREAD_SIZE=8192']);
    assert.ok(p.ok);
    const r2 = replayStackTraceText(read('data/seed/stack_trace-rfc-2015.txt'), 'seed', [p.value]);
    assert.ok(r2.ok);
    const res = r2.value.results[0]!;
    assert.equal(res.verdicts[0]!.fits, true, 'the seed fits 8 KB even without an IRQ stack');
    const q = resolveProfile('linux-4.2', ['THREAD_SIZE=4096']);
    assert.ok(q.ok);
    const r3 = replayStackTraceText(read('data/seed/stack_trace-rfc-2015.txt'), 'seed', [q.value]);
    assert.ok(r3.ok);
    const over = r3.value.results[0]!;
    assert.equal(over.verdicts[0]!.fits, false);
    assert.ok(over.events.some((e) => e.type === 'corruption'));
    assert.equal(over.ftrace.stackEndCorrupted, true);
  });

  test('without VMAP_STACK a smashed STACK_END_MAGIC is caught by schedule() (SCHED_STACK_END_CHECK)', () => {
    const p = resolveProfile('linux-6.1', [
      'VMAP_STACK=false',
      'overflowDetection=none',
      'OVERFLOW_STACK_SIZE=0',
      'THREAD_SIZE=4096',
      'THREAD_ALIGN=4096',
    ]);
    assert.ok(p.ok, p.ok ? '' : p.error.message);
    const r = replayStackTraceText(read('test/fixtures/arm64-6.1-qemu/udp-512M/stack_trace.txt'), 'udp', [
      p.value,
    ]);
    assert.ok(r.ok);
    const ev = r.value.results[0]!.events;
    assert.ok(ev.some((e) => e.type === 'corruption'));
    const panic = ev.find((e) => e.type === 'stack-end-panic');
    assert.ok(panic && panic.type === 'stack-end-panic');
    assert.equal(panic.report, 'Kernel panic - not syncing: corrupted stack end detected inside scheduler\n');
  });

  test('linux-6.1 with a 4 KB stack panics through the overflow stack with the kernel text', () => {
    const p = resolveProfile('linux-6.1', ['THREAD_SIZE=4096', 'THREAD_ALIGN=8192']);
    assert.ok(p.ok, p.ok ? '' : p.error.message);
    const udp = read('test/fixtures/arm64-6.1-qemu/udp-512M/stack_trace.txt');
    const r4 = replayStackTraceText(udp, 'udp', [p.value]);
    assert.ok(r4.ok);
    const ev = r4.value.results[0]!.events.find((e) => e.type === 'overflow-panic');
    assert.ok(ev && ev.type === 'overflow-panic');
    assert.match(
      ev.report,
      /^Insufficient stack space to handle exception!\nESR: 0x0000000096000047 -- DABT \(current EL\)\nFAR: 0x/,
    );
    assert.match(ev.report, /Task stack: {5}\[0x[0-9a-f]{16}\.\.0x[0-9a-f]{16}\]/);
    assert.match(ev.report, /Overflow stack: \[0x/);
    assert.match(ev.report, /Kernel panic - not syncing: kernel stack overflow\n$/);
  });
});

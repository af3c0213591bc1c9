// Issue 13: the real task high-water files priced as dynamic, 8, 12 and 16 KiB stacks (golden), the
// kstack_* histogram as intervals, and the reader's bad input.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { analyzers } from '../../src/analyze/index.ts';
import { readStackDepths } from '../../src/analyze/stack-depths-input.ts';
import { priceHighWater, priceKstack, type StackPricing } from '../../src/analyze/stack-pricing.ts';
import { BUILTIN_DEPTHS, depthsFromHighWater, depthsFromKstack } from '../../src/device/stack-depths.ts';
import { parseTaskHighWater, sniffTaskHighWater } from '../../src/formats/task-highwater.ts';
import { renderAnalysis } from '../../src/report/analysis-text/index.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'arm64-6.1-qemu');
const FILES = ['fork-256M', 'udp-512M'].map((d) => join(FIXTURES, d, 'taskstack_highwater.txt'));
/** Every real task high-water file of the fixtures (6.1, 6.12, 6.1 PREEMPT_RT, 6.1 with PAC). */
const ALL = ['arm64-6.1-qemu', 'arm64-6.12-qemu', 'arm64-6.1-rt-qemu', 'arm64-6.1-pac-qemu'].flatMap(
  (era) => {
    const dir = join(FIXTURES, '..', era);
    return readdirSync(dir)
      .map((d) => join(dir, d, 'taskstack_highwater.txt'))
      .filter((f) => existsSync(f));
  },
);

function liveTasks(file: string) {
  const r = parseTaskHighWater(readFileSync(file, 'utf8'), file);
  assert.ok(r.value, file);
  assert.deepEqual(r.diagnostics, []);
  return { hw: r.value, live: r.value.stacks.filter((s) => s.state === 'live-task') };
}

function design(p: StackPricing, d: string) {
  return p.designs.find((x) => x.design === d)!;
}

describe('stack pricing of the real task high-water files', () => {
  test('each task: pages = its high-water mark in whole 4 KiB pages, at least the one mapped at fork', () => {
    assert.ok(ALL.length >= 15, `${ALL.length} real files`);
    for (const file of ALL) {
      const { live } = liveTasks(file);
      const p = priceHighWater(live);
      assert.equal(p.perTask.length, live.length);
      for (const [i, t] of p.perTask.entries()) {
        const hw = live[i]!.highWaterBytes;
        let pages = 0;
        while (pages * 4096 < hw) pages++;
        assert.equal(t.dynamicPages, Math.max(1, pages), `${file} line ${t.line}: ${hw} B`);
        assert.equal(t.faults, t.dynamicPages - 1);
      }
      const sum = p.perTask.reduce((a, t) => a + t.dynamicPages, 0);
      assert.deepEqual(design(p, 'dynamic').pages, { low: sum, high: sum });
      assert.deepEqual(design(p, 'dynamic').kB, { low: sum * 4, high: sum * 4 });
    }
  });

  test('guard pages are never backed: a 20 KiB area (16 KiB + guard) costs 4 pages static, not 5', () => {
    for (const file of ALL) {
      const { live } = liveTasks(file);
      for (const s of live) assert.equal(s.areaBytes, 16384 + 4096);
      const p = priceHighWater(live);
      assert.equal(design(p, '16k').pages.high, live.length * 4);
      assert.equal(design(p, '12k').pages.high, live.length * 3);
      assert.equal(design(p, '8k').pages.high, live.length * 2);
    }
  });

  test('golden: fork-256M 55 tasks, dynamic 56 pages (one task at 5096 B faults once); udp-512M 55 pages', () => {
    const [fork, udp] = FILES.map((f) => priceHighWater(liveTasks(f).live));
    assert.equal(fork!.tasks, 55);
    assert.deepEqual(design(fork!, 'dynamic').pages, { low: 56, high: 56 });
    assert.deepEqual(design(fork!, 'dynamic').faulting, { low: 1, high: 1 });
    const deep = fork!.perTask.filter((t) => t.faults > 0);
    assert.deepEqual(
      deep.map((t) => [t.line, t.highWaterBytes, t.dynamicPages]),
      [[2, 5096, 2]],
    );
    assert.deepEqual(design(udp!, 'dynamic').pages, { low: 55, high: 55 });
    // 4096 B exactly fits the fork-time page: no fault.
    assert.equal(udp!.perTask.filter((t) => t.faults > 0).length, 0);
    for (const p of [fork!, udp!])
      for (const d of p.designs) assert.deepEqual(d.overflowing, { low: 0, high: 0 });
  });

  test('golden: PREEMPT_RT under UDP has the one real task deeper than 8 KiB (8216 B): it overflows 8k only', () => {
    const rt = ALL.find((f) => f.includes('arm64-6.1-rt-qemu/udp-512M'))!;
    const p = priceHighWater(liveTasks(rt).live);
    assert.deepEqual(design(p, '8k').overflowing, { low: 1, high: 1 });
    assert.deepEqual(design(p, '12k').overflowing, { low: 0, high: 0 });
    const t = p.perTask.find((x) => x.highWaterBytes === 8216)!;
    assert.deepEqual(t.overflows, ['8k']);
    assert.equal(t.dynamicPages, 3);
    assert.equal(t.faults, 2);
  });

  test('the built-in qemu-6.1-highwater depths are these files', () => {
    const hw = FILES.flatMap((f) => liveTasks(f).live.map((s) => s.highWaterBytes));
    const d = depthsFromHighWater('x', 'x', hw);
    assert.deepEqual(d.tasksByPages, BUILTIN_DEPTHS['qemu-6.1-highwater'].tasksByPages);
  });

  test('analyze picks the task-highwater analyzer and prices the file', () => {
    const text = readFileSync(FILES[0]!, 'utf8');
    const a = analyzers().find((x) => x.sniff(text));
    assert.equal(a?.id, 'task-highwater');
    const out = a!.run(text, 'taskstack_highwater.txt', { profiles: [], overrides: [] });
    assert.ok('data' in out);
    const shown = renderAnalysis('task-highwater', out.data, 'taskstack_highwater.txt');
    assert.match(shown, /dynamic \(1 page \+ faults\)\s+56\s+224\s+75 %/);
    assert.match(shown, /line 2: 5096 B, 2 pages, 1 faults/);
  });
});

describe('stack pricing of a kstack_* histogram', () => {
  test('buckets are ranges: the 16k bucket is 3 or 4 dynamic pages and may or may not overflow 12 KiB', () => {
    const p = priceKstack([
      { upToBytes: 4096, tasks: 10 },
      { upToBytes: 8192, tasks: 5 },
      { upToBytes: 16384, tasks: 2 },
    ]);
    assert.equal(p.tasks, 17);
    assert.deepEqual(design(p, 'dynamic').pages, { low: 10 + 10 + 6, high: 10 + 10 + 8 });
    assert.deepEqual(design(p, 'dynamic').faulting, { low: 7, high: 7 });
    assert.deepEqual(design(p, '8k').overflowing, { low: 2, high: 2 });
    assert.deepEqual(design(p, '12k').overflowing, { low: 0, high: 2 });
    assert.deepEqual(design(p, '16k').overflowing, { low: 0, high: 0 });
    assert.deepEqual(design(p, '16k').pages, { low: 68, high: 68 });
  });

  // Real histograms kernel developers published (test/fixtures/published/kstack-*.txt, ovf-x86_64-003.txt).
  const PUBLISHED = join(import.meta.dirname, '..', 'fixtures', 'published');
  function analyzeKstack(name: string) {
    const text = readFileSync(join(PUBLISHED, name), 'utf8');
    const a = analyzers().find((x) => x.sniff(text));
    assert.equal(a?.id, 'stack-usage', name);
    const out = a!.run(text, name, { profiles: [], overrides: [] });
    assert.ok('data' in out, name);
    assert.deepEqual(out.diagnostics, [], name);
    return {
      data: out.data as { pricing: StackPricing },
      text: renderAnalysis('stack-usage', out.data, name),
    };
  }

  test('published histograms: THREAD_SIZE from the last bucket (16 KB x86_64, 64 KB arm64 with 64 KiB pages)', () => {
    const intel = analyzeKstack('kstack-x86_64-001.txt');
    assert.equal(intel.data.pricing.tasks, 3 + 188 + 11391 + 243);
    assert.deepEqual(intel.data.pricing.printedBy, { threadSizeBytes: 16384, lastBucket: 'kstack_16k' });
    // 243 tasks in (4 KiB, 8 KiB]: each needs exactly 2 pages, so each faults once on a dynamic stack.
    assert.deepEqual(design(intel.data.pricing, 'dynamic').faulting, { low: 243, high: 243 });
    assert.doesNotMatch(intel.text, /64 KiB pages/);
    const arm = analyzeKstack('kstack-arm64-001.txt');
    assert.deepEqual(arm.data.pricing.printedBy, { threadSizeBytes: 65536, lastBucket: 'kstack_64k' });
    assert.match(arm.text, /THREAD_SIZE 64 KB/);
    assert.match(arm.text, /27212 x 64 KB = 1741568 kB/);
    assert.match(arm.text, /64 KiB pages/);
    const blog = analyzeKstack('ovf-x86_64-003.txt');
    assert.equal(blog.data.pricing.printedBy?.threadSizeBytes, 16384);
  });

  test('kstack_rest (THREAD_SIZE above 64 KB) is a bucket, not an unreadable line', () => {
    const text =
      'kstack_1k 1\nkstack_2k 3\nkstack_4k 5\nkstack_8k 0\nkstack_16k 0\nkstack_32k 0\nkstack_64k 0\nkstack_rest 2\n';
    const a = analyzers().find((x) => x.sniff(text))!;
    const out = a.run(text, 'vmstat', { profiles: [], overrides: [] });
    assert.ok('data' in out);
    assert.deepEqual(out.diagnostics, []);
    const p = (out.data as { pricing: StackPricing }).pricing;
    assert.equal(p.tasks, 11);
    assert.deepEqual(p.printedBy, { threadSizeBytes: null, lastBucket: 'kstack_rest' });
    // Past 64 KB: overflows every static design and takes all 4 dynamic pages.
    assert.deepEqual(design(p, '16k').overflowing, { low: 2, high: 2 });
    assert.match(renderAnalysis('stack-usage', out.data, 'vmstat'), /> 64k\s+2/);
  });
});

describe('task high-water reader', () => {
  test('no header is an error naming the first line; an odd row is counted with its line', () => {
    assert.equal(sniffTaskHighWater('0x1 0x2 3 4 5 live-task x\n'), false);
    const none = parseTaskHighWater('0x1 0x2 3 4 5 live-task x\n', 'f.txt');
    assert.equal(none.value, undefined);
    assert.equal(none.diagnostics[0]?.code, 'highwater/no-header');
    const text =
      '# kscan patterns=kernel_clone size=16384  columns: ...\n0xffff 0xffff 20480 12x 1 live-task c\n';
    const odd = parseTaskHighWater(text, 'f.txt');
    assert.equal(odd.value?.stacks.length, 0);
    assert.equal(odd.diagnostics[0]?.code, 'highwater/bad-row');
    assert.equal(odd.diagnostics[0]?.loc?.line, 2);
  });
});

describe('depth inputs (--depths)', () => {
  test('a kstack histogram: each bucket at its largest page count, ranges spanning pages rounded up', () => {
    const d = depthsFromKstack('k', 'k', [
      { upToBytes: 4096, tasks: 7 },
      { upToBytes: 8192, tasks: 2 },
      { upToBytes: 16384, tasks: 1 },
      { upToBytes: 32768, tasks: 1 },
    ]);
    assert.deepEqual(d.tasksByPages, [7, 2, 0, 1]);
    assert.equal(d.roundedUp, 1, 'the 8-16 KiB bucket is 3 or 4 pages');
    assert.equal(d.overflowing, 1, 'past 16 KiB');
    assert.deepEqual(BUILTIN_DEPTHS['kstack-arm64-2024'].tasksByPages, [1 + 340 + 25212, 1659, 0, 0]);
  });

  test('the three file kinds read, and a JSON that is not a run is named', () => {
    const hw = readStackDepths(readFileSync(FILES[0]!, 'utf8'), FILES[0]!);
    assert.deepEqual(hw.value?.tasksByPages, [54, 1, 0, 0]);
    const ks = readStackDepths(
      'kstack_1k 0\nkstack_2k 3\nkstack_4k 5\nkstack_8k 2\nkstack_16k 0\n',
      'vmstat',
    );
    assert.deepEqual(ks.value?.tasksByPages, [8, 2, 0, 0]);
    const run = JSON.stringify({
      version: '1.0',
      kind: 'stacklab.run',
      result: { perTask: [{ highWater: 100 }, { highWater: 4097 }, { highWater: 9000 }] },
    });
    assert.deepEqual(readStackDepths(run, 'run.json').value?.tasksByPages, [1, 1, 1, 0]);
    const notRun = readStackDepths('{"kind":"stacklab.mm.run"}', 'mm.json');
    assert.equal(notRun.value, undefined);
    assert.equal(notRun.diagnostics[0]?.code, 'depths/no-tasks');
    const bad = readStackDepths(
      JSON.stringify({ kind: 'stacklab.run', result: { perTask: [{}] } }),
      'r.json',
    );
    assert.match(bad.diagnostics[0]?.message ?? '', /perTask\[0\]\.highWater/);
    assert.equal(readStackDepths('hello\n', 'x.txt').diagnostics[0]?.code, 'depths/unknown');
  });
});

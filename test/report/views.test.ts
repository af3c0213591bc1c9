// The report's views as data and SVG text (no browser): layouts to scale, flame widths, the memory
// timeline against the run's own counters, the run-result schema, and the seed's default report.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { stackRanges } from '../../src/analyze/stack-ranges.ts';
import { memoryIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { runMmExperiment } from '../../src/device/experiment.ts';
import { PROFILES } from '../../src/model/profiles.ts';
import { depthSeriesSvg, depthTimeView, poolMax } from '../../src/report/depth-time-view.ts';
import { flameNeighbours, flameOfFrames, renderFlameSvg } from '../../src/report/flame.ts';
import { readRunReport } from '../../src/report/run-result.ts';

const RUN = JSON.parse(
  readFileSync(new URL('../fixtures/report/run-rfc-2015.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;
const profile = (id: string) => PROFILES.find((p) => p.id === id)!;

describe('stack layout ranges', () => {
  test('linux-4.2: one 16 KB task stack, thread_info at the bottom, no guard below', () => {
    const [task, ...rest] = stackRanges(profile('linux-4.2'));
    assert.equal(rest.length, 0);
    assert.equal(task!.size, 16384);
    assert.equal(BigInt(task!.high) - BigInt(task!.low), 16384n);
    assert.equal(task!.startGap, 16);
    assert.ok(task!.reserved > 8 && task!.reservedWhat.startsWith('thread_info'));
    assert.equal(task!.below.guardBytes, 0);
  });
  test('linux-6.1: VMAP task and IRQ stacks with a guard page, a 4 KB overflow stack, 32 KB aligned', () => {
    const rs = stackRanges(profile('linux-6.1'));
    assert.deepEqual(
      rs.map((r) => [r.kind, r.size, r.below.guardBytes]),
      [
        ['task', 16384, 4096],
        ['irq', 16384, 4096],
        ['overflow', 4096, 0],
      ],
    );
    for (const r of rs.slice(0, 2)) assert.equal(BigInt(r.low) % 32768n, 0n, `${r.name} THREAD_ALIGN`);
    assert.equal(rs[0]!.reserved, 8, 'STACK_END_MAGIC only (THREAD_INFO_IN_TASK)');
  });
});

describe('flame graph', () => {
  const frames = [
    { name: 'outer', kind: 'function', stack: 'task', size: 100, depth: 100, context: 'task' as const },
    { name: 'inner', kind: 'function', stack: 'task', size: 300, depth: 400, context: 'task' as const },
    { name: 'handler', kind: 'function', stack: 'irq', size: 100, depth: 100, context: 'hardirq' as const },
  ];
  test('widths are bytes: a frame spans itself and what it called', () => {
    const svg = renderFlameSvg(flameOfFrames('d', frames), { label: 'x' });
    const width = (id: string) =>
      Number(
        new RegExp(`data-id="${id.replace('.', '\\.')}"[^>]*><rect x="[^"]+" y="[^"]+" width="([^"]+)"`).exec(
          svg,
        )?.[1],
      );
    // root 500 B over 1060 px: the task stack 400 B, "outer" 400 B (100 + 300), "inner" 300 B.
    assert.ok(Math.abs(width('0') - (1060 * 400) / 500 + 0.6) < 0.05, String(width('0')));
    assert.ok(Math.abs(width('0.0.0') - (1060 * 300) / 500 + 0.6) < 0.05);
    const zoomed = renderFlameSvg(flameOfFrames('d', frames), { label: 'x', focus: '0.0' });
    assert.match(zoomed, /data-focus="0\.0"/);
    assert.doesNotMatch(zoomed, /handler/, 'the other stack is outside the zoom');
  });
  test('keyboard neighbours', () => {
    const t = flameOfFrames('d', frames);
    assert.deepEqual(flameNeighbours(t, '0'), { up: '', down: '0.0', right: '1' });
    assert.deepEqual(flameNeighbours(t, '1.0'), { up: '1' });
  });
});

describe('depth-time view', () => {
  test('the constructed run result passes the schema; fields it does not read are ignored', () => {
    const r = readRunReport(RUN);
    assert.ok(r.ok, r.ok ? '' : r.error);
    assert.equal(r.value.threadSize, 8192);
  });
  test('a bad run result names the field', () => {
    const bad = structuredClone(RUN) as { result: { overflow: { perHour: { low: number } } } };
    bad.result.overflow.perHour.low = 9;
    const r = readRunReport(bad);
    assert.ok(!r.ok);
    assert.match(r.error, /^result\.overflow\.perHour: perHour must satisfy low <= estimate <= high$/);
    const missing = structuredClone(RUN) as { result: Record<string, unknown> };
    delete missing.result.depthSeries;
    const m = readRunReport(missing);
    assert.ok(!m.ok && m.error.startsWith('result.depthSeries:'), m.ok ? '' : m.error);
  });
  test('series keep their maxima when pooled, windows cut them, THREAD_SIZE is drawn', () => {
    assert.deepEqual(poolMax([1, 9, 2, 3, 8, 1], 0, 6, 2), [
      { at: 1, v: 9 },
      { at: 4, v: 8 },
    ]);
    const r = readRunReport(RUN);
    assert.ok(r.ok);
    const svg = depthSeriesSvg(r.value, 'task');
    assert.equal((svg.match(/<path d="M/g) ?? []).length, 2, 'one line per CPU');
    assert.match(svg, /THREAD_SIZE 8192 B/);
    assert.match(svg, /deepest 7936 B at 600 ms/);
    const w = depthSeriesSvg(r.value, 'task', { fromNs: 0, toNs: 300e6 });
    assert.match(w, /data-to="300000000"/);
    assert.doesNotMatch(w, /deepest 7936 B/, 'the peak at 600 ms is outside 0..300 ms');
  });
  test('without a run result the view says what to run', () => {
    const v = depthTimeView(undefined);
    assert.equal(v.name, 'depth-time');
    assert.match(v.body.value, /needs a `stacklab run` result/);
  });
});

describe('memory timeline', () => {
  test('the events of the intervals add up to the run window; free pages match buddyinfo', () => {
    const r = runMmExperiment({ device: 'phone-1g-2015', stacks: '16k', seed: 3, forks: 600, warmup: 60 });
    const t = r.timeline!;
    assert.ok(t.seconds.length > 50 && t.seconds.length <= 122, String(t.seconds.length));
    assert.equal(t.forks[t.forks.length - 1], r.forks.measured);
    const total = (name: string) => t.events.find((e) => e.name === name)!.counts.reduce((a, b) => a + b, 0);
    assert.equal(total('compact_stall'), r.window.compact_stall);
    assert.equal(total('allocstall'), r.window.allocstall);
    assert.equal(total('stack_slowpath'), r.stackAllocs.slowpath);
    assert.deepEqual(t.nrFree[t.nrFree.length - 1], r.zone.nrFree);
    const freeEnd = t.freeByType.reduce((a, f) => a + f.pages[f.pages.length - 1]!, 0);
    assert.equal(
      freeEnd,
      r.zone.nrFree.reduce((a, c, o) => a + c * 2 ** o, 0),
    );
  });
});

describe('report files from the CLI', () => {
  test('seed writes stacklab-seed.html by default, --report FILE elsewhere, --no-report none', async () => {
    const io = memoryIo({});
    assert.equal(await main(['seed', '--json'], io), 0, io.stderr);
    assert.match(io.stderr, /wrote the report stacklab-seed\.html/);
    const html = io.written.get('stacklab-seed.html');
    assert.ok(typeof html === 'string' && html.includes('data-view="stack-layout"'));
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;/);
    const io2 = memoryIo({});
    assert.equal(await main(['seed', '--no-report'], io2), 0, io2.stderr);
    assert.equal(io2.written.size, 0);
    const io3 = memoryIo({});
    assert.equal(await main(['seed', '--report', '/tmp/x/s.html'], io3), 0, io3.stderr);
    assert.ok(io3.written.has('/tmp/x/s.html'));
  });
  test('report draws a run result, and refuses one of the wrong shape naming the field', async () => {
    const io = memoryIo({ '/run.json': JSON.stringify(RUN) });
    assert.equal(await main(['report', '/run.json', '-o', '/r.html'], io), 0, io.stderr);
    assert.match(String(io.written.get('/r.html')), /class="depth-series" data-stack="irq"/);
    const bad = structuredClone(RUN) as { result: Record<string, unknown> };
    bad.result.threadSize = 'big';
    const io2 = memoryIo({ '/run.json': JSON.stringify(bad) });
    assert.equal(await main(['report', '/run.json', '-o', '/r.html'], io2), 1);
    assert.match(io2.stderr, /report\/not-a-result.*result\.threadSize/);
  });
});

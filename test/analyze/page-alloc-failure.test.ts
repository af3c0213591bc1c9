// The page allocation failure analysis: paf-001 is the case worked in page-allocator.md §4.3.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  buddyinfoAnalyzer,
  pageAllocFailureAnalyzer,
  pagetypeinfoAnalyzer,
} from '../../src/analyze/analyzers/mm.ts';
import { analyzers } from '../../src/analyze/index.ts';
import { explainPageAllocFailure } from '../../src/analyze/page-alloc-failure.ts';
import { parsePageAllocFailure } from '../../src/formats/page-alloc-failure.ts';
import { renderAnalysis } from '../../src/report/analysis-text/index.ts';

const read = (...p: string[]) => readFileSync(join(import.meta.dirname, '..', 'fixtures', ...p), 'utf8');
const explain = (f: string) => explainPageAllocFailure(parsePageAllocFailure(read('published', f)).value!);

describe('page allocation failure analysis', () => {
  test('paf-001: the 2015 check rejects the order-2 stack, the 6.1 check accepts it', () => {
    const e = explain('paf-001.txt');
    assert.equal(e.kernelCheck, '2015');
    const dma = e.zones.find((z) => z.zone === 'DMA')!;
    assert.equal(dma.eligible, true);
    assert.equal(e.zones.find((z) => z.zone === 'Normal')!.eligible, false, '__GFP_DMA: DMA only');
    const c15 = dma.checks.find((c) => c.mode === '2015')!.atMin;
    assert.equal(c15.ok, false);
    assert.equal(c15.failedAt, 'order-step');
    assert.equal(c15.failedOrder, 1, 'fails after removing the order-1 blocks');
    assert.equal(dma.checks.find((c) => c.mode === '6.1')!.atMin.ok, true);
    assert.equal(e.verdict['2015'].passesAtMin, false);
    assert.equal(e.verdict['6.1'].passesAtLow, true);
  });

  test('paf-001: indices of PA §4.3 (unusable 0.580 / 0.999 / 1.000, extfrag -1.000 / 0.842 / 0.921)', () => {
    const dma = explain('paf-001.txt').zones.find((z) => z.zone === 'DMA')!;
    assert.deepEqual(dma.unusableIndex.slice(1, 4), [580, 999, 1000]);
    assert.deepEqual(dma.extfragIndex.slice(2, 5), [-1000, 842, 921]);
  });

  test('paf-004: every usable zone fails both checks (OOM for an order-2 fork)', () => {
    const e = explain('paf-004.txt');
    assert.equal(e.kind, 'oom-killer');
    assert.equal(e.verdict['2015'].passesAtMin, false);
    assert.equal(e.verdict['6.1'].passesAtMin, false);
    const dma32 = e.zones.find((z) => z.zone === 'DMA32')!;
    assert.equal(dma32.lowmemReserve, 824);
    assert.equal(dma32.checks.find((c) => c.mode === '6.1')!.atMin.failedAt, 'no-block');
  });

  test('registered analyzers sniff their own inputs', () => {
    const ids = analyzers().map((a) => a.id);
    for (const id of ['page-alloc-failure', 'pagetypeinfo', 'buddyinfo']) assert.ok(ids.includes(id));
    assert.equal(pageAllocFailureAnalyzer.sniff(read('published', 'paf-001.txt')), true);
    const pti = read('arm64-6.1-qemu', 'fork-256M', 'pagetypeinfo-after.txt');
    assert.equal(pagetypeinfoAnalyzer.sniff(pti), true);
    assert.equal(buddyinfoAnalyzer.sniff(pti), false);
    const out = pagetypeinfoAnalyzer.run(pti, 'p', { profiles: [], overrides: [] });
    assert.ok(!('error' in out));
    assert.match(renderAnalysis('pagetypeinfo', out.data, 'p'), /unusable_index/);
  });
});

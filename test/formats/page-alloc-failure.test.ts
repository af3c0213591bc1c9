// Page allocation failure reports: the published ones parse with every number the analysis needs,
// and malformed copies give diagnostics with lines, never a crash.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  decodeGfp,
  parsePageAllocFailure,
  sniffPageAllocFailure,
} from '../../src/formats/page-alloc-failure.ts';

const read = (f: string) => readFileSync(join(import.meta.dirname, '..', 'fixtures', 'published', f), 'utf8');

describe('page-alloc-failure', () => {
  test('paf-001.txt (4.1 arm64, Android log prefixes)', () => {
    const text = read('paf-001.txt');
    assert.equal(sniffPageAllocFailure(text), true);
    const p = parsePageAllocFailure(text, 'paf-001.txt');
    assert.deepEqual(p.diagnostics, []);
    const r = p.value!;
    assert.equal(r.kind, 'page-allocation-failure');
    assert.equal(r.order, 2);
    assert.equal(r.gfpMask, 0x2000d1);
    assert.equal(r.kernelVersion, '4.1.18-g09f547b');
    assert.equal(r.comm, 'sManagerService');
    assert.deepEqual(r.callTrace.slice(0, 3), ['dump_backtrace', 'show_stack', 'dump_stack']);
    assert.equal(r.memInfo.free, 118678);
    assert.equal(r.memInfo.slab_unreclaimable, 28068);
    const dma = r.zones.find((z) => z.name === 'DMA')!;
    assert.equal(dma.fields.free, 470628);
    assert.equal(dma.fields.min, 6800);
    assert.equal(dma.fields.kernel_stack, 28224);
    assert.deepEqual(dma.lowmemReserve, [0, 415, 415]);
    assert.deepEqual(dma.buddy!.nrFree, [68324, 24706, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(dma.buddy!.types.slice(0, 3), ['UEM', 'UER', 'U']);
    assert.equal(dma.buddy!.totalKb, 470976);
    assert.equal(r.freeSwapKb, 0);
    assert.equal(r.pagesRam, 992767);
    assert.equal(r.pagesCmaReserved, 8192);
  });

  test('paf-004.txt (4.5 x86_64 OOM report, continuation lines without prefix)', () => {
    const p = parsePageAllocFailure(read('paf-004.txt'), 'paf-004.txt');
    const r = p.value!;
    assert.equal(r.kind, 'oom-killer');
    assert.equal(r.order, 2);
    assert.deepEqual(r.gfpNames, ['GFP_KERNEL_ACCOUNT', '__GFP_NOTRACK']);
    assert.deepEqual(
      r.zones.map((z) => z.name),
      ['DMA', 'DMA32', 'Normal'],
    );
    assert.equal(r.memInfo.inactive_file, 302048);
    assert.deepEqual(r.zones[1]!.buddy!.nrFree.slice(0, 3), [564, 2700, 0]);
    assert.deepEqual(r.zones[0]!.lowmemReserve, [0, 3031, 3855, 3855]);
  });

  test('GFP decoding by kernel version', () => {
    assert.deepEqual(decodeGfp(0x2000d1, null, '4.1.18').names, [
      '__GFP_DMA',
      '__GFP_WAIT',
      '__GFP_IO',
      '__GFP_FS',
      '__GFP_NOTRACK',
    ]);
    const k61 = decodeGfp(0xcc0, null, '6.1.0');
    assert.deepEqual(k61.names, ['__GFP_IO', '__GFP_FS', '__GFP_DIRECT_RECLAIM', '__GFP_KSWAPD_RECLAIM']);
    assert.equal(k61.directReclaim, true);
    const unknown = decodeGfp(0x27000c0, null, '4.9.0');
    assert.equal(unknown.layout, 'zone-bits');
    assert.equal(unknown.directReclaim, null);
    assert.equal(decodeGfp(0, ['GFP_ATOMIC'], null).atomic, true);
  });

  const invalid = [
    { text: 'hello\nworld\n', code: 'page-alloc-failure/no-header', line: 1 },
    {
      text: 'x: page allocation failure: order:2, mode:0xd0\nCall trace:\n',
      code: 'page-alloc-failure/no-zones',
      line: 1,
    },
    {
      text: 'x: page allocation failure: order:2, mode:0xd0\nMem-Info:\nDMA free:100kB min:4kB low:5kB high:6kB\nDMA: 1*4kB 1*8kB 1*16kB = 99kB\n',
      code: 'page-alloc-failure/buddy-total',
      line: 4,
    },
    {
      text: 'x: page allocation failure: order:2, mode:0xd0\nMem-Info:\nDMA free:100kB min:4kB low:5kB high:6kB\n',
      code: 'page-alloc-failure/no-buddy-line',
      line: 3,
    },
    {
      text: 'x: page allocation failure: order:2, mode:0xd0\nMem-Info:\nDMA free:100kB min:4kB\nDMA: 1*4kB 1*16kB = 20kB\n',
      code: 'page-alloc-failure/buddy-order',
      line: 4,
    },
  ];
  for (const c of invalid)
    test(`invalid → ${c.code} at line ${c.line}`, () => {
      const d = parsePageAllocFailure(c.text, 'x').diagnostics.find((x) => x.code === c.code);
      assert.ok(d, `expected ${c.code}`);
      assert.equal(d.loc?.line, c.line);
    });

  test('mutated reports never make the parser throw', () => {
    const corpus = [read('paf-001.txt'), read('paf-004.txt')];
    fc.assert(
      fc.property(fc.constantFrom(...corpus), fc.nat(), fc.nat(), fc.string(), (base, at, len, insert) => {
        const a = at % (base.length + 1);
        const text = base.slice(0, a) + insert + base.slice(a + (len % 400));
        const r = parsePageAllocFailure(text, 'fuzz');
        assert.ok(r.value !== undefined || r.diagnostics.some((d) => d.severity === 'error'));
      }),
      { numRuns: 300, seed: 11 },
    );
  });
});

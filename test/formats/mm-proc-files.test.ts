// /proc/buddyinfo, /proc/pagetypeinfo and /proc/vmstat: real files round-trip byte for byte, sniffing
// tells them apart, bad rows are counted with their line and code, and no input makes a parser throw.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parseBuddyinfo, printBuddyinfo, sniffBuddyinfo } from '../../src/formats/buddyinfo.ts';
import { parsePagetypeinfo, printPagetypeinfo, sniffPagetypeinfo } from '../../src/formats/pagetypeinfo.ts';
import { parseVmstat, printVmstat, sniffVmstat, vmstatDelta } from '../../src/formats/vmstat.ts';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'arm64-6.1-qemu');
const read = (run: string, f: string) => readFileSync(join(FIX, run, f), 'utf8');
const RUNS = ['fork-256M', 'udp-512M'];

describe('buddyinfo', () => {
  for (const run of RUNS)
    for (const f of ['buddyinfo-before.txt', 'buddyinfo-after.txt']) {
      test(`${run}/${f}: sniff, parse, print → identical`, () => {
        const text = read(run, f);
        assert.equal(sniffBuddyinfo(text), true);
        assert.equal(sniffPagetypeinfo(text), false);
        const p = parseBuddyinfo(text, f);
        assert.deepEqual(p.diagnostics, []);
        assert.equal(printBuddyinfo(p.value!), text);
      });
    }

  test('fork-256M before: the counts as printed', () => {
    const z = parseBuddyinfo(read('fork-256M', 'buddyinfo-before.txt')).value!.zones[0]!;
    assert.equal(z.zone, 'DMA');
    assert.deepEqual(z.nrFree, [13, 28, 14, 4, 7, 6, 3, 4, 4, 4, 45]);
  });

  const rows = {
    valid: [
      [
        'Node 0, zone      DMA     13     28     14      4      7      6      3      4      4      4     45 ',
        45,
      ],
      ['[  12.5] Node 0, zone Normal 1 2 3 4 5 6 7 8 9 10 11', 11],
      [
        'Node 1, zone   Normal    750    581    599    704    418    392    241    119     51     17     57\r',
        57,
      ],
    ],
    invalid: [
      { text: 'Node 0, zone DMA 13 28 x 4', code: 'buddyinfo/bad-row', line: 1 },
      { text: 'Node 0, zone DMA 1 2 3\nzone Normal 1 2', code: 'buddyinfo/bad-row', line: 2 },
      { text: 'Node 0, zone DMA 1 2 3', code: 'buddyinfo/order-count', line: 1 },
      { text: 'hello', code: 'buddyinfo/empty', line: 1 },
    ],
  } as const;
  for (const [text, last] of rows.valid)
    test(`valid: ${JSON.stringify(text).slice(0, 40)}`, () => {
      const z = parseBuddyinfo(text).value!.zones[0]!;
      assert.equal(z.nrFree.at(-1), last);
    });
  for (const c of rows.invalid)
    test(`invalid → ${c.code} at line ${c.line}`, () => {
      const d = parseBuddyinfo(c.text, 'x').diagnostics.find((x) => x.code === c.code);
      assert.ok(d, `expected ${c.code}`);
      assert.equal(d.loc?.line, c.line);
    });
});

describe('pagetypeinfo', () => {
  for (const run of RUNS)
    for (const f of ['pagetypeinfo-before.txt', 'pagetypeinfo-after.txt']) {
      test(`${run}/${f}: sniff, parse, print → identical`, () => {
        const text = read(run, f);
        assert.equal(sniffPagetypeinfo(text), true);
        assert.equal(sniffBuddyinfo(text), false);
        const p = parsePagetypeinfo(text, f);
        assert.deepEqual(p.diagnostics, []);
        assert.equal(printPagetypeinfo(p.value!), text);
      });
    }

  test('fork-256M before: types, block counts and CMA row', () => {
    const p = parsePagetypeinfo(read('fork-256M', 'pagetypeinfo-before.txt')).value!;
    assert.equal(p.pageblockOrder, 9);
    assert.deepEqual(p.blockTypes, ['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic', 'CMA', 'Isolate']);
    assert.deepEqual(p.blocks[0]!.counts, [10, 80, 6, 0, 32, 0]);
    assert.deepEqual(p.free.find((r) => r.type === 'CMA')!.counts, [0, 0, 0, 0, 0, 1, 0, 1, 1, 1, 15]);
  });

  test('">100000" counts are read and printed as the kernel caps them', () => {
    const text =
      'Page block order: 9\nPages per block:  512\n\nFree pages count per migrate type at order       0      1 \n' +
      'Node    0, zone   Normal, type      Movable >100000      3 \n';
    const p = parsePagetypeinfo(text).value!;
    assert.equal(p.free[0]!.capped[0], true);
    assert.equal(p.free[0]!.counts[0], 100000);
    assert.ok(printPagetypeinfo(p).includes('>100000      3 \n'));
  });

  test('a damaged row is counted with its line', () => {
    const text = read('fork-256M', 'pagetypeinfo-before.txt').replace(
      'type  Reclaimable',
      'type Recl@imable x',
    );
    const d = parsePagetypeinfo(text, 'p').diagnostics.filter((x) => x.code === 'pagetypeinfo/bad-row');
    assert.equal(d.length, 1);
    assert.equal(d[0]!.loc?.line, 7);
  });
});

describe('vmstat', () => {
  for (const run of RUNS)
    for (const f of ['vmstat-before.txt', 'vmstat-after.txt']) {
      test(`${run}/${f}: sniff, parse, print → identical`, () => {
        const text = read(run, f);
        assert.equal(sniffVmstat(text), true);
        const p = parseVmstat(text, f);
        assert.deepEqual(p.diagnostics, []);
        assert.equal(printVmstat(p.value!.entries), text);
      });
    }

  test('fork-256M delta: 2000 forks allocated 112717 pages and no stalls', () => {
    const b = parseVmstat(read('fork-256M', 'vmstat-before.txt')).value!;
    const a = parseVmstat(read('fork-256M', 'vmstat-after.txt')).value!;
    const d = new Map(vmstatDelta(b, a).map((e) => [e.name, e.value]));
    assert.equal(d.get('pgalloc_dma'), 112717);
    assert.equal(d.get('compact_stall'), 0);
    assert.equal(d.get('allocstall_dma'), 0);
  });

  test('bad lines → vmstat/bad-row with line; empty → vmstat/empty', () => {
    const p = parseVmstat('nr_free_pages 12\ncompact stall 3\npgfree 9\n', 'v');
    assert.deepEqual(
      p.diagnostics.map((d) => [d.code, d.loc?.line]),
      [['vmstat/bad-row', 2]],
    );
    assert.equal(parseVmstat('', 'v').diagnostics[0]!.code, 'vmstat/empty');
  });
});

describe('no input makes a /proc parser throw', () => {
  const corpus = [
    read('fork-256M', 'buddyinfo-before.txt'),
    read('fork-256M', 'pagetypeinfo-before.txt'),
    read('fork-256M', 'vmstat-before.txt'),
  ];
  test('mutated real files and random text', () => {
    fc.assert(
      fc.property(fc.constantFrom(...corpus), fc.nat(), fc.nat(), fc.string(), (base, at, len, insert) => {
        const a = at % (base.length + 1);
        const text = base.slice(0, a) + insert + base.slice(a + (len % 200));
        for (const parse of [parseBuddyinfo, parsePagetypeinfo, parseVmstat]) {
          const r = parse(text, 'fuzz');
          assert.ok(r.value !== undefined || r.diagnostics.some((d) => d.severity === 'error'));
        }
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});

describe('meminfo', () => {
  test('fork-256M meminfo round-trips byte for byte', async () => {
    const { parseMeminfo, printMeminfo, sniffMeminfo } = await import('../../src/formats/meminfo.ts');
    for (const f of ['meminfo-before.txt', 'meminfo-after.txt']) {
      const text = read('fork-256M', f);
      assert.equal(sniffMeminfo(text), true);
      const p = parseMeminfo(text, f);
      assert.deepEqual(p.diagnostics, []);
      assert.equal(printMeminfo(p.value!.entries), text);
      assert.equal(p.value!.values.get('MemTotal'), 229380);
    }
  });
});

describe('debugfs extfrag files', () => {
  test('unusable_index and extfrag_index print as the kernel does and read back', async () => {
    const { parseExtfragIndex, printExtfragIndex, printUnusableIndex, sniffExtfragIndex } = await import(
      '../../src/formats/extfrag-index.ts'
    );
    // paf-001's DMA zone (page-allocator.md §4.3): unusable 0.580 / 0.999, extfrag 0.842 / 0.921.
    const zone = { node: 0, zone: 'DMA' };
    const unusable = printUnusableIndex([{ ...zone, index: [0, 580, 999, 1000] }]);
    assert.equal(unusable, 'Node 0, zone      DMA 0.000 0.580 0.999 1.000 \n');
    const extfrag = printExtfragIndex([{ ...zone, index: [-1000, -1000, -1000, 842, 921] }]);
    assert.equal(extfrag, 'Node 0, zone      DMA -1.000 -1.000 -1.000  0.842  0.921 \n');
    assert.equal(sniffExtfragIndex(extfrag), true);
    assert.deepEqual(parseExtfragIndex(extfrag).value!.zones[0]!.index, [-1000, -1000, -1000, 842, 921]);
    assert.deepEqual(parseExtfragIndex(unusable).value!.zones[0]!.index, [0, 580, 999, 1000]);
    assert.equal(
      parseExtfragIndex('Node 0, zone DMA 1.2.3', 'x').diagnostics[0]!.code,
      'extfrag-index/bad-row',
    );
  });
});

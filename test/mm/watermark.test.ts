// Watermarks and the two checks: the reference's computed table, and the step-by-step explanation
// agreeing with the allocator's own check on random zones.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  ALLOC_CMA,
  ALLOC_HIGHATOMIC,
  ALLOC_MIN_RESERVE,
  ALLOC_NON_BLOCK,
  MAX_ORDER,
} from '../../src/mm/constants.ts';
import { type KernelMode, MIGRATE_TYPES } from '../../src/mm/migratetype.ts';
import { PG_TAIL } from '../../src/mm/page-kind.ts';
import {
  calculateMinFreeKbytes,
  setupPerZoneWmarks,
  zoneBatchsize,
  zoneHighsize,
  zoneWatermarkOk61,
  zoneWatermarkOk2015,
} from '../../src/mm/watermark.ts';
import { explainWatermark61, explainWatermark2015 } from '../../src/mm/watermark-explain.ts';
import { Zone } from '../../src/mm/zone.ts';

function zone(mode: KernelMode, managed: number): Zone {
  const z = new Zone({
    name: 'DMA',
    spannedPages: 1024,
    nrCpus: 8,
    mode,
    pageblockOrder: 9,
    configCma: true,
    configIsolate: true,
    extraLists: 0,
  });
  z.managed = managed;
  return z;
}

describe('watermarks (page-allocator.md §2.6 table)', () => {
  const rows = [
    { managed: 122880, mfk: 2804, min: 701, w61: [876, 1051], w15: [876, 1051], w15x: [6951, 7126] },
    { managed: 243200, mfk: 3945, min: 986, w61: [1232, 1478], w15: [1232, 1479], w15x: [7307, 7554] },
    { managed: 486400, mfk: 5579, min: 1394, w61: [1880, 2366], w15: [1742, 2091], w15x: [7817, 8166] },
  ];
  for (const r of rows) {
    test(`${r.managed} managed pages → min_free_kbytes ${r.mfk}, min ${r.min}, low/high per mode`, () => {
      assert.equal(calculateMinFreeKbytes(r.managed * 4, '6.1'), r.mfk);
      const z61 = zone('6.1', r.managed);
      setupPerZoneWmarks(z61, { minFreeKbytes: r.mfk, extraFreeKbytes: 0, watermarkScaleFactor: 10 });
      assert.deepEqual([z61.wmarkMin, z61.wmarkLow, z61.wmarkHigh], [r.min, ...r.w61]);
      const z15 = zone('2015', r.managed);
      setupPerZoneWmarks(z15, { minFreeKbytes: r.mfk, extraFreeKbytes: 0, watermarkScaleFactor: 10 });
      assert.deepEqual([z15.wmarkLow, z15.wmarkHigh], r.w15);
      setupPerZoneWmarks(z15, { minFreeKbytes: r.mfk, extraFreeKbytes: 24300, watermarkScaleFactor: 10 });
      assert.deepEqual([z15.wmarkLow, z15.wmarkHigh], r.w15x);
    });
  }

  test('pcp batch and high (PA §2.5): 512 MB → 31, 1 GB → 63; 2015: 31 and 6*batch', () => {
    assert.equal(zoneBatchsize(122880, '6.1'), 31);
    assert.equal(zoneBatchsize(243200, '6.1'), 63);
    assert.equal(zoneBatchsize(243200, '2015'), 31);
    const z = zone('6.1', 486400);
    z.wmarkLow = 1880;
    assert.equal(zoneHighsize(z, 63), 252, '2 GB, 8 CPUs: 1880/8 = 235 -> clamped to 4*63');
    assert.equal(zoneHighsize(zone('2015', 243200), 31), 186);
  });
});

describe('watermark explanation agrees with the allocator check', () => {
  const arb = fc.record({
    nrFree: fc.array(fc.array(fc.nat(40), { minLength: MIGRATE_TYPES, maxLength: MIGRATE_TYPES }), {
      minLength: MAX_ORDER,
      maxLength: MAX_ORDER,
    }),
    order: fc.integer({ min: 0, max: 4 }),
    mark: fc.integer({ min: 0, max: 3000 }),
    flags: fc.subarray([ALLOC_CMA, ALLOC_MIN_RESERVE, ALLOC_NON_BLOCK, ALLOC_HIGHATOMIC]),
    highatomic: fc.nat(600),
    extraFree: fc.integer({ min: -50, max: 50 }),
  });
  for (const mode of ['6.1', '2015'] as const)
    test(`${mode}: random zones → same verdict`, () => {
      fc.assert(
        fc.property(arb, (a) => {
          const z = new Zone({
            name: 'DMA',
            spannedPages: 1024,
            nrCpus: 1,
            mode,
            pageblockOrder: 9,
            configCma: true,
            configIsolate: true,
            extraLists: 0,
          });
          z.kind.fill(PG_TAIL);
          for (let o = 0; o < MAX_ORDER; o++)
            for (let mt = 0; mt < MIGRATE_TYPES; mt++) {
              z.nrFreeList[o * MIGRATE_TYPES + mt] = a.nrFree[o]![mt]!;
              z.nrFree[o]! += a.nrFree[o]![mt]!;
              z.freePages += a.nrFree[o]![mt]! << o;
            }
          z.freePages += a.extraFree;
          z.nrReservedHighatomic = a.highatomic;
          const flags = a.flags.reduce((x, y) => x | y, 0);
          const inputs = {
            freePages: z.freePages,
            freeCma: z.freeCma,
            nrReservedHighatomic: z.nrReservedHighatomic,
            lowmemReserve: 0,
            nrFree: Array.from(z.nrFree),
            hasBlock: (o: number, mt: number) => !z.freeAreaEmpty(o, mt),
          };
          const fast =
            mode === '6.1'
              ? zoneWatermarkOk61(z, a.order, a.mark, flags, z.freePages)
              : zoneWatermarkOk2015(z, a.order, a.mark, flags, z.freePages);
          const explained =
            mode === '6.1'
              ? explainWatermark61(inputs, a.order, a.mark, flags)
              : explainWatermark2015(inputs, a.order, a.mark, flags);
          assert.equal(explained.ok, fast);
        }),
        { numRuns: 2000, seed: 5 },
      );
    });
});

// Watermarks: how they are computed from min_free_kbytes, and the check every allocation makes
// (PA §2.6, §2.7). The two modes differ most here:
//
//   6.1  order-0 test on free pages, then "one free block of order >= n on a usable list exists"
//   2015 order-0 test, then for o < n: drop the pages in order-o blocks and halve min; fail if
//        what is left is <= min. An order-2 request needs the pages in blocks of order >= 2 to
//        exceed min/4, however much order-0/1 memory is free (the §4.3 failure).
import {
  ALLOC_CMA,
  ALLOC_HIGHATOMIC,
  ALLOC_MIN_RESERVE,
  ALLOC_NON_BLOCK,
  ALLOC_OOM,
  ALLOC_RESERVES,
  MAX_ORDER,
  PAGE_SHIFT,
  WATERMARK_SCALE_FACTOR,
} from './constants.ts';
import { type KernelMode, MIGRATE_CMA, MIGRATE_HIGHATOMIC, MIGRATE_PCPTYPES } from './migratetype.ts';
import type { Zone } from './zone.ts';

/** Integer square root, as the kernel's int_sqrt() (floor). */
export function intSqrt(x: number): number {
  let r = Math.floor(Math.sqrt(x));
  while (r * r > x) r--;
  while ((r + 1) * (r + 1) <= x) r++;
  return r;
}

/**
 * @kernel calculate_min_free_kbytes() mm/page_alloc.c: int_sqrt(lowmem_kbytes * 16) clamped to
 * [128, 262144] kB (6.1). 2015 kernels clamped at 65536 kB (PA §2.6, unconfirmed). At boot the high
 * watermarks are still 0, so lowmem_kbytes is the managed memory.
 */
export function calculateMinFreeKbytes(lowmemKbytes: number, mode: KernelMode): number {
  const v = intSqrt(lowmemKbytes * 16);
  return Math.min(Math.max(v, 128), mode === '6.1' ? 262144 : 65536);
}

export interface WatermarkParams {
  readonly minFreeKbytes: number;
  /** Android `extra_free_kbytes` (2015 only, out of tree): added to low and high (PA §2.6). */
  readonly extraFreeKbytes: number;
  /** 6.1 watermark_scale_factor (default 10 = 0.1 %). */
  readonly watermarkScaleFactor: number;
}

export const DEFAULT_WATERMARK_SCALE_FACTOR = WATERMARK_SCALE_FACTOR;

/**
 * @kernel __setup_per_zone_wmarks() mm/page_alloc.c. Single zone, so the zone gets all of pages_min.
 *   6.1:  gap = max(min/4, managed * watermark_scale_factor / 10000); low = min + gap; high = low + gap
 *   2015: low = min + min/4; high = min + min/2; Android adds extra_free_kbytes to both (PA §2.6)
 */
export function setupPerZoneWmarks(z: Zone, p: WatermarkParams): void {
  const pagesMin = p.minFreeKbytes >> (PAGE_SHIFT - 10);
  const min = pagesMin; // tmp = pages_min * managed / lowmem_pages with one zone
  z.wmarkMin = min;
  z.watermarkBoost = 0;
  if (z.mode === '6.1') {
    const gap = Math.max(min >> 2, Math.floor((z.managed * p.watermarkScaleFactor) / 10000));
    z.wmarkLow = min + gap;
    z.wmarkHigh = z.wmarkLow + gap;
  } else {
    const extra = p.extraFreeKbytes >> (PAGE_SHIFT - 10);
    z.wmarkLow = min + (min >> 2) + extra;
    z.wmarkHigh = min + (min >> 1) + extra;
  }
}

/** @kernel zone_batchsize() mm/page_alloc.c (6.1: 1 MB cap; 2015: 512 KB cap, PA §2.5). */
export function zoneBatchsize(managed: number, mode: KernelMode): number {
  const cap = mode === '6.1' ? (1 << 20) >> PAGE_SHIFT : (512 << 10) >> PAGE_SHIFT;
  let batch = Math.min(managed >> 10, cap);
  batch = Math.floor(batch / 4);
  if (batch < 1) batch = 1;
  const x = batch + (batch >> 1);
  return 2 ** Math.floor(Math.log2(x)) - 1;
}

/** @kernel zone_highsize() mm/page_alloc.c (6.1): low watermark split over the CPUs, >= 4*batch. 2015: 6*batch. */
export function zoneHighsize(z: Zone, batch: number): number {
  if (z.mode === '2015') return 6 * batch;
  const high = Math.floor(z.wmarkLow / z.nrCpus);
  return Math.max(high, batch << 2);
}

/** Sets pcp batch and high from the current watermarks (zone_set_pageset_high_and_batch). */
export function setupPcp(z: Zone): void {
  z.pcpBatch = zoneBatchsize(z.managed, z.mode);
  z.pcpHigh = zoneHighsize(z, z.pcpBatch);
}

/** @kernel __zone_watermark_unusable_free() mm/page_alloc.c (6.1) */
export function zoneWatermarkUnusableFree(z: Zone, order: number, allocFlags: number): number {
  let unusable = (1 << order) - 1;
  if (!(allocFlags & ALLOC_RESERVES)) unusable += z.nrReservedHighatomic;
  if (!(allocFlags & ALLOC_CMA)) unusable += z.freeCma;
  return unusable;
}

/** @kernel __zone_watermark_ok() mm/page_alloc.c (6.1). `freePages` may go negative. */
export function zoneWatermarkOk61(
  z: Zone,
  order: number,
  mark: number,
  allocFlags: number,
  freePages: number,
): boolean {
  let min = mark;
  freePages -= zoneWatermarkUnusableFree(z, order, allocFlags);
  if (allocFlags & ALLOC_RESERVES) {
    if (allocFlags & ALLOC_MIN_RESERVE) {
      min -= Math.floor(min / 2);
      if (allocFlags & ALLOC_NON_BLOCK) min -= Math.floor(min / 4);
    }
    if (allocFlags & ALLOC_OOM) min -= Math.floor(min / 2);
  }
  if (freePages <= min + z.lowmemReserve) return false;
  if (order === 0) return true;
  for (let o = order; o < MAX_ORDER; o++) {
    if (z.nrFree[o] === 0) continue;
    for (let mt = 0; mt < MIGRATE_PCPTYPES; mt++) if (!z.freeAreaEmpty(o, mt)) return true;
    if (allocFlags & ALLOC_CMA && !z.freeAreaEmpty(o, MIGRATE_CMA)) return true;
    if (allocFlags & (ALLOC_HIGHATOMIC | ALLOC_OOM) && !z.freeAreaEmpty(o, MIGRATE_HIGHATOMIC)) return true;
  }
  return false;
}

/**
 * 2015 __zone_watermark_ok() (pre-97a16fc82a7c, PA §2.7). ALLOC_MIN_RESERVE stands for ALLOC_HIGH and
 * ALLOC_NON_BLOCK for ALLOC_HARDER. Free CMA pages are excluded from the order-0 test only — the
 * per-order loop counts CMA blocks (the "CMA caveat"). `minFreeOrderShift` is Android's sysctl
 * (default 1 = halving).
 */
export function zoneWatermarkOk2015(
  z: Zone,
  order: number,
  mark: number,
  allocFlags: number,
  freePages: number,
  minFreeOrderShift = 1,
): boolean {
  let min = mark;
  freePages -= (1 << order) - 1;
  if (allocFlags & ALLOC_MIN_RESERVE) min -= Math.floor(min / 2);
  if (allocFlags & ALLOC_NON_BLOCK) min -= Math.floor(min / 4);
  const freeCma = allocFlags & ALLOC_CMA ? 0 : z.freeCma;
  if (freePages - freeCma <= min + z.lowmemReserve) return false;
  for (let o = 0; o < order; o++) {
    freePages -= z.nrFree[o]! << o;
    min >>= minFreeOrderShift;
    if (freePages <= min) return false;
  }
  return true;
}

/** The mode's __zone_watermark_ok(). */
export function zoneWatermarkOk(
  z: Zone,
  order: number,
  mark: number,
  allocFlags: number,
  freePages: number = z.freePages,
): boolean {
  return z.mode === '6.1'
    ? zoneWatermarkOk61(z, order, mark, allocFlags, freePages)
    : zoneWatermarkOk2015(z, order, mark, allocFlags, freePages);
}

/** @kernel zone_watermark_fast() mm/page_alloc.c (6.1): a cheap order-0 test before the full check. */
export function zoneWatermarkFast(z: Zone, order: number, mark: number, allocFlags: number): boolean {
  const free = z.freePages;
  if (order === 0 && z.mode === '6.1') {
    let usable = free;
    const reserved = zoneWatermarkUnusableFree(z, 0, allocFlags);
    usable -= Math.min(usable, reserved);
    if (usable > mark + z.lowmemReserve) return true;
  }
  return zoneWatermarkOk(z, order, mark, allocFlags, free);
}

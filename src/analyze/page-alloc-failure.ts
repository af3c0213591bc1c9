// Explains a real "page allocation failure: order:N" (or OOM) report for both allocator modes: does
// the watermark check pass for each zone the request may use, where exactly does it fail, and why did
// the allocation fail. The worked case is paf-001 (PA §4.3): 470 MB free, two free order-2 blocks —
// the 2015 check rejects the order-2 stack, the 6.1 check would accept it.

import {
  decodeGfp,
  type GfpDecoded,
  kernelMajorMinor,
  type PafZone,
  type PageAllocFailure,
} from '../formats/page-alloc-failure.ts';
import { ALLOC_CMA, ALLOC_MIN_RESERVE, ALLOC_NON_BLOCK, PAGE_ALLOC_COSTLY_ORDER } from '../mm/constants.ts';
import { fragmentationIndex, unusableFreeIndex } from '../mm/frag-index.ts';
import { type KernelMode, MIGRATETYPE_LETTERS } from '../mm/migratetype.ts';
import {
  explainWatermark61,
  explainWatermark2015,
  type WatermarkExplanation,
  type WatermarkInputs,
} from '../mm/watermark-explain.ts';

export interface ModeCheck {
  readonly mode: KernelMode;
  readonly atMin: WatermarkExplanation;
  readonly atLow: WatermarkExplanation;
}

export interface PafZoneVerdict {
  readonly zone: string;
  readonly eligible: boolean;
  readonly freePages: number;
  readonly minPages: number;
  readonly lowPages: number;
  readonly highPages: number;
  readonly managedPages: number | null;
  readonly lowmemReserve: number;
  readonly buddyPages: number | null;
  readonly nrFree: readonly number[];
  readonly types: readonly string[];
  readonly checks: readonly ModeCheck[];
  /** Thousandths per order (unusable_index, extfrag_index). */
  readonly unusableIndex: readonly number[];
  readonly extfragIndex: readonly number[];
}

export interface PafExplanation {
  readonly kind: PageAllocFailure['kind'];
  readonly comm: string | null;
  readonly order: number;
  readonly gfpMask: number;
  readonly gfp: GfpDecoded;
  readonly kernelVersion: string | null;
  /** The check the reporting kernel itself ran (by version: before 4.4 the 2015 loop). */
  readonly kernelCheck: KernelMode | null;
  readonly zones: readonly PafZoneVerdict[];
  /** Per mode: would the slow path (min) / the fast path (low) find a zone that passes? */
  readonly verdict: Readonly<
    Record<KernelMode, { passesAtMin: boolean; passesAtLow: boolean; summary: string }>
  >;
  readonly reasons: readonly string[];
}

/** Zone order in struct pglist_data (include/linux/mmzone.h enum zone_type). */
const ZONE_ORDER = ['DMA', 'DMA32', 'Normal', 'HighMem', 'Movable', 'Device'];

function kernelCheckFor(version: string | null): KernelMode | null {
  const mm = kernelMajorMinor(version);
  if (mm === null) return null;
  const [major, minor] = mm;
  // 97a16fc82a7c "mm, page_alloc: only enforce watermarks for order-0 allocations" landed in 4.4 (PA §0).
  return major > 4 || (major === 4 && minor >= 4) ? '6.1' : '2015';
}

/** Which zones the request may use and the lowmem_reserve index (gfp_zone + zonelist, single node). */
function eligibility(
  zones: readonly PafZone[],
  gfp: GfpDecoded,
): { eligible: Set<string>; highestIdx: number; configured: string[] } {
  const printed = [...new Set(zones.map((z) => z.name))].sort(
    (a, b) => ZONE_ORDER.indexOf(a) - ZONE_ORDER.indexOf(b),
  );
  const reserveLen = Math.max(0, ...zones.map((z) => z.lowmemReserve?.length ?? 0));
  const configured = [...printed];
  // The reserve arrays have one entry per configured zone; ZONE_MOVABLE is usually the unprinted one.
  if (reserveLen > configured.length && !configured.includes('Movable')) configured.push('Movable');
  let highest: string;
  if (gfp.dma) highest = 'DMA';
  else if (gfp.dma32) highest = configured.includes('DMA32') ? 'DMA32' : 'DMA';
  else if (gfp.highmem && gfp.movable) highest = 'Movable';
  else if (gfp.highmem) highest = configured.includes('HighMem') ? 'HighMem' : 'Normal';
  else highest = 'Normal';
  const hi = ZONE_ORDER.indexOf(highest);
  const eligible = new Set(printed.filter((n) => ZONE_ORDER.indexOf(n) <= hi));
  // arm64 <= 4 GB: a GFP_KERNEL request's highest zone may be one that is not populated.
  let highestIdx = configured.indexOf(highest);
  if (highestIdx < 0) highestIdx = configured.filter((n) => ZONE_ORDER.indexOf(n) <= hi).length - 1;
  return { eligible, highestIdx, configured };
}

function inputsFor(z: PafZone, reserve: number, letters: Readonly<Record<string, number>>): WatermarkInputs {
  const pageKb = z.buddy?.pageKb ?? 4;
  const nrFree = z.buddy?.nrFree ?? [];
  const types = z.buddy?.types ?? [];
  return {
    freePages: Math.floor((z.fields.free ?? 0) / pageKb),
    freeCma: Math.floor((z.fields.free_cma ?? 0) / pageKb),
    nrReservedHighatomic: Math.floor((z.fields.reserved_highatomic ?? 0) / pageKb),
    lowmemReserve: reserve,
    nrFree,
    hasBlock(order: number, mt: number): boolean {
      if (!(nrFree[order] ?? 0)) return false;
      const t = types[order] ?? '';
      // No letters printed (old kernels, or the list was empty): assume usable when counted.
      if (t === '') return true;
      for (const ch of t) if (letters[ch] === mt) return true;
      return false;
    },
  };
}

export function explainPageAllocFailure(r: PageAllocFailure): PafExplanation {
  const gfp = decodeGfp(r.gfpMask, r.gfpNames, r.kernelVersion);
  const kernelCheck = kernelCheckFor(r.kernelVersion);
  const letters = MIGRATETYPE_LETTERS[kernelCheck ?? '6.1'];
  const { eligible, highestIdx } = eligibility(r.zones, gfp);
  let flags = 0;
  if (gfp.high) flags |= ALLOC_MIN_RESERVE;
  if (gfp.atomic || gfp.directReclaim === false) flags |= ALLOC_NON_BLOCK;
  if (gfp.movable) flags |= ALLOC_CMA;
  const zones: PafZoneVerdict[] = r.zones.map((z) => {
    const pageKb = z.buddy?.pageKb ?? 4;
    const reserve = z.lowmemReserve?.[highestIdx] ?? 0;
    const inputs = inputsFor(z, reserve, letters);
    const min = Math.floor((z.fields.min ?? 0) / pageKb);
    const low = Math.floor((z.fields.low ?? 0) / pageKb);
    const high = Math.floor((z.fields.high ?? 0) / pageKb);
    const checks: ModeCheck[] = (['2015', '6.1'] as const).map((mode) => {
      const f = mode === '6.1' ? explainWatermark61 : explainWatermark2015;
      return { mode, atMin: f(inputs, r.order, min, flags), atLow: f(inputs, r.order, low, flags) };
    });
    const nrFree = z.buddy?.nrFree ?? [];
    const orders = nrFree.length;
    return {
      zone: z.name,
      eligible: eligible.has(z.name),
      freePages: inputs.freePages,
      minPages: min,
      lowPages: low,
      highPages: high,
      managedPages: z.fields.managed === undefined ? null : Math.floor(z.fields.managed / pageKb),
      lowmemReserve: reserve,
      buddyPages: z.buddy ? nrFree.reduce((s, n, o) => s + n * 2 ** o, 0) : null,
      nrFree,
      types: z.buddy?.types ?? [],
      checks,
      unusableIndex: Array.from({ length: orders }, (_, o) => unusableFreeIndex(nrFree, o)),
      extfragIndex: Array.from({ length: orders }, (_, o) => fragmentationIndex(nrFree, o)),
    };
  });
  const usable = zones.filter((z) => z.eligible);
  const verdictFor = (mode: KernelMode) => {
    const atMin = usable.some((z) => z.checks.find((c) => c.mode === mode)!.atMin.ok);
    const atLow = usable.some((z) => z.checks.find((c) => c.mode === mode)!.atLow.ok);
    const summary = atLow
      ? `passes at the low watermark: the fast path allocates at once`
      : atMin
        ? `fails at low, passes at min: kswapd is woken and the slow path's first try succeeds`
        : `fails at min in every usable zone: the slow path must reclaim or compact`;
    return { passesAtMin: atMin, passesAtLow: atLow, summary };
  };
  const verdict = { '2015': verdictFor('2015'), '6.1': verdictFor('6.1') };
  return {
    kind: r.kind,
    comm: r.comm,
    order: r.order,
    gfpMask: r.gfpMask,
    gfp,
    kernelVersion: r.kernelVersion,
    kernelCheck,
    zones,
    verdict,
    reasons: reasons(r, gfp, usable, verdict, kernelCheck),
  };
}

function reasons(
  r: PageAllocFailure,
  gfp: GfpDecoded,
  usable: readonly PafZoneVerdict[],
  verdict: PafExplanation['verdict'],
  kernelCheck: KernelMode | null,
): string[] {
  const out: string[] = [];
  const n = r.order;
  if (usable.length === 0) {
    out.push('no zone of the report is usable by this request (or the report has no zone lines)');
    return out;
  }
  for (const z of usable) {
    const c15 = z.checks.find((c) => c.mode === '2015')!.atMin;
    const c61 = z.checks.find((c) => c.mode === '6.1')!.atMin;
    const bigPages = z.nrFree.reduce((s, cnt, o) => (o >= n ? s + cnt * 2 ** o : s), 0);
    const bigBlocks = z.nrFree.reduce((s, cnt, o) => (o >= n ? s + cnt : s), 0);
    if (c15.failedAt === 'order-step' && c61.ok) {
      out.push(
        `${z.zone}: fragmentation, not lack of memory — ${z.freePages} pages free, but only ${bigBlocks} block(s) of ` +
          `order >= ${n} (${bigPages} pages). The 2015 check wants the pages in blocks of order >= ${n} to exceed ` +
          `min >> ${n} = ${z.minPages >> n}; the 6.1 check only wants one such block.`,
      );
    } else if (c15.failedAt === 'order-0' || c61.failedAt === 'order-0') {
      out.push(
        `${z.zone}: not enough free memory — ${z.freePages} pages free against min ${z.minPages}` +
          (z.lowmemReserve ? ` + lowmem_reserve ${z.lowmemReserve}` : '') +
          '.',
      );
    } else if (c61.failedAt === 'no-block') {
      out.push(
        `${z.zone}: no free block of order >= ${n} on a usable list: only compaction (or luck in reclaim) can make one.`,
      );
    }
  }
  if (gfp.dma)
    out.push(
      '__GFP_DMA makes this a lowmem-only request: the OOM killer is not used for it (__alloc_pages_may_oom skips ' +
        'high_zoneidx < ZONE_NORMAL), so once reclaim stops making progress the allocation fails instead of looping.',
    );
  if (
    n <= PAGE_ALLOC_COSTLY_ORDER &&
    !gfp.dma &&
    gfp.noretry !== true &&
    r.kind === 'page-allocation-failure'
  ) {
    out.push(
      kernelCheck === '2015'
        ? `order ${n} <= PAGE_ALLOC_COSTLY_ORDER is "too small to fail" in this kernel: it loops until success or an OOM kill, so a failure needs __GFP_NORETRY, a non-blocking context, or a fatal signal.`
        : `order ${n} <= PAGE_ALLOC_COSTLY_ORDER: 6.1 retries (16 reclaim loops, compaction up to SYNC_FULL) and then calls the OOM killer rather than fail.`,
    );
  }
  if (r.kind === 'oom-killer')
    out.push(`the OOM killer ran for this order-${n} request: reclaim and compaction had given up.`);
  if (r.freeSwapKb === 0 && (r.totalSwapKb ?? 0) > 0)
    out.push(
      `swap is full (Free swap = 0kB of ${r.totalSwapKb}kB): anonymous pages cannot be reclaimed, only page cache.`,
    );
  if (verdict['2015'].passesAtMin !== verdict['6.1'].passesAtMin)
    out.push(
      verdict['6.1'].passesAtMin
        ? 'The two modes disagree: the 2015 check rejects this request, the 6.1 check accepts it with the same free lists.'
        : 'The two modes disagree: the 2015 check accepts this request, the 6.1 check rejects it.',
    );
  return out;
}

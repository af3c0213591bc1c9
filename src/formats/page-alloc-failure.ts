// Reads a kernel "page allocation failure" report (mm/page_alloc.c warn_alloc() + __show_mem()), or
// an OOM-killer report that carries the same Mem-Info dump (mm/oom_kill.c dump_header()).
//
//   sManagerService: page allocation failure: order:2, mode:0x2000d1
//   CPU: 5 PID: 1361 Comm: sManagerService Tainted: G        W       4.1.18-g09f547b #1
//   Mem-Info:
//   DMA free:470628kB min:6800kB low:29116kB high:30816kB ... managed:3307056kB ... free_cma:0kB ...
//   lowmem_reserve[]: 0 415 415
//   DMA: 68324*4kB (UEM) 24706*8kB (UER) 2*16kB (U) 0*32kB 0*64kB ... 0*4096kB = 470976kB
//
// Also: "coretemp-sensor invoked oom-killer: gfp_mask=0x27000c0(GFP_KERNEL_ACCOUNT|__GFP_NOTRACK),
// order=2, oom_score_adj=0", the 2.6-era "page allocation failure. order:1, mode:0x20", a "Node N "
// prefix on zone and buddy lines (CONFIG_NUMA), dmesg/logcat/syslog prefixes, Mem-Info continuation
// lines that carry no prefix at all, rsyslog's "#012" for the newlines inside one printk, CRLF.
// The report is a snapshot taken at slightly different moments: a zone's "free:" and the sum of
// its buddy line often differ by a few pages (a notice).
import { type Diagnostic, diag } from '../base/diag.ts';
import type { ParseOutput } from '../base/result.ts';
import { splitLines } from '../base/text.ts';
import { splitSyslogEscapes, stripLogPrefix } from './log-prefix.ts';

export interface PafBuddyLine {
  /** Free blocks per order, order 0 first. */
  readonly nrFree: readonly number[];
  /** show_migration_types() letters per order ("UEM"), "" when none printed. */
  readonly types: readonly string[];
  /** The "= NkB" total, when printed. */
  readonly totalKb: number | null;
  /** Size of an order-0 block in kB (4 with 4 KB pages). */
  readonly pageKb: number;
  readonly line: number;
}

export interface PafZone {
  readonly node: number | null;
  readonly name: string;
  /** Every "key:value" of the zone line; kB values in kB, the rest as printed. */
  readonly fields: Readonly<Record<string, number>>;
  readonly lowmemReserve: readonly number[] | null;
  readonly buddy: PafBuddyLine | null;
  readonly line: number;
}

export interface PageAllocFailure {
  readonly kind: 'page-allocation-failure' | 'oom-killer';
  readonly comm: string | null;
  readonly order: number;
  readonly gfpMask: number;
  /** Flag names the kernel printed after the mask (>= 4.6 kernels), else null. */
  readonly gfpNames: readonly string[] | null;
  readonly kernelVersion: string | null;
  /** Functions of the call trace, innermost first. */
  readonly callTrace: readonly string[];
  /** Mem-Info summary counters (pages). */
  readonly memInfo: Readonly<Record<string, number>>;
  readonly zones: readonly PafZone[];
  readonly pagesRam: number | null;
  readonly pagesReserved: number | null;
  readonly pagesCmaReserved: number | null;
  readonly freeSwapKb: number | null;
  readonly totalSwapKb: number | null;
  readonly line: number;
}

const FAIL_HDR =
  /^(?:(.*?):\s+)?page allocation failure[:.]\s*order:(\d+),\s*mode:(0x[0-9a-fA-F]+)(?:\(([^)]*)\))?/;
const OOM_HDR =
  /^(.*?)\s+invoked oom-killer:\s*gfp_mask=(0x[0-9a-fA-F]+)(?:\(([^)]*)\))?,(?:\s*nodemask=[^,]*,)?\s*order=(-?\d+)/;
const VERSION = /(?:Tainted:[^#]*?|Not tainted)\s+(\d+\.\d+[^\s]*)\s+#/;
const ZONE_LINE = /^(?:Node (\d+) )?([A-Za-z][A-Za-z0-9]*) free:(\d+)kB\s+(?:boost:\d+kB\s+)?min:\d+kB/;
const BUDDY_LINE =
  /^(?:Node (\d+) )?([A-Za-z][A-Za-z0-9]*): ((?:\d+\*\d+kB\s*(?:\([A-Z]+\)\s*)?)+)(?:=\s*(\d+)kB)?\s*$/;
const BUDDY_CELL = /(\d+)\*(\d+)kB\s*(?:\(([A-Z]+)\))?/g;
const RESERVE_LINE = /^lowmem_reserve\[\]:((?:\s+\d+)*)\s*$/;
const KV = /([A-Za-z_][A-Za-z0-9_]*(?:\([a-z]+\))?):(-?\d+)(kB|KB)?/g;
const TRACE_FN = /(?:\[<[0-9a-f]+>\]\s*|^\s*)(?:\?\s*)?([A-Za-z_][A-Za-z0-9_.]*)\+0x[0-9a-f]+\/0x[0-9a-f]+/;

export function sniffPageAllocFailure(text: string): boolean {
  const head = text.slice(0, 65536);
  return (
    /page allocation failure[:.]\s*order:\d+/.test(head) || /invoked oom-killer:\s*gfp_mask=0x/.test(head)
  );
}

export function parsePageAllocFailure(text: string, file = '<input>'): ParseOutput<PageAllocFailure> {
  const diagnostics: Diagnostic[] = [];
  const lines = splitLines(text).flatMap((l) =>
    splitSyslogEscapes(stripLogPrefix(l.text)).map((part) => ({ no: l.no, body: part.trim() })),
  );
  const hdrIdx = lines.findIndex((l) => FAIL_HDR.test(l.body) || OOM_HDR.test(l.body));
  if (hdrIdx < 0) {
    diagnostics.push(
      diag(
        'page-alloc-failure/no-header',
        'error',
        'no "page allocation failure: order:N, mode:0x..." or "invoked oom-killer: gfp_mask=..." line',
        { file, line: 1 },
        'a kernel warning as printed by warn_alloc() or the OOM killer',
      ),
    );
    return { value: undefined, diagnostics };
  }
  const hdr = lines[hdrIdx]!;
  let kind: PageAllocFailure['kind'];
  let comm: string | null;
  let order: number;
  let gfpMask: number;
  let gfpNames: string[] | null;
  const f = FAIL_HDR.exec(hdr.body);
  if (f) {
    kind = 'page-allocation-failure';
    comm = f[1] ?? null;
    order = Number(f[2]);
    gfpMask = Number.parseInt(f[3]!, 16);
    gfpNames = f[4] ? f[4].split('|') : null;
  } else {
    const o = OOM_HDR.exec(hdr.body)!;
    kind = 'oom-killer';
    comm = o[1] ?? null;
    gfpMask = Number.parseInt(o[2]!, 16);
    gfpNames = o[3] ? o[3].split('|') : null;
    order = Number(o[4]);
  }
  let kernelVersion: string | null = null;
  const callTrace: string[] = [];
  const memInfo: Record<string, number> = {};
  const zones: {
    node: number | null;
    name: string;
    fields: Record<string, number>;
    lowmemReserve: number[] | null;
    buddy: PafBuddyLine | null;
    line: number;
  }[] = [];
  let pagesRam: number | null = null;
  let pagesReserved: number | null = null;
  let pagesCmaReserved: number | null = null;
  let freeSwapKb: number | null = null;
  let totalSwapKb: number | null = null;
  let inMemInfo = false;
  let lastZone: (typeof zones)[number] | undefined;
  for (let i = hdrIdx + 1; i < lines.length; i++) {
    const { no, body } = lines[i]!;
    if (body === '') continue;
    // A second report ends this one.
    if (FAIL_HDR.test(body) || OOM_HDR.test(body)) break;
    let m: RegExpExecArray | null;
    if (kernelVersion === null && (m = VERSION.exec(body))) {
      kernelVersion = m[1]!;
      continue;
    }
    if (!inMemInfo && zones.length === 0 && (m = TRACE_FN.exec(body)) && !body.includes(':' + ' ')) {
      callTrace.push(m[1]!);
      continue;
    }
    if (body.startsWith('Mem-Info:')) {
      inMemInfo = true;
      continue;
    }
    if ((m = ZONE_LINE.exec(body))) {
      inMemInfo = false;
      const fields: Record<string, number> = {};
      for (const kv of body.matchAll(KV)) fields[kv[1]!] = Number(kv[2]);
      const name = m[2]!;
      const existing = zones.find(
        (z) => z.name === name && z.node === (m![1] === undefined ? null : Number(m![1])),
      );
      if (existing) {
        Object.assign(existing.fields, fields);
        lastZone = existing;
      } else {
        lastZone = {
          node: m[1] === undefined ? null : Number(m[1]),
          name,
          fields,
          lowmemReserve: null,
          buddy: null,
          line: no,
        };
        zones.push(lastZone);
      }
      continue;
    }
    if ((m = RESERVE_LINE.exec(body))) {
      const vals = m[1]!.trim() === '' ? [] : m[1]!.trim().split(/\s+/).map(Number);
      if (lastZone && lastZone.lowmemReserve === null) lastZone.lowmemReserve = vals;
      else
        diagnostics.push(
          diag(
            'page-alloc-failure/orphan-reserve',
            'notice',
            'lowmem_reserve[] line without a zone line before it',
            {
              file,
              line: no,
            },
          ),
        );
      continue;
    }
    if ((m = BUDDY_LINE.exec(body))) {
      const buddy = parseBuddyCells(m[3]!, m[4], no, file, diagnostics);
      const node = m[1] === undefined ? null : Number(m[1]);
      let z = zones.find((x) => x.name === m![2] && (x.node === node || node === null || x.node === null));
      if (!z) {
        z = { node, name: m[2]!, fields: {}, lowmemReserve: null, buddy: null, line: no };
        zones.push(z);
        diagnostics.push(
          diag(
            'page-alloc-failure/buddy-without-zone',
            'notice',
            `buddy line for zone ${m[2]} without its zone line`,
            {
              file,
              line: no,
            },
          ),
        );
      }
      z.buddy = buddy;
      continue;
    }
    if ((m = /^(\d+) pages RAM$/.exec(body))) pagesRam = Number(m[1]);
    else if ((m = /^(\d+) pages reserved$/.exec(body))) pagesReserved = Number(m[1]);
    else if ((m = /^(\d+) pages cma reserved$/.exec(body))) pagesCmaReserved = Number(m[1]);
    else if ((m = /^Free swap\s*=\s*(\d+)kB$/.exec(body))) freeSwapKb = Number(m[1]);
    else if ((m = /^Total swap\s*=\s*(\d+)kB$/.exec(body))) totalSwapKb = Number(m[1]);
    else if (/^(?:Node \d+ )?\w+ per-cpu:$|^CPU\s+\d+: hi:\s*\d+, btch:/.test(body)) {
      // Pre-3.16 per-CPU pageset lines ("Node 0 DMA per-cpu:", "CPU    0: hi:    0, btch:   1 usd:   0")
      // sit between "Mem-Info:" and the summary counters.
    } else if (/^Node \d+ [a-z_]+:/.test(body)) {
      // 4.8+ per-node counters ("Node 0 active_anon:2624456kB ..."): kB, not the summary's pages.
    } else if (inMemInfo) {
      let any = false;
      for (const kv of body.matchAll(KV)) {
        memInfo[kv[1]!] = Number(kv[2]);
        any = true;
      }
      if (!any) inMemInfo = false;
    }
  }
  if (zones.length === 0)
    diagnostics.push(
      diag(
        'page-alloc-failure/no-zones',
        'data-loss',
        'no per-zone "NAME free:NkB min:NkB ..." lines: watermarks cannot be checked',
        { file, line: hdr.no },
        'the Mem-Info block that follows the warning',
      ),
    );
  for (const z of zones) {
    if (z.buddy === null)
      diagnostics.push(
        diag(
          'page-alloc-failure/no-buddy-line',
          'notice',
          `zone ${z.name} has no "${z.name}: N*4kB ..." free-list line`,
          {
            file,
            line: z.line,
          },
        ),
      );
    if (z.fields.free === undefined || z.fields.min === undefined)
      diagnostics.push(
        diag('page-alloc-failure/bad-zone-line', 'data-loss', `zone ${z.name} lacks free: or min:`, {
          file,
          line: z.line,
        }),
      );
  }
  return {
    value: {
      kind,
      comm,
      order,
      gfpMask,
      gfpNames,
      kernelVersion,
      callTrace,
      memInfo,
      zones,
      pagesRam,
      pagesReserved,
      pagesCmaReserved,
      freeSwapKb,
      totalSwapKb,
      line: hdr.no,
    },
    diagnostics,
  };
}

function parseBuddyCells(
  cells: string,
  total: string | undefined,
  line: number,
  file: string,
  diagnostics: Diagnostic[],
): PafBuddyLine {
  const nrFree: number[] = [];
  const types: string[] = [];
  let pageKb = 0;
  let sumKb = 0;
  for (const c of cells.matchAll(BUDDY_CELL)) {
    const count = Number(c[1]);
    const sizeKb = Number(c[2]);
    if (pageKb === 0) pageKb = sizeKb;
    const order = Math.round(Math.log2(sizeKb / pageKb));
    if (sizeKb !== pageKb * 2 ** order || order !== nrFree.length)
      diagnostics.push(
        diag('page-alloc-failure/buddy-order', 'data-loss', `block size ${sizeKb}kB out of sequence`, {
          file,
          line,
        }),
      );
    nrFree.push(count);
    types.push(c[3] ?? '');
    sumKb += count * sizeKb;
  }
  const totalKb = total === undefined ? null : Number(total);
  if (totalKb !== null && totalKb !== sumKb)
    diagnostics.push(
      diag(
        'page-alloc-failure/buddy-total',
        'notice',
        `blocks add up to ${sumKb}kB, line says ${totalKb}kB`,
        {
          file,
          line,
        },
      ),
    );
  return { nrFree, types, totalKb, pageKb: pageKb || 4, line };
}

/** What a GFP mask asks for, decoded as far as the kernel version allows. */
export interface GfpDecoded {
  readonly names: readonly string[];
  /** Bit layout used: the printed names, 6.x gfp_types.h, the 2.6-4.3 layout, or zone bits only. */
  readonly layout: 'printed' | '6.x' | '3.x-4.3' | 'zone-bits';
  readonly dma: boolean;
  readonly dma32: boolean;
  readonly highmem: boolean;
  readonly movable: boolean;
  readonly reclaimable: boolean;
  readonly directReclaim: boolean | null;
  readonly kswapdReclaim: boolean | null;
  readonly high: boolean | null;
  readonly atomic: boolean | null;
  readonly fs: boolean | null;
  readonly io: boolean | null;
  readonly noretry: boolean | null;
  readonly retryMayfail: boolean | null;
  readonly nofail: boolean | null;
}

/** include/linux/gfp_types.h (6.1) bit -> name. */
const GFP_6X: readonly [number, string][] = [
  [0x01, '__GFP_DMA'],
  [0x02, '__GFP_HIGHMEM'],
  [0x04, '__GFP_DMA32'],
  [0x08, '__GFP_MOVABLE'],
  [0x10, '__GFP_RECLAIMABLE'],
  [0x20, '__GFP_HIGH'],
  [0x40, '__GFP_IO'],
  [0x80, '__GFP_FS'],
  [0x100, '__GFP_ZERO'],
  [0x200, '__GFP_ATOMIC'],
  [0x400, '__GFP_DIRECT_RECLAIM'],
  [0x800, '__GFP_KSWAPD_RECLAIM'],
  [0x1000, '__GFP_WRITE'],
  [0x2000, '__GFP_NOWARN'],
  [0x4000, '__GFP_RETRY_MAYFAIL'],
  [0x8000, '__GFP_NOFAIL'],
  [0x10000, '__GFP_NORETRY'],
  [0x20000, '__GFP_MEMALLOC'],
  [0x40000, '__GFP_COMP'],
  [0x80000, '__GFP_NOMEMALLOC'],
  [0x100000, '__GFP_HARDWALL'],
  [0x200000, '__GFP_THISNODE'],
  [0x400000, '__GFP_ACCOUNT'],
  [0x800000, '__GFP_ZEROTAGS'],
];

/**
 * The 2.6-4.3 layout (include/linux/gfp.h of those kernels, from the 3.x/4.1 headers as remembered,
 * not re-read here). paf-001's 0x2000d1 decodes to GFP_KERNEL|__GFP_NOTRACK|__GFP_DMA, which is
 * 4.1's THREADINFO_GFP plus the vendor's __GFP_DMA, as the thread says.
 */
const GFP_OLD: readonly [number, string][] = [
  [0x01, '__GFP_DMA'],
  [0x02, '__GFP_HIGHMEM'],
  [0x04, '__GFP_DMA32'],
  [0x08, '__GFP_MOVABLE'],
  [0x10, '__GFP_WAIT'],
  [0x20, '__GFP_HIGH'],
  [0x40, '__GFP_IO'],
  [0x80, '__GFP_FS'],
  [0x100, '__GFP_COLD'],
  [0x200, '__GFP_NOWARN'],
  [0x400, '__GFP_REPEAT'],
  [0x800, '__GFP_NOFAIL'],
  [0x1000, '__GFP_NORETRY'],
  [0x2000, '__GFP_MEMALLOC'],
  [0x4000, '__GFP_COMP'],
  [0x8000, '__GFP_ZERO'],
  [0x10000, '__GFP_NOMEMALLOC'],
  [0x20000, '__GFP_HARDWALL'],
  [0x40000, '__GFP_THISNODE'],
  [0x80000, '__GFP_RECLAIMABLE'],
  [0x200000, '__GFP_NOTRACK'],
  [0x400000, '__GFP_NO_KSWAPD'],
];

/** Composite names the kernel prints (include/linux/gfp_types.h) and what they mean. */
const COMPOSITES: Readonly<Record<string, readonly string[]>> = {
  GFP_KERNEL: ['__GFP_DIRECT_RECLAIM', '__GFP_KSWAPD_RECLAIM', '__GFP_IO', '__GFP_FS'],
  GFP_KERNEL_ACCOUNT: [
    '__GFP_DIRECT_RECLAIM',
    '__GFP_KSWAPD_RECLAIM',
    '__GFP_IO',
    '__GFP_FS',
    '__GFP_ACCOUNT',
  ],
  GFP_ATOMIC: ['__GFP_HIGH', '__GFP_ATOMIC', '__GFP_KSWAPD_RECLAIM'],
  GFP_NOWAIT: ['__GFP_KSWAPD_RECLAIM'],
  GFP_NOIO: ['__GFP_DIRECT_RECLAIM', '__GFP_KSWAPD_RECLAIM'],
  GFP_NOFS: ['__GFP_DIRECT_RECLAIM', '__GFP_KSWAPD_RECLAIM', '__GFP_IO'],
  GFP_USER: ['__GFP_DIRECT_RECLAIM', '__GFP_KSWAPD_RECLAIM', '__GFP_IO', '__GFP_FS', '__GFP_HARDWALL'],
  GFP_HIGHUSER: [
    '__GFP_DIRECT_RECLAIM',
    '__GFP_KSWAPD_RECLAIM',
    '__GFP_IO',
    '__GFP_FS',
    '__GFP_HARDWALL',
    '__GFP_HIGHMEM',
  ],
  GFP_HIGHUSER_MOVABLE: [
    '__GFP_DIRECT_RECLAIM',
    '__GFP_KSWAPD_RECLAIM',
    '__GFP_IO',
    '__GFP_FS',
    '__GFP_HARDWALL',
    '__GFP_HIGHMEM',
    '__GFP_MOVABLE',
  ],
  GFP_DMA: ['__GFP_DMA'],
  GFP_DMA32: ['__GFP_DMA32'],
  GFP_TRANSHUGE_LIGHT: [
    '__GFP_HIGHMEM',
    '__GFP_MOVABLE',
    '__GFP_HARDWALL',
    '__GFP_COMP',
    '__GFP_NOMEMALLOC',
    '__GFP_NOWARN',
  ],
  GFP_TRANSHUGE: [
    '__GFP_HIGHMEM',
    '__GFP_MOVABLE',
    '__GFP_HARDWALL',
    '__GFP_COMP',
    '__GFP_NOMEMALLOC',
    '__GFP_NOWARN',
    '__GFP_DIRECT_RECLAIM',
  ],
  __GFP_RECLAIM: ['__GFP_DIRECT_RECLAIM', '__GFP_KSWAPD_RECLAIM'],
};

function majorMinor(v: string | null): [number, number] | null {
  const m = v === null ? null : /^(\d+)\.(\d+)/.exec(v);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** Decodes a GFP mask: printed names when the kernel gave them, else by the version's bit layout. */
export function decodeGfp(
  mask: number,
  printed: readonly string[] | null,
  kernelVersion: string | null,
): GfpDecoded {
  let names: string[];
  let layout: GfpDecoded['layout'];
  const mm = majorMinor(kernelVersion);
  if (printed !== null && printed.length > 0) {
    names = [...printed];
    layout = 'printed';
  } else if (mm !== null && (mm[0] < 4 || (mm[0] === 4 && mm[1] < 4))) {
    names = bitsToNames(mask, GFP_OLD);
    layout = '3.x-4.3';
  } else if (mm !== null && mm[0] >= 6) {
    names = bitsToNames(mask, GFP_6X);
    layout = '6.x';
  } else {
    names = bitsToNames(mask & 0x0f, GFP_6X);
    if (mask & ~0x0f) names.push(`0x${(mask & ~0x0f).toString(16)}(not decoded for this kernel version)`);
    layout = 'zone-bits';
  }
  const flat = new Set<string>();
  for (const n of names) for (const x of COMPOSITES[n] ?? [n]) flat.add(x);
  const has = (n: string) => flat.has(n);
  const known = layout !== 'zone-bits';
  const old = layout === '3.x-4.3' || (layout === 'printed' && has('__GFP_WAIT'));
  return {
    names,
    layout,
    dma: has('__GFP_DMA') || (mask & 0x01) !== 0,
    dma32: has('__GFP_DMA32') || (mask & 0x04) !== 0,
    highmem: has('__GFP_HIGHMEM') || (mask & 0x02) !== 0,
    movable: has('__GFP_MOVABLE') || (mask & 0x08) !== 0,
    reclaimable: has('__GFP_RECLAIMABLE'),
    directReclaim: known ? has('__GFP_DIRECT_RECLAIM') || has('__GFP_WAIT') : null,
    kswapdReclaim: known ? has('__GFP_KSWAPD_RECLAIM') || (old && !has('__GFP_NO_KSWAPD')) : null,
    high: known ? has('__GFP_HIGH') : null,
    atomic: known ? has('__GFP_ATOMIC') || (old && !has('__GFP_WAIT')) : null,
    fs: known ? has('__GFP_FS') : null,
    io: known ? has('__GFP_IO') : null,
    noretry: known ? has('__GFP_NORETRY') : null,
    retryMayfail: known ? has('__GFP_RETRY_MAYFAIL') || has('__GFP_REPEAT') : null,
    nofail: known ? has('__GFP_NOFAIL') : null,
  };
}

function bitsToNames(mask: number, table: readonly [number, string][]): string[] {
  const out: string[] = [];
  let rest = mask;
  for (const [bit, name] of table) {
    if (mask & bit) {
      out.push(name);
      rest &= ~bit;
    }
  }
  if (rest) out.push(`0x${rest.toString(16)}`);
  return out;
}

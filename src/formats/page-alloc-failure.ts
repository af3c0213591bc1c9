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
import { readNumber, takeNumber } from '../base/number.ts';
import type { ParseOutput } from '../base/result.ts';
import { splitLines } from '../base/text.ts';
import { MAX_NODE, MAX_PRINTED_ORDERS } from './buddyinfo.ts';
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

// Every recognizer below is anchored or a one-pass scanner: a Mem-Info line can be any length in a
// damaged copy, and an unanchored pattern with a leading quantifier rescans it from every offset.
const FAIL_TAIL = /[:.]\s*order:(\d+),\s*mode:(0x[0-9a-fA-F]+)(?:\(([^)]*)\))?/y;
const OOM_TAIL = /\s*gfp_mask=(0x[0-9a-fA-F]+)(?:\(([^)]*)\))?,(?:\s*nodemask=[^,]*,)?\s*order=(-?\d+)/y;
const FAIL_WORDS = 'page allocation failure';
const OOM_WORDS = ' invoked oom-killer:';
const ZONE_LINE = /^(?:Node (\d+) )?([A-Za-z][A-Za-z0-9]*) free:(\d+)kB\s+(?:boost:\d+kB\s+)?min:\d+kB/;
const BUDDY_HEAD = /^(?:Node (\d+) )?([A-Za-z][A-Za-z0-9]*): /;
const BUDDY_CELL = /^(\d+)\*(\d+)kB$/;
const TYPES_CELL = /^\(([A-Z]+)\)$/;
const RESERVE_LINE = /^lowmem_reserve\[\]:((?:\s+\d+)*)\s*$/;
const TRACE_FN = /(?:\[<[0-9a-f]+>\]\s*|^\s*)(?:\?\s*)?([A-Za-z_][A-Za-z0-9_.]*)\+0x[0-9a-f]+\/0x[0-9a-f]+/;
/** Orders a show_free_areas() buddy line may print (MAX_ORDER <= 16 on arm64, 11 on most). */
const MAX_BUDDY_CELLS = MAX_PRINTED_ORDERS;

interface Header {
  readonly kind: PageAllocFailure['kind'];
  readonly comm: string | null;
  readonly order: string;
  readonly mask: string;
  readonly names: string | undefined;
}

/** "COMM: page allocation failure: order:N, mode:0x..(..)" or "COMM invoked oom-killer: gfp_mask=..., order=N". */
function readHeader(body: string): Header | null {
  const f = body.indexOf(FAIL_WORDS);
  if (f >= 0) {
    // Either the line starts with the words or "COMM: " comes before them.
    const before = body.slice(0, f);
    const comm = before.trimEnd();
    const commOk = f === 0 || (comm.endsWith(':') && comm.length < before.length && comm.length > 1);
    FAIL_TAIL.lastIndex = f + FAIL_WORDS.length;
    const m = commOk ? FAIL_TAIL.exec(body) : null;
    if (m)
      return {
        kind: 'page-allocation-failure',
        comm: f === 0 ? null : comm.slice(0, -1),
        order: m[1]!,
        mask: m[2]!,
        names: m[3],
      };
  }
  const o = body.indexOf(OOM_WORDS);
  if (o > 0) {
    OOM_TAIL.lastIndex = o + OOM_WORDS.length;
    const m = OOM_TAIL.exec(body);
    const comm = body.slice(0, o).trimEnd();
    if (m && comm !== '') return { kind: 'oom-killer', comm, order: m[3]!, mask: m[1]!, names: m[2] };
  }
  return null;
}

/** "... Tainted: G W 4.1.18-g09f547b #1" or "... Not tainted 6.1.0 #1": the release before "#". */
function readKernelVersion(body: string): string | null {
  let at = body.indexOf('Tainted:');
  if (at < 0) at = body.indexOf('Not tainted');
  if (at < 0) return null;
  const words = body.slice(at).split(/\s+/);
  for (let i = 1; i + 1 < words.length; i++) {
    const w = words[i]!;
    if (w.includes('#')) return null;
    if (words[i + 1]!.startsWith('#') && /^\d+\.\d/.test(w)) return w;
  }
  return null;
}

/**
 * Every "key:value" of a Mem-Info line (kB values stay in kB): a key is [A-Za-z_][A-Za-z0-9_]*
 * with an optional "(anon)", the value a decimal integer, optionally followed by kB or KB.
 */
export function memInfoPairs(body: string): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  let from = 0;
  for (let colon = body.indexOf(':'); colon >= 0; colon = body.indexOf(':', colon + 1)) {
    // Value: -?\d+ right after the colon.
    let v = colon + 1;
    if (body.charCodeAt(v) === 0x2d) v++;
    let end = v;
    while (end < body.length && isDigit(body.charCodeAt(end))) end++;
    if (end === v) continue;
    // Key: an optional "(lower)" then identifier characters, scanned back no further than the last match.
    let k = colon;
    if (body.charCodeAt(k - 1) === 0x29) {
      let p = k - 2;
      while (p >= from && isLower(body.charCodeAt(p))) p--;
      if (p < k - 2 && p >= from && body.charCodeAt(p) === 0x28) k = p;
    }
    let start = k;
    while (start > from && isIdent(body.charCodeAt(start - 1))) start--;
    while (start < k && isDigit(body.charCodeAt(start))) start++;
    if (start === k) continue;
    out.push({ key: body.slice(start, colon), value: body.slice(colon + 1, end) });
    from = end;
  }
  return out;
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isLower = (c: number) => c >= 0x61 && c <= 0x7a;
const isIdent = (c: number) => isDigit(c) || isLower(c) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;

/** "DMA: 68324*4kB (UEM) 24706*8kB (UER) ... = 470976kB" split into its cells, or null. */
function readBuddyLine(body: string): {
  node: string | undefined;
  zone: string;
  cells: { count: string; size: string; types: string }[];
  total: string | undefined;
} | null {
  const h = BUDDY_HEAD.exec(body);
  if (!h) return null;
  const words = body.slice(h[0].length).trim().split(/\s+/);
  const cells: { count: string; size: string; types: string }[] = [];
  let total: string | undefined;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const c = BUDDY_CELL.exec(w);
    if (c && total === undefined) {
      const t = TYPES_CELL.exec(words[i + 1] ?? '');
      if (t) i++;
      cells.push({ count: c[1]!, size: c[2]!, types: t?.[1] ?? '' });
      continue;
    }
    // "= 470976kB" or "=470976kB" ends the line.
    const rest = w === '=' ? words[++i] : w.startsWith('=') ? w.slice(1) : undefined;
    if (rest === undefined || cells.length === 0 || i !== words.length - 1 || !rest.endsWith('kB'))
      return null;
    total = rest.slice(0, -2);
    if (!/^\d+$/.test(total)) return null;
  }
  return cells.length === 0 ? null : { node: h[1], zone: h[2]!, cells, total };
}

export function sniffPageAllocFailure(text: string): boolean {
  const head = text.slice(0, 65536);
  return (
    /page allocation failure[:.]\s*order:\d+/.test(head) || /invoked oom-killer:\s*gfp_mask=0x/.test(head)
  );
}

export function parsePageAllocFailure(
  text: string,
  file = '<input>',
  firstLine = 1,
): ParseOutput<PageAllocFailure> {
  const diagnostics: Diagnostic[] = [];
  const lines = splitLines(text, firstLine).flatMap((l) =>
    splitSyslogEscapes(stripLogPrefix(l.text)).map((part) => ({ no: l.no, body: part.trim() })),
  );
  let hdrIdx = -1;
  let h: Header | null = null;
  for (let i = 0; i < lines.length && h === null; i++) if ((h = readHeader(lines[i]!.body))) hdrIdx = i;
  if (h === null) {
    diagnostics.push(
      diag(
        'page-alloc-failure/no-header',
        'error',
        'no "page allocation failure: order:N, mode:0x..." or "invoked oom-killer: gfp_mask=..." line',
        { file, line: firstLine },
        'a kernel warning as printed by warn_alloc() or the OOM killer',
      ),
    );
    return { value: undefined, diagnostics };
  }
  const hdr = lines[hdrIdx]!;
  const at = { file, line: hdr.no };
  const num = (
    t: string,
    what: string,
    min = 0,
    max = Number.MAX_SAFE_INTEGER,
    syntax: 'dec' | 'hex' = 'dec',
  ) =>
    readNumber(t, { code: 'page-alloc-failure/bad-number', what, min, max, syntax, severity: 'error' }, at);
  // order=-1 is the OOM killer invoked by sysrq or a memcg, not by an allocation.
  const order = num(h.order, 'order', h.kind === 'oom-killer' ? -1 : 0, 63);
  // gfp_t is an unsigned int.
  const gfpMask = num(h.mask, 'GFP mask', 0, 0xffffffff, 'hex');
  if (!order.ok || !gfpMask.ok) {
    diagnostics.push(order.ok ? (gfpMask as { error: Diagnostic }).error : order.error);
    return { value: undefined, diagnostics };
  }
  const body = readBody(lines, hdrIdx + 1, file, diagnostics);
  if (body.zones.length === 0)
    diagnostics.push(
      diag(
        'page-alloc-failure/no-zones',
        'data-loss',
        'no per-zone "NAME free:NkB min:NkB ..." lines: watermarks cannot be checked',
        { file, line: hdr.no },
        'the Mem-Info block that follows the warning',
      ),
    );
  for (const z of body.zones) {
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
      kind: h.kind,
      comm: h.comm,
      order: order.value,
      gfpMask: gfpMask.value,
      gfpNames: h.names ? h.names.split('|') : null,
      ...body,
      line: hdr.no,
    },
    diagnostics,
  };
}

type ZoneDraft = {
  node: number | null;
  name: string;
  fields: Record<string, number>;
  lowmemReserve: number[] | null;
  buddy: PafBuddyLine | null;
  line: number;
};

type Body = Omit<PageAllocFailure, 'kind' | 'comm' | 'order' | 'gfpMask' | 'gfpNames' | 'line'>;

/** The lines after the header, up to the next report: version, call trace, Mem-Info, zones. */
function readBody(
  lines: readonly { no: number; body: string }[],
  from: number,
  file: string,
  diagnostics: Diagnostic[],
): Body {
  let kernelVersion: string | null = null;
  const callTrace: string[] = [];
  const memInfo: Record<string, number> = {};
  const zones: ZoneDraft[] = [];
  /** "node/name" -> zone, so a report with thousands of zone lines stays linear. */
  const byKey = new Map<string, ZoneDraft>();
  const byName = new Map<string, ZoneDraft[]>();
  const counters: Record<
    'pagesRam' | 'pagesReserved' | 'pagesCmaReserved' | 'freeSwapKb' | 'totalSwapKb',
    number | null
  > = {
    pagesRam: null,
    pagesReserved: null,
    pagesCmaReserved: null,
    freeSwapKb: null,
    totalSwapKb: null,
  };
  let inMemInfo = false;
  let lastZone: ZoneDraft | undefined;
  const addZone = (z: ZoneDraft) => {
    zones.push(z);
    byKey.set(`${z.node}/${z.name}`, z);
    const list = byName.get(z.name);
    if (list) list.push(z);
    else byName.set(z.name, [z]);
  };
  for (let i = from; i < lines.length; i++) {
    const { no, body } = lines[i]!;
    if (body === '') continue;
    // A second report ends this one.
    if (readHeader(body) !== null) break;
    const loc = { file, line: no };
    const num = (t: string, what: string) =>
      takeNumber(
        t,
        {
          code: 'page-alloc-failure/bad-number',
          what,
          max: what === 'node' ? MAX_NODE : Number.MAX_SAFE_INTEGER,
        },
        loc,
        diagnostics,
      );
    let m: RegExpExecArray | null;
    if (kernelVersion === null && body.includes('ainted')) {
      kernelVersion = readKernelVersion(body);
      if (kernelVersion !== null) continue;
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
      const node = m[1] === undefined ? null : num(m[1], 'node');
      if (node === undefined) continue;
      const fields: Record<string, number> = {};
      for (const kv of memInfoPairs(body)) {
        const v = takeNumber(
          kv.value,
          { code: 'page-alloc-failure/bad-number', what: kv.key, min: -Number.MAX_SAFE_INTEGER },
          loc,
          diagnostics,
        );
        if (v !== undefined) fields[kv.key] = v;
      }
      const name = m[2]!;
      const existing = byKey.get(`${node}/${name}`);
      if (existing) {
        Object.assign(existing.fields, fields);
        lastZone = existing;
      } else {
        lastZone = { node, name, fields, lowmemReserve: null, buddy: null, line: no };
        addZone(lastZone);
      }
      continue;
    }
    if ((m = RESERVE_LINE.exec(body))) {
      const words = m[1]!.trim() === '' ? [] : m[1]!.trim().split(/\s+/);
      const vals = words.map((w) => num(w, 'lowmem_reserve[] pages'));
      if (vals.length > MAX_ZONES_PER_NODE || vals.some((v) => v === undefined)) {
        if (vals.length > MAX_ZONES_PER_NODE)
          diagnostics.push(
            diag(
              'page-alloc-failure/bad-reserve',
              'data-loss',
              `lowmem_reserve[] has ${vals.length} entries, a node at most ${MAX_ZONES_PER_NODE} zones`,
              loc,
            ),
          );
        continue;
      }
      if (lastZone && lastZone.lowmemReserve === null) lastZone.lowmemReserve = vals as number[];
      else
        diagnostics.push(
          diag(
            'page-alloc-failure/orphan-reserve',
            'notice',
            'lowmem_reserve[] line without a zone line before it',
            loc,
          ),
        );
      continue;
    }
    const bl = readBuddyLine(body);
    if (bl !== null) {
      const buddy = parseBuddyCells(bl.cells, bl.total, no, file, diagnostics);
      const node = bl.node === undefined ? null : num(bl.node, 'node');
      if (node === undefined || buddy === null) continue;
      let z = (byName.get(bl.zone) ?? []).find((x) => x.node === node || node === null || x.node === null);
      if (!z) {
        z = { node, name: bl.zone, fields: {}, lowmemReserve: null, buddy: null, line: no };
        addZone(z);
        diagnostics.push(
          diag(
            'page-alloc-failure/buddy-without-zone',
            'notice',
            `buddy line for zone ${bl.zone} without its zone line`,
            loc,
          ),
        );
      }
      z.buddy = buddy;
      continue;
    }
    if ((m = /^(\d+) pages RAM$/.exec(body))) counters.pagesRam = num(m[1]!, 'pages RAM') ?? null;
    else if ((m = /^(\d+) pages reserved$/.exec(body)))
      counters.pagesReserved = num(m[1]!, 'pages reserved') ?? null;
    else if ((m = /^(\d+) pages cma reserved$/.exec(body)))
      counters.pagesCmaReserved = num(m[1]!, 'pages cma reserved') ?? null;
    else if ((m = /^Free swap\s*=\s*(\d+)kB$/.exec(body)))
      counters.freeSwapKb = num(m[1]!, 'free swap kB') ?? null;
    else if ((m = /^Total swap\s*=\s*(\d+)kB$/.exec(body)))
      counters.totalSwapKb = num(m[1]!, 'total swap kB') ?? null;
    else if (/^(?:Node \d+ )?\w+ per-cpu:$|^CPU\s+\d+: hi:\s*\d+, btch:/.test(body)) {
      // Pre-3.16 per-CPU pageset lines ("Node 0 DMA per-cpu:", "CPU    0: hi:    0, btch:   1 usd:   0")
      // sit between "Mem-Info:" and the summary counters.
    } else if (/^Node \d+ [a-z_]+:/.test(body)) {
      // 4.8+ per-node counters ("Node 0 active_anon:2624456kB ..."): kB, not the summary's pages.
    } else if (inMemInfo) {
      const kvs = memInfoPairs(body);
      for (const kv of kvs) {
        const v = takeNumber(
          kv.value,
          { code: 'page-alloc-failure/bad-number', what: kv.key, min: -Number.MAX_SAFE_INTEGER },
          loc,
          diagnostics,
        );
        if (v !== undefined) memInfo[kv.key] = v;
      }
      if (kvs.length === 0) inMemInfo = false;
    }
  }
  return { kernelVersion, callTrace, memInfo, zones, ...counters };
}

/** Zones of one node the kernel can have (enum zone_type: DMA, DMA32, Normal, HighMem, Movable, Device). */
const MAX_ZONES_PER_NODE = 8;

function parseBuddyCells(
  cells: readonly { count: string; size: string; types: string }[],
  total: string | undefined,
  line: number,
  file: string,
  diagnostics: Diagnostic[],
): PafBuddyLine | null {
  const loc = { file, line };
  if (cells.length > MAX_BUDDY_CELLS) {
    diagnostics.push(
      diag(
        'page-alloc-failure/buddy-order',
        'data-loss',
        `${cells.length} block sizes on one free-list line, a kernel prints at most ${MAX_BUDDY_CELLS}`,
        loc,
      ),
    );
    return null;
  }
  const nrFree: number[] = [];
  const types: string[] = [];
  let pageKb = 0;
  let sumKb = 0;
  for (const c of cells) {
    const count = takeNumber(
      c.count,
      { code: 'page-alloc-failure/bad-number', what: 'free blocks' },
      loc,
      diagnostics,
    );
    // A block is at most 2^63 bytes.
    const sizeKb = takeNumber(
      c.size,
      { code: 'page-alloc-failure/bad-number', what: 'block size kB', min: 1, max: 2 ** 53 },
      loc,
      diagnostics,
    );
    if (count === undefined || sizeKb === undefined) return null;
    if (pageKb === 0) pageKb = sizeKb;
    const order = nrFree.length;
    if (sizeKb !== pageKb * 2 ** order)
      diagnostics.push(
        diag('page-alloc-failure/buddy-order', 'data-loss', `block size ${sizeKb}kB out of sequence`, loc),
      );
    nrFree.push(count);
    types.push(c.types);
    sumKb += count * sizeKb;
  }
  const totalKb =
    total === undefined
      ? null
      : (takeNumber(total, { code: 'page-alloc-failure/bad-number', what: 'total kB' }, loc, diagnostics) ??
        null);
  if (totalKb !== null && totalKb !== sumKb)
    diagnostics.push(
      diag(
        'page-alloc-failure/buddy-total',
        'notice',
        `blocks add up to ${sumKb}kB, line says ${totalKb}kB`,
        loc,
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

/** "4.1.18-g09f547b" -> [4, 1]; null when the release is not "MAJOR.MINOR...". */
export function kernelMajorMinor(v: string | null): [number, number] | null {
  const m = v === null ? null : /^(\d+)\.(\d+)/.exec(v);
  if (!m) return null;
  const spec = { code: 'page-alloc-failure/bad-number', what: 'kernel release' };
  const major = readNumber(m[1]!, spec, { file: '<version>' });
  const minor = readNumber(m[2]!, spec, { file: '<version>' });
  return major.ok && minor.ok ? [major.value, minor.value] : null;
}

/** Decodes a GFP mask: printed names when the kernel gave them, else by the version's bit layout. */
export function decodeGfp(
  mask: number,
  printed: readonly string[] | null,
  kernelVersion: string | null,
): GfpDecoded {
  let names: string[];
  let layout: GfpDecoded['layout'];
  const mm = kernelMajorMinor(kernelVersion);
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

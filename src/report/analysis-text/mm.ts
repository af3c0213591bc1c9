// The text of the page-allocator analyzers (src/analyze/analyzers/mm.ts): free blocks per order with
// the unusable and extfrag indices (buddyinfo, pagetypeinfo), and a page allocation failure's
// watermark checks and verdict under both allocator modes.
import type { ZoneFragmentation } from '../../analyze/buddyinfo.ts';
import type { PafExplanation } from '../../analyze/page-alloc-failure.ts';
import { formatExtfragIndex, formatUnusableIndex } from '../../mm/frag-index.ts';

const mb = (pages: number, pageKb: number) => `${((pages * pageKb) / 1024).toFixed(1)} MB`;

/**
 * The files count pages, not bytes. 4 KB-page kernels print 11 orders (MAX_ORDER 11 up to 6.3);
 * other counts come from 16 KB or 64 KB pages or a configured MAX_ORDER, so no one size is right.
 */
function sizeOf(pages: number, orders: number): string {
  if (orders === 11) return `${mb(pages, 4)} with 4 KB pages`;
  return `${orders} orders, so maybe not 4 KB pages: ${mb(pages, 4)} at 4 KB, ${mb(pages, 16)} at 16 KB, ${mb(pages, 64)} at 64 KB`;
}

export function renderFragmentation(zs: readonly ZoneFragmentation[]): string {
  let s = '';
  for (const z of zs) {
    s += `Node ${z.node}, zone ${z.zone}: ${z.freePages} free pages (${sizeOf(z.freePages, z.nrFree.length)})\n`;
    const row = (label: string, cells: readonly string[]) =>
      `  ${label.padEnd(15)}${cells.map((c) => c.padStart(7)).join('')}\n`;
    s += row(
      'order',
      z.nrFree.map((_, o) => String(o)),
    );
    s += row('free blocks', z.nrFree.map(String));
    s += row('unusable_index', z.unusableIndex.map(formatUnusableIndex));
    s += row(
      'extfrag_index',
      z.extfragIndex.map((i) => formatExtfragIndex(i).trim()),
    );
    if (z.blocks)
      s += `  pageblocks     ${Object.entries(z.blocks)
        .map(([t, n]) => `${t} ${n}`)
        .join(', ')}\n`;
    const firstUnusable = z.unusableIndex.findIndex((i) => i >= 900);
    if (firstUnusable > 0)
      s += `  from order ${firstUnusable} up, 90 % or more of the free memory is in smaller blocks\n`;
  }
  return s;
}

function pad(s: string | number, w: number): string {
  return String(s).padStart(w);
}

/** Text for `stacklab analyze`. */
export function renderPafExplanation(e: PafExplanation): string {
  const lines: string[] = [];
  const what = e.kind === 'oom-killer' ? 'OOM killer invoked for' : 'page allocation failure:';
  // @kernel is_sysrq_oom() mm/oom_kill.c: order -1 marks a kill asked for with sysrq-f.
  const sysrq = e.order < 0;
  if (sysrq)
    lines.push(
      `OOM killer invoked with order=${e.order}: a manual kill (sysrq-f, is_sysrq_oom()), not an allocation; no watermark check applies`,
    );
  else
    lines.push(
      `${what} order ${e.order} (${2 ** e.order * 4} KB), gfp 0x${e.gfpMask.toString(16)} = ${e.gfp.names.join('|') || '0'}${e.gfp.layout === 'printed' ? '' : ` [decoded with the ${e.gfp.layout} bit layout]`}`,
    );
  lines.push(
    `kernel ${e.kernelVersion ?? 'unknown'}${e.kernelCheck ? ` — runs the ${e.kernelCheck === '2015' ? '2015 (pre-4.4, per-order loop)' : '6.1 (order-0 + one block)'} watermark check` : ''}${e.comm ? `; task ${e.comm}` : ''}`,
  );
  lines.push('');
  for (const z of e.zones) {
    lines.push(
      `zone ${z.zone}${z.eligible ? '' : ' (not usable by this request)'}: free ${z.freePages} pages, min ${z.minPages}, low ${z.lowPages}, high ${z.highPages}` +
        (z.lowmemReserve ? `, lowmem_reserve ${z.lowmemReserve}` : '') +
        (z.buddyPages !== null && z.buddyPages !== z.freePages ? ` (free lists sum to ${z.buddyPages})` : ''),
    );
    if (z.nrFree.length > 0) {
      lines.push(`  order          ${z.nrFree.map((_, o) => pad(o, 7)).join('')}`);
      lines.push(`  free blocks    ${z.nrFree.map((n) => pad(n, 7)).join('')}`);
      lines.push(`  types          ${z.types.map((t) => pad(t || '-', 7)).join('')}`);
      lines.push(`  unusable_index ${z.unusableIndex.map((i) => pad(formatUnusableIndex(i), 7)).join('')}`);
      lines.push(
        `  extfrag_index  ${z.extfragIndex.map((i) => pad(formatExtfragIndex(i).trim(), 7)).join('')}`,
      );
    }
    if (z.eligible && !sysrq) {
      for (const c of z.checks) {
        lines.push(`  ${c.mode} check at min (${z.minPages}): ${c.atMin.ok ? 'PASS' : 'FAIL'}`);
        for (const s of c.atMin.steps) lines.push(`    ${s.ok ? 'ok  ' : 'FAIL'} ${s.text}`);
        lines.push(`  ${c.mode} check at low (${z.lowPages}): ${c.atLow.ok ? 'PASS' : 'FAIL'}`);
      }
    }
    lines.push('');
  }
  if (sysrq) return `${lines.join('\n')}\n`;
  lines.push('verdict:');
  lines.push(`  2015 mode: ${e.verdict['2015'].summary}`);
  lines.push(`  6.1 mode:  ${e.verdict['6.1'].summary}`);
  lines.push('');
  lines.push('why:');
  for (const r of e.reasons) lines.push(`  - ${r}`);
  return `${lines.join('\n')}\n`;
}

export const renderPageAllocFailure = (data: unknown): string => renderPafExplanation(data as PafExplanation);
export const renderZones = (data: unknown): string =>
  renderFragmentation((data as { zones: readonly ZoneFragmentation[] }).zones);

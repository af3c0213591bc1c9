// The memory view: what a stack size costs the page allocator. Per stack strategy, on one time axis:
// free pages per order as a heat map (/proc/buddyinfo over time), free pages per migratetype, and
// the slow-path events (stack allocations in the slow path, direct compaction, direct reclaim,
// kswapd runs) of each interval; then fork latency percentiles side by side and the `mm compare`
// table as a table.
import type { MmCompareResult } from '../device/compare.ts';
import type { MmRunResult, MmTimeline } from '../device/experiment.ts';
import { TIMELINE_EVENTS } from '../device/experiment.ts';
import { esc, Html, html } from './html.ts';
import { columns, type Row, STRATEGY_LABEL } from './mm-compare.ts';
import { placeholder, type View } from './report-page.ts';
import type { SeedReportData } from './seed-report.ts';

const FONT = 'font-family="ui-sans-serif, system-ui, sans-serif"';
const W = 256;
const LEFT = 60;
const CELL_H = 10;

const TYPE_COLOR: Record<string, string> = {
  Unmovable: 'var(--hardirq)',
  Movable: 'var(--task)',
  Reclaimable: 'var(--softirq)',
  HighAtomic: 'var(--linkage)',
  CMA: 'var(--reserved)',
  Isolate: 'var(--mute)',
};

const SHORT_EVENT: Record<string, string> = {
  stack_slowpath: 'stack slow',
  compact_stall: 'compaction',
  allocstall: 'reclaim',
  pageoutrun: 'kswapd',
};

function fmtSeconds(s: number): string {
  return s >= 10 ? `${Math.round(s)} s` : `${s.toFixed(1)} s`;
}

/** One strategy's panel: heat map, migratetype lines and event strips over the measured window. */
export function timelineSvg(r: MmRunResult, t: MmTimeline): string {
  const n = t.seconds.length;
  const orders = t.nrFree[0]?.length ?? 0;
  const tEnd = Math.max(1e-9, t.seconds[n - 1] ?? 0);
  const x = (s: number) => LEFT + (s / tEnd) * W;
  const heatH = orders * CELL_H;
  const typesTop = 22 + heatH + 14;
  const typesH = 60;
  const evTop = typesTop + typesH + 16;
  const evRow = 16;
  const height = evTop + TIMELINE_EVENTS.length * evRow + 26;
  let g = `<text x="0" y="12" font-size="12.5" font-weight="600" ${FONT}>${esc(STRATEGY_LABEL[r.stacks] ?? r.stacks)}</text>`;
  g += `<text x="${LEFT + W}" y="12" font-size="10.5" text-anchor="end" ${FONT} fill="var(--mute)">${esc(`${r.forks.measured} forks, ${fmtSeconds(tEnd)}`)}</text>`;
  // Heat map: free pages held in blocks of each order, log scale, one column per sample.
  let maxPages = 1;
  for (const row of t.nrFree)
    for (let o = 0; o < row.length; o++) maxPages = Math.max(maxPages, row[o]! * 2 ** o);
  const lmax = Math.log1p(maxPages);
  // Runs of equal shade (16 levels) are one rect each: a 120-sample, 11-order map stays small.
  const level = (pages: number) => (pages === 0 ? 0 : 1 + Math.round((15 * Math.log1p(pages)) / lmax));
  for (let o = 0; o < orders; o++) {
    const y = 22 + (orders - 1 - o) * CELL_H;
    let runStart = 0;
    for (let i = 1; i <= n; i++) {
      const l = level(t.nrFree[runStart]![o]! * 2 ** o);
      if (i < n && level(t.nrFree[i]![o]! * 2 ** o) === l) continue;
      if (l > 0) {
        const x0 = x(runStart === 0 ? 0 : t.seconds[runStart - 1]!);
        const x1 = Math.max(x0 + 0.8, x(t.seconds[i - 1]!));
        g += `<rect x="${x0.toFixed(1)}" y="${y}" width="${(x1 - x0 + 0.3).toFixed(1)}" height="${CELL_H}" fill="var(--heat1)" fill-opacity="${(0.06 + (0.94 * l) / 16).toFixed(2)}"/>`;
      }
      runStart = i;
    }
    const counts = t.nrFree.map((row) => row[o]!);
    g += `<rect x="${LEFT}" y="${y}" width="${W}" height="${CELL_H}" fill="transparent" data-tip="${esc(`order ${o} (${4 * 2 ** o} KB blocks): ${Math.min(...counts)} to ${Math.max(...counts)} free, ${counts[counts.length - 1]} at the end`)}"><title>${esc(`order ${o}: ${Math.min(...counts)} to ${Math.max(...counts)} free blocks`)}</title></rect>`;
  }
  g += `<rect x="${LEFT}" y="22" width="${W}" height="${heatH}" fill="none" stroke="var(--line)"/>`;
  for (let o = 0; o < orders; o += 2)
    g += `<text x="${LEFT - 4}" y="${22 + (orders - 1 - o) * CELL_H + 8}" font-size="9" text-anchor="end" ${FONT} fill="var(--mute)">${o}</text>`;
  g += `<text x="0" y="${22 + heatH / 2}" font-size="9.5" ${FONT} fill="var(--mute)" transform="rotate(-90 8 ${22 + heatH / 2})">order</text>`;
  // Free pages by migratetype.
  let maxType = 1;
  for (const ft of t.freeByType) for (const v of ft.pages) maxType = Math.max(maxType, v);
  g += `<text x="${LEFT}" y="${typesTop - 3}" font-size="9.5" ${FONT} fill="var(--mute)">free pages by migratetype (max ${maxType})</text>`;
  g += `<rect x="${LEFT}" y="${typesTop}" width="${W}" height="${typesH}" fill="none" stroke="var(--line)"/>`;
  const wm = r.watermarks;
  for (const [name, v] of [
    ['min', wm.min],
    ['low', wm.low],
    ['high', wm.high],
  ] as const) {
    if (v > maxType) continue;
    const y = typesTop + typesH - (v / maxType) * typesH;
    g += `<line x1="${LEFT}" x2="${LEFT + W}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="var(--mute)" stroke-dasharray="2 3" stroke-width="0.7"><title>${esc(`${name} watermark: ${v} pages (whole zone)`)}</title></line>`;
  }
  for (const ft of t.freeByType) {
    if (ft.pages.every((v) => v === 0)) continue;
    const pts = ft.pages.map(
      (v, i) => `${x(t.seconds[i]!).toFixed(1)},${(typesTop + typesH - (v / maxType) * typesH).toFixed(1)}`,
    );
    g += `<polyline points="${pts.join(' ')}" fill="none" stroke="${TYPE_COLOR[ft.type] ?? 'var(--ink)'}" stroke-width="1.4"><title>${esc(`${ft.type}: ${ft.pages[ft.pages.length - 1]} free pages at the end`)}</title></polyline>`;
  }
  // Events per interval as bars.
  TIMELINE_EVENTS.forEach(([name, what], k) => {
    const ev = t.events.find((e) => e.name === name);
    const y = evTop + k * evRow;
    const total = ev ? ev.counts.reduce((a, b) => a + b, 0) : 0;
    g += `<text x="${LEFT - 4}" y="${y + 10}" font-size="9" text-anchor="end" ${FONT} fill="var(--mute)"><title>${esc(`${name}: ${what}`)}</title>${esc(SHORT_EVENT[name] ?? name)}</text>`;
    g += `<line x1="${LEFT}" x2="${LEFT + W}" y1="${y + 12}" y2="${y + 12}" stroke="var(--line)"/>`;
    if (!ev) return;
    const max = Math.max(1, ...ev.counts);
    ev.counts.forEach((c, i) => {
      if (c === 0) return;
      const x1 = x(t.seconds[i]!);
      const h = 2 + (10 * c) / max;
      g += `<rect x="${(x1 - 1.2).toFixed(1)}" y="${(y + 12 - h).toFixed(1)}" width="2.2" height="${h.toFixed(1)}" fill="${k === 0 ? 'var(--bad)' : 'var(--ink)'}"><title>${esc(`${what}: ${c} in the interval ending ${fmtSeconds(t.seconds[i]!)}`)}</title></rect>`;
    });
    g += `<text x="${LEFT + W + 4}" y="${y + 11}" font-size="9" ${FONT} fill="var(--mute)">${total}</text>`;
  });
  const axisY = evTop + TIMELINE_EVENTS.length * evRow + 10;
  for (const f of [0, 0.25, 0.5, 0.75, 1])
    g += `<text x="${(LEFT + f * W).toFixed(1)}" y="${axisY}" font-size="9" text-anchor="middle" ${FONT} fill="var(--mute)">${fmtSeconds(f * tEnd)}</text>`;
  g += `<text x="${LEFT + W / 2}" y="${axisY + 12}" font-size="9.5" text-anchor="middle" ${FONT} fill="var(--mute)">virtual time since the forks began</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 ${LEFT + W + 28} ${height + 4}" width="${LEFT + W + 28}" height="${height + 4}" role="img" aria-label="${esc(`free memory over time with ${r.stacks} stacks`)}">${g}</svg>`;
}

/** Fork latency percentiles, one group per percentile, one bar per strategy, log scale. */
export function latencySvg(runs: readonly MmRunResult[]): string {
  const qs = [
    ['p50', 'p50'],
    ['p90', 'p90'],
    ['p99', 'p99'],
    ['p999', 'p99.9'],
    ['max', 'max'],
  ] as const;
  const values = runs.flatMap((r) => qs.map(([k]) => r.forks.latencyUs[k]));
  const max = Math.max(1, ...values.filter(Number.isFinite));
  const min = 0.1;
  const H = 150;
  const left = 46;
  const groupW = 120;
  const barW = Math.min(26, (groupW - 20) / Math.max(1, runs.length));
  const y = (v: number) => 12 + H - (H * Math.log10(Math.max(min, v) / min)) / Math.log10(max / min);
  let g = '';
  for (let p = -1; 10 ** p <= max * 1.01; p++) {
    const v = 10 ** p;
    if (v < min) continue;
    g += `<line x1="${left}" x2="${left + qs.length * groupW}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="var(--line)"/>`;
    g += `<text x="${left - 4}" y="${(y(v) + 3).toFixed(1)}" font-size="9" text-anchor="end" ${FONT} fill="var(--mute)">${v >= 1 ? v : v.toFixed(1)}</text>`;
  }
  const colors = ['var(--bad)', 'var(--task)', 'var(--softirq)', 'var(--hardirq)'];
  qs.forEach(([k, label], qi) => {
    const gx = left + qi * groupW + 10;
    runs.forEach((r, ri) => {
      const v = r.forks.latencyUs[k];
      const top = y(v);
      g += `<rect x="${(gx + ri * barW).toFixed(1)}" y="${top.toFixed(1)}" width="${(barW - 3).toFixed(1)}" height="${(12 + H - top).toFixed(1)}" fill="${colors[ri % colors.length]}"><title>${esc(`${STRATEGY_LABEL[r.stacks] ?? r.stacks}, ${label}: ${v.toFixed(2)} µs`)}</title></rect>`;
    });
    g += `<text x="${gx + (runs.length * barW) / 2}" y="${12 + H + 13}" font-size="10" text-anchor="middle" ${FONT}>${label}</text>`;
  });
  g += `<text x="0" y="${12 + H / 2}" font-size="9.5" ${FONT} fill="var(--mute)" transform="rotate(-90 9 ${12 + H / 2})">µs (log)</text>`;
  let lx = left;
  runs.forEach((r, ri) => {
    g += `<rect x="${lx}" y="${H + 36}" width="10" height="10" fill="${colors[ri % colors.length]}"/><text x="${lx + 14}" y="${H + 45}" font-size="10.5" ${FONT}>${esc(STRATEGY_LABEL[r.stacks] ?? r.stacks)}</text>`;
    lx += 150;
  });
  const width = left + qs.length * groupW + 10;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="latency" viewBox="0 0 ${width} ${H + 52}" width="${width}" height="${H + 52}" role="img" aria-label="fork latency percentiles per stack strategy">${g}</svg>`;
}

/** The `mm compare` table as HTML: the same rows as the text table. */
export function compareTable(runs: readonly MmRunResult[]): Html {
  const rows: Row[] = columns(runs);
  return html`<table class="mm"><thead><tr><th></th>${runs.map((r) => html`<th>${STRATEGY_LABEL[r.stacks] ?? r.stacks}</th>`)}</tr></thead><tbody>
${rows.map((row) =>
  row.length === 1
    ? html`<tr class="group"><td colspan="${runs.length + 1}">${row[0]}</td></tr>`
    : html`<tr><td>${row[0].trim()}</td>${row[1].map((c) => html`<td>${c}</td>`)}</tr>`,
)}</tbody></table>`;
}

/** One comparison: timelines side by side, the latency chart, the table. */
export function compareBlock(c: MmCompareResult, heading: string): Html {
  const withTimeline = c.runs.filter((r) => r.timeline !== undefined);
  return html`<h3>${heading}</h3>
<p class="legend">${c.device}, ${c.mode} allocator, ${c.scenario} workload, seed ${c.seed}: aged ${c.warmup} ${c.scenario === 'build' ? 'compiles' : 'app launches'} with ${c.agedWith} stacks, then ${c.forks} forks per strategy from that same memory${c.overrides.length ? `; ${c.overrides.join(', ')}` : ''}.</p>
${
  withTimeline.length > 0
    ? html`<div class="cols">${withTimeline.map((r) => new Html(timelineSvg(r, r.timeline!)))}</div>
<p class="legend">Heat map: pages free in blocks of each order (darker = more, log scale), as /proc/buddyinfo shows them over time. Lines: free pages per migratetype
<span class="sw" style="background:var(--task)"></span>Movable<span class="sw" style="background:var(--hardirq)"></span>Unmovable<span class="sw" style="background:var(--softirq)"></span>Reclaimable
<span class="sw" style="background:var(--linkage)"></span>HighAtomic; dashed: the zone's watermarks. Bars: events in each interval.</p>`
    : placeholder('These results carry no timeline (written by an older stacklab).')
}
<h3>Fork latency per stack strategy</h3>
${new Html(latencySvg(c.runs))}
<details><summary>the comparison table</summary>${compareTable(c.runs)}</details>`;
}

export function memoryView(blocks: readonly Html[], what: string): View {
  return {
    name: 'memory',
    title: 'Memory',
    explain: `${what}: free pages per order and per migratetype over time, the slow-path events on the same axis, and fork latency for 16 KB (order-2), 8 KB (order-1) and vmalloc'ed stacks.`,
    body: html`${blocks}`,
  };
}

/** The seed's memory section, when it holds the two comparisons seed runs. */
export function memoryViewOfSeed(d: SeedReportData): View {
  const runs = d.sections.flatMap((s) => (Array.isArray(s.data) ? (s.data as MmCompareResult[]) : []));
  const blocks = runs.map((c, i) =>
    compareBlock(
      c,
      i === 0
        ? 'As shipped (Android watermarks: extra_free_kbytes keeps kswapd ahead)'
        : 'With a stock 2015 kernel’s watermarks',
    ),
  );
  return memoryView(
    blocks.length > 0 ? blocks : [placeholder('This seed result has no memory comparison.')],
    'What the stack size costs on a simulated 1 GB 2015 phone (phone-1g-2015)',
  );
}

/** One `stacklab mm` run: its timeline, latency and table. */
export function mmRunBlock(r: MmRunResult): Html {
  return html`<h3>${STRATEGY_LABEL[r.stacks] ?? r.stacks} stacks on ${r.device}</h3>
<p class="legend">${r.mode} allocator, ${r.scenario} workload, seed ${r.seed}; aged ${r.warmup} with ${r.agedWith} stacks, ${r.forks.measured} forks measured.</p>
${r.timeline ? new Html(timelineSvg(r, r.timeline)) : placeholder('This result carries no timeline (written by an older stacklab).')}
<h3>Fork latency</h3>${new Html(latencySvg([r]))}
<details open><summary>the figures</summary>${compareTable([r])}</details>`;
}

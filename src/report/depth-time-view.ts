// The depth-time view of a simulation: the deepest point in each time bucket per CPU and stack kind
// (zoomable: the page's script redraws a time range with the same function), depth histograms with
// the THREAD_SIZE line, and the overflow rate with its confidence interval.
import { esc, Html, html } from './html.ts';
import { jsonForHtml, placeholder, type View } from './report-page.ts';
import type { RunReport, RunStackKind } from './run-result.ts';

const FONT = 'font-family="ui-sans-serif, system-ui, sans-serif"';
const CPU_COLORS = [
  'var(--task)',
  'var(--hardirq)',
  'var(--softirq)',
  'var(--linkage)',
  'var(--ptregs)',
  'var(--bad)',
  'var(--reserved)',
  'var(--accent)',
];
const STACK_TITLE: Record<RunStackKind, string> = {
  task: 'task stacks',
  irq: 'IRQ stacks',
  overflow: 'overflow stacks',
};
const W = 980;
const LEFT = 58;

type Series = RunReport['depthSeries'][number];

/** Max-pools a series to at most `n` points over buckets [from, to): a maximum stays a maximum. */
export function poolMax(
  values: readonly number[],
  from: number,
  to: number,
  n: number,
): { at: number; v: number }[] {
  const len = Math.max(0, to - from);
  if (len <= n) return values.slice(from, to).map((v, i) => ({ at: from + i, v }));
  const out: { at: number; v: number }[] = [];
  for (let k = 0; k < n; k++) {
    const a = from + Math.floor((k * len) / n);
    const b = from + Math.floor(((k + 1) * len) / n);
    let m = 0;
    let at = a;
    for (let i = a; i < b; i++) {
      if (values[i]! > m) {
        m = values[i]!;
        at = i;
      }
    }
    out.push({ at, v: m });
  }
  return out;
}

function ns(t: number): string {
  if (t >= 1e9) return `${(t / 1e9).toFixed(t >= 1e10 ? 0 : 1)} s`;
  if (t >= 1e6) return `${(t / 1e6).toFixed(t >= 1e7 ? 0 : 1)} ms`;
  if (t >= 1e3) return `${(t / 1e3).toFixed(0)} µs`;
  return `${t} ns`;
}

/** One stack kind's depth over time, every CPU a line, time window [fromNs, toNs). */
export function depthSeriesSvg(
  r: RunReport,
  stack: RunStackKind,
  window?: { fromNs: number; toNs: number },
): string {
  const ss = r.depthSeries.filter((s) => s.stack === stack);
  const bucketNs = ss[0]?.bucketNs ?? 1;
  const buckets = Math.max(1, ...ss.map((s) => s.maxBytes.length));
  const fromNs = Math.max(0, window?.fromNs ?? 0);
  const toNs = Math.min(buckets * bucketNs, window?.toNs ?? buckets * bucketNs);
  const from = Math.floor(fromNs / bucketNs);
  const to = Math.max(from + 1, Math.ceil(toNs / bucketNs));
  const lines = r.thresholds
    .filter((t) => t.stack === stack)
    .map((t) => ({ bytes: t.bytes, label: t.label }));
  if (stack === 'task') lines.push({ bytes: r.threadSize, label: `THREAD_SIZE ${r.threadSize} B` });
  const maxV = Math.max(
    1,
    ...ss.map((s) => Math.max(0, ...s.maxBytes.slice(from, to))),
    ...lines.map((l) => l.bytes),
  );
  const H = 150;
  const top = 10;
  const x = (b: number) => LEFT + ((b - from) / (to - from)) * W;
  const y = (v: number) => top + H - (v / maxV) * H;
  let g = '';
  for (let k = 0; k <= 4; k++) {
    const v = Math.round((maxV * k) / 4);
    g += `<line x1="${LEFT}" x2="${LEFT + W}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="var(--line)"/><text x="${LEFT - 4}" y="${(y(v) + 3).toFixed(1)}" font-size="9" text-anchor="end" ${FONT} fill="var(--mute)">${v}</text>`;
    const b = from + ((to - from) * k) / 4;
    g += `<text x="${x(b).toFixed(1)}" y="${top + H + 13}" font-size="9" text-anchor="middle" ${FONT} fill="var(--mute)">${ns(b * bucketNs)}</text>`;
  }
  for (const l of lines) {
    g += `<line x1="${LEFT}" x2="${LEFT + W}" y1="${y(l.bytes).toFixed(1)}" y2="${y(l.bytes).toFixed(1)}" stroke="var(--bad)" stroke-dasharray="5 3"/><text x="${LEFT + W - 4}" y="${(y(l.bytes) - 3).toFixed(1)}" font-size="9.5" text-anchor="end" ${FONT} fill="var(--bad)">${esc(l.label)}</text>`;
  }
  ss.forEach((s: Series) => {
    const pts = poolMax(s.maxBytes, from, Math.min(to, s.maxBytes.length), 900);
    if (pts.length === 0) return;
    const d = pts
      .map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.at + 0.5).toFixed(1)} ${y(p.v).toFixed(1)}`)
      .join('');
    const peak = pts.reduce((a, b) => (b.v > a.v ? b : a));
    g += `<path d="${d}" fill="none" stroke="${CPU_COLORS[s.cpu % CPU_COLORS.length]}" stroke-width="1.2"><title>${esc(`CPU ${s.cpu}, ${STACK_TITLE[stack]}: deepest ${peak.v} B at ${ns(peak.at * bucketNs)} in this range`)}</title></path>`;
  });
  g += `<rect class="zoom-area" x="${LEFT}" y="${top}" width="${W}" height="${H}" fill="transparent"/>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="depth-series" data-stack="${stack}" data-from="${from * bucketNs}" data-to="${to * bucketNs}" data-left="${LEFT}" data-width="${W}" viewBox="0 0 ${LEFT + W + 10} ${top + H + 20}" width="${LEFT + W + 10}" height="${top + H + 20}" role="img" aria-label="${esc(`deepest point over time on the ${STACK_TITLE[stack]}, per CPU`)}">${g}</svg>`;
}

/** Depth histogram of one stack kind, summed over CPUs, log count axis, THREAD_SIZE marked. */
export function histogramSvg(r: RunReport, stack: RunStackKind): string {
  const hs = r.perCpu.map((c) => c.histogram[stack]).filter((h) => h !== null);
  const bucket = hs[0]?.bucketBytes ?? 1;
  const n = Math.max(0, ...hs.map((h) => h.counts.length));
  const sum = Array.from({ length: n }, (_, i) => hs.reduce((a, h) => a + (h.counts[i] ?? 0), 0));
  const limit = stack === 'task' ? r.threadSize : 0;
  const maxB = Math.max(n * bucket, limit * 1.05);
  const maxC = Math.max(1, ...sum);
  const Wh = 300;
  const H = 110;
  const left = 40;
  const x = (b: number) => left + (b / maxB) * Wh;
  const y = (c: number) => 8 + H - (H * Math.log10(1 + c)) / Math.log10(1 + maxC);
  let g = '';
  sum.forEach((c, i) => {
    if (c === 0) return;
    g += `<rect x="${x(i * bucket).toFixed(1)}" y="${y(c).toFixed(1)}" width="${Math.max(0.8, x(bucket) - left - 0.5).toFixed(1)}" height="${(8 + H - y(c)).toFixed(1)}" fill="var(--task)"><title>${esc(`${i * bucket}..${(i + 1) * bucket} B: ${c} samples`)}</title></rect>`;
  });
  if (limit > 0)
    g += `<line x1="${x(limit).toFixed(1)}" x2="${x(limit).toFixed(1)}" y1="6" y2="${8 + H}" stroke="var(--bad)" stroke-dasharray="4 2"/><text x="${(x(limit) - 3).toFixed(1)}" y="16" font-size="9.5" text-anchor="end" ${FONT} fill="var(--bad)">THREAD_SIZE</text>`;
  g += `<line x1="${left}" x2="${left + Wh}" y1="${8 + H}" y2="${8 + H}" stroke="var(--mute)"/>`;
  for (const f of [0, 0.5, 1])
    g += `<text x="${(left + f * Wh).toFixed(1)}" y="${8 + H + 12}" font-size="9" text-anchor="middle" ${FONT} fill="var(--mute)">${Math.round(f * maxB)} B</text>`;
  g += `<text x="${left - 4}" y="14" font-size="9" text-anchor="end" ${FONT} fill="var(--mute)">${maxC}</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="histogram" viewBox="0 0 ${left + Wh + 10} ${H + 30}" width="${left + Wh + 10}" height="${H + 30}" role="img" aria-label="${esc(`depth histogram of the ${STACK_TITLE[stack]}`)}"><text x="${left}" y="4" font-size="10.5" font-weight="600" ${FONT} dominant-baseline="hanging">${esc(STACK_TITLE[stack])}</text>${g}</svg>`;
}

/** The overflow rate per simulated hour with its interval, as a number line. */
export function overflowRateSvg(r: RunReport): string {
  const p = r.overflow.perHour;
  const max = Math.max(1e-9, p.high * 1.2, p.estimate * 1.5);
  const Wr = 420;
  const x = (v: number) => 20 + (v / max) * Wr;
  const n = (v: number) => (v === 0 ? '0' : Number(v.toPrecision(3)).toString());
  let g = `<line x1="20" x2="${20 + Wr}" y1="30" y2="30" stroke="var(--mute)"/>`;
  g += `<line x1="${x(p.low).toFixed(1)}" x2="${x(p.high).toFixed(1)}" y1="30" y2="30" stroke="var(--bad)" stroke-width="5" stroke-linecap="round"><title>${esc(`interval ${n(p.low)}..${n(p.high)} per hour`)}</title></line>`;
  g += `<circle cx="${x(p.estimate).toFixed(1)}" cy="30" r="5" fill="var(--ink)"><title>${esc(`estimate ${p.estimate} per hour`)}</title></circle>`;
  for (const f of [0, 0.5, 1])
    g += `<text x="${(20 + f * Wr).toFixed(1)}" y="50" font-size="9" text-anchor="middle" ${FONT} fill="var(--mute)">${(f * max).toPrecision(2)}</text>`;
  g += `<text x="20" y="12" font-size="10.5" ${FONT}>${esc(`${r.overflow.count} overflow(s) seen; ${n(p.estimate)} per hour (95 %: ${n(p.low)} to ${n(p.high)})`)}</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="overflow-rate" viewBox="0 0 ${Wr + 40} 58" width="${Wr + 40}" height="58" role="img" aria-label="overflows per simulated hour with interval">${g}</svg>`;
}

const KINDS: readonly RunStackKind[] = ['task', 'irq', 'overflow'];

/** The view; without a run result it says what to run to get one. */
export function depthTimeView(r: RunReport | undefined): View {
  const base = {
    name: 'depth-time',
    title: 'Depth over time',
    explain:
      'From a simulation: the deepest point per CPU and stack kind over time, depth histograms against THREAD_SIZE, and how often a stack overflows.',
  };
  if (!r)
    return {
      ...base,
      body: placeholder(
        'This view needs a `stacklab run` result: run a simulation with --json and pass it to `stacklab report RUN.json -o FILE.html` (or `stacklab run --report FILE.html`).',
      ),
    };
  const kinds = KINDS.filter((k) => r.depthSeries.some((s) => s.stack === k));
  const hkinds = KINDS.filter((k) => r.perCpu.some((c) => c.histogram[k] !== null));
  const cpus = [...new Set(r.depthSeries.map((s) => s.cpu))].sort((a, b) => a - b);
  return {
    ...base,
    body: html`<p class="legend">${r.profile}, THREAD_SIZE ${r.threadSize} B, ${r.perCpu.length} CPU(s); deepest task ${r.maxDepth.task} B${r.maxDepth.irq === null ? '' : `, IRQ ${r.maxDepth.irq} B`}${r.maxDepth.overflow === null ? '' : `, overflow ${r.maxDepth.overflow} B`}.
${cpus.map((c) => html`<span class="sw" style="background:${CPU_COLORS[c % CPU_COLORS.length]}"></span>CPU ${c}`)}</p>
<div class="toolbar needs-js"><button type="button" data-depth-reset>zoom out</button><span>drag across a chart to zoom into that time range</span></div>
${new Html(`<script type="application/json" class="run-report">${jsonForHtml(r)}</script>`)}
${kinds.map((k) => html`<h3>${STACK_TITLE[k]}</h3><div class="depth-box" data-depth-stack="${k}">${new Html(depthSeriesSvg(r, k))}</div>`)}
<h3>Depth histograms (all CPUs)</h3><div class="cols">${hkinds.map((k) => new Html(histogramSvg(r, k)))}</div>
<h3>Overflow rate</h3>${new Html(overflowRateSvg(r))}`,
  };
}

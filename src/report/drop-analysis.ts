// What the report page's drop zone does with a file, as a pure function so it is tested in Node as
// well as in the browser: text in, HTML out (every input string escaped by the renderers). A
// stack_trace table is replayed under every design and drawn (stack layout and flame graph); an
// overflow report is drawn as the stacks it names with SP and FAR marked, its call trace as a
// flame graph of frames; anything else an analyzer of `stacklab analyze` recognises is explained
// in its words.

import { explainOverflow } from '../analyze/analyzers/stack.ts';
import { analyzers } from '../analyze/index.ts';
import { replayTableData } from '../analyze/replay-data.ts';
import { replayStackTraceText } from '../analyze/replay-table.ts';
import type { StackRangeData } from '../analyze/stack-ranges.ts';
import { hex16 } from '../base/units.ts';
import { parseFtraceStackTrace, sniffFtraceStackTrace } from '../formats/ftrace-stack-trace.ts';
import { type OverflowReport, parseOverflowReport, sniffOverflowReport } from '../formats/overflow-report.ts';
import { PROFILES } from '../model/profiles.ts';
import { renderAnalysis } from './analysis-text/index.ts';
import { renderOverflowExplanation } from './analysis-text/stack.ts';
import { flameOfDesigns, flameOfFrames, renderFlameSvg } from './flame.ts';
import { Html, html } from './html.ts';
import { comparisonTable, designsView, layoutColumn, replayFlame } from './replay-views.ts';
import { jsonForHtml, type View } from './report-page.ts';
import { LAYOUT_LEGEND, type LayoutColumn, type LayoutMark, renderStackLayoutSvg } from './stack-layout.ts';

export interface DropResult {
  /** What the file was read as: stack-trace, overflow-report, an analyzer id, or `unknown`. */
  readonly kind: string;
  /** HTML to put under the drop zone (escaped, self-contained). */
  readonly html: string;
}

/** Bytes past this are not read: a page is not the place for a 1 GB log (the CLI streams those). */
export const DROP_MAX_BYTES = 64 * 1024 * 1024;

function heading(name: string, what: string): Html {
  return html`<h3><span class="filename">${name}</span>: ${what}</h3>`;
}

function dropStackTrace(text: string, name: string, firstLine: number): DropResult {
  const parsed = parseFtraceStackTrace(text, name, firstLine);
  const tables = parsed.value?.tables ?? [];
  let deepest = 0;
  tables.forEach((t, i) => {
    if ((t.rows[0]?.depth ?? 0) > (tables[deepest]?.rows[0]?.depth ?? 0)) deepest = i;
  });
  const r = replayStackTraceText(text, name, PROFILES, { tableIndex: deepest, firstLine });
  if (!r.ok)
    return {
      kind: 'stack-trace',
      html: html`${heading(name, 'a stack_trace table stacklab cannot use')}<p class="bad">${r.error.message}</p>`
        .value,
    };
  const d = replayTableData(name, r.value);
  const cols = d.profiles.map(layoutColumn).filter((c): c is LayoutColumn => c !== null);
  const tree = replayFlame(d.profiles, name);
  const several =
    tables.length > 1 ? ` (the deepest of ${tables.length} tables in the file, table ${deepest})` : '';
  return {
    kind: 'stack-trace',
    html: html`${heading(name, `a stack_trace table, ${d.input.entries} entries, ${d.input.maxDepth} B deep, printed by ${d.input.sourceEra}${several}`)}
${comparisonTable(d.profiles)}
<div class="layout">${new Html(renderStackLayoutSvg(cols, `${name} under every design`))}</div>${new Html(LAYOUT_LEGEND)}
<h3>Flame graph</h3><div class="toolbar"><button type="button" data-flame-reset>zoom out</button></div>
<div class="flame-box">${new Html(renderFlameSvg(tree, { label: `flame graph of ${name}` }))}${new Html(`<script type="application/json" class="flame-tree">${jsonForHtml(tree)}</script>`)}</div>
<details><summary>how stacklab reads it, and every design in numbers</summary>${designsView(d.profiles, d.reading).body}</details>`
      .value,
  };
}

/** The stacks an overflow report names, SP and FAR marked where they fall. */
function overflowColumn(o: OverflowReport, name: string): LayoutColumn | null {
  const stacks: StackRangeData[] = [];
  const marks: LayoutMark[] = [];
  const add = (kind: StackRangeData['kind'], title: string, r: { low: bigint; high: bigint } | null) => {
    if (!r || r.high <= r.low || r.high - r.low > 1n << 24n) return;
    const size = Number(r.high - r.low);
    stacks.push({
      kind,
      name: title,
      low: hex16(r.low),
      high: hex16(r.high),
      size,
      startGap: 0,
      reserved: 0,
      reservedWhat: '',
      below: {
        guardBytes: kind === 'task' && o.kind === 'guard-page' ? 4096 : 0,
        what: 'the guard the overflow ran into',
      },
    });
    for (const [label, a] of [
      ['SP', o.sp],
      ['FAR', o.far],
    ] as const) {
      if (a === null) continue;
      if (a >= r.low - 4096n && a < r.high)
        marks.push({ stack: kind, depth: Number(r.high - a), label: `${label} ${hex16(a)}` });
    }
  };
  if (o.hashedBounds) return null;
  add('task', 'task stack', o.taskStack);
  add('irq', 'IRQ stack', o.irqStack);
  add('overflow', 'overflow stack', o.overflowStack);
  if (stacks.length === 0) return null;
  return {
    title: name,
    subtitle: `${o.arch} ${o.kind === 'stack-end' ? 'stack end overwritten' : 'stack overflow'}`,
    stacks,
    frames: [],
    used: {},
    marks,
  };
}

function dropOverflow(text: string, name: string, firstLine: number): DropResult {
  const p = parseOverflowReport(text, name, firstLine);
  if (!p.value)
    return {
      kind: 'overflow-report',
      html: html`${heading(name, 'an overflow report stacklab cannot use')}<p class="bad">${p.diagnostics[0]?.message ?? 'unusable report'}</p>`
        .value,
    };
  const o = p.value;
  const e = explainOverflow(o);
  const col = overflowColumn(o, name);
  // An overflow report prints no frame sizes: each frame of the call trace counts one unit.
  const frames = [...o.callTrace].reverse().map((f, i) => ({
    name: f.fn,
    kind: 'function',
    stack: 'task',
    size: 1,
    depth: i + 1,
    context: 'task' as const,
  }));
  const tree = flameOfDesigns(name, [
    flameOfFrames('call trace (no sizes in the report: one unit per frame)', frames),
  ]);
  return {
    kind: 'overflow-report',
    html: html`${heading(name, `a ${o.arch} stack overflow report`)}<pre>${renderOverflowExplanation(e)}</pre>
${col ? html`<div class="layout">${new Html(renderStackLayoutSvg([col], `the stacks named in ${name}`))}</div>` : ''}
${frames.length > 0 ? html`<h3>Call trace</h3><div class="toolbar"><button type="button" data-flame-reset>zoom out</button></div><div class="flame-box">${new Html(renderFlameSvg(tree, { label: `call trace of ${name}` }))}${new Html(`<script type="application/json" class="flame-tree">${jsonForHtml(tree)}</script>`)}</div>` : ''}`
      .value,
  };
}

/**
 * Reads a dropped file's text the way `stacklab analyze` would, and draws what it can. `firstLine`:
 * the number of the text's first line (an item of a log keeps the log's line numbers).
 */
export function analyzeDropped(text: string, name: string, firstLine = 1): DropResult {
  if (sniffOverflowReport(text)) return dropOverflow(text, name, firstLine);
  if (sniffFtraceStackTrace(text)) return dropStackTrace(text, name, firstLine);
  const a = analyzers().find((x) => x.sniff(text));
  if (!a)
    return {
      kind: 'unknown',
      html: html`${heading(name, 'not a format stacklab recognises')}<p>Tried: ${analyzers()
        .map((x) => x.id)
        .join(', ')}.</p>`.value,
    };
  const out = a.run(text, name, { profiles: [], overrides: [], firstLine });
  if ('error' in out)
    return {
      kind: a.id,
      html: html`${heading(name, a.describes)}<p class="bad">${out.error.message}</p>`.value,
    };
  return {
    kind: a.id,
    html: html`${heading(name, a.describes)}<pre>${renderAnalysis(a.id, out.data, name)}</pre>`.value,
  };
}

/** `stacklab analyze FILE --report`: the same reading as the drop zone, as a view. */
export function analysisView(text: string, file: string, firstLine = 1): View {
  const r = analyzeDropped(text, file, firstLine);
  return {
    name: 'analysis',
    title: 'Analysis',
    explain:
      'What stacklab reads in the file: a stack_trace table replayed and drawn under every design, an overflow report drawn as the stacks it names, other kernel output explained.',
    body: new Html(r.html),
  };
}

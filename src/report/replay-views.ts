// The views of a replay (and of the seed, which is a replay plus more): the stack layout under
// each design, the flame graph of the deepest stacks, the comparison and the per-design details.

import type { ProfileReplayData } from '../analyze/replay-data.ts';
import { type FlameNode, flameOfDesigns, flameOfFrames, renderFlameSvg } from './flame.ts';
import { Html, html } from './html.ts';
import type { View } from './report-page.ts';
import { jsonForHtml, placeholder } from './report-page.ts';
import { LAYOUT_LEGEND, type LayoutColumn, renderStackLayoutSvg } from './stack-layout.ts';

/** One design as a layout column (null when the data predates address ranges in the replay JSON). */
export function layoutColumn(p: ProfileReplayData): LayoutColumn | null {
  if (!Array.isArray(p.stacks) || p.stacks.length === 0) return null;
  const used: Record<string, number> = {};
  for (const v of p.verdicts) used[v.stack] = v.used;
  return {
    title: p.profile,
    subtitle: p.verdicts.every((v) => v.fits) ? shortTitle(p.title) : `${shortTitle(p.title)} — OVERFLOWS`,
    stacks: p.stacks,
    frames: p.frames,
    used,
  };
}

function shortTitle(t: string): string {
  const i = t.indexOf(':');
  return i > 0 ? t.slice(i + 1).trim() : t;
}

export function stackLayoutView(
  ps: readonly ProfileReplayData[],
  what: string,
  headline?: readonly string[],
): View {
  const chosen = headline ? ps.filter((p) => headline.includes(p.profile)) : ps;
  const cols = chosen.map(layoutColumn).filter((c): c is LayoutColumn => c !== null);
  const rest = headline ? ps.filter((p) => !headline.includes(p.profile)) : [];
  const restCols = rest.map(layoutColumn).filter((c): c is LayoutColumn => c !== null);
  const body =
    cols.length === 0
      ? placeholder(
          'This result has no stack address ranges (written by an older stacklab): replay the table again.',
        )
      : html`<div class="layout">${new Html(renderStackLayoutSvg(cols, `${what} under ${cols.map((c) => c.title).join(', ')}`))}</div>
${new Html(LAYOUT_LEGEND)}
${restCols.length > 0 ? html`<details><summary>the other designs (${restCols.map((c) => c.title).join(', ')})</summary>${new Html(renderStackLayoutSvg(restCols, `${what} under ${restCols.map((c) => c.title).join(', ')}`))}</details>` : ''}`;
  return {
    name: 'stack-layout',
    title: 'Stack layout',
    explain: `${what}, frame by frame on the stacks each design runs it on, drawn to scale as address ranges: where it fits, where it overflows, how much is interrupt context.`,
    body,
  };
}

/** The flame tree of a replay: one subtree per design, its stacks below it. */
export function replayFlame(ps: readonly ProfileReplayData[], title: string): FlameNode {
  return flameOfDesigns(
    title,
    ps.map((p) => flameOfFrames(p.profile, p.frames)),
  );
}

export function flameView(tree: FlameNode, what: string): View {
  return {
    name: 'flame',
    title: 'Flame graph',
    explain: `${what}: each frame as wide as the bytes it and everything it called take on its stack, designs side by side; hover or focus for details, click (or Enter) to zoom, Escape to zoom out.`,
    body: html`<div class="toolbar needs-js"><button type="button" data-flame-reset>zoom out</button><span>arrow keys move between frames</span></div>
<div class="flame-box">${new Html(renderFlameSvg(tree, { label: `flame graph: ${what}` }))}${new Html(`<script type="application/json" class="flame-tree">${jsonForHtml(tree)}</script>`)}</div>
<p class="legend"><span class="sw" style="background:var(--flame-group)"></span>design<span class="sw" style="background:var(--flame-stack)"></span>stack
<span class="sw" style="background:var(--task)"></span>task context<span class="sw" style="background:var(--softirq)"></span>softirq
<span class="sw" style="background:var(--hardirq)"></span>hard IRQ<span class="sw" style="background:var(--ptregs)"></span>pt_regs<span class="sw" style="background:var(--linkage)"></span>linkage</p>`,
  };
}

export function comparisonTable(ps: readonly ProfileReplayData[]): Html {
  const v = (p: ProfileReplayData, s: 'task' | 'irq') => p.verdicts.find((x) => x.stack === s);
  const row = (
    name: string,
    f: (p: ProfileReplayData) => string | number,
    cls?: (p: ProfileReplayData) => string,
  ) => html`<tr><td>${name}</td>${ps.map((p) => html`<td class="${cls?.(p) ?? ''}">${f(p)}</td>`)}</tr>`;
  return html`<table><thead><tr><th></th>${ps.map((p) => html`<th>${p.profile}</th>`)}</tr></thead><tbody>
${row('THREAD_SIZE', (p) => v(p, 'task')?.size ?? '-')}
${row('task stack used', (p) => v(p, 'task')?.used ?? '-')}
${row('IRQ stack used', (p) => v(p, 'irq')?.used ?? '-')}
${row('combined depth', (p) => p.combinedMax)}
${row(
  'task margin',
  (p) => v(p, 'task')?.margin ?? '-',
  (p) => ((v(p, 'task')?.margin ?? 0) < 0 ? 'bad' : ''),
)}
${row(
  'fits',
  (p) => (p.verdicts.every((x) => x.fits) ? 'yes' : 'NO'),
  (p) => (p.verdicts.every((x) => x.fits) ? 'ok' : 'bad'),
)}
${row('ftrace entries', (p) => p.ftrace.entries)}
${row('ftrace max Depth', (p) => p.ftrace.maxDepth)}
${row('deeper IRQ-stack samples ftrace ignores', (p) => p.ftrace.samplesIgnored)}
</tbody></table>`;
}

function profileDetails(p: ProfileReplayData): Html {
  return html`<h3>${p.profile}: ${p.title}</h3>
${p.reproducesInput === true ? html`<p class="ok">Own era: the ftrace output is the input table, byte for byte.</p>` : ''}
${p.reproducesInput === false ? html`<p class="bad">Own era, but the ftrace output differs from the input table.</p>` : ''}
<table><thead><tr><th>stack</th><th>size</th><th>used</th><th>margin</th><th class="l">verdict</th></tr></thead><tbody>
${p.verdicts.map((v) => html`<tr><td>${v.stack}</td><td>${v.size}</td><td>${v.used}</td><td class="${v.margin < 0 ? 'bad' : ''}">${v.margin}</td><td class="l">${v.how}</td></tr>`)}
</tbody></table>
<details><summary>frames and the stack each runs on (${p.frames.length})</summary>
<table><thead><tr><th>function</th><th>stack</th><th>context</th><th>depth</th><th>size</th></tr></thead><tbody>
${p.frames.map((f) => html`<tr><td class="name">${f.name}</td><td>${f.stack}</td><td>${f.context}</td><td>${f.depth}</td><td>${f.size}</td></tr>`)}
</tbody></table></details>
<details><summary>what ftrace's stack_trace would print (${p.ftrace.entries} entries)</summary><pre>${p.ftrace.text}</pre></details>
${p.notes.map((n) => html`<p><small>${n}</small></p>`)}`;
}

export function designsView(ps: readonly ProfileReplayData[], reading: readonly string[]): View {
  return {
    name: 'designs',
    title: 'Per design',
    explain:
      'The numbers behind the pictures: each stack against its size, every frame, and what the ftrace stack tracer would print.',
    body: html`${comparisonTable(ps)}
<h3>How stacklab reads the table</h3>
<ul class="reading">${reading.map((r) => html`<li>${r}</li>`)}</ul>
${ps.map(profileDetails)}`,
  };
}

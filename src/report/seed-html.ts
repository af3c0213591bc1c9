// The seed report as one HTML file: the comparison table, a stacked bar per design (task stack and
// IRQ stack use against their sizes), the RFC checks, and each design's frames and ftrace view.

import { esc, Html, html, page } from './html.ts';
import type { ProfileReplayData, ReplayReportData } from './replay-report.ts';
import type { SeedReportData } from './seed-report.ts';

export function renderSeedHtml(d: SeedReportData): string {
  return page('stacklab seed report', seedBody(d));
}

/** The seed report's body, for a page of its own or for `stacklab report`. */
export function seedBody(d: SeedReportData): Html {
  const ps = d.replay.profiles;
  return html`
<h1>stacklab seed</h1>
<p class="sub">${d.seed.source}. The seed's stack_trace: ${d.seed.entries} entries, ${d.seed.maxDepth} B deep,
printed by ${d.replay.input.sourceEra}.</p>
<h2>Where the seed's stack goes under each design</h2>
${replayOverview(ps)}
<h2>The RFC against the model</h2>
<table><tbody>${d.checks.map(
    (c) =>
      html`<tr><td class="${c.ok ? 'ok' : 'bad'}">${c.ok ? 'ok' : 'differs'}</td><td style="text-align:left">${c.claim}<br><small>${c.detail}</small></td></tr>`,
  )}</tbody></table>
<h3>How stacklab reads the seed</h3>
<ul class="reading">${d.replay.reading.map((r) => html`<li>${r}</li>`)}</ul>
<h2>Per design</h2>
${ps.map(profileSection)}
${d.sections.map((s) => html`<h2>${s.title}</h2><pre>${s.text}</pre>`)}
`;
}

/** An HTML report for any replay: the same overview, reading and per-design sections. */
export function renderReplayHtml(d: ReplayReportData): string {
  return page(`stacklab replay: ${d.input.file}`, replayBody(d));
}

/** A replay's body, for a page of its own or for `stacklab report`. */
export function replayBody(d: ReplayReportData): Html {
  return html`
<h1>stacklab replay</h1>
<p class="sub">${d.input.file}: ${d.input.entries} entries, ${d.input.maxDepth} B deep, printed by ${d.input.sourceEra} (${d.input.sourceWhy}).</p>
<h2>Where the stack goes under each design</h2>
${replayOverview(d.profiles)}
<h3>How stacklab reads the table</h3>
<ul class="reading">${d.reading.map((r) => html`<li>${r}</li>`)}</ul>
${d.diagnostics.length ? html`<h3>Input notes</h3><ul>${d.diagnostics.map((x) => html`<li>${x.line ? `line ${x.line}: ` : ''}${x.message} <small>(${x.code})</small></li>`)}</ul>` : ''}
<h2>Per design</h2>
${d.profiles.map(profileSection)}
`;
}

function replayOverview(ps: readonly ProfileReplayData[]): Html {
  return html`${stackBars(ps)}
<p class="legend">frames running in <span style="background:var(--task)"></span>task context
<span style="background:#2e9e62"></span>softirq <span style="background:var(--irq)"></span>hard IRQ;
<span style="background:none;border:1px dashed #888"></span>the stack's size. Each row is one stack, its top on the left.</p>
${comparisonTable(ps)}`;
}

function comparisonTable(ps: readonly ProfileReplayData[]): Html {
  const v = (p: ProfileReplayData, s: 'task' | 'irq') => p.verdicts.find((x) => x.stack === s);
  const row = (name: string, f: (p: ProfileReplayData) => string | number) =>
    html`<tr><td>${name}</td>${ps.map((p) => html`<td>${f(p)}</td>`)}</tr>`;
  return html`<table><thead><tr><th></th>${ps.map((p) => html`<th>${p.profile}</th>`)}</tr></thead><tbody>
${row('THREAD_SIZE', (p) => v(p, 'task')?.size ?? '-')}
${row('task stack used', (p) => v(p, 'task')?.used ?? '-')}
${row('IRQ stack used', (p) => v(p, 'irq')?.used ?? '-')}
${row('combined depth', (p) => p.combinedMax)}
${row('task margin', (p) => v(p, 'task')?.margin ?? '-')}
${row('ftrace entries', (p) => p.ftrace.entries)}
${row('ftrace max Depth', (p) => p.ftrace.maxDepth)}
${row('deeper IRQ-stack samples ftrace ignores', (p) => p.ftrace.samplesIgnored)}
</tbody></table>`;
}

/**
 * One bar per stack per profile, drawn from the stack's top (left) downward (right), each frame
 * coloured by the context it ran in, the dashed box is the stack's size.
 */
function stackBars(ps: readonly ProfileReplayData[]): Html {
  const scale = 0.042; // px per byte: 16 KB = 688 px
  const rowH = 44;
  const left = 110;
  const h = ps.length * rowH + 8;
  const color = { task: 'var(--task)', softirq: '#2e9e62', hardirq: 'var(--irq)' } as const;
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${left + 860}" height="${h}" role="img" aria-label="stack use per design" shape-rendering="crispEdges">`;
  ps.forEach((p, i) => {
    const y0 = 8 + i * rowH;
    svg += `<text x="0" y="${y0 + 14}" font-size="12">${esc(p.profile)}</text>`;
    for (const [j, v] of p.verdicts.entries()) {
      const y = y0 + j * 18;
      svg += `<rect x="${left}" y="${y}" width="${v.size * scale}" height="14" fill="none" stroke="#888" stroke-dasharray="3 2"><title>${esc(v.stack)} stack: ${v.size} B</title></rect>`;
      for (const f of p.frames) {
        if (f.stack !== v.stack || f.size === 0) continue;
        const x = left + Math.min(f.depth - f.size, v.size) * scale;
        const w = Math.max(0.5, Math.min(f.size, Math.max(0, v.size - (f.depth - f.size))) * scale);
        svg += `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="14" fill="${color[f.context]}"><title>${esc(f.name)}: ${f.size} B at ${f.depth} B (${f.context})</title></rect>`;
      }
      svg += `<text x="${left + v.size * scale + 6}" y="${y + 11}" font-size="11" fill="#555">${esc(v.stack)} ${v.used} / ${v.size} B</text>`;
    }
  });
  svg += '</svg>';
  return new Html(svg);
}

function profileSection(p: ProfileReplayData): Html {
  return html`<h3>${p.profile}: ${p.title}</h3>
${p.reproducesInput === true ? html`<p class="ok">Own era: the ftrace output is the input table, byte for byte.</p>` : ''}
${p.reproducesInput === false ? html`<p class="bad">Own era, but the ftrace output differs from the input table.</p>` : ''}
<table><thead><tr><th>stack</th><th>size</th><th>used</th><th>margin</th><th style="text-align:left">verdict</th></tr></thead><tbody>
${p.verdicts.map((v) => html`<tr><td>${v.stack}</td><td>${v.size}</td><td>${v.used}</td><td>${v.margin}</td><td style="text-align:left">${v.how}</td></tr>`)}
</tbody></table>
<details><summary>frames and the stack each runs on (${p.frames.length})</summary>
<table><thead><tr><th>function</th><th>stack</th><th>depth</th><th>size</th></tr></thead><tbody>
${p.frames.map((f) => html`<tr><td>${f.name}</td><td>${f.stack}</td><td>${f.depth}</td><td>${f.size}</td></tr>`)}
</tbody></table></details>
<details><summary>what ftrace's stack_trace would print (${p.ftrace.entries} entries)</summary><pre>${p.ftrace.text}</pre></details>
${p.notes.map((n) => html`<p><small>${n}</small></p>`)}`;
}

// The seed report and any replay report as one HTML page of views: the stack layout under each
// design (the seed's headline picture: linux-4.2, rfc-2015, linux-6.1), the RFC's claims against
// the model, the flame graph, the memory cost, and the numbers per design.

import type { ReplayReportData } from '../analyze/replay-data.ts';
import { depthTimeView } from './depth-time-view.ts';
import { dropView } from './drop-view.ts';
import { type Html, html } from './html.ts';
import { memoryViewOfSeed } from './memory-view.ts';
import { designsView, flameView, replayFlame, stackLayoutView } from './replay-views.ts';
import { type PageScript, renderReportPage, type View } from './report-page.ts';
import type { SeedReportData } from './seed-report.ts';

/** The designs the seed's headline picture puts side by side. */
export const HEADLINE_PROFILES = ['linux-4.2', 'rfc-2015', 'linux-6.1'] as const;

export function renderSeedHtml(d: SeedReportData, script?: PageScript): string {
  return renderReportPage({
    title: 'stacklab seed report',
    heading: 'stacklab seed',
    subtitle: `${d.seed.source}. The seed's stack_trace: ${d.seed.entries} entries, ${d.seed.maxDepth} B deep, printed by ${d.replay.input.sourceEra}.`,
    views: seedViews(d),
    ...(script ? { script } : {}),
  });
}

/** The seed's views, for a page of its own or for `stacklab report`. */
export function seedViews(d: SeedReportData): View[] {
  const ps = d.replay.profiles;
  return [
    stackLayoutView(
      ps,
      "The RFC's stack_trace (a timer IRQ on a UDP softirq on a sendmmsg syscall)",
      HEADLINE_PROFILES,
    ),
    checksView(d),
    flameView(
      replayFlame(ps, "the seed's stack"),
      "The seed's deepest stack on each stack kind under each design",
    ),
    memoryViewOfSeed(d),
    depthTimeView(undefined),
    designsView(ps, d.replay.reading),
    dropView(),
  ];
}

function checksView(d: SeedReportData): View {
  return {
    name: 'checks',
    title: 'The RFC against the model',
    explain:
      "Each claim of the RFC, checked on frames pushed on the model's stacks and pages taken from its allocator.",
    body: html`<table><tbody>${d.checks.map(
      (c) =>
        html`<tr><td class="${c.ok ? 'ok' : 'bad'}">${c.ok ? 'ok' : 'differs'}</td><td class="l">${c.claim}<br><small>${c.detail}</small></td></tr>`,
    )}</tbody></table>
${
  d.estimates.length > 0
    ? html`<h3>The reference's estimates against the model</h3><table><thead><tr><th class="l">what</th><th class="l">estimate</th><th class="l">model</th><th></th></tr></thead><tbody>${d.estimates.map(
        (e) =>
          html`<tr><td class="l">${e.what}</td><td class="l">${e.estimate}</td><td class="l">${e.model}</td><td class="${e.agrees ? 'ok' : 'bad'}">${e.agrees ? 'agrees' : 'differs'}</td></tr>`,
      )}</tbody></table>`
    : ''
}`,
  };
}

/** An HTML report for any replay. */
export function renderReplayHtml(d: ReplayReportData, script?: PageScript): string {
  return renderReportPage({
    title: `stacklab replay: ${d.input.file}`,
    heading: 'stacklab replay',
    subtitle: `${d.input.file}: ${d.input.entries} entries, ${d.input.maxDepth} B deep, printed by ${d.input.sourceEra} (${d.input.sourceWhy}).`,
    views: replayViews(d),
    ...(script ? { script } : {}),
  });
}

/** A replay's views, for a page of its own or for `stacklab report`. */
export function replayViews(d: ReplayReportData): View[] {
  const views = [
    stackLayoutView(d.profiles, `${d.input.file} (${d.input.entries} entries, ${d.input.maxDepth} B)`),
    flameView(
      replayFlame(d.profiles, d.input.file),
      'The deepest stack on each stack kind under each design',
    ),
    designsView(d.profiles, d.reading),
  ];
  if (d.diagnostics.length > 0)
    views.push({
      name: 'input-notes',
      title: 'Input notes',
      explain: 'Lines of the input stacklab read with a note, or skipped.',
      body: html`<ul>${d.diagnostics.map((x) => html`<li>${x.line ? `line ${x.line}: ` : ''}${x.message} <small>(${x.code})</small></li>`)}</ul>`,
    });
  views.push(dropView());
  return views;
}

export type { Html };

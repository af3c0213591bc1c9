// `stacklab report`: any of stacklab's --json results (seed, replay, analyze, mm run/compare/validate,
// paths, run, frames, profiles) as one HTML page. The JSON's `kind` picks the views; its shape is
// checked first (result-schema.ts): a document stacklab did not write is bad input naming the field.

import type { ReplayReportData } from '../analyze/replay-data.ts';
import { type Diagnostic, diag } from '../base/diag.ts';
import { err, ok, type Result } from '../base/result.ts';
import type { MmCompareResult } from '../device/compare.ts';
import type { MmRunResult } from '../device/experiment.ts';
import { depthTimeView } from './depth-time-view.ts';
import { dropView } from './drop-view.ts';
import { html } from './html.ts';
import { compareBlock, memoryView, mmRunBlock } from './memory-view.ts';
import { type PathsReportData, pathsView } from './paths-view.ts';
import { type PageScript, renderReportPage, type View } from './report-page.ts';
import { shapeProblem } from './result-schema.ts';
import { readRunReport } from './run-result.ts';
import { replayViews, seedViews } from './seed-html.ts';
import type { SeedReportData } from './seed-report.ts';

export const REPORT_KINDS = [
  'stacklab.seed',
  'stacklab.replay',
  'stacklab.mm.run',
  'stacklab.mm.compare',
  'stacklab.mm.validate',
  'stacklab.paths',
  'stacklab.run',
  'stacklab.frames',
  'stacklab.profiles',
  'stacklab.analyze.*',
] as const;

function known(kind: string): boolean {
  return (REPORT_KINDS as readonly string[]).includes(kind) || /^stacklab\.analyze\.[\w-]+$/.test(kind);
}

/** The views of one input document; chosen by the document's `kind`. */
export function resultViews(doc: unknown, file: string): Result<View[]> {
  const bad = (message: string, expected?: string): Result<View[]> =>
    err(diag('report/not-a-result', 'error', message, { file }, expected));
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    return bad('not a stacklab result', 'a JSON object from a stacklab command run with --json');
  const d = doc as Record<string, unknown>;
  const kind = d.kind;
  if (typeof kind !== 'string' || !known(kind))
    return bad(`unknown kind ${JSON.stringify(kind)}`, `one of ${REPORT_KINDS.join(', ')}`);
  if (typeof d.version !== 'string' || !d.version.startsWith('1.'))
    return bad(`version ${JSON.stringify(d.version)} is not one this stacklab reads`, 'version 1.x');
  const problem = shapeProblem(kind, doc);
  if (problem !== undefined)
    return bad(`not the shape of a ${kind} result: ${problem.message}`, problem.expected);
  try {
    switch (kind) {
      case 'stacklab.seed':
        return ok(seedViews(d as unknown as SeedReportData).filter((v) => v.name !== 'drop'));
      case 'stacklab.replay':
        return ok(replayViews(d as unknown as ReplayReportData).filter((v) => v.name !== 'drop'));
      case 'stacklab.mm.compare': {
        const c = d.result as MmCompareResult;
        return ok([
          memoryView(
            [compareBlock(c, `${c.device}: ${c.runs.map((r) => r.stacks).join(', ')} stacks`)],
            'stacklab mm compare',
          ),
        ]);
      }
      case 'stacklab.mm.run':
        return ok([memoryView([mmRunBlock(d.result as MmRunResult)], 'stacklab mm')]);
      case 'stacklab.paths':
        return ok([pathsView(d as unknown as PathsReportData)]);
      case 'stacklab.run': {
        const r = readRunReport(d);
        if (!r.ok) return bad(`not the shape of a stacklab.run result: ${r.error}`);
        return ok([depthTimeView(r.value)]);
      }
      case 'stacklab.analyze.stack-trace':
        return ok([
          ...replayViews(d.data as ReplayReportData).filter((v) => v.name !== 'drop'),
          analyzeView(kind, d),
        ]);
      default:
        // Results without an HTML view of their own: shown as their data, readable and searchable
        // (an analysis with its explanation first).
        if (kind.startsWith('stacklab.analyze.')) return ok([analyzeView(kind, d)]);
        return ok([
          {
            name: 'data',
            title: kind,
            explain: 'This result as its data.',
            body: html`<pre>${JSON.stringify(doc, null, 2)}</pre>`,
          },
        ]);
    }
  } catch (e) {
    // A document with the right kind but not the shape stacklab writes (hand-edited, truncated).
    return bad(`does not have the shape of a ${kind} result (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** What `stacklab analyze` said about an item, with its data below. */
function analyzeView(kind: string, d: Record<string, unknown>): View {
  const text = typeof d.text === 'string' ? html`<pre>${d.text}</pre>` : html``;
  return {
    name: 'analysis',
    title: `stacklab analyze: ${kind.slice('stacklab.analyze.'.length)}`,
    explain: 'What stacklab analyze said about the input, and its data.',
    body: html`${text}<details><summary>the data</summary><pre>${JSON.stringify(d.data, null, 2)}</pre></details>`,
  };
}

export function renderResultsPage(
  sections: readonly { file: string; views: readonly View[] }[],
  script?: PageScript,
): string {
  const title =
    sections.length === 1
      ? `stacklab report: ${sections[0]!.file}`
      : `stacklab report (${sections.length} results)`;
  return renderReportPage({
    title,
    heading: 'stacklab report',
    subtitle: sections.map((s) => s.file).join(', '),
    views: [...sections.flatMap((s) => s.views), dropView()],
    ...(script ? { script } : {}),
  });
}

export type { Diagnostic };

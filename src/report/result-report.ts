// `stacklab report`: any of stacklab's --json results (seed, replay, analyze, mm run/compare/validate,
// paths, frames, profiles) as one HTML page. The JSON's `kind` picks the renderer; its shape is
// checked first (result-schema.ts): a document stacklab did not write is bad input naming the field.
import { type Diagnostic, diag } from '../base/diag.ts';
import { err, ok, type Result } from '../base/result.ts';
import type { MmCompareResult } from '../mm/compare.ts';
import type { MmRunResult } from '../mm/experiment.ts';
import { Html, html, page } from './html.ts';
import { renderMmCompare, renderMmRun } from './mm-compare.ts';
import type { ReplayReportData } from './replay-report.ts';
import { shapeProblem } from './result-schema.ts';
import { replayBody, seedBody } from './seed-html.ts';
import type { SeedReportData } from './seed-report.ts';

export const REPORT_KINDS = [
  'stacklab.seed',
  'stacklab.replay',
  'stacklab.mm.run',
  'stacklab.mm.compare',
  'stacklab.mm.validate',
  'stacklab.paths',
  'stacklab.frames',
  'stacklab.profiles',
  'stacklab.analyze.*',
] as const;

function known(kind: string): boolean {
  return (REPORT_KINDS as readonly string[]).includes(kind) || /^stacklab\.analyze\.[\w-]+$/.test(kind);
}

/** One section per input document; the renderer is chosen by the document's `kind`. */
export function resultSection(doc: unknown, file: string): Result<Html> {
  const bad = (message: string, expected?: string): Result<Html> =>
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
        return ok(seedBody(d as unknown as SeedReportData));
      case 'stacklab.replay':
        return ok(replayBody(d as unknown as ReplayReportData));
      case 'stacklab.mm.compare':
        return ok(
          html`<h1>stacklab mm compare</h1><pre>${renderMmCompare(d.result as MmCompareResult)}</pre>`,
        );
      case 'stacklab.mm.run':
        return ok(html`<h1>stacklab mm</h1><pre>${renderMmRun(d.result as MmRunResult)}</pre>`);
      case 'stacklab.analyze.stack-trace':
        return ok(html`${replayBody(d.data as ReplayReportData)}${analyzeText(d)}`);
      default:
        // Results without an HTML view of their own: shown as their data, readable and searchable
        // (and an analysis with its explanation first).
        if (kind.startsWith('stacklab.analyze.'))
          return ok(
            html`<h1>stacklab analyze: ${kind.slice('stacklab.analyze.'.length)}</h1>${analyzeText(d)}<details><summary>the data</summary><pre>${JSON.stringify(d.data, null, 2)}</pre></details>`,
          );
        return ok(html`<h1>${kind}</h1><pre>${JSON.stringify(doc, null, 2)}</pre>`);
    }
  } catch (e) {
    // A document with the right kind but not the shape stacklab writes (hand-edited, truncated).
    return bad(`does not have the shape of a ${kind} result (${e instanceof Error ? e.message : String(e)})`);
  }
}

function analyzeText(d: Record<string, unknown>): Html {
  return typeof d.text === 'string' ? html`<h2>What stacklab analyze said</h2><pre>${d.text}</pre>` : html``;
}

export function renderResultsPage(sections: readonly { file: string; body: Html }[]): string {
  const title =
    sections.length === 1
      ? `stacklab report: ${sections[0]!.file}`
      : `stacklab report (${sections.length} results)`;
  return page(title, new Html(sections.map((s) => s.body.value).join('\n<hr>\n')));
}

export type { Diagnostic };

// `--report FILE` on the commands that have a --json result: the same views `stacklab report`
// draws from that JSON, written as one self-contained page with the page script.
import { InputError } from '../base/diag.ts';
import type { View } from '../report/report-page.ts';
import { renderResultsPage, resultViews } from '../report/result-report.ts';
import type { CliContext } from './context.ts';
import { reportScript } from './report-script.ts';

/** Writes the report of `doc` (a --json document) to `file`, or of ready views. */
export function writeHtmlReport(ctx: CliContext, file: string, label: string, doc: unknown | View[]): void {
  let views: readonly View[];
  if (Array.isArray(doc)) views = doc as View[];
  else {
    // Round-trip through JSON, as `stacklab report` reads it: one renderer for both paths.
    const r = resultViews(
      JSON.parse(JSON.stringify(doc, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))),
      label,
    );
    if (!r.ok) throw new InputError(r.error);
    views = r.value;
  }
  ctx.io.writeFileAtomic(file, renderResultsPage([{ file: label, views }], reportScript(ctx.io)));
  ctx.io.err(`stacklab: wrote the report ${file}\n`);
}

// `stacklab report RESULT.json... -o FILE.html`: stacklab's --json results as one offline HTML page.
import type { Command } from 'commander';
import { diag, InputError } from '../../base/diag.ts';
import { looksBinary } from '../../base/text.ts';
import { REPORT_KINDS, renderResultsPage, resultViews } from '../../report/result-report.ts';
import { type CliContext, usage } from '../context.ts';
import { JSON_VERSION } from '../json.ts';
import { reportScript } from '../report-script.ts';
import { jsonOption, outputOption } from '../shared-options.ts';

export function registerReport(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('report')
    .argument('<RESULT...>', 'JSON written by a stacklab command with --json (or - for stdin)')
    .description('render stacklab --json results as one self-contained HTML page (-o FILE, or stdout)');
  jsonOption(cmd);
  outputOption(cmd, ctx)
    .addHelpText(
      'after',
      `
Reads: ${REPORT_KINDS.join(', ')}.

  stacklab replay data/seed/stack_trace-rfc-2015.txt --json > replay.json
  stacklab mm compare --json > mm.json
  stacklab report replay.json mm.json -o report.html`,
    )
    .action((files: string[], opts: { output?: string; json?: boolean }) => {
      if (!opts.json && opts.output === undefined && ctx.io.stdoutIsTty)
        usage('the HTML page goes to a file: -o FILE.html (or redirect stdout)');
      const docs: { file: string; kind: string; doc: unknown }[] = [];
      const sections = files.map((file) => {
        const bytes = ctx.io.readBytes(file);
        if (looksBinary(bytes))
          throw new InputError(
            diag(
              'report/bad-json',
              'error',
              'binary data, not JSON',
              { file },
              'the output of a stacklab command run with --json',
            ),
          );
        const text = new TextDecoder('utf-8').decode(bytes);
        let doc: unknown;
        try {
          doc = JSON.parse(text);
        } catch (e) {
          const m = /position (\d+)/.exec(String(e));
          const pos = m ? Number(m[1]) : 0;
          const line = text.slice(0, pos).split('\n').length;
          throw new InputError(
            diag('report/bad-json', 'error', `not JSON: ${(e as Error).message}`, { file, line }),
          );
        }
        const r = resultViews(doc, file);
        if (!r.ok) throw new InputError(r.error);
        docs.push({ file, kind: String((doc as { kind: unknown }).kind), doc });
        return { file, views: r.value };
      });
      if (opts.json) {
        // The report's data: every result read, checked, in order.
        const out = { version: JSON_VERSION, kind: 'stacklab.report', results: docs };
        ctx.io.out(`${JSON.stringify(out, null, 2)}\n`);
      } else ctx.io.out(renderResultsPage(sections, reportScript(ctx.io)));
    });
}

// `stacklab seed [--report FILE] [--json] [--full]`: the RFC's experiment end to end on embedded defaults.
import type { Command } from 'commander';
import { replayStackTraceText } from '../../analyze/replay-table.ts';
import { AssertionFailed } from '../../base/assert.ts';
import { PROFILES } from '../../model/profiles.ts';
import { SEED_SOURCE, SEED_STACK_TRACE } from '../../model/seed-table.ts';
import { replayTableData } from '../../report/replay-report.ts';
import { renderSeedHtml } from '../../report/seed-html.ts';
import { renderSeedText, type SeedReportData, seedChecks, seedEstimates } from '../../report/seed-report.ts';
import type { CliContext } from '../context.ts';
import { JSON_VERSION } from '../json.ts';

export function buildSeedReport(): SeedReportData {
  // The seed's provenance is known (4.2-rc5 with the stack tracer fixes): no era guessing.
  const r = replayStackTraceText(SEED_STACK_TRACE, 'seed/stack_trace-rfc-2015.txt', PROFILES, {
    source: 'linux-4.2',
  });
  if (!r.ok) throw new AssertionFailed(`the embedded seed table does not replay: ${r.error.message}`);
  const { results, table } = r.value;
  const data = replayTableData('seed/stack_trace-rfc-2015.txt', r.value);
  return {
    version: JSON_VERSION,
    kind: 'stacklab.seed',
    seed: { source: SEED_SOURCE, entries: table.rows.length, maxDepth: table.rows[0]?.depth ?? 0 },
    replay: data,
    checks: seedChecks(results, data),
    estimates: seedEstimates(results),
    sections: [],
  };
}

export function registerSeed(program: Command, ctx: CliContext): void {
  program
    .command('seed')
    .description("the main job: the RFC's experiment end to end on embedded defaults")
    .option('--report <file>', 'also write the HTML report there')
    .option('--json', 'machine-readable output')
    .option('--full', "print every profile's ftrace view")
    .addHelpText(
      'after',
      `
Replays the RFC's stack_trace table (51 entries, 5352 B, a timer IRQ on a UDP softirq on a sendmmsg
syscall) under linux-4.2, rfc-2015, linux-4.5, linux-6.1 and x86_64-6.1, and checks the RFC's claims:
the 4.2 table comes back byte for byte, the IRQ stack lets an 8 KB task stack fit, ftrace goes blind
to the IRQ frames, and 6.1 moves softirqs onto the IRQ stack.

  stacklab seed
  stacklab seed --report seed.html`,
    )
    .action((opts: { report?: string; json?: boolean; full?: boolean }) => {
      const report = buildSeedReport();
      if (opts.json) ctx.io.out(`${JSON.stringify(report, null, 2)}\n`);
      else ctx.io.out(renderSeedText(report, { full: opts.full ?? false }));
      if (opts.report) {
        ctx.io.writeFileAtomic(opts.report, renderSeedHtml(report));
        ctx.io.err(`stacklab: wrote ${opts.report}\n`);
      }
    });
}

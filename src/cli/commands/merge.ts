// `stacklab merge DIR... --out DIR`: the folders of a sweep's shards as one sweep.json, byte for
// byte the one a single `stacklab sweep` run writes (both end in writeSweepJson).
import type { Command } from 'commander';
import { diag, InputError } from '../../base/diag.ts';
import { jsonText, sameSweep } from '../../sweep/sweep-result.ts';
import { renderSweepText } from '../../sweep/sweep-text.ts';
import type { CliContext } from '../context.ts';
import { jsonOption, outDirOption, outputOption, printText, wideOption } from '../shared-options.ts';
import { claimFolder, readSpec, SPEC_FILE, SWEEP_FILE, writeSweepJson } from '../sweep-output.ts';

interface MergeOpts {
  out: string;
  json?: boolean;
  wide?: boolean;
}

export function registerMerge(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('merge')
    .argument('<DIR...>', 'output folders of `stacklab sweep` (shards of one sweep)')
    .description('merge the shards of a sweep into one sweep.json, the same bytes as a single run');
  outDirOption(cmd);
  cmd.options.find((o) => o.long === '--out')!.makeOptionMandatory();
  jsonOption(cmd);
  wideOption(cmd);
  outputOption(cmd, ctx)
    .addHelpText(
      'after',
      `
Every folder must hold the same sweep (sweep-spec.json); together they must hold every point. The
points are copied into the --out folder (it may be one of the inputs), and sweep.json is written there.

  stacklab sweep examples/sweeps/rfc-question.yaml --out rfc-0 --shard 0/2
  stacklab sweep examples/sweeps/rfc-question.yaml --out rfc-1 --shard 1/2
  stacklab merge rfc-0 rfc-1 --out rfc-all`,
    )
    .action((dirs: string[], opts: MergeOpts) => {
      const specs = dirs.map((d) => {
        const s = ctx.io.isDirectory(d) ? readSpec(d) : undefined;
        if (s === undefined)
          throw new InputError(
            diag(
              'sweep/not-a-sweep',
              'error',
              `${d}: no ${SPEC_FILE} here`,
              { file: d },
              'an --out folder of stacklab sweep',
            ),
          );
        return s;
      });
      const first = specs[0]!;
      specs.forEach((s, i) => {
        const why = sameSweep(first, s);
        if (why !== undefined)
          throw new InputError(
            diag('sweep/other-sweep', 'error', `${dirs[i]} holds ${why} (${dirs[0]} does not)`, {
              file: dirs[i]!,
            }),
          );
      });
      ctx.io.checkOutput(opts.out, '--out', 'dir');
      claimFolder(ctx.io, opts.out, first);
      const doc = writeSweepJson(ctx.io, opts.out, dirs, first);
      if (opts.json) ctx.io.out(jsonText(doc));
      else
        printText(
          ctx,
          `${renderSweepText(doc)}merged ${dirs.length} folders; wrote ${opts.out}/${SWEEP_FILE}\n`,
          opts,
        );
    });
}

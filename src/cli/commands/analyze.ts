// `stacklab analyze FILE|-`: detect what kind of kernel output a file is, parse it, explain it.
import type { Command } from 'commander';
import '../../analyze/analyzers-mm.ts';
import '../../analyze/analyzers-stack-pricing.ts';
import '../../analyze/analyzers-checkstack.ts';
import '../../analyze/analyzers-memory.ts';
import { analyzers } from '../../analyze/registry.ts';
import { diag, formatDiagnostic, InputError } from '../../base/diag.ts';
import { looksBinary } from '../../base/text.ts';
import { PROFILE_IDS } from '../../model/profiles.ts';
import { registerStackAnalyzers } from '../../report/analyzers-stack.ts';
import { analysisView } from '../../report/drop-analysis.ts';
import { type CliContext, reportDiagnostics, usage } from '../context.ts';
import { writeHtmlReport } from '../html-report.ts';
import { JSON_VERSION } from '../json.ts';
import { type ProfileOptions, profileOptions, selectedProfiles, sourceOf } from '../profile-options.ts';
import { jsonOption, outputOption, printText, reportOption, wideOption } from '../shared-options.ts';

registerStackAnalyzers();

const EXAMPLES = `Kernel output to try (on a device: /sys/kernel/tracing/stack_trace, dmesg, /proc/buddyinfo ...):
  stacklab analyze data/seed/stack_trace-rfc-2015.txt
  stacklab analyze test/fixtures/published/ovf-arm64-001.txt
  stacklab analyze test/fixtures/arm64-6.1-qemu/fork-256M/pagetypeinfo-before.txt
  dmesg | stacklab analyze -`;

export function registerAnalyze(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('analyze')
    .argument('<FILE>', 'kernel output to explain, or - for stdin')
    .description(
      'detect the format of kernel output, parse it and explain it (depth per stack, margins, why it failed)',
    );
  profileOptions(cmd, 'all', { source: true });
  reportOption(cmd);
  jsonOption(cmd);
  wideOption(cmd);
  outputOption(cmd, ctx)
    .addHelpText('after', () => {
      const list = analyzers()
        .map((a) => `  ${a.id.padEnd(20)} ${a.describes}`)
        .join('\n');
      return `\nRecognised inputs, tried in this order:\n${list}\n\n${EXAMPLES}`;
    })
    .action((file: string, opts: ProfileOptions & { json?: boolean; wide?: boolean; report?: string }) => {
      if (opts.report !== undefined) ctx.io.checkOutput(opts.report, '--report');
      // Checked before the input: analyzers of memory reports never look at profiles, and a typo in
      // -p, --set or --source must not pass silently there.
      const profiles = selectedProfiles(ctx, opts, PROFILE_IDS);
      const source = sourceOf(opts);
      const bytes = ctx.io.readBytes(file);
      if (looksBinary(bytes)) {
        const elf = bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
        throw new InputError(
          diag(
            'analyze/binary',
            'error',
            elf
              ? 'this is an ELF binary: use `stacklab frames` or `stacklab paths` on it'
              : 'binary data, not kernel text output',
            { file },
          ),
        );
      }
      const text = new TextDecoder('utf-8').decode(bytes);
      const a = analyzers().find((x) => x.sniff(text));
      if (!a) {
        throw new InputError(
          diag(
            'analyze/unknown-format',
            'error',
            'not a format stacklab recognises',
            { file, line: 1 },
            `one of: ${analyzers()
              .map((x) => x.id)
              .join(', ')}`,
          ),
        );
      }
      const out = a.run(text, file, {
        profiles: opts.profile,
        overrides: opts.set,
        ...(opts.profileFile.length > 0 ? { profileObjects: profiles } : {}),
        ...(source ? { source } : {}),
      });
      if ('error' in out) {
        if (out.error.code.startsWith('profile/')) usage(formatDiagnostic(out.error));
        throw new InputError(out.error);
      }
      reportDiagnostics(
        ctx.io,
        out.diagnostics.filter((d) => d.severity !== 'info'),
      );
      if (opts.json) {
        ctx.io.out(
          `${JSON.stringify({ version: JSON_VERSION, kind: `stacklab.analyze.${a.id}`, data: out.data, text: out.text }, jsonBigint, 2)}\n`,
        );
      } else printText(ctx, out.text, opts);
      if (opts.report !== undefined)
        writeHtmlReport(ctx, opts.report, `stacklab analyze ${file}`, [analysisView(text, file)]);
    });
}

function jsonBigint(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `0x${value.toString(16)}` : value;
}

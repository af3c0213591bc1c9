// `stacklab frames ELF... [--min BYTES] [--format checkstack|json] [--su FILE]`: per-function frame
// sizes straight from the binary, in checkstack.pl's layout so existing scripts keep working.
import type { Command } from 'commander';
import type { Diagnostic } from '../../base/diag.ts';
import { hex } from '../../base/units.ts';
import type { Binary, BinaryFunction, FrameSource } from '../../elf/binary.ts';
import { matchStackUsage } from '../../elf/imported-frames.ts';
import { checkstackAddress, printCheckstack } from '../../formats/checkstack.ts';
import { type CliContext, reportDiagnostics, usage } from '../context.ts';
import { expandElfArgs, forEachBinary, readStackUsageFiles } from '../elf-inputs.ts';
import { EXIT_BAD_INPUT } from '../exit-codes.ts';
import { JSON_VERSION } from '../json.ts';
import { collect } from '../profile-options.ts';

interface FramesOptions {
  min?: number;
  format: string;
  json?: boolean;
  su: string[];
  emulateCheckstack?: boolean;
}

/** One function as `frames` reports it. */
interface FrameRow {
  readonly path: string;
  readonly tag: string;
  readonly fn: BinaryFunction;
  frameBytes: number;
  dynamic: boolean;
  source: FrameSource;
}

export function registerFrames(program: Command, ctx: CliContext): void {
  program
    .command('frames')
    .description('per-function stack frame sizes of AArch64 ELF files (vmlinux, .ko, programs)')
    .argument('<elf...>', 'ELF files, or directories searched for .ko modules')
    .option('--min <bytes>', 'only frames larger than BYTES (checkstack.pl: 100; json: all)', nonNegative)
    .option('--format <format>', 'checkstack (default) or json', 'checkstack')
    .option('--json', 'the same as --format json')
    .option(
      '--su <file>',
      'GCC -fstack-usage output; its exact sizes replace decoded ones (repeatable)',
      collect,
      [],
    )
    .option('--emulate-checkstack', 'print the sums scripts/checkstack.pl would print, mistakes included')
    .addHelpText(
      'after',
      `
Frames come from the code: every path through the function is followed from its entry and the
deepest static SP is its frame (GCC's -fstack-usage number). "mov x12, #0x13a0; sub sp, sp, x12"
and "sub sp, sp, #0x1, lsl #12" frames, which checkstack.pl misses or misreads, are counted right;
VLA/alloca functions are flagged dynamic (json) with their static part shown. .eh_frame/.debug_frame
are read when present; clang's .stack_sizes section and --su files take precedence.

The checkstack format is scripts/checkstack.pl's, byte for byte (sorted, tab-padded, > --min bytes):
  0x0000000000002690 pfkey_sendmsg [af_key]:		80

Examples:
  stacklab frames vmlinux                                   like objdump -d vmlinux | checkstack.pl arm64
  stacklab frames /lib/modules/6.1.0-56-arm64/kernel --min 1024
  stacklab frames drivers/net/foo.ko --json
  stacklab frames foo.o --su foo.su                         exact sizes from GCC where it has them
  stacklab frames --emulate-checkstack vmlinux > old.txt    what checkstack.pl prints, to diff`,
    )
    .action((elfArgs: string[], opts: FramesOptions) => runFrames(ctx, elfArgs, opts));
}

function nonNegative(v: string): number {
  if (!/^\d+$/.test(v)) usage(`--min: "${v}" is not a byte count`);
  return Number(v);
}

function runFrames(ctx: CliContext, elfArgs: string[], opts: FramesOptions): void {
  const format = opts.json ? 'json' : opts.format;
  if (format !== 'checkstack' && format !== 'json')
    usage(`--format: "${opts.format}" is not checkstack or json`);
  const files = expandElfArgs(ctx, elfArgs);
  const su = readStackUsageFiles(ctx, opts.su);
  const min = opts.min ?? (format === 'json' ? -1 : 100);
  const size = (r: FrameRow) => (opts.emulateCheckstack ? r.fn.info.checkstackBytes : r.frameBytes);
  const rows: FrameRow[] = [];
  const binaries: { path: string; tag: string; e_type: number; functions: number }[] = [];
  const diagnostics: Diagnostic[] = [];
  const { failed } = forEachBinary(ctx, files, { sites: false }, (b: Binary) => {
    binaries.push({ path: b.file, tag: b.tag, e_type: b.e_type, functions: b.functions.length });
    diagnostics.push(...b.diagnostics);
    for (const fn of b.functions) {
      const row = {
        path: b.file,
        tag: b.tag,
        fn,
        frameBytes: fn.frameBytes,
        dynamic: fn.dynamic,
        source: fn.frameSource,
      };
      // Without .su files nothing changes later, so small frames can go now (bounded memory on big trees).
      if (su.length === 0 && size(row) <= min && !fn.dynamic) continue;
      rows.push(row);
    }
  });
  for (const s of su) {
    diagnostics.push(...s.diagnostics);
    const m = matchStackUsage(
      rows.map((r) => ({ key: r, fn: r.fn, file: r.path })),
      s.entries,
      s.file,
    );
    diagnostics.push(...m.diagnostics);
    for (const [row, f] of m.frames) {
      row.frameBytes = f.bytes;
      row.dynamic = f.dynamic;
      row.source = 'su';
    }
  }
  const shown = rows.filter((r) => size(r) > min);
  if (format === 'json') {
    ctx.io.out(
      `${JSON.stringify(
        {
          version: JSON_VERSION,
          kind: 'stacklab.frames',
          files: binaries,
          functions: shown.map((r) => ({
            file: r.path,
            tag: r.tag,
            name: r.fn.name,
            ...(r.fn.aliases.length > 0 ? { aliases: r.fn.aliases } : {}),
            section: r.fn.section,
            address: hex(r.fn.address),
            frameBytes: r.frameBytes,
            dynamic: r.dynamic,
            source: r.source,
            checkstackBytes: r.fn.info.checkstackBytes,
            ...(r.fn.cfiBytes !== undefined ? { cfiBytes: r.fn.cfiBytes } : {}),
            patchable: r.fn.patchable,
            pac: r.fn.info.hints.pac,
            bti: r.fn.info.hints.bti,
          })),
        },
        null,
        1,
      )}\n`,
    );
  } else {
    ctx.io.out(
      printCheckstack(
        shown.map((r) => ({
          address: checkstackAddress(r.fn.address),
          function: r.fn.name,
          file: r.tag,
          bytes: size(r),
        })),
        min,
      ),
    );
  }
  const dynamic = shown.filter((r) => r.dynamic).length;
  const differ = opts.emulateCheckstack
    ? 0
    : shown.filter((r) => r.fn.info.checkstackBytes !== r.frameBytes).length;
  reportDiagnostics(ctx.io, diagnostics);
  if (dynamic > 0 || differ > 0) {
    const parts = [];
    if (dynamic > 0) parts.push(`${dynamic} allocate dynamically (VLA/alloca; the static part is shown)`);
    if (differ > 0) parts.push(`${differ} differ from what checkstack.pl prints`);
    ctx.io.err(
      `stacklab frames: of ${shown.length} functions shown, ${parts.join('; ')}; --json has the details\n`,
    );
  }
  if (failed.length > 0) ctx.exitCode = EXIT_BAD_INPUT;
}

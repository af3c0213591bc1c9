// ELF arguments of `frames` and `paths`: files, or directories searched for kernel modules (.ko).
// Each file is opened for positioned reads, analysed and closed before the next, so a module tree
// (3,700 files) runs in the memory of its largest file plus the results kept.
import { type Diagnostic, diag, formatDiagnostic, InputError } from '../base/diag.ts';
import type { Result } from '../base/result.ts';
import { looksBinary } from '../base/text.ts';
import { type AnalyzeOptions, analyzeBinary, type Binary } from '../elf/binary.ts';
import type { ByteSource } from '../elf/byte-source.ts';
import { FrameAnalyzer } from '../elf/frame-analysis.ts';
import { Scratch } from '../elf/scratch.ts';
import { parseGccStackUsage, type StackUsageEntry } from '../formats/gcc-stack-usage.ts';
import { isBadCompression, MODULE_NAME } from './compressed.ts';
import { type CliContext, usage } from './context.ts';
import { clearProgress, progressLine } from './progress.ts';

/**
 * Files for the arguments: a directory contributes its modules, recursively, sorted: .ko files and
 * the compressed ones distributions ship (.ko.xz, .ko.zst, .ko.gz; compressed.ts).
 */
export function expandElfArgs(ctx: CliContext, args: readonly string[]): string[] {
  const out: string[] = [];
  for (const a of args) {
    if (ctx.io.isDirectory(a)) {
      const kos = ctx.io.walk(a).filter((p) => MODULE_NAME.test(p));
      if (kos.length === 0) usage(`${a}: directory holds no .ko files (nor .ko.xz, .ko.zst, .ko.gz)`);
      out.push(...kos);
    } else out.push(a);
  }
  return out;
}

/**
 * Analyses each file in turn and hands the result to `each`. Files that are not usable AArch64 ELF
 * produce an error diagnostic (printed at once) and the walk goes on; the caller decides the exit code.
 */
export function forEachBinary(
  ctx: CliContext,
  files: readonly string[],
  options: Omit<AnalyzeOptions, 'analyzer'>,
  each: (b: Binary) => void,
): { failed: Diagnostic[] } {
  const analyzer = new FrameAnalyzer();
  const scratch = new Scratch();
  return forEachFile(ctx, files, (src) => analyzeBinary(src, { ...options, analyzer, scratch }), each);
}

/**
 * Runs `analyze` on each file in turn (opened for positioned reads, closed after) and hands the
 * result to `each`. A file that cannot be read or analysed produces an error diagnostic (printed at
 * once) and the walk goes on; the caller decides the exit code.
 */
export function forEachFile<T>(
  ctx: CliContext,
  files: readonly string[],
  analyze: (src: ByteSource) => Result<T>,
  each: (value: T) => void,
): { failed: Diagnostic[] } {
  const failed: Diagnostic[] = [];
  const progress = ctx.io.stderrIsTty && files.length > 1;
  let lastProgress = 0;
  files.forEach((file, i) => {
    if (progress && Date.now() - lastProgress > 100) {
      lastProgress = Date.now();
      const counter = `[${i + 1}/${files.length}] `;
      progressLine(ctx.io, `${counter}${file}`, counter.length);
    }
    const fail = (d: Diagnostic) => {
      failed.push(d);
      if (progress) clearProgress(ctx.io);
      ctx.io.err(`${formatDiagnostic(d)}\n`);
    };
    let src: ByteSource & { close(): void };
    try {
      src = ctx.io.openRandomAccess(file, { scratch: true });
    } catch (e) {
      if (!isBadCompression(e)) throw e;
      fail(e.diagnostic);
      return;
    }
    try {
      const r = analyze(src);
      if (r.ok) each(r.value);
      else fail(r.error);
    } finally {
      src.close();
    }
  });
  if (progress) clearProgress(ctx.io);
  return { failed };
}

/** Reads --su files; bad lines are diagnostics, an unreadable file is an InputError. */
export function readStackUsageFiles(
  ctx: CliContext,
  files: readonly string[],
): { file: string; entries: StackUsageEntry[]; diagnostics: readonly Diagnostic[] }[] {
  return files.map((file) => {
    const bytes = ctx.io.readBytes(file);
    if (looksBinary(bytes))
      throw new InputError(
        diag(
          'gcc-su/binary',
          'error',
          '--su: binary data, not GCC -fstack-usage output',
          { file },
          '"FILE:LINE:COL:FUNCTION<TAB>BYTES<TAB>static|dynamic" lines, as gcc -fstack-usage writes to NAME.su',
        ),
      );
    const r = parseGccStackUsage(new TextDecoder('utf-8').decode(bytes), file);
    return { file, entries: r.value ?? [], diagnostics: r.diagnostics };
  });
}

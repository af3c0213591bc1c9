// What every command receives: the Io and a way to report failures with the right exit code.
import { type Diagnostic, diag, formatDiagnostic, summarizeDiagnostics } from '../base/diag.ts';
import type { Io } from './io.ts';

/** A usage problem (bad flag value, missing argument): exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface CliContext {
  /** Replaced while a command writes its output into a file (-o, shared-options.ts). */
  io: Io;
  /** Set by a command that finished with a non-zero but expected status. */
  exitCode: number;
}

/** Prints collected diagnostics of usable input as one summary line per code, plus the first few in full. */
export function reportDiagnostics(io: Io, ds: readonly Diagnostic[], detail = 5): void {
  if (ds.length === 0) return;
  for (const d of ds.slice(0, detail)) io.err(`${formatDiagnostic(d)}\n`);
  if (ds.length > detail) io.err(`... ${ds.length - detail} more\n`);
  const summary = summarizeDiagnostics(ds)
    .map((s) => `${s.count} ${s.severity} (${s.code})`)
    .join(', ');
  io.err(`stacklab: ${summary}\n`);
}

export function usage(message: string): never {
  throw new UsageError(message);
}

export { diag };

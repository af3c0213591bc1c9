// Result: the value of an operation that can fail on bad input (never on our bugs; those assert).
import type { Diagnostic } from './diag.ts';

export type Result<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: Diagnostic };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function err<T = never>(error: Diagnostic): Result<T> {
  return { ok: false, error };
}

/** A parser's output: the value if the input was usable, plus every oddity met on the way. */
export interface ParseOutput<T> {
  readonly value: T | undefined;
  readonly diagnostics: readonly Diagnostic[];
}

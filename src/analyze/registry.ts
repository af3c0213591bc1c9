// What an analyzer of `stacklab analyze` is: one kind of real input, sniffed, parsed and explained
// as data. The analyzers and their one ordered list are in src/analyze/index.ts; the text each
// explanation reads as is src/report's (report/analysis-text/), found by the analyzer's id.
import { type Diagnostic, diag } from '../base/diag.ts';
import type { ParseOutput } from '../base/result.ts';
import type { KernelProfile } from '../model/profile.ts';

export interface Analysis {
  /** The explanation, what the renderers of src/report read (and, unless json() says otherwise, --json). */
  readonly data: unknown;
  /** Oddities met on the way (counted and reported on stderr). */
  readonly diagnostics: readonly Diagnostic[];
}

export interface Analyzer {
  /** Stable id, e.g. "stack-trace", "page-alloc-failure"; also the key of its text renderer. */
  readonly id: string;
  /** What this analyzer reads, for help text and "tried:" messages. */
  readonly describes: string;
  /** Cheap: looks at the text only. */
  sniff(text: string): boolean;
  /**
   * Parses and explains. Returns a diagnostic of severity "error" (and no output) when the input
   * looked right to sniff() but cannot be used.
   */
  run(text: string, file: string, options: AnalyzeOptions): Analysis | { error: Diagnostic };
  /** What --json shows of an explanation, where that is not all of it (the renderers read more). */
  json?(data: unknown): unknown;
}

export interface AnalyzeOptions {
  /** Profile ids the user asked for (--profile), or empty for the analyzer's defaults. */
  readonly profiles: readonly string[];
  /** --set overrides, applied to every profile. */
  readonly overrides: readonly string[];
  /** With --profile-file: every profile to use, resolved (the ids' and the files'). */
  readonly profileObjects?: readonly KernelProfile[];
  /** --source: the era that printed a stack_trace table. */
  readonly source?: string;
  /**
   * The number of the text's first line in the input (an item of a log: its first line), so that
   * every line an analysis names, and its diagnostics, are the input's. Default 1.
   */
  readonly firstLine?: number;
}

/** An analysis as --json shows it. */
export function analysisJson(a: Analyzer, data: unknown): unknown {
  return a.json ? a.json(data) : data;
}

/**
 * What an analyzer's parser gave: its value, or the error run() returns (the parser's first error,
 * else its first diagnostic, else `empty` naming the file).
 */
export function parsedValue<T>(
  p: ParseOutput<T>,
  file: string,
  empty: { code: string; message: string },
): { value: T } | { error: Diagnostic } {
  const error = p.diagnostics.find((d) => d.severity === 'error');
  if (p.value !== undefined && error === undefined) return { value: p.value };
  return { error: error ?? p.diagnostics[0] ?? diag(empty.code, 'error', empty.message, { file }) };
}

// One fuzz input through one target, timed and measured against the issue-15 budget; shared by the
// campaign's child processes (fuzz/worker.ts) and the in-process test pass (test/fuzz/).
import { budget, peakSince, startPeak } from './measure.ts';
import type { Target } from './targets.ts';

export type FailureKind = 'crash' | 'slow' | 'memory' | 'hang' | 'heap';

export interface Failure {
  readonly kind: FailureKind;
  readonly message: string;
  readonly stack: string;
  readonly ms: number;
  readonly peakBytes: number;
}

/** "RangeError: Invalid array length at foo (src/x.ts:12)" with numbers blanked: one per defect. */
export function signatureOf(f: Pick<Failure, 'kind' | 'message' | 'stack'>): string {
  const head = f.message
    .split('\n')[0]!
    .replace(/0x[0-9a-f]+/gi, 'H')
    .replace(/\d+/g, 'N')
    .slice(0, 160);
  const frame = f.stack
    .split('\n')
    .map((l) => /\(?((?:src|fuzz)\/[^:()]+):\d+/.exec(l)?.[1] ?? /at (\S+) \(.*\/src\//.exec(l)?.[1])
    .find((x) => x !== undefined);
  return `${f.kind}: ${head}${frame ? ` @ ${frame}` : ''}`;
}

/** Runs one input, timing it and its memory; a throw is a crash. */
export async function runOne(t: Target, input: Uint8Array): Promise<Failure | null> {
  return (await runMeasured(t, input)).failure;
}

export async function runMeasured(
  t: Target,
  input: Uint8Array,
): Promise<{ failure: Failure | null; ms: number; peakBytes: number }> {
  const r = await runRaw(t, input);
  return { failure: r.failure, ms: r.ms, peakBytes: r.peakBytes };
}

async function runRaw(
  t: Target,
  input: Uint8Array,
): Promise<{ failure: Failure | null; ms: number; peakBytes: number }> {
  const rss0 = startPeak();
  const t0 = performance.now();
  let thrown: unknown;
  try {
    await t.run(input);
  } catch (e) {
    thrown = e;
  }
  const ms = performance.now() - t0;
  const peakBytes = peakSince(rss0);
  if (thrown !== undefined) {
    const e = thrown instanceof Error ? thrown : new Error(String(thrown));
    return {
      failure: { kind: 'crash', message: `${e.name}: ${e.message}`, stack: e.stack ?? '', ms, peakBytes },
      ms,
      peakBytes,
    };
  }
  const b = budgetOf(t, input);
  const over = (kind: FailureKind, message: string) => ({
    failure: { kind, message, stack: '', ms, peakBytes },
    ms,
    peakBytes,
  });
  if (ms > b.ms)
    return over('slow', `${ms.toFixed(0)} ms for ${input.length} bytes (budget ${b.ms.toFixed(0)} ms)`);
  if (peakBytes > b.peakBytes)
    return over(
      'memory',
      `${(peakBytes / 2 ** 20).toFixed(0)} MB for ${input.length} bytes (budget ${(b.peakBytes / 2 ** 20).toFixed(0)} MB)`,
    );
  return { failure: null, ms, peakBytes };
}

/** The target's budget for one input (budget() of its size unless the target has its own). */
export function budgetOf(t: Target, input: Uint8Array): { ms: number; peakBytes: number } {
  return t.budget ? t.budget(input) : budget(input.length);
}

/**
 * runMeasured(), and once more when the first run was over 3x its time budget: the tests run on
 * shared machines (the campaign retries slow inputs the same way); the faster run counts.
 */
export async function runTwiceIfSlow(
  t: Target,
  input: Uint8Array,
): Promise<{ failure: Failure | null; ms: number; peakBytes: number }> {
  const r = await runMeasured(t, input);
  if (r.failure?.kind === 'crash' || r.ms < 3 * budgetOf(t, input).ms) return r;
  const again = await runMeasured(t, input);
  return again.ms < r.ms ? again : r;
}

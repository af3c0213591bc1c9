// Time and peak memory of one call. Peak memory is the growth of the process's resident set while
// the call ran: Linux's VmHWM (getrusage maxrss) is reset to the current RSS before the call by
// writing "5" to /proc/self/clear_refs, so the peak after it belongs to this call alone. Where that
// file cannot be written (not Linux), the peak is reported as 0 and only time is measured.
import { closeSync, openSync, writeSync } from 'node:fs';

let clearRefs: number | null | undefined;

/** Resets the peak RSS to the current RSS and returns that, or null where this cannot be done. */
export function startPeak(): number | null {
  if (clearRefs === undefined) {
    try {
      clearRefs = openSync('/proc/self/clear_refs', 'w');
    } catch {
      clearRefs = null;
    }
  }
  if (clearRefs === null) return null;
  try {
    writeSync(clearRefs, '5');
  } catch {
    closeSync(clearRefs);
    clearRefs = null;
    return null;
  }
  return process.memoryUsage.rss();
}

/** Bytes the resident set grew above `rss0` (from startPeak()) at its peak since. */
export function peakSince(rss0: number | null): number {
  return rss0 === null ? 0 : Math.max(0, process.resourceUsage().maxRSS * 1024 - rss0);
}

export interface Measured<T> {
  readonly value: T;
  readonly ms: number;
  /** Bytes the resident set grew above its size at the start of the call, at its peak. */
  readonly peakBytes: number;
}

export function measure<T>(fn: () => T): Measured<T> {
  const rss0 = startPeak();
  const t0 = performance.now();
  const value = fn();
  const ms = performance.now() - t0;
  return { value, ms, peakBytes: peakSince(rss0) };
}

/**
 * The issue-15 budget for one input: 1 s per 100 KB (at least 1 s, for the small files that real
 * inputs are), and 10x the input plus 100 MB of memory.
 */
export function budget(bytes: number): { ms: number; peakBytes: number } {
  return { ms: Math.max(1000, (bytes / 100_000) * 1000), peakBytes: 10 * bytes + 100 * 1024 * 1024 };
}

/**
 * The budget of the targets that replay a stack_trace table (replay, convert, the stack-trace
 * analyzer): as the kernel's check_stack(), every traced function that sets a new maximum unwinds
 * and scans the whole stack, so a replay is quadratic in the table's rows (bench/README.md: 1.4 s for
 * 500 rows, STACK_TRACE_ENTRIES, on an idle machine). The known exception to 1 s per 100 KB: 40 µs
 * per row squared, and the byte budget where that is larger.
 */
export function replayBudget(input: Uint8Array): { ms: number; peakBytes: number } {
  let rows = 0;
  for (let i = 0; i < input.length; i++) if (input[i] === 0x0a) rows++;
  const b = budget(input.length);
  return { ms: Math.max(b.ms, 0.04 * Math.min(rows, 600) ** 2), peakBytes: b.peakBytes };
}

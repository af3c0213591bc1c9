// Reads what CONFIG_DEBUG_STACK_USAGE prints: the per-task low-water lines from kernel/exit.c
// (check_stack_usage) and, since 6.12, the kstack_* histogram in /proc/vmstat.
//
//     kworker/u:0 used greatest stack depth: 10564 bytes left
//     busybox used greatest stack depth: 9512 bytes left
//   kstack_1k  0
//   kstack_2k  39
//
// Tolerates dmesg timestamps, indentation and prompt lines; other lines are ignored (they are
// ordinary log text), but a line that starts like a record and does not finish is counted.
import { type Diagnostic, diag } from '../base/diag.ts';
import { takeNumber } from '../base/number.ts';
import type { ParseOutput } from '../base/result.ts';
import { splitLines } from '../base/text.ts';
import { stripLogPrefix, strippedHead } from './log-prefix.ts';

export interface StackUsage {
  /** "<comm> used greatest stack depth: N bytes left", in order of appearance. */
  readonly lowWater: readonly { readonly comm: string; readonly bytesLeft: number; readonly line: number }[];
  /** kstack_<size> buckets: tasks whose deepest use fell at or below that size (from the previous bucket). */
  /**
   * kstack_Nk and kstack_rest lines: `bytes` is the bucket's upper limit (N * 1024), null for
   * kstack_rest (deeper than 64 KB, printed only when THREAD_SIZE is larger).
   */
  readonly histogram: readonly {
    readonly bucket: string;
    readonly bytes: number | null;
    readonly tasks: number;
  }[];
}

const LOW = /^(.+?) used greatest stack depth: (\d+) bytes left\s*$/;
const HIST = /^kstack_(?:(\d+)k|rest)\s+(\d+)\s*$/;

export function sniffStackUsage(text: string): boolean {
  const head = text.slice(0, 65536);
  return (
    /used greatest stack depth: \d+ bytes left/.test(head) ||
    strippedHead(text, 256).some((l) => /^kstack_\d+k\s+\d+/.test(l))
  );
}

export function parseStackUsage(text: string, file = '<input>', firstLine = 1): ParseOutput<StackUsage> {
  const diagnostics: Diagnostic[] = [];
  const lowWater: { comm: string; bytesLeft: number; line: number }[] = [];
  const histogram: { bucket: string; bytes: number | null; tasks: number }[] = [];
  for (const l of splitLines(text, firstLine)) {
    const t = stripLogPrefix(l.text).trim();
    if (t.startsWith('# ')) continue;
    let m: RegExpExecArray | null;
    const loc = { file, line: l.no };
    const spec = { code: 'stack-usage/bad-number', what: '' };
    if ((m = LOW.exec(t))) {
      const left = takeNumber(m[2]!, { ...spec, what: 'bytes left' }, loc, diagnostics);
      if (left !== undefined) lowWater.push({ comm: m[1]!, bytesLeft: left, line: l.no });
    } else if ((m = HIST.exec(t))) {
      // Buckets are kB of a stack; THREAD_SIZE is far below 2^40 kB. kstack_rest: past 64 KB.
      const kb =
        m[1] === undefined
          ? null
          : takeNumber(m[1], { ...spec, what: 'bucket kB', max: 2 ** 40 }, loc, diagnostics);
      const tasks = takeNumber(m[2]!, { ...spec, what: 'tasks' }, loc, diagnostics);
      if (kb !== undefined && tasks !== undefined)
        histogram.push({
          bucket: kb === null ? 'rest' : `${m[1]}k`,
          bytes: kb === null ? null : kb * 1024,
          tasks,
        });
    } else if (/used greatest stack depth|^kstack_/.test(t))
      diagnostics.push(
        diag(
          'stack-usage/bad-line',
          'data-loss',
          `unreadable record: "${t.slice(0, 60)}"`,
          { file, line: l.no },
          '"<comm> used greatest stack depth: N bytes left" or "kstack_Nk COUNT"',
        ),
      );
  }
  if (lowWater.length === 0 && histogram.length === 0) {
    diagnostics.push(
      diag('stack-usage/none', 'error', 'no DEBUG_STACK_USAGE output found', { file, line: firstLine }),
    );
    return { value: undefined, diagnostics };
  }
  return { value: { lowWater, histogram }, diagnostics };
}

/** Line patterns for the log item scanner (src/analyze/items), after stripLogPrefix(). */
export { HIST as KSTACK_LINE, LOW as LOW_WATER_LINE };

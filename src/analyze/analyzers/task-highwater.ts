// `stacklab analyze` of a task high-water file (capture-arm64.sh's kscan): what dynamic stacks and
// 8 / 12 KiB static stacks would hold instead of today's 16 KiB, and which tasks would fault or
// overflow. The kstack_* histogram gets the same pricing through the stack-usage analyzer.

import { diag } from '../../base/diag.ts';
import { parseTaskHighWater, sniffTaskHighWater } from '../../formats/task-highwater.ts';
import { type Analyzer, parsedValue } from '../registry.ts';
import { priceHighWater, type StackPricing } from '../stack-pricing.ts';

/** Rows of a live task's stack (STACK_END_MAGIC found): freed, cached and IRQ stacks are not tasks. */
const LIVE = 'live-task';

export interface TaskHighWaterExplanation {
  readonly stackBytes: number;
  readonly liveTasks: number;
  /** Freed, cached or other stacks, not priced. */
  readonly other: number;
  readonly pricing: StackPricing;
}

export const taskHighWaterAnalyzer: Analyzer = {
  id: 'task-highwater',
  describes:
    'per-stack high-water marks (capture-arm64.sh kscan): priced as dynamic, 8, 12 and 16 KiB stacks',
  sniff: sniffTaskHighWater,
  run(text, file, opts) {
    const p = parseTaskHighWater(text, file, opts.firstLine);
    const parsed = parsedValue(p, file, { code: 'highwater/empty', message: 'no high-water rows' });
    if ('error' in parsed) return parsed;
    const hw = parsed.value;
    const live = hw.stacks.filter((s) => s.state === LIVE);
    const other = hw.stacks.length - live.length;
    if (live.length === 0)
      return {
        error: diag(
          'highwater/no-task-stacks',
          'error',
          `${hw.stacks.length} stacks, none a live task stack (state ${LIVE})`,
          { file, line: opts.firstLine ?? 1 },
          'a taskstack_highwater.txt (patterns with kernel_clone)',
        ),
      };
    if (hw.stackBytes !== 16384)
      return {
        error: diag(
          'highwater/not-16k',
          'error',
          `stacks of size=${hw.stackBytes} B; the pricing compares against 16 KiB stacks`,
          { file, line: opts.firstLine ?? 1 },
          'size=16384',
        ),
      };
    const pricing = priceHighWater(
      live.map((s) => ({ highWaterBytes: s.highWaterBytes, line: s.line, caller: s.caller })),
    );
    const data: TaskHighWaterExplanation = {
      stackBytes: hw.stackBytes,
      liveTasks: live.length,
      other,
      pricing,
    };
    return { data, diagnostics: p.diagnostics };
  },
};

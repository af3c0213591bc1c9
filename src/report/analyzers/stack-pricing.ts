// `stacklab analyze` of a task high-water file (capture-arm64.sh's kscan): what dynamic stacks and
// 8 / 12 KiB static stacks would hold instead of today's 16 KiB, and which tasks would fault or
// overflow. The kstack_* histogram gets the same pricing through the stack-usage analyzer.

import { type Analyzer, parsedValue } from '../../analyze/registry.ts';
import { priceHighWater, renderPricing } from '../../analyze/stack-pricing.ts';
import { diag } from '../../base/diag.ts';
import { parseTaskHighWater, sniffTaskHighWater } from '../../formats/task-highwater.ts';

/** Rows of a live task's stack (STACK_END_MAGIC found): freed, cached and IRQ stacks are not tasks. */
const LIVE = 'live-task';

export const taskHighWaterAnalyzer: Analyzer = {
  id: 'task-highwater',
  describes:
    'per-stack high-water marks (capture-arm64.sh kscan): priced as dynamic, 8, 12 and 16 KiB stacks',
  sniff: sniffTaskHighWater,
  run(text, file) {
    const parsed = parsedValue(parseTaskHighWater(text, file), file, {
      code: 'highwater/empty',
      message: 'no high-water rows',
    });
    if ('error' in parsed) return parsed;
    const hw = parsed.value;
    const diagnostics = parseTaskHighWater(text, file).diagnostics;
    const live = hw.stacks.filter((s) => s.state === LIVE);
    const other = hw.stacks.length - live.length;
    if (live.length === 0)
      return {
        error: diag(
          'highwater/no-task-stacks',
          'error',
          `${hw.stacks.length} stacks, none a live task stack (state ${LIVE})`,
          { file, line: 1 },
          'a taskstack_highwater.txt (patterns with kernel_clone); irqstack_highwater.txt holds IRQ stacks',
        ),
      };
    if (hw.stackBytes !== 16384)
      return {
        error: diag(
          'highwater/not-16k',
          'error',
          `stacks of size=${hw.stackBytes} B; the pricing compares against 16 KiB stacks`,
          { file, line: 1 },
          'size=16384',
        ),
      };
    const pricing = priceHighWater(
      live.map((s) => ({ highWaterBytes: s.highWaterBytes, line: s.line, caller: s.caller })),
    );
    const max = Math.max(...live.map((s) => s.highWaterBytes));
    let s = `${file}: task stack high-water marks (${hw.stackBytes} B stacks, ${live.length} live tasks`;
    s += `${other > 0 ? `; ${other} freed, cached or other stacks not priced` : ''}), deepest ${max} B\n`;
    s += renderPricing(pricing);
    return {
      text: s,
      data: { stackBytes: hw.stackBytes, liveTasks: live.length, other, pricing },
      diagnostics,
    };
  },
};

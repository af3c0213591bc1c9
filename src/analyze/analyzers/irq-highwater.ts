// `stacklab analyze` of an IRQ-stack high-water file (capture-arm64.sh's kscan of the per-CPU IRQ
// stacks, irqstack_highwater.txt): how deep each IRQ stack got, what is left, and which smaller
// IRQ stack would still have held it. The task stacks' files are task-highwater.ts's.

import { diag } from '../../base/diag.ts';
import { KSCAN_HEADER, parseTaskHighWater } from '../../formats/task-highwater.ts';
import { type Analyzer, parsedValue } from '../registry.ts';

/**
 * The vmallocinfo callers of the per-CPU IRQ stacks: init_irq_stacks() (arch/arm64/kernel/irq.c),
 * inlined into start_kernel() in Debian's 6.1 and 6.12 builds.
 */
const IRQ_CALLERS = /init_irq_stacks|start_kernel/;
/** The smaller IRQ stacks priced against each mark. */
const SIZES = [4096, 8192, 12288, 16384] as const;

export interface IrqHighWaterStack {
  readonly line: number;
  readonly start: string;
  readonly highWaterBytes: number;
  readonly spareBytes: number;
}

export interface IrqHighWaterExplanation {
  /** `size=` of the kscan header: IRQ_STACK_SIZE of the scanned stacks. */
  readonly stackBytes: number;
  /** In the order init_irq_stacks() allocated them (for_each_possible_cpu: normally CPU order). */
  readonly stacks: readonly IrqHighWaterStack[];
  readonly deepestBytes: number;
  /** For each IRQ stack size: how many of these stacks went deeper than it. */
  readonly smaller: readonly { readonly bytes: number; readonly over: number }[];
}

function sniffIrqHighWater(text: string): boolean {
  const patterns = KSCAN_HEADER.exec(text.slice(0, 512))?.[1];
  if (patterns === undefined) return false;
  return IRQ_CALLERS.test(patterns) && !/kernel_clone|copy_process|dup_task_struct/.test(patterns);
}

export const irqHighWaterAnalyzer: Analyzer = {
  id: 'irq-highwater',
  describes: 'per-CPU IRQ-stack high-water marks (capture-arm64.sh kscan of init_irq_stacks areas)',
  sniff: sniffIrqHighWater,
  run(text, file, opts) {
    const p = parseTaskHighWater(text, file, opts.firstLine);
    const parsed = parsedValue(p, file, { code: 'highwater/empty', message: 'no high-water rows' });
    if ('error' in parsed) return parsed;
    const hw = parsed.value;
    if (hw.stacks.length === 0)
      return {
        error: diag(
          'highwater/empty',
          'error',
          'a kscan header but no stack rows',
          { file, line: opts.firstLine ?? 1 },
          'one "START END AREA HIGHWATER OFFSET STATE CALLER" row per IRQ stack',
        ),
      };
    const stacks = hw.stacks.map((s) => ({
      line: s.line,
      start: s.start,
      highWaterBytes: s.highWaterBytes,
      spareBytes: Math.max(0, hw.stackBytes - s.highWaterBytes),
    }));
    const deepestBytes = Math.max(...stacks.map((s) => s.highWaterBytes));
    const smaller = SIZES.filter((b) => b <= hw.stackBytes).map((bytes) => ({
      bytes,
      over: stacks.filter((s) => s.highWaterBytes > bytes).length,
    }));
    const data: IrqHighWaterExplanation = { stackBytes: hw.stackBytes, stacks, deepestBytes, smaller };
    return { data, diagnostics: p.diagnostics };
  },
};

// `stacklab analyze` for stack data: stack_trace tables, stack-overflow reports and
// DEBUG_STACK_USAGE output. Each explains, as data, what the input says about stack depth and size;
// the text is report/analysis-text/stack.ts.
import { diag } from '../../base/diag.ts';
import { hex16 } from '../../base/units.ts';
import { sniffFtraceStackTrace } from '../../formats/ftrace-stack-trace.ts';
import {
  type OverflowReport,
  parseOverflowReport,
  sniffOverflowReport,
} from '../../formats/overflow-report.ts';
import { parseStackUsage, type StackUsage, sniffStackUsage } from '../../formats/stack-usage.ts';
import { analyzeProfiles } from '../analyze-profiles.ts';
import type { Analyzer } from '../registry.ts';
import { replayTableData } from '../replay-data.ts';
import { replayStackTraceText } from '../replay-table.ts';
import { priceKstack, type StackPricing } from '../stack-pricing.ts';

export const stackTraceAnalyzer: Analyzer = {
  id: 'stack-trace',
  describes: 'ftrace stack tracer tables (/sys/kernel/tracing/stack_trace), also inside dmesg or mail copies',
  sniff: sniffFtraceStackTrace,
  run(text, file, opts) {
    const ps = analyzeProfiles(opts);
    if (!ps.ok) return { error: ps.error };
    const r = replayStackTraceText(text, file, ps.value, {
      ...(opts.source ? { source: opts.source } : {}),
      ...(opts.firstLine ? { firstLine: opts.firstLine } : {}),
    });
    if (!r.ok) return { error: r.error };
    return { data: replayTableData(file, r.value), diagnostics: r.value.diagnostics };
  },
};

/** Where an address falls relative to a stack the report names. */
export interface AddressPlace {
  readonly stack: 'task stack' | 'IRQ stack' | 'overflow stack';
  /** above: inside the stack, this many bytes above its base; below: under its base (its guard page). */
  readonly side: 'above' | 'below';
  readonly bytes: number;
}

/** What --json shows of an overflow report's explanation. */
export interface OverflowData {
  readonly arch: OverflowReport['arch'];
  readonly kind: OverflowReport['kind'];
  readonly far: string | null;
  readonly sp: string | null;
  readonly taskStack: { low: string; high: string; size: number | null } | null;
  readonly irqStack: { low: string; high: string } | null;
  readonly overflowStack: { low: string; high: string } | null;
  readonly pc: string | null;
  readonly lr: string | null;
  readonly comm: string | null;
  readonly kernel: string | null;
  readonly callTrace: readonly string[];
  /** A frame shown three times or more: recursion, not one deep path. */
  readonly recursion: { fn: string; shown: number } | null;
  readonly panic: string | null;
}

export interface OverflowExplanation {
  readonly report: OverflowReport;
  readonly data: OverflowData;
  /** Task stack size from its bounds. */
  readonly taskStackBytes: number | null;
  readonly farPlace: AddressPlace | null;
  readonly spPlace: AddressPlace | null;
  /** SP - FAR, when both are known: how far below SP the faulting access was. */
  readonly spMinusFar: bigint | null;
  /** x86_64: the interrupt entry near the bottom of the call trace. */
  readonly irqEntry: string | null;
}

function placeOf(o: OverflowReport, a: bigint): AddressPlace | null {
  for (const [stack, r] of [
    ['task stack', o.taskStack],
    ['IRQ stack', o.irqStack],
    ['overflow stack', o.overflowStack],
  ] as const) {
    if (!r) continue;
    if (a >= r.low && a < r.high) return { stack, side: 'above', bytes: Number(a - r.low) };
    if (a < r.low && r.low - a <= 65536n) return { stack, side: 'below', bytes: Number(r.low - a) };
  }
  return null;
}

/** Explains an overflow report: which stack, how far past it, and what recursion the trace shows. */
export function explainOverflow(o: OverflowReport): OverflowExplanation {
  const size = o.taskStack ? Number(o.taskStack.high - o.taskStack.low) : null;
  const counts = new Map<string, number>();
  for (const f of o.callTrace) counts.set(f.fn, (counts.get(f.fn) ?? 0) + 1);
  const [topFn, topCount] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
  const recursion = topCount >= 3 ? { fn: topFn, shown: topCount } : null;
  const irqEntry = o.callTrace.find((f) =>
    /^(asm_)?sysvec_|^asm_common_interrupt|^common_interrupt/.test(f.fn),
  );
  return {
    report: o,
    taskStackBytes: size,
    farPlace: o.far === null ? null : placeOf(o, o.far),
    spPlace: o.sp === null ? null : placeOf(o, o.sp),
    spMinusFar: o.far !== null && o.sp !== null ? o.sp - o.far : null,
    irqEntry: irqEntry?.fn ?? null,
    data: {
      arch: o.arch,
      kind: o.kind,
      far: o.far === null ? null : hex16(o.far),
      sp: o.sp === null ? null : hex16(o.sp),
      taskStack: o.taskStack ? { low: hex16(o.taskStack.low), high: hex16(o.taskStack.high), size } : null,
      irqStack: o.irqStack ? { low: hex16(o.irqStack.low), high: hex16(o.irqStack.high) } : null,
      overflowStack: o.overflowStack
        ? { low: hex16(o.overflowStack.low), high: hex16(o.overflowStack.high) }
        : null,
      pc: o.pc,
      lr: o.lr,
      comm: o.comm,
      kernel: o.kernel,
      callTrace: o.callTrace.map((f) => f.fn),
      recursion,
      panic: o.panic,
    },
  };
}

export const overflowAnalyzer: Analyzer = {
  id: 'overflow-report',
  describes: 'kernel stack overflow reports (arm64/riscv panic_bad_stack, x86_64 "stack guard page was hit")',
  sniff: sniffOverflowReport,
  run(text, file, opts) {
    const r = parseOverflowReport(text, file, opts.firstLine);
    if (!r.value)
      return {
        error:
          r.diagnostics.find((d) => d.severity === 'error') ??
          diag('overflow/unusable', 'error', 'unusable report', { file }),
      };
    return { data: explainOverflow(r.value), diagnostics: r.diagnostics };
  },
  json: (x) => (x as OverflowExplanation).data,
};

/** DEBUG_STACK_USAGE output as read, and the kstack_* histogram priced under each stack design. */
export type StackUsageExplanation = StackUsage & { readonly pricing?: StackPricing };

export const stackUsageAnalyzer: Analyzer = {
  id: 'stack-usage',
  describes: 'CONFIG_DEBUG_STACK_USAGE output ("used greatest stack depth") and kstack_* vmstat buckets',
  sniff: sniffStackUsage,
  run(text, file, opts) {
    const r = parseStackUsage(text, file, opts.firstLine);
    if (!r.value)
      return { error: r.diagnostics[0] ?? diag('stack-usage/none', 'error', 'no usable lines', { file }) };
    const { histogram } = r.value;
    const data: StackUsageExplanation =
      histogram.length > 0
        ? { ...r.value, pricing: priceKstack(histogram.map((h) => ({ upToBytes: h.bytes, tasks: h.tasks }))) }
        : r.value;
    return { data, diagnostics: r.diagnostics };
  },
};

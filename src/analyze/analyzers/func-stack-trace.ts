// `stacklab analyze` of the function tracer's stack traces (options/func_stack_trace, raw or as
// capture-arm64.sh counts them): which functions were traced, in which context (task, hard IRQ,
// softirq, a hard IRQ on top of a softirq), which unwinds crossed onto another stack and through
// what, and the longest unwind. Frame sizes are not in this output: `stacklab import` with the
// vmlinux turns the same file into a code model with them.

import { diag } from '../../base/diag.ts';
import { parseFuncStackTrace, sniffFuncStackTrace } from '../../formats/func-stack-trace.ts';
import { type Analyzer, parsedValue } from '../registry.ts';

/** Hard IRQ entry and dispatch (arm64 4.x-6.x, x86_64): a frame of one means "in a hard IRQ". */
const HARDIRQ =
  /^(gic_handle_irq|handle_domain_irq|__handle_domain_irq|generic_handle_domain_irq|el1h_64_irq|el1_irq|el0_irq|el0t_64_irq|el1_interrupt|el0_interrupt|common_interrupt|asm_common_interrupt|sysvec_apic_timer_interrupt|asm_sysvec_apic_timer_interrupt)$/;
/** Softirq processing (__do_softirq; handle_softirqs since 6.10; ksoftirqd). */
const SOFTIRQ = /^(__do_softirq|handle_softirqs|run_ksoftirqd|____do_softirq)$/;
/** Where an unwind leaves one stack for another (IRQ-stack switches of arm64 and x86_64). */
const SWITCH =
  /^(call_on_irq_stack|irq_stack_entry|do_softirq_own_stack|call_on_stack|asm_call_on_stack|__run_on_irqstack|run_on_irqstack_cond)$/;

export type TraceContext = 'task' | 'hardirq' | 'softirq' | 'hardirq-on-softirq';

export interface FuncStackTraceExplanation {
  readonly form: 'raw' | 'counted';
  /** Stacks recorded (the counts summed) and distinct ones. */
  readonly recorded: number;
  readonly unique: number;
  /** The traced (innermost) functions, most recorded first. */
  readonly traced: readonly { readonly fn: string; readonly count: number }[];
  /** Recorded stacks per context of the traced call. */
  readonly contexts: Readonly<Record<TraceContext, number>>;
  /** Recorded stacks whose unwind crossed from one stack to another, and through which frame. */
  readonly crossed: number;
  readonly switches: readonly { readonly fn: string; readonly count: number }[];
  /** The unwind with the most frames (its first line, innermost first). */
  readonly longest: { readonly line: number; readonly frames: readonly string[] };
}

/** The context of a call, from its unwind (innermost first): the innermost of the markers decides. */
export function traceContext(frames: readonly string[]): TraceContext {
  const hard = frames.findIndex((f) => HARDIRQ.test(f));
  const soft = frames.findIndex((f) => SOFTIRQ.test(f));
  if (hard >= 0 && soft > hard) return 'hardirq-on-softirq';
  if (hard >= 0 && (soft < 0 || hard < soft)) return 'hardirq';
  return soft >= 0 ? 'softirq' : 'task';
}

function ranked(m: Map<string, number>): { fn: string; count: number }[] {
  return [...m]
    .map(([fn, count]) => ({ fn, count }))
    .sort((a, b) => b.count - a.count || (a.fn < b.fn ? -1 : 1));
}

export const funcStackTraceAnalyzer: Analyzer = {
  id: 'func-stack-trace',
  describes: 'function tracer stack traces (options/func_stack_trace, raw "=> fn" or counted "N x")',
  sniff: sniffFuncStackTrace,
  run(text, file, opts) {
    const p = parseFuncStackTrace(text, file);
    const parsed = parsedValue(p, file, { code: 'func-stack-trace/empty', message: 'no stack traces' });
    if ('error' in parsed) return parsed;
    const t = parsed.value;
    if (t.stacks.length === 0)
      return {
        error: diag('func-stack-trace/empty', 'error', 'no stack traces', {
          file,
          line: opts.firstLine ?? 1,
        }),
      };
    const traced = new Map<string, number>();
    const switches = new Map<string, number>();
    const contexts: Record<TraceContext, number> = {
      task: 0,
      hardirq: 0,
      softirq: 0,
      'hardirq-on-softirq': 0,
    };
    let recorded = 0;
    let crossed = 0;
    let longest = t.stacks[0]!;
    for (const s of t.stacks) {
      recorded += s.count;
      const fn = s.frames[0]!;
      traced.set(fn, (traced.get(fn) ?? 0) + s.count);
      contexts[traceContext(s.frames)] += s.count;
      const sw = s.frames.find((f) => SWITCH.test(f));
      if (sw !== undefined) {
        crossed += s.count;
        switches.set(sw, (switches.get(sw) ?? 0) + s.count);
      }
      if (s.frames.length > longest.frames.length) longest = s;
    }
    const unique = new Set(t.stacks.map((s) => s.frames.join(' '))).size;
    const data: FuncStackTraceExplanation = {
      form: t.form,
      recorded,
      unique,
      traced: ranked(traced),
      contexts,
      crossed,
      switches: ranked(switches),
      longest: { line: longest.line, frames: longest.frames },
    };
    return { data, diagnostics: p.diagnostics };
  },
};

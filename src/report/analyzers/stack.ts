// `stacklab analyze` for stack data: stack_trace tables, stack-overflow reports and
// DEBUG_STACK_USAGE output. Each explains what the input says about stack depth and size.
import { analyzeProfiles } from '../../analyze/analyze-profiles.ts';
import type { Analyzer } from '../../analyze/registry.ts';
import type { ReplayResult } from '../../analyze/replay.ts';
import { replayStackTraceText } from '../../analyze/replay-table.ts';
import { priceKstack, renderPricing, type StackPricing } from '../../analyze/stack-pricing.ts';
import { diag } from '../../base/diag.ts';
import { hex16 } from '../../base/units.ts';
import { sniffFtraceStackTrace } from '../../formats/ftrace-stack-trace.ts';
import {
  type OverflowReport,
  parseOverflowReport,
  sniffOverflowReport,
} from '../../formats/overflow-report.ts';
import { parseStackUsage, sniffStackUsage } from '../../formats/stack-usage.ts';
import { renderComparison, replayTableData } from '../replay-report.ts';

/** Bytes per execution context (task, softirq, hard IRQ) in one replay. */
export function contextSplit(r: ReplayResult): { task: number; softirq: number; hardirq: number } {
  const s = { task: 0, softirq: 0, hardirq: 0 };
  for (const f of r.placement) s[f.context] += f.size;
  return s;
}

export const stackTraceAnalyzer: Analyzer = {
  id: 'stack-trace',
  describes: 'ftrace stack tracer tables (/sys/kernel/tracing/stack_trace), also inside dmesg or mail copies',
  sniff: sniffFtraceStackTrace,
  run(text, file, opts) {
    const ps = analyzeProfiles(opts);
    if (!ps.ok) return { error: ps.error };
    const r = replayStackTraceText(text, file, ps.value, opts.source ? { source: opts.source } : {});
    if (!r.ok) return { error: r.error };
    const data = replayTableData(file, r.value);
    const own = r.value.results.find((x) => x.ownEra);
    let s = `${file}: a stack_trace table, ${data.input.entries} entries, ${data.input.maxDepth} B deep, printed by ${data.input.sourceEra}\n`;
    s += `  (${data.input.sourceWhy})\n`;
    for (const line of data.reading) s += `  - ${line}\n`;
    if (own) {
      const split = contextSplit(own);
      const v = own.verdicts.find((x) => x.stack === 'task');
      s += `\nUnder its own kernel (${own.profile.id}):\n`;
      s += `  task context ${split.task} B, softirq ${split.softirq} B, hard IRQ ${split.hardirq} B on the task stack\n`;
      if (v)
        s += `  THREAD_SIZE ${v.size}: ${v.used} B used, ${v.margin >= 0 ? `${v.margin} B margin` : `${-v.margin} B short`}\n`;
      if (split.hardirq + split.softirq > 0 && !own.profile.irqStack)
        s += `  with an IRQ stack, ${split.hardirq} B of interrupt frames${split.softirq ? ` (and, in 6.1, ${split.softirq} B of softirq)` : ''} would leave this stack\n`;
    }
    s += `\nThe same chain under each design:\n${renderComparison(data.profiles)}`;
    s += '\n(stacklab replay FILE shows each design in full)\n';
    return { text: s, data, diagnostics: r.value.diagnostics };
  },
};

/** Explains an overflow report: which stack, how far past it, and what recursion the trace shows. */
export function explainOverflow(o: OverflowReport): { text: string; data: Record<string, unknown> } {
  const lines: string[] = [];
  const where = (a: bigint) => {
    for (const [name, r] of [
      ['task stack', o.taskStack],
      ['IRQ stack', o.irqStack],
      ['overflow stack', o.overflowStack],
    ] as const) {
      if (!r) continue;
      if (a >= r.low && a < r.high) return `${Number(a - r.low)} B above the ${name}'s base`;
      if (a < r.low && r.low - a <= 65536n)
        return `${Number(r.low - a)} B below the ${name}'s base (its guard page)`;
    }
    return null;
  };
  const size = o.taskStack ? Number(o.taskStack.high - o.taskStack.low) : null;
  if (o.kind === 'stack-end') {
    lines.push(
      `${o.arch === 'unknown' ? 'Task stack' : `${o.arch} task stack`} end overwritten: the kernel found STACK_END_MAGIC, the word at the lowest address of the task stack, changed ("${o.stackEnd?.text ?? ''}", line ${o.stackEnd?.line ?? '?'}).`,
    );
    lines.push(
      'The stack grew past its end (or a stray write hit it) and no guard page stopped it: this kernel runs without VMAP_STACK, or the write skipped the guard. Whatever lay below the stack may be corrupted too.',
    );
  } else if (o.arch === 'x86_64') {
    lines.push(
      'x86_64 VMAP_STACK overflow: a store hit the guard page below the stack and the #DF handler reported it.',
    );
    if (o.hashedBounds)
      lines.push('The "stack is A..B" bounds are hashed %p values (since 4.15), not addresses.');
    if (o.far !== null && o.sp !== null) {
      const below = o.sp - o.far;
      lines.push(`CR2 ${hex16(o.far)} is ${below} B below RSP ${hex16(o.sp)}.`);
      if ((o.sp & 0xfffn) === 0n)
        lines.push('RSP sits exactly on a page boundary: the stack was full to its lowest byte.');
    }
    const irqEntry = o.callTrace.find((f) =>
      /^(asm_)?sysvec_|^asm_common_interrupt|^common_interrupt/.test(f.fn),
    );
    if (irqEntry)
      lines.push(
        `An interrupt (${irqEntry.fn}) arrived near the bottom: x86_64 saves the interrupt frame on the interrupted stack before it switches to the IRQ stack, so that frame needed room the task stack no longer had.`,
      );
  } else {
    lines.push(
      o.arch === 'arm64'
        ? 'arm64 VMAP_STACK overflow: kernel_ventry found SP outside the stack (bit THREAD_SHIFT set), moved to the per-CPU overflow stack and called panic_bad_stack().'
        : o.arch === 'arm'
          ? 'arm (32-bit) VMAP_STACK overflow: the exception entry found SP outside the stack, moved to the per-CPU overflow stack and called handle_bad_stack() (5.18+).'
          : 'riscv64 VMAP_STACK overflow: the trap entry found SP outside the stack, moved to the per-CPU overflow stack and called handle_bad_stack().',
    );
    if (size !== null)
      lines.push(`Task stack ${hex16(o.taskStack!.low)}..${hex16(o.taskStack!.high)}: ${size} B.`);
    if (o.far !== null) {
      const w = where(o.far);
      lines.push(`FAR ${hex16(o.far)}${w ? `: ${w}` : ''}${o.esr ? ` (${o.esr.text})` : ''}.`);
    }
    if (o.sp !== null) {
      const w = where(o.sp);
      lines.push(`SP at the exception ${hex16(o.sp)}${w ? `: ${w}` : ''}.`);
      if (o.far !== null && o.sp > o.far)
        lines.push(
          `The faulting access wanted ${Number(o.sp - o.far)} B more below SP (a function prologue's frame).`,
        );
    }
  }
  if (o.pc) lines.push(`pc ${o.pc}${o.lr ? `, lr ${o.lr}` : ''}.`);
  const counts = new Map<string, number>();
  for (const f of o.callTrace) counts.set(f.fn, (counts.get(f.fn) ?? 0) + 1);
  const [topFn, topCount] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
  const recursion = topCount >= 3 ? { fn: topFn, shown: topCount } : null;
  lines.push(
    `Call trace: ${o.callTrace.length} frames shown${o.elisions.length ? `, ${o.elisions.length} elision(s) in this copy` : ''}.`,
  );
  if (recursion)
    lines.push(
      `${recursion.fn} appears ${recursion.shown} times${o.elisions.length ? ' (more were elided)' : ''}: recursion, not one deep path. No THREAD_SIZE fixes an unbounded recursion; bound it.`,
    );
  else
    lines.push(
      'No repeated frame: one deep path. Run `stacklab replay` on a stack_trace table of the same workload, or `stacklab paths` on the binary, to see which frames to shrink.',
    );
  if (o.panic) lines.push(`The kernel said: "${o.panic}".`);
  return {
    text: `${lines.join('\n')}\n`,
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
  run(text, file) {
    const r = parseOverflowReport(text, file);
    if (!r.value)
      return {
        error:
          r.diagnostics.find((d) => d.severity === 'error') ??
          diag('overflow/unusable', 'error', 'unusable report', { file }),
      };
    const e = explainOverflow(r.value);
    return { text: `${file}: ${e.text}`, data: e.data, diagnostics: r.diagnostics };
  },
};

export const stackUsageAnalyzer: Analyzer = {
  id: 'stack-usage',
  describes: 'CONFIG_DEBUG_STACK_USAGE output ("used greatest stack depth") and kstack_* vmstat buckets',
  sniff: sniffStackUsage,
  run(text, file) {
    const r = parseStackUsage(text, file);
    if (!r.value)
      return { error: r.diagnostics[0] ?? diag('stack-usage/none', 'error', 'no usable lines', { file }) };
    const { lowWater, histogram } = r.value;
    let pricing: StackPricing | undefined;
    let s = `${file}: DEBUG_STACK_USAGE output\n`;
    if (lowWater.length > 0) {
      const min = lowWater.reduce((a, b) => (b.bytesLeft < a.bytesLeft ? b : a));
      const max = Math.max(...lowWater.map((l) => l.bytesLeft));
      const sizes = [8192, 16384, 32768].filter((t) => t > max);
      s += `  ${lowWater.length} new low-water marks; the deepest: ${min.comm} with ${min.bytesLeft} B left (line ${min.line})\n`;
      s += `  ${max} B left at most: the stack is larger than ${max} B, so THREAD_SIZE is ${sizes.map((x) => `${x / 1024} KB`).join(' or ')}\n`;
      for (const t of sizes)
        s += `  with ${t / 1024} KB stacks, ${min.comm} used ${t - min.bytesLeft} B (${(((t - min.bytesLeft) / t) * 100).toFixed(0)} %)\n`;
      s += '  (only new minima are printed, so each line is the deepest seen so far, not every task)\n';
    }
    if (histogram.length > 0) {
      const total = histogram.reduce((a, b) => a + b.tasks, 0);
      s += `  kstack histogram over ${total} tasks:\n`;
      for (const h of histogram)
        s += `    <= ${h.bucket.padEnd(4)} ${String(h.tasks).padStart(7)}  ${total ? ((h.tasks / total) * 100).toFixed(1) : '0'} %\n`;
      const within8k = histogram.filter((h) => h.bytes <= 8192).reduce((a, b) => a + b.tasks, 0);
      s += `  ${within8k} of ${total} tasks (${total ? ((within8k / total) * 100).toFixed(1) : 0} %) never needed more than 8 KB\n`;
      pricing = priceKstack(histogram.map((h) => ({ upToBytes: h.bytes, tasks: h.tasks })));
      s += renderPricing(pricing);
    }
    return { text: s, data: pricing ? { ...r.value, pricing } : r.value, diagnostics: r.diagnostics };
  },
};

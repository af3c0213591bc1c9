// The text of a func_stack_trace explanation (src/analyze/analyzers/func-stack-trace.ts).
import type { FuncStackTraceExplanation } from '../../analyze/analyzers/func-stack-trace.ts';

const LISTED = 10;

export function renderFuncStackTrace(data: unknown, file: string): string {
  const x = data as FuncStackTraceExplanation;
  let s = `${file}: function tracer stack traces, ${x.recorded} recorded, ${x.unique} distinct`;
  s += x.form === 'counted' ? ' (counted form)\n' : '\n';
  s += '  traced functions:\n';
  for (const t of x.traced.slice(0, LISTED)) s += `    ${String(t.count).padStart(8)}  ${t.fn}\n`;
  if (x.traced.length > LISTED) s += `    ... and ${x.traced.length - LISTED} more (--json lists all)\n`;
  const c = x.contexts;
  s += `  context of the traced call: task ${c.task}, hard IRQ ${c.hardirq}, softirq ${c.softirq}, `;
  s += `hard IRQ on top of a softirq ${c['hardirq-on-softirq']}\n`;
  s += `  unwinds that crossed onto another stack: ${x.crossed} of ${x.recorded}`;
  s +=
    x.switches.length > 0 ? ` (through ${x.switches.map((w) => `${w.fn} ${w.count}`).join(', ')})\n` : '\n';
  s += `  longest unwind: ${x.longest.frames.length} frames (line ${x.longest.line}): ${x.longest.frames.slice(0, 6).join(' <- ')}`;
  s += x.longest.frames.length > 6 ? ' <- ...\n' : '\n';
  s += '  (no frame sizes here: stacklab import FILE --elf vmlinux builds a code model with them)\n';
  return s;
}

// The text of a stack pricing (src/analyze/stack-pricing.ts): what the tasks of a high-water file or
// a kstack_* histogram would hold under 16, 12 and 8 KiB static and dynamic stacks.
import type { IrqHighWaterExplanation } from '../../analyze/analyzers/irq-highwater.ts';
import type { TaskHighWaterExplanation } from '../../analyze/analyzers/task-highwater.ts';
import type { PricedDesign, Span, StackPricing } from '../../analyze/stack-pricing.ts';

function span(s: Span, digits = 0): string {
  const f = (v: number) => v.toFixed(digits);
  return s.low === s.high ? f(s.low) : `${f(s.low)}-${f(s.high)}`;
}

const DESIGN_LABEL: Readonly<Record<PricedDesign, string>> = {
  '16k': '16 KiB static (arm64 today)',
  '12k': '12 KiB static',
  '8k': '8 KiB static (the 2015 RFC)',
  dynamic: 'dynamic (1 page + faults)',
};

/** The pricing as text: one row per design, then (exact input) the tasks that fault or overflow. */
export function renderPricing(p: StackPricing, listTasks = 10): string {
  const base = p.designs.find((d) => d.design === '16k')!;
  const dyn = p.designs.find((d) => d.design === 'dynamic')!;
  let s = `  what ${p.tasks} tasks' stacks would hold${p.exact ? '' : ' (histogram buckets are ranges: low-high)'}:\n`;
  const rows = p.designs.map((d) => [
    DESIGN_LABEL[d.design],
    span(d.pages),
    span(d.kB),
    d.design === '16k' || base.kB.high === 0 ? '-' : `${((1 - d.kB.high / base.kB.high) * 100).toFixed(0)} %`,
    span(d.overflowing),
  ]);
  const head = ['design', 'pages', 'kB', 'saved', 'overflowing tasks'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [head, ...rows])
    s += `    ${r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ')}\n`;
  s += `  dynamic: ${span(dyn.faulting)} of ${p.tasks} tasks fault (${span(dyn.faults)} faults); a pool of `;
  s += `${p.poolPagesPerCpu} pages (${p.poolPagesPerCpu * 4} kB) per CPU on top; guard pages cost nothing\n`;
  const deep = p.perTask.filter((t) => t.faults > 0 || t.overflows.length > 0);
  if (p.exact) {
    s += `  ${deep.length} of ${p.tasks} tasks would fault (dynamic) or overflow (a smaller static stack)`;
    s += deep.length > 0 ? ':\n' : '\n';
    const shown = [...deep].sort((a, b) => b.highWaterBytes - a.highWaterBytes).slice(0, listTasks);
    for (const t of shown) {
      const over = t.overflows.length > 0 ? `, overflows ${t.overflows.join(', ')}` : '';
      s += `    line ${t.line}: ${t.highWaterBytes} B, ${t.dynamicPages} pages, ${t.faults} faults${over}  ${t.caller}\n`;
    }
    if (deep.length > shown.length)
      s += `    ... and ${deep.length - shown.length} more (--json lists all)\n`;
  }
  return s;
}

export function renderTaskHighWater(data: unknown, file: string): string {
  const x = data as TaskHighWaterExplanation;
  // Every live task is priced, so the deepest is the deepest of perTask.
  const max = Math.max(...x.pricing.perTask.map((t) => t.highWaterBytes));
  let s = `${file}: task stack high-water marks (${x.stackBytes} B stacks, ${x.liveTasks} live tasks`;
  s += `${x.other > 0 ? `; ${x.other} freed, cached or other stacks not priced` : ''}), deepest ${max} B\n`;
  return s + renderPricing(x.pricing);
}

export function renderIrqHighWater(data: unknown, file: string): string {
  const x = data as IrqHighWaterExplanation;
  const pct = (b: number) => `${Math.round((b / x.stackBytes) * 100)} %`;
  let s = `${file}: IRQ stack high-water marks (${x.stacks.length} per-CPU IRQ stacks of ${x.stackBytes} B), `;
  s += `deepest ${x.deepestBytes} B (${pct(x.deepestBytes)})\n`;
  for (const st of x.stacks)
    s += `  line ${st.line}: ${st.start}  ${st.highWaterBytes} B used, ${st.spareBytes} B to spare\n`;
  s += '  a smaller IRQ stack:';
  s += x.smaller
    .map(
      (m) =>
        ` ${m.bytes / 1024} KiB ${m.over === 0 ? 'holds every one' : `${m.over} of ${x.stacks.length} past it`}`,
    )
    .join(';');
  s += '\n  (rows in init_irq_stacks() order, normally CPU order; a scan of zeroed stacks also counts the\n';
  s += "  stack tracer's own frames, and an interrupt that arrived inside them, when the tracer was on)\n";
  return s;
}

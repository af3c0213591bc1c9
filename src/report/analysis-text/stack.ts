// The text of the stack analyzers of `stacklab analyze` (src/analyze/analyzers/stack.ts): a
// stack_trace table replayed under each design, an overflow report explained, DEBUG_STACK_USAGE
// output and the kstack_* histogram.
import type {
  AddressPlace,
  OverflowExplanation,
  StackUsageExplanation,
} from '../../analyze/analyzers/stack.ts';
import type { ProfileReplayData, ReplayReportData } from '../../analyze/replay-data.ts';
import { hex16 } from '../../base/units.ts';
import { renderComparison } from '../replay-report.ts';
import { renderPricing } from './stack-pricing.ts';

/** Bytes per execution context (task, softirq, hard IRQ) in one replay. */
export function contextSplit(p: ProfileReplayData): { task: number; softirq: number; hardirq: number } {
  const s = { task: 0, softirq: 0, hardirq: 0 };
  for (const f of p.frames) s[f.context] += f.size;
  return s;
}

export function renderStackTrace(data: unknown, file: string): string {
  const d = data as ReplayReportData;
  const own = d.profiles.find((x) => x.ownEra);
  let s = `${file}: a stack_trace table, ${d.input.entries} entries, ${d.input.maxDepth} B deep, printed by ${d.input.sourceEra}\n`;
  s += `  (${d.input.sourceWhy})\n`;
  for (const line of d.reading) s += `  - ${line}\n`;
  if (own) {
    const split = contextSplit(own);
    const v = own.verdicts.find((x) => x.stack === 'task');
    s += `\nUnder its own kernel (${own.profile}):\n`;
    s += `  task context ${split.task} B, softirq ${split.softirq} B, hard IRQ ${split.hardirq} B on the task stack\n`;
    if (v)
      s += `  THREAD_SIZE ${v.size}: ${v.used} B used, ${v.margin >= 0 ? `${v.margin} B margin` : `${-v.margin} B short`}\n`;
    const irqStack = own.stacks.some((r) => r.kind === 'irq');
    if (split.hardirq + split.softirq > 0 && !irqStack)
      s += `  with an IRQ stack, ${split.hardirq} B of interrupt frames${split.softirq ? ` (and, in 6.1, ${split.softirq} B of softirq)` : ''} would leave this stack\n`;
  }
  s += `\nThe same chain under each design:\n${renderComparison(d.profiles)}`;
  s += '\n(stacklab replay FILE shows each design in full)\n';
  return s;
}

function placeText(p: AddressPlace | null): string | null {
  if (p === null) return null;
  return p.side === 'above'
    ? `${p.bytes} B above the ${p.stack}'s base`
    : `${p.bytes} B below the ${p.stack}'s base (its guard page)`;
}

/** An overflow report's explanation, without the file name (the drop zone heads it with its own). */
export function renderOverflowExplanation(x: OverflowExplanation): string {
  const o = x.report;
  const lines: string[] = [];
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
      lines.push(`CR2 ${hex16(o.far)} is ${x.spMinusFar} B below RSP ${hex16(o.sp)}.`);
      if ((o.sp & 0xfffn) === 0n)
        lines.push('RSP sits exactly on a page boundary: the stack was full to its lowest byte.');
    }
    if (x.irqEntry !== null)
      lines.push(
        `An interrupt (${x.irqEntry}) arrived near the bottom: x86_64 saves the interrupt frame on the interrupted stack before it switches to the IRQ stack, so that frame needed room the task stack no longer had.`,
      );
  } else {
    lines.push(
      o.arch === 'arm64'
        ? 'arm64 VMAP_STACK overflow: kernel_ventry found SP outside the stack (bit THREAD_SHIFT set), moved to the per-CPU overflow stack and called panic_bad_stack().'
        : o.arch === 'arm'
          ? 'arm (32-bit) VMAP_STACK overflow: the exception entry found SP outside the stack, moved to the per-CPU overflow stack and called handle_bad_stack() (5.18+).'
          : 'riscv64 VMAP_STACK overflow: the trap entry found SP outside the stack, moved to the per-CPU overflow stack and called handle_bad_stack().',
    );
    if (x.taskStackBytes !== null && o.taskStack)
      lines.push(`Task stack ${hex16(o.taskStack.low)}..${hex16(o.taskStack.high)}: ${x.taskStackBytes} B.`);
    if (o.far !== null) {
      const w = placeText(x.farPlace);
      lines.push(`FAR ${hex16(o.far)}${w ? `: ${w}` : ''}${o.esr ? ` (${o.esr.text})` : ''}.`);
    }
    if (o.sp !== null) {
      const w = placeText(x.spPlace);
      lines.push(`SP at the exception ${hex16(o.sp)}${w ? `: ${w}` : ''}.`);
      if (x.spMinusFar !== null && x.spMinusFar > 0n)
        lines.push(
          `The faulting access wanted ${Number(x.spMinusFar)} B more below SP (a function prologue's frame).`,
        );
    }
  }
  if (o.pc) lines.push(`pc ${o.pc}${o.lr ? `, lr ${o.lr}` : ''}.`);
  const recursion = x.data.recursion;
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
  return `${lines.join('\n')}\n`;
}

export function renderOverflow(data: unknown, file: string): string {
  return `${file}: ${renderOverflowExplanation(data as OverflowExplanation)}`;
}

/** What the histogram's last bucket says of the kernel that printed it. */
function renderPrintedBy(p: { threadSizeBytes: number | null; lastBucket: string }, tasks: number): string {
  if (p.threadSizeBytes === null)
    return '  printed by a kernel with THREAD_SIZE above 64 KB (its histogram ends in kstack_rest)\n';
  const kb = p.threadSizeBytes / 1024;
  let s = `  printed by a kernel with THREAD_SIZE ${kb} KB (vmstat lists the buckets up to THREAD_SIZE; the last here is ${p.lastBucket})\n`;
  if (p.threadSizeBytes !== 16384) {
    s += `  those ${tasks} tasks' stacks took ${tasks} x ${kb} KB = ${tasks * kb} kB there; the rows below price 4 KiB pages\n`;
    if (p.threadSizeBytes >= 65536)
      s +=
        '  (64 KB stacks on arm64 mean 64 KiB pages: THREAD_SHIFT = PAGE_SHIFT under VMAP_STACK, so each stack is one page and a dynamic stack could not map less)\n';
  }
  return s;
}

export function renderStackUsage(data: unknown, file: string): string {
  const { lowWater, histogram, pricing } = data as StackUsageExplanation;
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
      s += `    ${(h.bytes === null ? '> 64k' : `<= ${h.bucket}`).padEnd(7)} ${String(h.tasks).padStart(7)}  ${total ? ((h.tasks / total) * 100).toFixed(1) : '0'} %\n`;
    const within8k = histogram
      .filter((h) => h.bytes !== null && h.bytes <= 8192)
      .reduce((a, b) => a + b.tasks, 0);
    s += `  ${within8k} of ${total} tasks (${total ? ((within8k / total) * 100).toFixed(1) : 0} %) never needed more than 8 KB\n`;
    if (pricing?.printedBy) s += renderPrintedBy(pricing.printedBy, total);
    if (pricing) s += renderPricing(pricing);
  }
  return s;
}

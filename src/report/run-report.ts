// `stacklab run` as text: the verdict first (did a stack overflow, how often would it), then the
// deepest point of each stack, the threshold crossings, what the kernel's tracer saw and the load.
// Fits 100 columns; --json has everything.
import type { RunDynamic, RunResult } from '../analyze/run.ts';
import type { FoldedLine } from '../formats/folded-stacks.ts';
import { THRESHOLDS } from '../kernel/sim/sim-stats.ts';

const kb = (b: number) => `${(b / 1024).toFixed(b % 1024 === 0 ? 0 : 1)} KB`;
const pct = (a: number, b: number) => (b > 0 ? `${((100 * a) / b).toFixed(0)} %` : '-');
const sec = (ns: number) =>
  ns >= 3600e9
    ? `${(ns / 3600e9).toFixed(2)} h`
    : ns >= 60e9
      ? `${(ns / 60e9).toFixed(1)} min`
      : `${(ns / 1e9).toFixed(3)} s`;

/** A rate per hour with its interval, in the fewest digits that say it. */
export function rateText(r: { estimate: number; low: number; high: number }): string {
  const f = (x: number) =>
    x === 0 ? '0' : x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toExponential(1);
  return `${f(r.estimate)}/h (95 %: ${f(r.low)}-${f(r.high)})`;
}

export function overflowVerdict(r: RunResult): string {
  const o = r.overflow;
  const t = sec(r.simulatedNs);
  if (o.count > 0) {
    const where = (['task', 'irq', 'overflow'] as const)
      .filter((k) => o.perStack[k] > 0)
      .map((k) => `${o.perStack[k]} on ${k} stacks`)
      .join(', ');
    return `OVERFLOW: ${o.count} in ${t} (${where}): ${rateText(o.perHour)} per device`;
  }
  const ex = o.extrapolation.task;
  const exText = !ex.available
    ? `\n  no extrapolation: ${ex.reason}`
    : ex.perHour === 0 && ex.upperEnd !== null
      ? `\n  extrapolated: never past ${ex.limit} B on the task stack: the fitted tail ends at ${Math.round(ex.upperEnd)} B (GEV of ${ex.blocks} block maxima, xi < 0; see --json)`
      : `\n  extrapolated: ${ex.perHour.toExponential(1)}/h for the task stack (GEV of ${ex.blocks} block maxima, see --json)`;
  return `no overflow in ${t}: at most ${o.perHour.high.toPrecision(2)}/h (95 % Poisson bound for the time simulated)${exText}`;
}

/** The dynamic-stack lines of a run (stackAllocation `dynamic`). */
export function dynamicLines(d: RunDynamic): string[] {
  const p = d.params;
  const rate = d.panicsPerHour;
  const panics =
    d.panics > 0
      ? `${d.panics} panic${d.panics === 1 ? '' : 's'} (a fault found its CPU's pool empty), ${rate.estimate.toPrecision(3)}/h [${rate.low.toPrecision(3)}, ${rate.high.toPrecision(3)}]`
      : `no panic: at most ${rate.high.toPrecision(2)}/h (95 % Poisson bound)`;
  return [
    `  dynamic stacks: ${d.faults} stack faults (${d.faultsPerSecond.toPrecision(3)}/s, ${d.tasksFaulted} of ${d.tasks} tasks), ${d.refills} pool refills, ${d.refillFailures} refill failures; ${panics}`,
    `    ${p.pagesAtFork} page at fork, pool of ${p.poolPages} per CPU, refill at the next task switch ${p.refillDelayUs} µs after the fault${p.unmapOnReturnToUser ? ', pages unmapped on return to user' : ''}; ${d.kBMapped} kB mapped at the end; fault work ${(d.faultCpuShare * 100).toPrecision(2)} % of CPU time`,
    `    refill allocator: ${d.allocator}`,
  ];
}

export function renderRunText(r: RunResult): string {
  const lines: string[] = [];
  lines.push(
    `stacklab run: ${r.scenario} under ${r.profile.id}, seed ${r.seed}, ${sec(r.simulatedNs)} simulated`,
  );
  lines.push(`  ${overflowVerdict(r)}`);
  if (r.dynamic) lines.push(...dynamicLines(r.dynamic));
  for (const n of r.notes) lines.push(`  note: ${n}`);
  lines.push('');
  lines.push('deepest point of each stack (all CPUs)');
  const sizeOf = { task: r.threadSize, irq: r.irqStackSize, overflow: 0 };
  for (const k of ['task', 'irq'] as const) {
    if (k === 'irq' && r.irqStackSize === 0) {
      lines.push('  irq       no IRQ stack in this design: interrupts run on the task stack');
      continue;
    }
    const d = r.maxDepth[k];
    const hw = r.highwater[k];
    const tr = hw > d ? `, ${hw} B with the tracer's frames` : '';
    lines.push(
      `  ${k.padEnd(8)}  ${String(d).padStart(6)} B of ${kb(sizeOf[k])} (${pct(d, sizeOf[k])})${tr}`,
    );
  }
  const deep = r.deepest.task;
  if (deep)
    lines.push(
      `  deepest task stack: ${deep.task} on CPU ${deep.cpu} at ${sec(deep.atNs)}, ${deep.frames.length} frames`,
    );
  lines.push('');
  lines.push('episodes past a depth, per stack (count, per hour)');
  for (const k of ['task', 'irq'] as const) {
    if (k === 'irq' && r.irqStackSize === 0) continue;
    const cells = THRESHOLDS.map((t) => `>${t / 1024}K ${r.thresholds[k][String(t)]?.count ?? 0}`);
    lines.push(`  ${k.padEnd(8)}  ${cells.join('   ')}`);
  }
  lines.push(
    `  interrupts arriving on a task stack: median depth ${r.atInterrupt.p50} B, p99 ${r.atInterrupt.p99} B, max ${r.atInterrupt.max} B (${r.atInterrupt.interrupts} interrupts)`,
  );
  lines.push('');
  if (r.ftrace.enabled)
    lines.push(
      `ftrace stack tracer: stack_max_size ${r.ftrace.stackMaxSize} (${r.ftrace.entries} entries); ${r.ftrace.samplesOffTaskStack} samples off the task stack ignored`,
      `  ${r.ftrace.interruptsInTracer.count} interrupts arrived inside the tracer's callback, on its frames; ${r.ftrace.interruptsInTracer.sampled} of them before its recursion guard, so it sampled them`,
    );
  else lines.push('ftrace stack tracer: off in this scenario');
  lines.push('load per CPU (interrupts, softirqs run, ksoftirqd wakeups)');
  for (const c of r.perCpu) {
    const irqs = Object.values(c.interrupts).reduce((a, b) => a + b, 0);
    const soft = Object.entries(c.softirqs)
      .filter(([, n]) => n > 0)
      .map(([v, n]) => `${v} ${n}`)
      .join(', ');
    lines.push(
      `  CPU${c.cpu}: ${irqs} interrupts; softirqs ${soft || 'none'}; ksoftirqd ${c.ksoftirqdWakeups}`,
    );
  }
  lines.push(`${r.frameEvents} frame events`);
  return `${lines.join('\n')}\n`;
}

/** Folded stacks weighted by bytes: the deepest stack of each kind, each frame a line of its own size. */
export function runFolded(r: RunResult): FoldedLine[] {
  const out: FoldedLine[] = [];
  for (const k of ['task', 'irq', 'overflow'] as const) {
    const d = r.deepest[k];
    if (!d) continue;
    const path: string[] = [`deepest ${k} stack`];
    for (const f of d.frames) {
      path.push(f.name);
      if (f.size > 0) out.push({ frames: [...path], count: f.size });
    }
  }
  return out;
}

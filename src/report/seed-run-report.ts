// The seed's simulation section as text: per design, overflows (with the Poisson bound when none was
// seen), the deepest point of each stack and the margin the stacks kept, episode by episode.
import type { SeedRunData } from '../analyze/seed-run.ts';
import { rateText } from './run-report.ts';

export function renderSeedRun(d: SeedRunData): string {
  const lines: string[] = [];
  lines.push(
    `${d.seconds} s of ${d.scenario} (4 CPUs busy with a UDP flood, timer ticks on top) per design:`,
  );
  lines.push('');
  lines.push(
    '  design                       overflows  per hour (95 %)          GEV/h    task max   irq max',
  );
  for (const { label, result: r } of d.runs) {
    const o = r.overflow;
    const rate = o.count > 0 ? rateText(o.perHour) : `0 seen, <= ${o.perHour.high.toPrecision(2)}/h`;
    const irq = r.irqStackSize > 0 ? `${r.maxDepth.irq} B` : '-';
    const ex = o.extrapolation.task;
    // A fitted tail that ends below the limit never reaches it: "never", not a rate of 0.
    const gev = ex.available ? (ex.perHour === 0 ? 'never' : ex.perHour.toExponential(1)) : 'n/a';
    lines.push(
      `  ${label.padEnd(27)}  ${String(o.count).padStart(9)}  ${rate.padEnd(23)}  ${gev.padStart(7)}  ${`${r.maxDepth.task} B`.padStart(8)}  ${irq.padStart(8)}`,
    );
  }
  lines.push(
    '  (GEV/h: task-stack overflows per hour extrapolated from 100 ms block maxima; "never": the fitted\n  tail ends below the stack size; see run --json)',
  );
  lines.push('');
  lines.push('  margin kept (usable bytes left at the episode high-water: median / p99 / p99.9 / worst)');
  for (const m of d.margins)
    lines.push(
      `  ${m.label.padEnd(30)}  ${m.stack.padEnd(4)} of ${String(m.size).padStart(5)}: ${m.margin.p50} / ${m.margin.p99} / ${m.margin.p999} / ${m.margin.min} B  (${m.episodes} episodes)`,
    );
  lines.push('');
  lines.push('  (stacklab run seed-dragonboard --profile P --duration T gives any of these runs in full.)');
  return `${lines.join('\n')}\n`;
}

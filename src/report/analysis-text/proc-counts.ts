// The text of the /proc/interrupts and /proc/softirqs analyzers (src/analyze/analyzers/proc-counts.ts),
// and of a before/after pair of them (the log summary, a capture directory).
import type { ProcCountsExplanation, SnapshotDelta } from '../../analyze/analyzers/proc-counts.ts';
import { clip } from '../log-summary.ts';

/** Per-CPU columns are shown up to this many CPUs; past it, each row's total and its busiest CPU. */
const MAX_CPU_COLUMNS = 8;
/** Rows listed (largest first); the rest are counted. */
const MAX_ROWS = 12;

const what = (source: ProcCountsExplanation['source']) =>
  source === 'interrupts' ? 'hard interrupts' : 'softirqs';

function cpuLine(perCpu: readonly number[]): string {
  if (perCpu.length === 1) return '';
  const busiest = perCpu.reduce((b, v, i) => (v > perCpu[b]! ? i : b), 0);
  const shown = perCpu.length <= MAX_CPU_COLUMNS ? perCpu.map((v, i) => `CPU${i} ${v}`).join(', ') : '';
  return shown === ''
    ? `: the busiest CPU${busiest} ${perCpu[busiest]}`
    : `: ${shown} (CPU${busiest} the busiest)`;
}

interface Row {
  readonly id: string;
  readonly desc: string;
  readonly counts: readonly number[];
  readonly total: number;
}

function rowLines(rows: readonly Row[], cpus: number): string {
  const wide = cpus <= MAX_CPU_COLUMNS;
  const cols = (r: Row) => {
    if (wide) return r.counts.map((c) => String(c).padStart(9)).join('');
    const b = r.counts.reduce((m, v, i) => (v > r.counts[m]! ? i : m), 0);
    return `${String(r.total).padStart(11)}  most on CPU${b} (${r.counts[b]})`;
  };
  const head = wide
    ? `    ${''.padEnd(9)}${Array.from({ length: cpus }, (_, i) => `CPU${i}`.padStart(9)).join('')}\n`
    : '';
  let s = head;
  const moved = rows.filter((r) => r.total > 0);
  for (const r of moved.slice(0, MAX_ROWS)) {
    const counts = r.counts.length === cpus || !wide ? cols(r) : String(r.total).padStart(9);
    s += `${`    ${clip(r.id, 8).padEnd(9)}${counts}  ${clip(r.desc.replace(/\s+/g, ' '), 40)}`.trimEnd()}\n`;
  }
  const more = Math.max(0, moved.length - MAX_ROWS);
  const zero = rows.length - moved.length;
  const rest = [more > 0 ? `${more} more rows` : '', zero > 0 ? `${zero} at 0` : ''].filter((x) => x !== '');
  if (rest.length > 0) s += `    (${rest.join(', ')})\n`;
  return s;
}

export function renderProcCounts(data: unknown, file: string): string {
  const x = data as ProcCountsExplanation;
  let s = `${file}: /proc/${x.source}, ${x.cpus} CPU${x.cpus === 1 ? '' : 's'}\n`;
  s += `  ${x.total} ${what(x.source)} since boot${cpuLine(x.perCpu)}\n`;
  if (x.classes) {
    const c = x.classes;
    s += `  by source: the timer ${c.timer}, IPIs ${c.ipi}, devices ${c.device}${c.other > 0 ? `, other ${c.other}` : ''}\n`;
  }
  s += rowLines(x.rows, x.cpus);
  s +=
    x.source === 'interrupts'
      ? '  each is a handler on an IRQ stack (on the task stack it lands on, where there is none)\n'
      : '  arm64 6.1+ runs those of irq_exit and local_bh_enable on the IRQ stack, ksoftirqd on its own\n';
  s += "  (totals since boot: a before/after pair in one log or one directory gives a workload's own)\n";
  return s;
}

/** A before/after pair: what the workload between them raised, per CPU and per source. */
export function renderSnapshotDelta(d: SnapshotDelta, indent: string): string {
  const s = `${indent}${d.total} ${what(d.source)} between them${cpuLine(d.perCpu)}\n`;
  const rows = rowLines(
    d.rows.map((r) => ({ id: r.id, desc: r.desc, counts: r.delta, total: r.total })),
    d.cpus,
  );
  return s + rows.replace(/^ {4}/gm, `${indent}  `);
}

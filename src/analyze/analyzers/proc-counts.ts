// `stacklab analyze` on /proc/interrupts and /proc/softirqs: how many hard interrupts and softirqs
// each CPU has taken since boot, which sources they came from (the arch timer, IPIs, devices), and
// for two copies around a workload (snapshotDelta, the log summary's and a capture directory's
// before/after pairs) what the workload itself raised. Every one of them is a chain of frames on an
// IRQ stack (or, before the RFC, on whatever task stack it lands on): the counts say how often. The
// text is report/analysis-text/proc-counts.ts.

import {
  type CountRow,
  type PerCpuCounts,
  parseProcCounts,
  rowDeltas,
  sniffProcCounts,
} from '../../formats/proc-interrupts.ts';
import { type Analyzer, parsedValue } from '../registry.ts';

/** Where an interrupt comes from: the per-CPU timer, another CPU (IPI), a device, or an error count. */
export type IrqClass = 'timer' | 'ipi' | 'device' | 'other';

export interface CountRowExplanation {
  readonly id: string;
  readonly desc: string;
  readonly counts: readonly number[];
  readonly total: number;
  readonly line: number;
  /** interrupts only. */
  readonly class?: IrqClass;
}

export interface ProcCountsExplanation {
  readonly source: PerCpuCounts['kind'];
  readonly cpus: number;
  /** Per CPU, the sum of its rows (the one-total rows, Err: and MIS:, are left out). */
  readonly perCpu: readonly number[];
  readonly total: number;
  readonly busiestCpu: number;
  /** interrupts only: totals per class. */
  readonly classes?: Readonly<Record<IrqClass, number>>;
  /** Every row, largest total first (ties in the file's order). */
  readonly rows: readonly CountRowExplanation[];
}

/** x86's named per-CPU rows that are IPIs (arch/x86/kernel/irq.c arch_show_interrupts()). */
const X86_IPIS = new Set(['RES', 'CAL', 'TLB', 'IWI', 'PIW']);

export function irqClass(row: Pick<CountRow, 'id' | 'desc'>): IrqClass {
  if (/arch_timer|Local timer interrupts|\btimer\b/i.test(row.desc) && row.id !== 'IPI4') return 'timer';
  if (/^IPI\d+$/.test(row.id) || X86_IPIS.has(row.id)) return 'ipi';
  if (/^\d+$/.test(row.id)) return 'device';
  return 'other';
}

/** The per-CPU rows (one count per CPU): the one-total rows say nothing per CPU. */
const perCpuRows = (c: PerCpuCounts) => c.rows.filter((r) => r.counts.length === c.cpus);

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

export function explainProcCounts(c: PerCpuCounts): ProcCountsExplanation {
  const rows = c.rows
    .map((r, k) => ({ r, k, total: sum(r.counts) }))
    .sort((a, b) => b.total - a.total || a.k - b.k)
    .map(({ r, total }) => ({
      id: r.id,
      desc: r.desc,
      counts: r.counts,
      total,
      line: r.line,
      ...(c.kind === 'interrupts' ? { class: irqClass(r) } : {}),
    }));
  const perCpu = Array.from({ length: c.cpus }, (_, i) => sum(perCpuRows(c).map((r) => r.counts[i]!)));
  const busiestCpu = perCpu.reduce((b, v, i) => (v > perCpu[b]! ? i : b), 0);
  const ofClass = (k: IrqClass) => sum(rows.filter((r) => r.class === k).map((r) => r.total));
  const classes =
    c.kind === 'interrupts'
      ? { timer: ofClass('timer'), ipi: ofClass('ipi'), device: ofClass('device'), other: ofClass('other') }
      : undefined;
  return {
    source: c.kind,
    cpus: c.cpus,
    perCpu,
    total: sum(perCpu),
    busiestCpu,
    ...(classes ? { classes } : {}),
    rows,
  };
}

export interface SnapshotDelta {
  readonly source: PerCpuCounts['kind'];
  readonly cpus: number;
  /** Per CPU, what the rows counted between the two copies. */
  readonly perCpu: readonly number[];
  readonly total: number;
  /** The rows that moved, largest first: id, description, per-CPU and total increase. */
  readonly rows: readonly { id: string; desc: string; delta: readonly number[]; total: number }[];
}

/**
 * after - before, row by row (formats' rowDeltas). Undefined when the two are not copies
 * of one file of one machine (other CPUs) or a counter went down (a reboot in between).
 */
export function snapshotDelta(
  before: ProcCountsExplanation,
  after: ProcCountsExplanation,
): SnapshotDelta | undefined {
  if (before.source !== after.source || before.cpus !== after.cpus) return undefined;
  const deltas = rowDeltas(before, after);
  if (deltas.some((d) => d.delta.some((x) => x < 0))) return undefined;
  const rows = deltas
    .filter((d) => d.delta.length === after.cpus)
    .map((d) => ({ ...d, total: sum(d.delta) }))
    .filter((d) => d.total > 0)
    .sort((a, b) => b.total - a.total);
  const perCpu = Array.from({ length: after.cpus }, (_, i) => sum(rows.map((r) => r.delta[i]!)));
  return { source: after.source, cpus: after.cpus, perCpu, total: sum(perCpu), rows };
}

function analyzer(source: PerCpuCounts['kind'], describes: string): Analyzer {
  return {
    id: source,
    describes,
    sniff: (text) => sniffProcCounts(text) === source,
    run(text, file, opts) {
      const p = parseProcCounts(text, file, opts.firstLine);
      const parsed = parsedValue(p, file, { code: 'proc-counts/empty', message: 'no counter rows' });
      if ('error' in parsed) return parsed;
      return { data: explainProcCounts(parsed.value), diagnostics: p.diagnostics };
    },
  };
}

export const interruptsAnalyzer = analyzer(
  'interrupts',
  '/proc/interrupts (hard interrupts per CPU and source: timer, IPIs, devices)',
);
export const softirqsAnalyzer = analyzer('softirqs', '/proc/softirqs (softirqs per CPU and vector)');

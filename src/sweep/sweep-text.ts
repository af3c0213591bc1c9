// A sweep for a person: one row per point with its combined overflow rate, and the plan of a sweep.
import { NS_PER_S } from '../engine/time.ts';
import { rateText } from '../report/run-report.ts';
import type { SweepDocument } from './sweep-result.ts';

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

function kb(bytes: number): string {
  return bytes === 0 ? '-' : `${bytes / 1024} KB`;
}

export function renderSweepText(doc: SweepDocument): string {
  const s = doc.sweep;
  const perRun = s.durationNs / NS_PER_S;
  const rows = doc.points.map((p) => [
    p.key,
    kb(p.threadSize),
    kb(p.irqStackSize),
    String(p.maxDepth.task),
    String(p.threadSize - p.maxDepth.task),
    p.irqStackSize > 0 ? String(p.maxDepth.irq) : '-',
    String(p.overflow.count),
    p.overflow.count > 0 ? rateText(p.overflow.perHour) : `< ${p.overflow.perHour.high.toPrecision(2)}/h`,
  ]);
  return [
    `sweep ${s.name}: ${s.points} points of ${s.scenario}, ${s.seeds} seed${s.seeds > 1 ? 's' : ''} ` +
      `(${s.firstSeed}..${s.firstSeed + s.seeds - 1}) of ${perRun} s each`,
    '',
    table(
      ['point', 'task stack', 'IRQ stack', 'max task', 'margin', 'max irq', 'overflows', 'per hour'],
      rows,
    ),
    '',
    'Overflow rates combine every seed of a point, with the exact 95 % Poisson interval; "< x/h" is the',
    'upper bound when none was seen in the time simulated. Per-run numbers: sweep.json and points/.',
    '',
  ].join('\n');
}

export interface PlanData {
  readonly name: string;
  readonly points: number;
  /** Points of this shard (all of them without --shard). */
  readonly shardPoints: number;
  readonly shard?: string;
  readonly runs: number;
  readonly simulatedNs: number;
  /** Points already in the --out folder (they are not run again). */
  readonly finished: number;
  readonly cpuSecondsPerSimulatedSecond: number;
  readonly estimatedCpuSeconds: number;
  readonly probedPoints: number;
}

function duration(seconds: number): string {
  if (seconds < 120) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  if (seconds < 7200) return `${(seconds / 60).toFixed(0)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

export function renderPlanText(p: PlanData): string {
  const shards = [1, 4, 16, 64, 256].filter((n) => n <= Math.max(1, p.shardPoints));
  return [
    `sweep ${p.name}: ${p.points} points${p.shard ? `, shard ${p.shard}: ${p.shardPoints} of them` : ''}, ` +
      `${p.runs} runs, ${duration(p.simulatedNs / NS_PER_S)} simulated`,
    `${p.finished > 0 ? `already finished: ${p.finished} points (not run again)\n` : ''}` +
      `estimated CPU time: ${duration(p.estimatedCpuSeconds)} ` +
      `(${p.cpuSecondsPerSimulatedSecond.toPrecision(2)} CPU s per simulated s, measured on ${p.probedPoints} points)`,
    '',
    table(
      ['shards', 'points each', 'CPU each'],
      shards.map((n) => [
        String(n),
        String(Math.ceil(p.shardPoints / n)),
        duration((p.estimatedCpuSeconds * Math.ceil(p.shardPoints / n)) / Math.max(1, p.shardPoints)),
      ]),
    ),
    '',
  ].join('\n');
}

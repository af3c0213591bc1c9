// The seed's dynamic half: the RFC's board under load (seed-dragonboard) simulated under the four
// designs the RFC argues about, with how often each would overflow and how much margin its stacks
// keep: the RFC's claim ("with a separate IRQ stack 8 KB would be enough"), quantified.

import { assertTrue } from '../base/assert.ts';
import type { Scenario } from '../kernel/sim/scenario.ts';
import { HIST_BUCKET } from '../kernel/sim/sim-stats.ts';
import { simulate } from '../kernel/sim/simulate.ts';
import { applyOverrides, type KernelProfile } from '../model/profile.ts';
import { resolveProfile } from '../model/profiles.ts';
import { type RunResult, runResult } from './run.ts';

/** The designs the seed compares: label, profile and overrides. */
export const SEED_DESIGNS = [
  { label: 'linux-4.2, 16 KB', profile: 'linux-4.2', set: [] },
  { label: 'linux-4.2, 8 KB', profile: 'linux-4.2', set: ['THREAD_SIZE=8192', 'THREAD_ALIGN=8192'] },
  { label: 'rfc-2015, 8 KB + IRQ stack', profile: 'rfc-2015', set: [] },
  { label: 'linux-6.1, 16 KB + IRQ stack', profile: 'linux-6.1', set: [] },
] as const;

/** Simulated time per design in the seed (the whole seed stays well under 30 s). */
export const SEED_RUN_NS = 10e9;

export interface MarginRow {
  readonly label: string;
  readonly stack: 'task' | 'irq';
  readonly size: number;
  /** Usable bytes minus the episode high-water at the median, p99, p99.9 and the maximum. */
  readonly margin: {
    readonly p50: number;
    readonly p99: number;
    readonly p999: number;
    readonly min: number;
  };
  readonly episodes: number;
}

export interface SeedRunData {
  readonly scenario: string;
  readonly seconds: number;
  readonly runs: readonly { readonly label: string; readonly result: RunResult }[];
  readonly margins: readonly MarginRow[];
}

function profileOf(id: string, set: readonly string[]): KernelProfile {
  const r = resolveProfile(id);
  assertTrue(r.ok, `built-in profile ${id}`);
  if (set.length === 0) return r.value;
  const o = applyOverrides(r.value, set);
  assertTrue(o.ok, `seed overrides ${set.join(' ')}`);
  return o.value;
}

export function runSeedDesigns(
  scenario: Scenario,
  progress?: (label: string, fraction: number) => void,
): SeedRunData {
  const runs = SEED_DESIGNS.map((d, i) => {
    const raw = simulate({
      scenario,
      profile: profileOf(d.profile, d.set),
      seed: scenario.seed,
      durationNs: SEED_RUN_NS,
      ...(progress
        ? {
            onProgress: (done: number, total: number) =>
              progress(`simulating ${d.label}`, (i + done / total) / SEED_DESIGNS.length),
          }
        : {}),
    });
    return { label: d.label, result: runResult(raw) };
  });
  const margins = runs.flatMap(({ label, result }) =>
    (['task', 'irq'] as const)
      .filter((k) => k === 'task' || result.irqStackSize > 0)
      .map((k) => marginRow(label, k, result)),
  );
  return { scenario: scenario.name, seconds: SEED_RUN_NS / 1e9, runs, margins };
}

function marginRow(label: string, stack: 'task' | 'irq', r: RunResult): MarginRow {
  const counts: number[] = [];
  for (const c of r.perCpu)
    c.histogram[stack].counts.forEach((n, i) => {
      counts[i] = (counts[i] ?? 0) + n;
    });
  const total = counts.reduce((a, b) => a + (b ?? 0), 0);
  const size = stack === 'task' ? r.threadSize : r.irqStackSize;
  const q = (f: number) => {
    let acc = 0;
    for (let i = 0; i < counts.length; i++) {
      acc += counts[i] ?? 0;
      if (acc >= f * total) return (i + 1) * HIST_BUCKET;
    }
    return counts.length * HIST_BUCKET;
  };
  const min = size - r.maxDepth[stack];
  // Quantiles come from 256-byte buckets (their upper edge): never report less margin than the worst.
  const at = (f: number) => Math.max(min, size - Math.min(size, q(f)));
  return {
    label,
    stack,
    size,
    margin: { p50: at(0.5), p99: at(0.99), p999: at(0.999), min },
    episodes: total,
  };
}

/** The dynamic design of section 7, simulated: linux-6.1 with the RFC's dynamic stacks. */
export const SEED_DYNAMIC_DESIGN = { label: 'linux-6.1, dynamic + IRQ stack', profile: 'linux-6.1' } as const;

/**
 * The seed's board under load with dynamic stacks: faults, refills and panics from the simulator.
 * `refillFailureP` is the device experiment's measured failure rate per refill allocation (the
 * simulator has no memory pressure of its own).
 */
export function runSeedDynamic(
  scenario: Scenario,
  refillFailureP: number,
  progress?: (label: string, fraction: number) => void,
): { readonly label: string; readonly refillFailureP: number; readonly result: RunResult } {
  const profile = profileOf(SEED_DYNAMIC_DESIGN.profile, [
    'stackAllocation=dynamic',
    `dynamicStack.refillFailureP=${refillFailureP}`,
  ]);
  const raw = simulate({
    scenario,
    profile,
    seed: scenario.seed,
    durationNs: SEED_RUN_NS,
    ...(progress
      ? {
          onProgress: (done: number, total: number) =>
            progress(`simulating ${SEED_DYNAMIC_DESIGN.label}`, done / total),
        }
      : {}),
  });
  return { label: SEED_DYNAMIC_DESIGN.label, refillFailureP, result: runResult(raw) };
}

// `stacklab mm compare`: the stack strategies on one device, workload and seed. The device is
// aged once (with its kernel's own stacks) and every strategy is measured on a copy of that aged
// memory, so the columns differ only in how fork allocates stacks.

import type { KernelMode } from '../mm/migratetype.ts';
import type { MmParams } from '../mm/node.ts';
import { DEVICES, type DeviceId, type DeviceSpec } from './devices.ts';
import { ageDevice, type DynamicOptions, type MmRunResult, measureForks } from './experiment.ts';
import { STACK_STRATEGIES, type StackStrategy } from './kernel-stacks.ts';
import { BUILTIN_DEPTHS, DEFAULT_DEPTHS, type StackDepths } from './stack-depths.ts';
import type { ScenarioId } from './workloads.ts';

export interface MmCompareOptions {
  /** A device id, or a device spec (e.g. one with --set overrides). */
  readonly device: DeviceId | DeviceSpec;
  readonly seed: number;
  readonly mode?: KernelMode;
  readonly scenario?: ScenarioId;
  /** Measured forks per strategy; the scenario's default when absent. */
  readonly forks?: number;
  /** Warm-up launches (android) / compiles (build); the scenario's default when absent. */
  readonly warmup?: number;
  readonly params?: Partial<MmParams>;
  readonly strategies?: readonly StackStrategy[];
  /** Dynamic stacks' parameters and depths (defaults when absent). */
  readonly dynamic?: DynamicOptions;
  /** Called with a phase label and progress in [0, 1]. */
  readonly onProgress?: (phase: string, fraction: number) => void;
}

export interface MmCompareResult {
  readonly device: DeviceId;
  /** The --set overrides applied to the device, as FIELD=VALUE. */
  readonly overrides: readonly string[];
  readonly mode: KernelMode;
  readonly scenario: ScenarioId;
  readonly seed: number;
  readonly forks: number;
  readonly warmup: number;
  readonly agedWith: StackStrategy;
  readonly agedSeconds: number;
  /** The task depths the dynamic column (and the overflow shares) used. */
  readonly depths: StackDepths;
  readonly runs: readonly MmRunResult[];
}

/** Defaults for `stacklab seed`: a shorter warm-up and run, a few seconds in all. */
export const SEED_COMPARE = { forks: 4000, warmup: 250 } as const;

export function runMmCompare(o: MmCompareOptions): MmCompareResult {
  const strategies = o.strategies ?? STACK_STRATEGIES;
  const aged = ageDevice({
    device: o.device,
    stacks: strategies[0]!,
    seed: o.seed,
    ...(o.mode === undefined ? {} : { mode: o.mode }),
    ...(o.scenario === undefined ? {} : { scenario: o.scenario }),
    ...(o.warmup === undefined ? {} : { warmup: o.warmup }),
    ...(o.params === undefined ? {} : { params: o.params }),
    ageWith: 'native',
    onProgress: (done, total) => o.onProgress?.('ageing', Math.min(1, -done / total)),
  });
  const forks = o.forks ?? aged.workload.spec.defaultForks;
  const runs = strategies.map((s) =>
    measureForks(aged, s, forks, (done, total) => o.onProgress?.(`${s} stacks`, done / total), o.dynamic),
  );
  return {
    device: aged.device.id,
    overrides: overridesOf(aged.device),
    mode: aged.mode,
    scenario: aged.scenario,
    seed: o.seed,
    forks,
    warmup: aged.warmup,
    agedWith: aged.agedWith,
    agedSeconds: aged.workload.node.now / 1e6,
    depths: o.dynamic?.depths ?? BUILTIN_DEPTHS[DEFAULT_DEPTHS],
    runs,
  };
}

/** FIELD=VALUE for every field where `d` differs from the built-in device of its id. */
function overridesOf(d: DeviceSpec): string[] {
  const base = DEVICES[d.id] as unknown as Record<string, unknown>;
  return Object.entries(d)
    .filter(([k, v]) => typeof v === 'number' && base[k] !== v)
    .map(([k, v]) => `${k}=${v}`);
}

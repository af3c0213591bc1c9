// The mm compare runs whose 16k, 8k and vmap results must stay what they were before dynamic stacks
// (issue 13) arrived. The golden files in test/device/golden/ are written only by
// `node --import tsx scripts/golden-mm-compare.ts`; rerun it only for a change explained in its commit.
import { join } from 'node:path';

export const GOLDEN_DIR = join(import.meta.dirname, 'golden');

export interface GoldenCase {
  readonly device: 'phone-1g-2015' | 'phone-1g-6.1';
  readonly seed: number;
  readonly forks: number;
  readonly warmup: number;
}

/** Both phones enter the slow path for order-1 and order-2 stacks at these lengths (4 s each). */
export const GOLDEN_CASES: readonly GoldenCase[] = [
  { device: 'phone-1g-2015', seed: 1, forks: 2000, warmup: 60 },
  { device: 'phone-1g-6.1', seed: 1, forks: 2000, warmup: 60 },
];

export const GOLDEN_STRATEGIES = ['16k', '8k', 'vmap'] as const;

export function goldenFile(c: GoldenCase): string {
  return join(GOLDEN_DIR, `${c.device}-seed${c.seed}-${c.forks}x${c.warmup}.golden.json`);
}

// The kernel profiles an analyzer compares against: the ones named with --profile (each with the
// --set overrides) and read with --profile-file, or every built-in profile.
import { ok, type Result } from '../base/result.ts';
import type { KernelProfile } from '../model/profile.ts';
import { PROFILES, resolveProfile } from '../model/profiles.ts';
import type { AnalyzeOptions } from './registry.ts';

export function analyzeProfiles(opts: AnalyzeOptions): Result<KernelProfile[]> {
  if (opts.profileObjects !== undefined) return ok([...opts.profileObjects]);
  const ids = opts.profiles.length > 0 ? opts.profiles : PROFILES.map((p) => p.id);
  const out: KernelProfile[] = [];
  for (const id of ids) {
    const r = resolveProfile(id, opts.overrides);
    if (!r.ok) return r;
    out.push(r.value);
  }
  return ok(out);
}

/**
 * CONFIG_FRAME_WARN's default: 2048 on 64-bit, 1024 on 32-bit (lib/Kconfig.debug, Linux 6.1; the
 * KASAN, XTENSA and PARISC variants aside). GCC warns at build time for frames larger than it.
 */
export const FRAME_WARN_64 = 2048;
export const FRAME_WARN_32 = 1024;

/** How a list of single-function frames compares with the task stack of one design. */
export interface FrameShare {
  readonly id: string;
  readonly THREAD_SIZE: number;
  /** The largest frame's share of THREAD_SIZE. */
  readonly largestShare: number;
  /** Frames taking more than 1/8 of THREAD_SIZE. */
  readonly overEighth: number;
}

/** Per profile: the largest of `frames` (bytes) against THREAD_SIZE, and how many take over 1/8. */
export function frameShares(frames: readonly number[], profiles: readonly KernelProfile[]): FrameShare[] {
  const top = frames.reduce((a, b) => Math.max(a, b), 0);
  return profiles.map((p) => ({
    id: p.id,
    THREAD_SIZE: p.THREAD_SIZE,
    largestShare: top / p.THREAD_SIZE,
    overEighth: frames.filter((b) => b > p.THREAD_SIZE / 8).length,
  }));
}

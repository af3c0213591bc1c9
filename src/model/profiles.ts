// The built-in kernel profiles: the five designs the RFC story compares side by side (PROFILES: the
// defaults of `seed`, `analyze` and `replay`), and the real kernel eras a table can come from
// (ERA_PROFILES: Android 4.19 / 5.10, 6.1 PREEMPT_RT, 6.12, x86_64 before 3.15). `stacklab profiles`
// lists both; every id resolves. Each profile's numbers cite their sources in profiles/*.ts.
import { diag } from '../base/diag.ts';
import { err, ok, type Result } from '../base/result.ts';
import { KSTACK_OFFSET_MASK } from './constants.ts';
import { applyOverrides, type KernelProfile, validateProfile } from './profile.ts';
import { ARM64_ERA_PROFILES } from './profiles/arm64-eras.ts';
import { LINUX_4_2, LINUX_4_5, LINUX_6_1, RFC_2015, X86_64_6_1 } from './profiles/designs.ts';
import { X86_64_ERA_PROFILES } from './profiles/x86_64-eras.ts';

export { LINUX_4_19, LINUX_5_10, LINUX_6_1_RT, LINUX_6_12 } from './profiles/arm64-eras.ts';
export { LINUX_4_2, LINUX_4_5, LINUX_6_1, RFC_2015, X86_64_6_1 } from './profiles/designs.ts';
export { X86_64_3_X } from './profiles/x86_64-eras.ts';

/** The five designs compared side by side. */
export const PROFILES: readonly KernelProfile[] = [LINUX_4_2, RFC_2015, LINUX_4_5, LINUX_6_1, X86_64_6_1];
export const PROFILE_IDS = PROFILES.map((p) => p.id);
/** Real kernel eras beyond the designs (issue 10): what a table from such a kernel replays under. */
export const ERA_PROFILES: readonly KernelProfile[] = [...ARM64_ERA_PROFILES, ...X86_64_ERA_PROFILES];
/** Every built-in profile, designs first. */
export const BUILTIN_PROFILES: readonly KernelProfile[] = [...PROFILES, ...ERA_PROFILES];
export const BUILTIN_PROFILE_IDS = BUILTIN_PROFILES.map((p) => p.id);

/** Largest RANDOMIZE_KSTACK_OFFSET alloca: KSTACK_OFFSET_MAX (1023) rounded up by the 16-byte alloca alignment. */
export const KSTACK_OFFSET_MAX_BYTES = (KSTACK_OFFSET_MASK + 15) & ~15;

/** Looks a built-in profile up by id and applies overrides; the error names the accepted ids. */
export function resolveProfile(id: string, overrides: readonly string[] = []): Result<KernelProfile> {
  const base = BUILTIN_PROFILES.find((p) => p.id === id);
  if (base === undefined) {
    return err(
      diag(
        'profile/unknown',
        'error',
        `unknown profile "${id}"`,
        undefined,
        `one of ${BUILTIN_PROFILE_IDS.join(', ')}`,
      ),
    );
  }
  return overrides.length === 0 ? ok(base) : applyOverrides(base, overrides);
}

/** Validates every built-in profile once (tests call this; a bad built-in is our bug). */
export function checkBuiltins(): string[] {
  const problems: string[] = [];
  for (const p of BUILTIN_PROFILES) {
    const r = validateProfile(p, p.id);
    if (!r.ok) problems.push(`${p.id}: ${r.error.message}`);
  }
  return problems;
}

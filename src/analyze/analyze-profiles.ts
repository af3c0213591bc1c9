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

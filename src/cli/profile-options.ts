// Shared handling of --profile / --set: unknown ids and bad overrides are usage errors (exit 2).
import { formatDiagnostic } from '../base/diag.ts';
import type { KernelProfile } from '../model/profile.ts';
import { resolveProfile } from '../model/profiles.ts';
import { usage } from './context.ts';

export function collect(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(',').filter((v) => v.length > 0)];
}

export function resolveProfiles(ids: readonly string[], overrides: readonly string[]): KernelProfile[] {
  return ids.map((id) => {
    const r = resolveProfile(id, overrides);
    if (!r.ok) usage(formatDiagnostic(r.error));
    return r.value;
  });
}

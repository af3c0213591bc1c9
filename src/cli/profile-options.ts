// Shared handling of --profile / --set: unknown ids and bad overrides are usage errors (exit 2).
import { formatDiagnostic, InputError } from '../base/diag.ts';
import { applyOverrides, type KernelProfile } from '../model/profile.ts';
import { loadProfileFile } from '../model/profile-file.ts';
import { resolveProfile } from '../model/profiles.ts';
import { usage } from './context.ts';
import type { Io } from './io.ts';

export { collect } from './option-values.ts';

export function resolveProfiles(ids: readonly string[], overrides: readonly string[]): KernelProfile[] {
  return ids.map((id) => {
    const r = resolveProfile(id, overrides);
    if (!r.ok) usage(formatDiagnostic(r.error));
    return r.value;
  });
}

/** Profiles from --profile-file files (YAML/JSON), each then given the --set overrides. Bad files are bad input. */
export function loadProfileFiles(
  io: Io,
  files: readonly string[],
  overrides: readonly string[],
): KernelProfile[] {
  return files.map((f) => {
    const r = loadProfileFile(io.readText(f), f);
    if (!r.ok) throw new InputError(r.error);
    if (overrides.length === 0) return r.value;
    const o = applyOverrides(r.value, overrides);
    if (!o.ok) usage(formatDiagnostic(o.error));
    return o.value;
  });
}

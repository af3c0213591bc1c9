// The profile options every command that takes a kernel profile shares (--profile, --set,
// --profile-file, and --source for commands that read a stack_trace table), declared once here, and
// their handling: unknown ids and bad overrides are usage errors (exit 2), bad files bad input.
import { type Command, Option } from 'commander';
import { formatDiagnostic, InputError } from '../base/diag.ts';
import { applyOverrides, type KernelProfile } from '../model/profile.ts';
import { loadProfileFile } from '../model/profile-file.ts';
import { BUILTIN_PROFILE_IDS, resolveProfile } from '../model/profiles.ts';
import { type CliContext, usage } from './context.ts';
import type { Io } from './io.ts';
import { collect } from './option-values.ts';

export { collect } from './option-values.ts';

export const PROFILE_HELP = 'a kernel profile (stacklab profiles lists them); repeatable or comma-separated';
export const SET_HELP = 'override a profile field in every profile, e.g. THREAD_SIZE=8192 (repeatable)';
export const PROFILE_FILE_HELP =
  'a profile from a YAML/JSON file: a whole profile, or "base: <id>" plus "set:" fields (repeatable)';
export const SOURCE_HELP =
  'the kernel era that printed the input table, when symbol detection guesses wrong (a profile id)';

export interface ProfileOptions {
  profile: string[];
  set: string[];
  profileFile: string[];
  source?: string;
}

/**
 * --profile (its default in words, e.g. "all"), --set, --profile-file and, for commands that read a
 * stack_trace table, --source.
 */
export function profileOptions(cmd: Command, defaultText: string, opts: { source?: boolean } = {}): Command {
  cmd
    .addOption(new Option('-p, --profile <id>', PROFILE_HELP).argParser(collect).default([], defaultText))
    .addOption(new Option('--set <field=value>', SET_HELP).argParser(collect).default([]))
    .addOption(new Option('--profile-file <file>', PROFILE_FILE_HELP).argParser(collect).default([]));
  if (opts.source) cmd.option('--source <id>', SOURCE_HELP);
  return cmd;
}

/**
 * The profiles asked for: --profile ids and --profile-file files, each with the --set overrides;
 * `fallback` ids when neither is given.
 */
export function selectedProfiles(
  ctx: CliContext,
  opts: ProfileOptions,
  fallback: readonly string[],
): KernelProfile[] {
  const ids = opts.profile.length > 0 || opts.profileFile.length > 0 ? opts.profile : fallback;
  return [...resolveProfiles(ids, opts.set), ...loadProfileFiles(ctx.io, opts.profileFile, opts.set)];
}

/** --source, checked: a profile id or a usage error. */
export function sourceOf(opts: ProfileOptions): string | undefined {
  if (opts.source !== undefined && !BUILTIN_PROFILE_IDS.includes(opts.source))
    usage(`--source: expected one of ${BUILTIN_PROFILE_IDS.join(', ')}, got "${opts.source}"`);
  return opts.source;
}

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

// Scenarios on disk: the built-in ones in data/scenarios/ (by name) or any YAML/JSON file, their
// code models next to them, and `--set` overrides of scenario fields (irqs.eth0.rate=1e5).
import { readdirSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { diag, InputError } from '../base/diag.ts';
import { err, ok, type Result } from '../base/result.ts';
import type { CodeModel } from '../kernel/sim/code-model.ts';
import { type Scenario, ScenarioSchema, validateScenario } from '../kernel/sim/scenario.ts';
import { parseYamlInput, withLine, type YamlInput } from '../kernel/sim/yaml-input.ts';
import { usage } from './context.ts';
import type { Io } from './io.ts';
import { projectRoot } from './project-root.ts';

export const SCENARIO_DIR = 'data/scenarios';

/** Names of the built-in scenarios (data/scenarios/NAME.yaml). */
export function builtinScenarios(): string[] {
  try {
    return (
      readdirSync(join(projectRoot(), SCENARIO_DIR))
        // NAME.code.yaml and NAME.with.yaml are a scenario's code model and its import additions.
        .filter((f) => f.endsWith('.yaml') && !f.endsWith('.code.yaml') && !f.endsWith('.with.yaml'))
        .map((f) => f.slice(0, -'.yaml'.length))
        .sort()
    );
  } catch {
    return [];
  }
}

/** A built-in scenario in one paragraph: what `run --list` prints. */
export function describeBuiltinScenario(io: Io, name: string): string {
  const file = join(projectRoot(), SCENARIO_DIR, `${name}.yaml`);
  const input = parseYamlInput(io.readText(file), file, 'scenario');
  if (!input.ok) return `${name}\n  (unreadable: ${input.error.message})`;
  const v = input.value.value as { profile?: unknown; cpus?: unknown; description?: unknown };
  const desc = typeof v.description === 'string' ? v.description.trim() : '(no description)';
  return `${name} (${String(v.profile)}, ${String(v.cpus)} CPUs)\n  ${desc}`;
}

/** Top-level scenario fields: a --set path starting with one of these changes the scenario, not the profile. */
export const SCENARIO_KEYS: ReadonlySet<string> = new Set(Object.keys(ScenarioSchema.shape));

/** A built-in name or a file path: where to read it. */
export function scenarioPath(nameOrFile: string): string {
  if (/^[a-z0-9][a-z0-9.-]*$/.test(nameOrFile) && builtinScenarios().includes(nameOrFile))
    return join(projectRoot(), SCENARIO_DIR, `${nameOrFile}.yaml`);
  return nameOrFile;
}

/**
 * Reads, overrides and validates a scenario; its code model file is read relative to it. `models`
 * keeps validated code models between calls (see validateScenario).
 */
export function loadScenario(
  io: Io,
  nameOrFile: string,
  sets: readonly string[],
  models?: Map<string, CodeModel>,
): Scenario {
  const file = scenarioPath(nameOrFile);
  if (file === nameOrFile && !nameOrFile.includes('/') && !nameOrFile.includes('.') && nameOrFile !== '-')
    usage(`unknown scenario "${nameOrFile}": one of ${builtinScenarios().join(', ')}, or a YAML/JSON file`);
  const input = parseYamlInput(io.readText(file), file, 'scenario');
  if (!input.ok) throw new InputError(input.error);
  const raw = structuredClone(input.value.value);
  for (const s of sets) {
    const r = setField(raw, s);
    if (!r.ok) usage(r.error.message);
  }
  const dir = file === '-' ? '.' : dirname(file);
  const codeInputs = new Map<string, YamlInput>();
  const loadCode = (name: string): Result<unknown> => {
    const path = isAbsolute(name) ? name : join(dir, name);
    const m = parseYamlInput(io.readText(path), name, 'code-model');
    if (!m.ok) return m;
    codeInputs.set(name, m.value);
    return ok(m.value.value);
  };
  const v = validateScenario(raw, file, loadCode, models);
  if (!v.ok) {
    const d = v.error;
    const codeFile = d.loc?.file !== undefined ? codeInputs.get(d.loc.file) : undefined;
    throw new InputError(withLine(d, codeFile ?? input.value));
  }
  return v.value;
}

/**
 * `path=value` on a parsed scenario: dotted keys, array items by index or by `name`
 * (irqs.eth0.rate). Values are JSON when they parse as JSON, else strings.
 */
export function setField(root: unknown, assignment: string): Result<void> {
  const eq = assignment.indexOf('=');
  if (eq <= 0) return err(diag('scenario/bad-set', 'error', `--set ${assignment}: expected FIELD=VALUE`));
  const path = assignment.slice(0, eq).split('.');
  const text = assignment.slice(eq + 1);
  let value: unknown = text;
  try {
    value = JSON.parse(text);
  } catch {
    value = text;
  }
  let obj = root as Record<string, unknown> | unknown[];
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!;
    const last = i === path.length - 1;
    let slot: string | number = key;
    if (Array.isArray(obj)) {
      const byName = obj.findIndex((x) => (x as { name?: unknown })?.name === key);
      slot = /^\d+$/.test(key) ? Number(key) : byName;
      if (slot < 0 || slot >= obj.length)
        return err(
          diag(
            'scenario/bad-set',
            'error',
            `--set ${assignment}: no item "${key}" in ${path.slice(0, i).join('.')}`,
          ),
        );
    } else if (typeof obj !== 'object' || obj === null) {
      return err(
        diag(
          'scenario/bad-set',
          'error',
          `--set ${assignment}: ${path.slice(0, i).join('.')} is not an object`,
        ),
      );
    }
    const container = obj as Record<string | number, unknown>;
    if (last) {
      container[slot] = value;
      return ok(undefined);
    }
    if (container[slot] === undefined) container[slot] = {};
    obj = container[slot] as Record<string, unknown>;
  }
  return ok(undefined);
}

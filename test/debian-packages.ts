// The Debian packages the tests use (scripts/debian-packages.txt), for the tests: needs() skips a
// test whose package is missing with one line naming it and the command that installs it, tool()
// gives the path of a program a test runs. test/debian-packages.test.ts checks that no test runs a
// program the list does not name.
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
export const PACKAGE_LIST = join(ROOT, 'scripts/debian-packages.txt');

export interface DebianPackage {
  readonly name: string;
  /** Commands (looked up on PATH) and absolute paths the tests use from the package. */
  readonly uses: readonly string[];
  readonly why: string;
}

export function parsePackageList(text: string): DebianPackage[] {
  const out: DebianPackage[] = [];
  for (const line of text.split('\n')) {
    if (/^\s*(#|$)/.test(line)) continue;
    const [name = '', uses = '', ...why] = line.trim().split(/\s+/);
    out.push({ name, uses: uses.split(',').filter((u) => u !== ''), why: why.join(' ') });
  }
  return out;
}

export const DEBIAN_PACKAGES: readonly DebianPackage[] = parsePackageList(readFileSync(PACKAGE_LIST, 'utf8'));

/** Where `command` is on PATH, or undefined. */
function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const p = join(dir, command);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

/**
 * STACKLAB_MISSING_PACKAGES=all (or a comma-separated list) makes packages count as missing: how
 * test/debian-packages.test.ts checks that every test skips cleanly on a machine without them.
 */
function pretendMissing(name: string): boolean {
  const v = process.env.STACKLAB_MISSING_PACKAGES ?? '';
  return v === 'all' || v.split(',').includes(name);
}

function listed(name: string): DebianPackage {
  const p = DEBIAN_PACKAGES.find((x) => x.name === name);
  if (p === undefined) throw new Error(`${name} is not in scripts/debian-packages.txt: add it there`);
  return p;
}

export function installed(name: string): boolean {
  if (pretendMissing(name)) return false;
  return listed(name).uses.every((u) => (u.startsWith('/') ? existsSync(u) : onPath(u) !== undefined));
}

/**
 * Options for describe()/test(): skipped, with the package and its install command, when one of
 * `names` is missing. With STACKLAB_REQUIRE_PACKAGES=1 (.ci/run) nothing is skipped: the tests run
 * and fail, so a package missing in CI cannot hide.
 */
export function needs(...names: string[]): { skip?: string } {
  const missing = names.filter((n) => !installed(n));
  if (missing.length === 0 || process.env.STACKLAB_REQUIRE_PACKAGES === '1') return {};
  return { skip: `needs ${missing.join(' ')}, not installed: apt-get install ${missing.join(' ')}` };
}

/** The package a command or path the tests use comes from. */
export function packageOf(command: string): DebianPackage {
  const p = DEBIAN_PACKAGES.find((x) => x.uses.includes(command));
  if (p === undefined)
    throw new Error(`${command} is not in scripts/debian-packages.txt: add its package there`);
  return p;
}

/** A program a test runs: its path on PATH (the bare name when missing: needs() skips those tests). */
export function tool(command: string): string {
  packageOf(command);
  if (pretendMissing(packageOf(command).name)) return command;
  return onPath(command) ?? command;
}

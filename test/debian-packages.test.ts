// The Debian packages the tests use are all in scripts/debian-packages.txt, and a machine without
// them skips the tests that need them (one line naming the package and its install command) instead
// of failing them or cancelling them with ENOENT.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { DEBIAN_PACKAGES, installed, PACKAGE_LIST, packageOf, parsePackageList } from './debian-packages.ts';

const ROOT = resolve(import.meta.dirname, '..');
const SCRIPT = join(ROOT, 'scripts/debian-packages.sh');
const SELF = relative(ROOT, import.meta.filename);

function testSources(dir = join(ROOT, 'test')): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'fixtures' && !e.name.startsWith('.')) out.push(...testSources(p));
    } else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out.sort();
}

const SOURCES = testSources().map((p) => ({ path: relative(ROOT, p), text: readFileSync(p, 'utf8') }));

/** A directory whose PATH has only `commands` (symlinks to the real ones): a machine without the rest. */
function barePath(dir: string, commands: readonly string[]): string {
  for (const c of commands) {
    const real = execFileSync('/bin/sh', ['-c', `command -v ${c}`], { encoding: 'utf8' }).trim();
    symlinkSync(real, join(dir, c));
  }
  return dir;
}

describe('scripts/debian-packages.txt', () => {
  test('one line per package: a Debian name, what the tests use from it, what for; the script reads the same', () => {
    assert.ok(DEBIAN_PACKAGES.length >= 5);
    for (const p of DEBIAN_PACKAGES) {
      assert.match(p.name, /^[a-z0-9][a-z0-9+.-]+$/, p.name);
      assert.ok(p.uses.length > 0, `${p.name} uses nothing`);
      for (const u of p.uses) assert.match(u, /^(\/[\w./+-]+|[\w.+-]+)$/, `${p.name}: ${u}`);
      assert.ok(p.why.length > 10, `${p.name}: say what it is for`);
    }
    assert.equal(new Set(DEBIAN_PACKAGES.map((p) => p.name)).size, DEBIAN_PACKAGES.length, 'a package twice');
    const listed = execFileSync(SCRIPT, ['list'], { encoding: 'utf8' }).trim().split('\n');
    assert.deepEqual(
      listed,
      DEBIAN_PACKAGES.map((p) => p.name),
    );
    assert.deepEqual(parsePackageList('# c\n\n  a   x,/y   why  it is\n'), [
      { name: 'a', uses: ['x', '/y'], why: 'why it is' },
    ]);
  });

  test('cross gcc comes with its C library (gcc-aarch64-linux-gnu only recommends it), binutils, clang, chromium', () => {
    for (const name of [
      'gcc-aarch64-linux-gnu',
      'libc6-dev-arm64-cross',
      'binutils-aarch64-linux-gnu',
      'clang',
      'chromium',
    ])
      assert.ok(
        DEBIAN_PACKAGES.some((p) => p.name === name),
        name,
      );
  });

  test('every needs() and tool() in the tests names a listed package or what one provides', () => {
    let calls = 0;
    for (const { path, text } of SOURCES) {
      if (path === SELF) continue;
      for (const m of text.matchAll(/\bneeds\(([^)]*)\)/g)) {
        for (const lit of m[1]!.matchAll(/'([^']*)'/g)) {
          calls++;
          assert.ok(
            DEBIAN_PACKAGES.some((p) => p.name === lit[1]),
            `${path}: needs('${lit[1]}') is not in ${relative(ROOT, PACKAGE_LIST)}`,
          );
        }
      }
      for (const m of text.matchAll(/\btool\('([^']*)'\)/g)) {
        calls++;
        assert.doesNotThrow(() => packageOf(m[1]!), `${path}: tool('${m[1]}')`);
      }
    }
    assert.ok(calls >= 8, `only ${calls} needs()/tool() calls found: the scan is broken`);
  });

  test('no test runs a program, or reads a system path, that the list does not name', () => {
    // Names bound to tool(...) anywhere in the tests (corpus.ts exports CC, OBJDUMP ...).
    const tools = new Set<string>();
    for (const { text } of SOURCES)
      for (const m of text.matchAll(/\bconst (\w+) = tool\(/g)) tools.add(m[1]!);
    const problems: string[] = [];
    let spawns = 0;
    for (const { path, text } of SOURCES) {
      if (!/from 'node:child_process'/.test(text)) continue;
      // A compiler option defaulting to a tool: \`const cc = options.cc ?? CC\`.
      const local = new Set(tools);
      for (const m of text.matchAll(/\bconst (\w+) = [\w.]+ \?\? (\w+);/g))
        if (tools.has(m[2]!)) local.add(m[1]!);
      // `run` is execFile promisified.
      for (const m of text.matchAll(
        /(?<![.\w])(execFileSync|execFile|execSync|exec|spawnSync|spawn|run)\(\s*([^,)]+)/g,
      )) {
        if (m[1] === 'run' && !/const run = promisify\(execFile\)/.test(text)) continue;
        spawns++;
        const program = m[2]!.trim();
        if (program === 'process.execPath' || local.has(program) || /^tool\('/.test(program)) continue;
        // The test's own shell, for the script under test.
        if (path === SELF) continue;
        problems.push(`${path}: ${m[1]}(${program}, ...)`);
      }
    }
    for (const { path, text } of SOURCES) {
      if (path === SELF) continue;
      for (const m of text.matchAll(/['`](\/(?:usr|bin|sbin|opt|lib)\/[^'`]*)['`]/g)) {
        const p = m[1]!;
        const ok = DEBIAN_PACKAGES.some((d) => d.uses.some((u) => u === p || u.startsWith(`${p}/`)));
        if (!ok) problems.push(`${path}: ${p}`);
      }
    }
    assert.ok(spawns >= 8, `only ${spawns} child processes found: the scan is broken`);
    assert.deepEqual(
      problems,
      [],
      'use tool(<command>) from test/debian-packages.ts, listed in the package list',
    );
  });

  test('the files giving the paths they use belong to the listed package (dpkg -S)', (t) => {
    if (spawnSync('dpkg-query', ['--version']).status !== 0) return t.skip('no dpkg-query here');
    let checked = 0;
    for (const p of DEBIAN_PACKAGES) {
      if (!installed(p.name)) continue;
      for (const u of p.uses) {
        const path = u.startsWith('/')
          ? u
          : execFileSync('/bin/sh', ['-c', `command -v ${u}`], { encoding: 'utf8' }).trim();
        const owner = spawnSync('dpkg-query', ['-S', path], { encoding: 'utf8' }).stdout;
        assert.match(
          owner,
          new RegExp(`^${p.name.replace(/[+.]/g, '\\$&')}(:\\w+)?: `, 'm'),
          `${u} (${path})`,
        );
        checked++;
      }
    }
    if (checked === 0) t.skip('none of the packages is installed');
  });
});

describe('a machine without the packages', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stacklab-bare-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const bin = barePath(dir, ['sh', 'grep', 'dirname', 'tr', 'id']);

  test('scripts/debian-packages.sh names each missing package and its install command', () => {
    const env = { ...process.env, PATH: bin, STACKLAB_NO_INSTALL: '1', STACKLAB_REQUIRE_PACKAGES: '' };
    const check = spawnSync(join(bin, 'sh'), [SCRIPT, 'check'], { encoding: 'utf8', env });
    assert.equal(check.status, 1, check.stderr);
    // Every package found by a command is missing here; libc6-dev-arm64-cross is a path.
    const byCommand = DEBIAN_PACKAGES.filter((p) => p.uses.every((u) => !u.startsWith('/')));
    const lines = check.stderr.trim().split('\n');
    for (const p of byCommand)
      assert.ok(
        lines.some(
          (l) => l.includes(`${p.name} is not installed`) && l.includes(`apt-get install ${p.name}`),
        ),
        `${p.name}:\n${check.stderr}`,
      );
    assert.equal(lines.length, new Set(lines).size, 'one line per package');
    const pretest = spawnSync(join(bin, 'sh'), [SCRIPT, 'pretest'], { encoding: 'utf8', env });
    assert.equal(pretest.status, 0, 'npm test goes on, skipping');
    assert.equal(pretest.stderr, check.stderr);
    const ci = spawnSync(join(bin, 'sh'), [SCRIPT, 'pretest'], {
      encoding: 'utf8',
      env: { ...env, STACKLAB_REQUIRE_PACKAGES: '1' },
    });
    assert.equal(ci.status, 1, 'CI does not pass by skipping');
    assert.match(ci.stderr, /STACKLAB_REQUIRE_PACKAGES=1/);
  });

  test('the tests that use a package skip with its name and install command; none fails or is cancelled', () => {
    const files = SOURCES.filter(
      (s) => s.path.endsWith('.test.ts') && s.path !== SELF && /(debian-packages|corpus)\.ts'/.test(s.text),
    ).map((s) => s.path);
    assert.ok(files.length >= 10, files.join(' '));
    // One process imports them all (a process per file would spend 20 s starting tsx).
    const imports = files.map((f) => `await import(${JSON.stringify(join(ROOT, f))});`).join('\n');
    // Set for the test files this one runs in: a runner started below it would not run any.
    const { NODE_TEST_CONTEXT: _, ...outer } = process.env;
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--test-reporter=spec', '--input-type=module', '-e', imports],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...outer, PATH: bin, STACKLAB_MISSING_PACKAGES: 'all', STACKLAB_REQUIRE_PACKAGES: '' },
        timeout: 300_000,
      },
    );
    const count = (what: string) => Number(new RegExp(`^ℹ ${what} (\\d+)$`, 'm').exec(r.stdout)?.[1]);
    assert.equal(count('fail'), 0, `${r.stdout.slice(-4000)}${r.stderr}`);
    assert.equal(count('cancelled'), 0, r.stdout.slice(-4000));
    assert.ok(count('pass') > 0);
    const skips = r.stdout.split('\n').filter((l) => l.includes('# needs '));
    assert.ok(skips.length >= files.length, skips.join('\n'));
    for (const l of skips) assert.match(l, /# needs ([\w.+-]+ ?)+, not installed: apt-get install [\w.+-]/);
    assert.doesNotMatch(r.stdout, /ENOENT/);
  });
});

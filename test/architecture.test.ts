// The layer rules of src/README.md, executable: every relative import must point to an allowed layer.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';

const ROOT = resolve(import.meta.dirname, '..');

const ALLOWED: Record<string, readonly string[]> = {
  base: [],
  model: ['base'],
  engine: ['base'],
  // The page allocator knows nothing of the experiment run on it (devices, workloads, stack strategies).
  mm: ['base', 'model', 'engine'],
  device: ['base', 'model', 'engine', 'mm'],
  kernel: ['base', 'model', 'engine', 'mm'],
  formats: ['base', 'model'],
  elf: ['base', 'model', 'formats'],
  analyze: ['base', 'model', 'engine', 'mm', 'device', 'kernel', 'formats', 'elf'],
  report: ['base', 'model', 'engine', 'mm', 'device', 'kernel', 'formats', 'elf', 'analyze'],
  sweep: ['base', 'model', 'engine', 'mm', 'device', 'kernel', 'formats', 'elf', 'analyze', 'report'],
  cli: [
    'base',
    'model',
    'engine',
    'mm',
    'device',
    'kernel',
    'formats',
    'elf',
    'analyze',
    'report',
    'sweep',
    'cli',
  ],
  web: ['base', 'model', 'formats', 'analyze', 'report'],
};

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

function layerOf(file: string): string | undefined {
  const rel = relative(ROOT, file).split('/');
  if (rel[0] === 'web') return 'web';
  if (rel[0] === 'src' && rel.length > 2) return rel[1];
  return undefined;
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const re = /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  const out: string[] = [];
  for (const m of text.matchAll(re)) out.push((m[1] ?? m[2]) as string);
  return out;
}

const files = [...walk(join(ROOT, 'src')), ...walk(join(ROOT, 'web'))];

/** The imports of `file` (as written in it) that its layer may not make. */
function violationsOf(file: string, imports: readonly string[]): string[] {
  const from = layerOf(file);
  if (from === undefined) return [];
  const allowed = new Set([from, ...(ALLOWED[from] ?? [])]);
  const out: string[] = [];
  for (const spec of imports) {
    // A path into node_modules is a package (web/zod.ts picks zod's builders by file).
    if (spec.startsWith('.') && !spec.includes('/node_modules/')) {
      const to = layerOf(resolve(dirname(file), spec));
      if (to === undefined || !allowed.has(to)) out.push(`${relative(ROOT, file)} -> ${spec}`);
    } else if (spec.startsWith('node:') && from !== 'cli') {
      out.push(`${relative(ROOT, file)} -> ${spec} (node:* only in cli)`);
    }
  }
  return out;
}

describe('architecture', () => {
  test('every source file belongs to a known layer', () => {
    const unknown = files.filter((f) => {
      const l = layerOf(f);
      return l !== undefined && !(l in ALLOWED);
    });
    assert.deepEqual(unknown, []);
  });

  test('imports follow the layer table', () => {
    const violations = files.flatMap((f) => violationsOf(f, importsOf(f)));
    assert.deepEqual(violations, []);
  });

  test('the checker sees a violation when there is one', () => {
    // A check that cannot fail proves nothing: feed it known-bad edges.
    assert.deepEqual(violationsOf(join(ROOT, 'src/formats/x.ts'), ['../kernel/y.ts']), [
      'src/formats/x.ts -> ../kernel/y.ts',
    ]);
    assert.equal(violationsOf(join(ROOT, 'src/mm/x.ts'), ['node:fs']).length, 1);
    assert.equal(layerOf(join(ROOT, 'src/kernel/x.ts')), 'kernel');
  });

  test('the allocator (mm) and the device experiment (device) are two rooms, one way', () => {
    // The experiment builds on the allocator; the allocator never reaches into the experiment.
    assert.deepEqual(violationsOf(join(ROOT, 'src/device/x.ts'), ['../mm/zone.ts', '../engine/rng.ts']), []);
    assert.deepEqual(violationsOf(join(ROOT, 'src/mm/x.ts'), ['../device/devices.ts']), [
      'src/mm/x.ts -> ../device/devices.ts',
    ]);
    assert.equal(violationsOf(join(ROOT, 'src/device/x.ts'), ['../kernel/fork.ts']).length, 1);
    // Each room holds its own concepts: the allocator's files are not in device/, and back.
    const names = (room: string) =>
      files.filter((f) => layerOf(f) === room).map((f) => relative(join(ROOT, 'src', room), f));
    for (const f of [
      'zone.ts',
      'buddy.ts',
      'pcp.ts',
      'watermark.ts',
      'compaction.ts',
      'reclaim.ts',
      'kswapd.ts',
    ])
      assert.ok(names('mm').includes(f), `src/mm/${f}`);
    for (const f of [
      'devices.ts',
      'workloads.ts',
      'experiment.ts',
      'compare.ts',
      'kernel-stacks.ts',
      'slab.ts',
    ])
      assert.ok(names('device').includes(f), `src/device/${f}`);
    assert.deepEqual(
      names('mm').filter((f) => names('device').includes(f)),
      [],
    );
  });

  test('module-level mutable bindings only where listed, each for a reason', () => {
    // What a process has once (its stdin, its fd 1, the memory ELF reads reuse) and one memo of a
    // pure computation over embedded inputs; anything else belongs in an object a caller owns.
    const LISTED: Record<string, string> = {
      'src/cli/io.ts:stdinCache': 'stdin can be read once per process',
      'src/cli/io.ts:arena': 'the read arena of openRandomAccess (scratch opens reuse it)',
      'src/cli/io.ts:arenaUsed': 'its fill mark',
      'src/cli/io.ts:stdoutThroughStream': 'fd 1 would block once: writes stay in order after',
      'src/cli/commands/seed.ts:cached': 'the seed report is deterministic from embedded inputs',
    };
    const found: string[] = [];
    for (const f of files)
      for (const m of readFileSync(f, 'utf8').matchAll(/^(?:export\s+)?(?:let|var)\s+(\w+)/gm))
        found.push(`${relative(ROOT, f)}:${m[1]}`);
    assert.deepEqual(found.sort(), Object.keys(LISTED).sort());
  });

  test('model code never uses Math.random or wall-clock time', () => {
    const offenders = files
      .filter((f) => layerOf(f) !== 'cli')
      .filter((f) =>
        /Math\.random\(|Date\.now\(|new Date\(|performance\.now\(/.test(readFileSync(f, 'utf8')),
      );
    assert.deepEqual(
      offenders.map((f) => relative(ROOT, f)),
      [],
    );
  });
});

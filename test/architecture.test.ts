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
  mm: ['base', 'model', 'engine'],
  kernel: ['base', 'model', 'engine', 'mm'],
  formats: ['base', 'model'],
  elf: ['base', 'model', 'formats'],
  analyze: ['base', 'model', 'engine', 'mm', 'kernel', 'formats', 'elf'],
  report: ['base', 'model', 'engine', 'mm', 'kernel', 'formats', 'elf', 'analyze'],
  sweep: ['base', 'model', 'engine', 'mm', 'kernel', 'formats', 'elf', 'analyze', 'report'],
  cli: ['base', 'model', 'engine', 'mm', 'kernel', 'formats', 'elf', 'analyze', 'report', 'sweep', 'cli'],
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

describe('architecture', () => {
  test('every source file belongs to a known layer', () => {
    const unknown = files.filter((f) => {
      const l = layerOf(f);
      return l !== undefined && !(l in ALLOWED);
    });
    assert.deepEqual(unknown, []);
  });

  test('imports follow the layer table', () => {
    const violations: string[] = [];
    for (const f of files) {
      const from = layerOf(f);
      if (from === undefined) continue;
      const allowed = new Set([from, ...(ALLOWED[from] ?? [])]);
      for (const spec of importsOf(f)) {
        // A path into node_modules is a package (web/zod.ts picks zod's builders by file).
        if (spec.startsWith('.') && !spec.includes('/node_modules/')) {
          const to = layerOf(resolve(dirname(f), spec));
          if (to === undefined || !allowed.has(to)) violations.push(`${relative(ROOT, f)} -> ${spec}`);
        } else if (spec.startsWith('node:') && from !== 'cli') {
          violations.push(`${relative(ROOT, f)} -> ${spec} (node:* only in cli)`);
        }
      }
    }
    assert.deepEqual(violations, []);
  });

  test('the checker sees a violation when there is one', () => {
    // A check that cannot fail proves nothing: feed it a known-bad edge.
    const from = 'formats';
    const allowed = new Set([from, ...(ALLOWED[from] ?? [])]);
    assert.equal(allowed.has('kernel'), false);
    assert.equal(layerOf(join(ROOT, 'src/kernel/x.ts')), 'kernel');
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

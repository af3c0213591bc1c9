// The report page's script: web/ bundled by esbuild (scripts/build.mjs writes dist/report.js with
// the CLI bundle). Run from an edited checkout, a missing or stale bundle is rebuilt here, so a
// report never carries yesterday's script; without esbuild (an install without dev dependencies)
// the report is written without its script, complete but static, and says so.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { PageScript } from '../report/report-page.ts';
import type { Io } from './io.ts';
import { projectRoot } from './project-root.ts';

/** esbuild options for the page's script; scripts/build.mjs uses the same ones. */
export const WEB_BUILD = {
  entryPoints: ['web/main.ts'],
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  legalComments: 'none',
  // zod's `z` namespace keeps every locale in a bundle: web/zod.ts gives the page only what it uses.
  alias: { zod: './web/zod.ts' },
  logLevel: 'warning',
} as const;

function newest(dir: string): number {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p));
    else if (e.name.endsWith('.ts')) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

function rebuild(root: string, out: string): boolean {
  try {
    // Not a static import: the CLI bundle must not pull esbuild in, and installs without it still run.
    const name = 'esbuild';
    const esbuild = createRequire(join(root, 'package.json'))(name) as {
      buildSync(o: Record<string, unknown>): unknown;
    };
    mkdirSync(join(root, 'dist'), { recursive: true });
    esbuild.buildSync({ ...WEB_BUILD, absWorkingDir: root, outfile: out });
    return true;
  } catch {
    return false;
  }
}

/** The script with its CSP hash, or undefined (with a note on stderr) when there is none. */
export function reportScript(io: Io): PageScript | undefined {
  const root = projectRoot();
  const out = join(root, 'dist', 'report.js');
  const fresh =
    existsSync(out) &&
    statSync(out).mtimeMs >= Math.max(newest(join(root, 'web')), newest(join(root, 'src')));
  if (!fresh && !rebuild(root, out) && !existsSync(out)) {
    io.err('stacklab: the report page script is missing (npm run build makes it): the report is static\n');
    return undefined;
  }
  // "</script" inside a string literal would end the element early; "<\/script" is the same string.
  const code = readFileSync(out, 'utf8').trim().replaceAll('</script', '<\\/script');
  return { code, sha256: createHash('sha256').update(code, 'utf8').digest('base64') };
}

#!/usr/bin/env node
// Bundles the CLI into dist/stacklab.mjs and the `frames` and `sweep` worker threads into
// dist/frames-worker.mjs and dist/sweep-worker.mjs
// (esbuild), so `stacklab` starts in a fraction of the time tsx needs to compile the sources on
// every run. `npm ci` runs this through "prepare"; bin/stacklab.js falls back to the sources (through
// tsx) whenever they are newer than the bundle. Both bundles carry one build id: a worker from
// another build is not used (src/cli/build-id.ts).
//
//   node scripts/build.mjs [--outdir DIR]
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const args = process.argv.slice(2);
const outdir = args.includes('--outdir') ? args[args.indexOf('--outdir') + 1] : 'dist';
const started = process.hrtime.bigint();
const buildId = `${Date.now().toString(36)}-${process.pid.toString(36)}`;
// Chunks of an earlier build would pile up: remove everything this script writes.
mkdirSync(outdir, { recursive: true });
for (const f of readdirSync(outdir)) {
  if (/^(stacklab|frames-worker|sweep-worker|chunk-[A-Z0-9]+)\.mjs(\.map)?$|^report\.js$/.test(f))
    rmSync(join(outdir, f));
}
await build({
  entryPoints: {
    stacklab: 'src/cli/main.ts',
    'frames-worker': 'src/cli/frames-worker.ts',
    'sweep-worker': 'src/cli/sweep-worker.ts',
  },
  // tinypool starts its workers from its own files, @napi-rs/lzma loads its native addon: both stay
  // in node_modules.
  external: ['tinypool', '@napi-rs/lzma'],
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  // Commands load on demand (src/cli/main.ts): `frames` starts without the others' code.
  splitting: true,
  chunkNames: 'chunk-[hash]',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  define: { __STACKLAB_BUILD__: JSON.stringify(buildId) },
  // Bundled CommonJS dependencies call require(); give them one.
  banner: {
    js: "import { createRequire as __stacklabRequire } from 'node:module'; const require = __stacklabRequire(import.meta.url);",
  },
});
// The HTML report's page script (web/), with the options src/cli/report-script.ts rebuilds it with.
await build({
  entryPoints: ['web/main.ts'],
  outfile: join(outdir, 'report.js'),
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  legalComments: 'none',
  // zod's `z` namespace keeps every locale in a bundle: web/zod.ts gives the page only what it uses.
  alias: { zod: './web/zod.ts' },
  logLevel: 'warning',
});
const ms = Number(process.hrtime.bigint() - started) / 1e6;
process.stderr.write(
  `stacklab: built ${outdir}/stacklab.mjs, frames-worker.mjs, sweep-worker.mjs and report.js in ${ms.toFixed(0)} ms\n`,
);

#!/usr/bin/env node
// Bundles the CLI into dist/stacklab.mjs (esbuild), so `stacklab` starts in a fraction of the time
// tsx needs to compile the sources on every run. `npm ci` runs this through "prepare";
// bin/stacklab.js falls back to the sources (through tsx) whenever they are newer than the bundle.
import { build } from 'esbuild';

const started = process.hrtime.bigint();
await build({
  entryPoints: { stacklab: 'src/cli/main.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  // Bundled CommonJS dependencies call require(); give them one.
  banner: {
    js: "import { createRequire as __stacklabRequire } from 'node:module'; const require = __stacklabRequire(import.meta.url);",
  },
});
const ms = Number(process.hrtime.bigint() - started) / 1e6;
process.stderr.write(`stacklab: built dist/stacklab.mjs in ${ms.toFixed(0)} ms\n`);

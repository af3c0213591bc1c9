// The installed entry point, as users run it: bin/stacklab.js (the dist/ bundle when it is fresh,
// the sources through tsx otherwise), in a child process with real exit codes and streams.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

const BIN = new URL('../../bin/stacklab.js', import.meta.url).pathname;
const run = (args: string[], input = '') =>
  spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', timeout: 60_000 });

test('bin/stacklab.js: data on stdout, exit codes 0 / 1 / 2', () => {
  const ok = run(['profiles', '--json']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).profiles.length, 10);
  const bad = run(['replay', '-'], 'not a table\n');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /error\[stack-trace\/no-header\]/);
  assert.equal(run(['replay']).status, 2);
});

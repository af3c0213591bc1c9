// The corpus build itself, with a stand-in compiler (no cross compiler needed): a failed build says
// which file failed and leaves nothing behind; the leftovers of a build whose process died go.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { buildCorpusWith } from './corpus.ts';

/** A "compiler" that prints a version and then writes empty outputs, or fails on `failOn`. */
function fakeCompiler(dir: string, failOn: string): string {
  const cc = join(dir, 'fake-cc');
  writeFileSync(
    cc,
    `#!/bin/sh
[ "$1" = --version ] && { echo "fake-cc 1.0 (${failOn})"; exit 0; }
out=""
prev=""
for a in "$@"; do
  [ "$a" = "${failOn}" ] && { echo "fake-cc: error: ${failOn}: boom" >&2; exit 1; }
  [ "$prev" = -o ] && out="$a"
  prev="$a"
done
: > "$out"
: > "\${out%.o}.su"
`,
  );
  chmodSync(cc, 0o755);
  return cc;
}

describe('buildCorpusWith', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stacklab-corpus-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a failed build names the file and leaves no .tmp-* or .lock folder behind', async () => {
    const buildRoot = join(dir, 'failed');
    await assert.rejects(
      buildCorpusWith({ cc: fakeCompiler(dir, 'calls.c'), buildRoot }),
      /fake-cc failed on calls\.c \([\w.-]+\): fake-cc: error: calls\.c: boom/,
    );
    assert.deepEqual(readdirSync(buildRoot), []);
  });

  test('a build whose process is gone is cleaned up by the next one; the new build stays', async () => {
    const buildRoot = join(dir, 'dead');
    // Above any pid_max: no such process.
    mkdirSync(join(buildRoot, '0123456789abcdef.tmp-4194305'), { recursive: true });
    const ok = join(dir, 'ok');
    mkdirSync(ok);
    const corpus = await buildCorpusWith({ cc: fakeCompiler(ok, 'nothing-fails'), buildRoot });
    assert.deepEqual(readdirSync(buildRoot), [corpus.dir.slice(buildRoot.length + 1)]);
    assert.ok(readdirSync(corpus.dir).includes('DONE'));
  });
});

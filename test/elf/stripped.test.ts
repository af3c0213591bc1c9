// Stripped shared objects (every Debian library): only .dynsym names functions, so an exported
// assembly function without CFI runs up to the next exported symbol, over static functions that
// have FDEs. Its frame must not be taken from the FDE of the static function after it (libcrypto's
// CRYPTO_memcmp showed 16 B from its neighbour's CFI).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { analyzeBinary } from '../../src/elf/binary.ts';
import { bytesSource } from '../../src/elf/byte-source.ts';
import { addFrameLines } from '../../src/elf/frame-lines.ts';
import { CheckstackLines } from '../../src/formats/checkstack.ts';
import { CC } from './corpus.ts';

const run = promisify(execFile);
const SOURCE = `
__asm__(".text\\n.globl asm_nocfi\\n.type asm_nocfi,%function\\n.p2align 4\\nasm_nocfi:\\n"
        " mov x0, #1\\n ret\\n.size asm_nocfi, .-asm_nocfi\\n");
static __attribute__((noinline)) int helper(volatile int *p) {
  volatile int buf[20];
  buf[*p] = 1;
  return buf[3] + *p;
}
int exported(int x) { volatile int v = x; return helper(&v) + 1; }
`;

let dir = '';
let lib = '';
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stacklab-stripped-'));
  writeFileSync(join(dir, 't.c'), SOURCE);
  lib = join(dir, 'libt.so');
  await run(CC, ['-O2', '-fPIC', '-shared', '-fno-toplevel-reorder', '-o', lib, join(dir, 't.c')]);
  await run(CC.replace(/gcc$/, 'strip'), [lib]);
});
after(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

test('a stripped .so: an assembly function without CFI does not take its static neighbour FDE', () => {
  const r = analyzeBinary(bytesSource(lib, readFileSync(lib)), { sites: false });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  const byName = new Map(r.value.functions.map((f) => [f.name, f]));
  assert.equal(byName.has('helper'), false, 'strip removed the static function');
  const asm = byName.get('asm_nocfi');
  assert.ok(asm);
  assert.equal(asm.cfiBytes, undefined);
  assert.equal(asm.frameBytes, 0);
  assert.equal(asm.frameSource, 'prologue');
  // checkstack.pl runs to the next label and sums helper's 80 B into asm_nocfi; only the emulation says so.
  assert.equal(asm.info.checkstackBytes, 80);
  const exported = byName.get('exported');
  assert.ok(exported);
  assert.equal(exported.frameSource, 'cfi');
  assert.equal(exported.frameBytes, exported.prologueBytes);
  // The checkstack fast path (frames without --json) gives the same frame.
  const lines = new CheckstackLines();
  const fast = addFrameLines(
    bytesSource(lib, readFileSync(lib)),
    { emulateCheckstack: false, min: -1 },
    lines,
  );
  assert.ok(fast.ok);
  const text = new TextDecoder().decode(lines.report());
  assert.match(text, /asm_nocfi \[libt\.so\]:\t+0\n/);
});

// Stripped binaries (every Debian library and program): only .dynsym names functions, so an exported
// assembly function without CFI runs up to the next exported symbol, over static functions that
// have FDEs. Its frame must not be taken from the FDE of the static function after it (libcrypto's
// CRYPTO_memcmp showed 16 B from its neighbour's CFI).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { analyzeBinary } from '../../src/elf/binary.ts';
import { bytesSource } from '../../src/elf/byte-source.ts';
import { addFrameLines } from '../../src/elf/frame-lines.ts';
import { CheckstackLines } from '../../src/formats/checkstack.ts';
import { CC, CORPUS_NEEDS, STRIP } from './corpus.ts';

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

describe('stripped binaries', CORPUS_NEEDS, () => {
  let dir = '';
  let lib = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stacklab-stripped-'));
    writeFileSync(join(dir, 't.c'), SOURCE);
    lib = join(dir, 'libt.so');
    await run(CC, ['-O2', '-fPIC', '-shared', '-fno-toplevel-reorder', '-o', lib, join(dir, 't.c')]);
    await run(STRIP, [lib]);
  });
  after(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  test('a stripped .so: static functions come back from their FDEs; assembly without CFI keeps its own frame', () => {
    const r = analyzeBinary(bytesSource(lib, readFileSync(lib)), { sites: true });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    assert.ok(r.value.diagnostics.some((d) => d.code === 'elf/fde-functions'));
    const byName = new Map(r.value.functions.map((f) => [f.name, f]));
    assert.equal(byName.has('helper'), false, 'strip removed the static function');
    const subs = r.value.functions.filter((f) => f.name.startsWith('sub_'));
    // helper's 80-byte frame (20 ints, aligned) is a function of its own again, named by its address.
    const helper = subs.find((f) => f.frameBytes === 80);
    assert.ok(helper, subs.map((f) => `${f.name} ${f.frameBytes}`).join(', '));
    assert.equal(helper.name, `sub_${helper.address.toString(16)}`);
    assert.equal(helper.frameSource, 'cfi');
    assert.equal(helper.prologueBytes, 80);
    const asm = byName.get('asm_nocfi');
    assert.ok(asm);
    assert.equal(asm.cfiBytes, undefined);
    assert.equal(asm.frameBytes, 0);
    assert.equal(asm.info.checkstackBytes, 0, 'asm_nocfi no longer runs into helper');
    const exported = byName.get('exported');
    assert.ok(exported);
    assert.equal(exported.frameSource, 'cfi');
    assert.equal(exported.frameBytes, exported.prologueBytes);
    // The call graph follows exported -> helper through its new name.
    const helperIndex = r.value.functions.indexOf(helper);
    assert.ok(exported.sites.some((s) => s.callee.kind === 'function' && s.callee.index === helperIndex));
    // The checkstack fast path (frames without --json) gives the same frames.
    const lines = new CheckstackLines();
    const fast = addFrameLines(
      bytesSource(lib, readFileSync(lib)),
      { emulateCheckstack: false, min: -1 },
      lines,
    );
    assert.ok(fast.ok);
    const text = new TextDecoder().decode(lines.report());
    assert.match(text, /asm_nocfi \[libt\.so\]:\t+0\n/);
    assert.match(text, new RegExp(`${helper.name} \\[libt\\.so\\]:\\t+80\\n`));
  });

  test('no symbol table at all (a static program stripped with --strip-all): every FDE is a function', async () => {
    const prog = join(dir, 'prog');
    await run(CC, [
      '-O2',
      '-static',
      '-nostdlib',
      '-fasynchronous-unwind-tables',
      '-Wl,-e,exported',
      '-o',
      prog,
      join(dir, 't.c'),
    ]);
    await run(STRIP, ['--strip-all', prog]);
    const r = analyzeBinary(bytesSource(prog, readFileSync(prog)), { sites: false });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    const names = r.value.functions.map((f) => f.name);
    assert.equal(names.length, 2, names.join(', ')); // helper and exported; asm_nocfi has no FDE
    assert.ok(names.every((n) => /^sub_[0-9a-f]+$/.test(n)));
    assert.deepEqual(
      r.value.functions.map((f) => f.frameBytes).sort((a, b) => a - b),
      [...r.value.functions.map((f) => f.prologueBytes)].sort((a, b) => a - b),
    );
    assert.ok(r.value.functions.some((f) => f.frameBytes === 80));
  });
});

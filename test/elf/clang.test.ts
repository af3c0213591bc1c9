// The C corpus built by clang (Android's GKI kernels and many user-space programs are clang-built):
// clang's prologues differ from GCC's ("sub sp, sp, #N; stp x29, x30, [sp, #M]; add x29, sp, #M"),
// the shadow call stack saves x30 through x18 (not SP), and clang writes one
// __patchable_function_entries section per function. clang's -fstack-size-section gives the truth:
// the prologue decoder must equal .stack_sizes for every function clang lists, and clang leaves out
// exactly the functions with a dynamic frame.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { analyzeBinary, type Binary } from '../../src/elf/binary.ts';
import { bytesSource } from '../../src/elf/byte-source.ts';
import { needs, tool } from '../debian-packages.ts';
import { CORPUS_SRC } from './corpus.ts';

const run = promisify(execFile);
const CLANG = tool('clang');
const CLANG_NEEDS = needs('clang', 'libc6-dev-arm64-cross');
/**
 * The AArch64 C library headers (alloca.h) from Debian's cross toolchain; clang brings its own
 * stdarg.h. Named, so a missing libc6-dev-arm64-cross is not made up for by the host's /usr/include.
 */
const INCLUDES = ['-isystem', '/usr/aarch64-linux-gnu/include'];

const FLAVOURS: Record<string, readonly string[]> = {
  user: ['-O2'],
  // Android GKI's arm64 code generation: frame pointers, PAC on leaves too, shadow call stack, ftrace NOPs.
  kernel: [
    '-O2',
    '-fno-omit-frame-pointer',
    '-mbranch-protection=pac-ret+leaf',
    '-ffixed-x18',
    '-fsanitize=shadow-call-stack',
    '-fpatchable-function-entry=2',
    '-fno-asynchronous-unwind-tables',
    '-mgeneral-regs-only',
    '-fstack-protector-strong',
  ],
  'omit-fp-bti': ['-O2', '-fomit-frame-pointer', '-mbranch-protection=standard'],
  O0: ['-O0'],
};
const SOURCES = ['frames.c', 'calls.c', 'mini-kernel.c'];

describe('frames: clang-built objects equal clang -fstack-size-section', CLANG_NEEDS, () => {
  let dir = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stacklab-clang-'));
    await Promise.all(
      Object.entries(FLAVOURS).flatMap(([name, flags]) =>
        SOURCES.map((src) =>
          run(CLANG, [
            '--target=aarch64-linux-gnu',
            ...INCLUDES,
            ...flags,
            '-fstack-size-section',
            '-c',
            join(CORPUS_SRC, src),
            '-o',
            join(dir, `${src.replace(/\.c$/, '')}.${name}.o`),
          ]),
        ),
      ),
    );
  });
  after(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  function analyze(file: string): Binary {
    const r = analyzeBinary(bytesSource(file, readFileSync(join(dir, file))), { sites: true });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    return r.value;
  }

  for (const flavour of Object.keys(FLAVOURS)) {
    for (const src of SOURCES) {
      const file = `${src.replace(/\.c$/, '')}.${flavour}.o`;
      test(`${file}: the prologue decoder equals .stack_sizes; the functions clang leaves out are dynamic`, () => {
        const b = analyze(file);
        const listed = b.functions.filter((f) => f.frameSource === 'stack-sizes');
        assert.ok(listed.length >= 5, `${listed.length} functions in .stack_sizes`);
        const wrong = b.functions
          .filter((f) =>
            f.frameSource === 'stack-sizes' ? f.prologueBytes !== f.frameBytes || f.dynamic : !f.dynamic,
          )
          .map(
            (f) =>
              `${f.name}: decoder ${f.prologueBytes}${f.dynamic ? ' dynamic' : ''}, clang ${f.frameSource}`,
          );
        assert.deepEqual(wrong, []);
        if (src === 'frames.c') {
          assert.deepEqual(
            b.functions
              .filter((f) => f.dynamic)
              .map((f) => f.name)
              .sort(),
            ['dyn_alloca', 'dyn_vla', 'dyn_vla_big'],
          );
        }
        if (flavour === 'kernel') {
          // One __patchable_function_entries section per function: every function is patchable.
          assert.deepEqual(
            b.functions.filter((f) => !f.patchable).map((f) => f.name),
            [],
          );
        }
      });
    }
  }
});

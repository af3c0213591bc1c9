// Builds the C test corpus (test/fixtures/elf-corpus/*.c) with Debian's aarch64-linux-gnu-gcc into
// test/.build/<hash>/, once per source/flag change. GCC's -fstack-usage writes the .su files that
// are the truth for every static frame. Test files call buildCorpus() in before() of a suite
// declared with CORPUS_NEEDS (skipped, naming the packages, where the cross compiler is missing);
// parallel test processes may race, so each build goes to a private directory renamed into place.
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { needs, tool } from '../debian-packages.ts';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
export const CORPUS_SRC = join(ROOT, 'test/fixtures/elf-corpus');
const BUILD_ROOT = join(ROOT, 'test/.build');
export const CC = tool('aarch64-linux-gnu-gcc');
export const OBJDUMP = tool('aarch64-linux-gnu-objdump');
export const READELF = tool('aarch64-linux-gnu-readelf');
export const STRIP = tool('aarch64-linux-gnu-strip');
/** For describe(): what building the corpus and reading it back with binutils takes. */
export const CORPUS_NEEDS = needs(
  'gcc-aarch64-linux-gnu',
  'libc6-dev-arm64-cross',
  'binutils-aarch64-linux-gnu',
);

/** User-space defaults on Debian: -O2 with asynchronous unwind tables (.eh_frame in every object). */
const USER = ['-O2', '-fstack-usage'];
/** The arm64 kernel's code-generation flags that shape prologues (Linux 6.1 Makefiles, Debian config). */
export const KERNEL = [
  '-O2',
  '-fstack-usage',
  '-fno-omit-frame-pointer',
  '-fno-optimize-sibling-calls',
  '-mbranch-protection=pac-ret+leaf',
  '-fpatchable-function-entry=2',
  '-fno-asynchronous-unwind-tables',
  '-fno-unwind-tables',
  '-mgeneral-regs-only',
  '-fno-strict-aliasing',
  '-fno-common',
  '-fstack-protector-strong',
  '-ffreestanding',
];
const PAC_BTI = [...USER, '-mbranch-protection=standard'];

interface Target {
  /** Output file name in the build directory. */
  readonly out: string;
  /** Sources compiled one by one (each gives <out-stem>.<src>.su). */
  readonly src: readonly string[];
  readonly flags: readonly string[];
  /** Link flags; undefined builds a relocatable object from a single source. */
  readonly link?: readonly string[];
}

/** Every binary the tests use. Objects are ET_REL; programs ET_DYN (PIE) or ET_EXEC; .so ET_DYN. */
export const TARGETS: readonly Target[] = [
  { out: 'frames.o', src: ['frames.c'], flags: USER },
  { out: 'calls.o', src: ['calls.c'], flags: USER },
  { out: 'frames-kernel.o', src: ['frames.c'], flags: KERNEL },
  { out: 'calls-kernel.o', src: ['calls.c'], flags: KERNEL },
  { out: 'frames-pac-bti.o', src: ['frames.c'], flags: PAC_BTI },
  { out: 'calls-pac-bti.o', src: ['calls.c'], flags: PAC_BTI },
  { out: 'frames-debug.o', src: ['frames.c'], flags: [...KERNEL, '-g'] },
  { out: 'frames-omit-fp.o', src: ['frames.c'], flags: [...USER, '-fomit-frame-pointer'] },
  { out: 'prog', src: ['frames.c', 'calls.c', 'support.c'], flags: USER, link: [] },
  { out: 'prog-nopie', src: ['frames.c', 'calls.c', 'support.c'], flags: USER, link: ['-no-pie'] },
  {
    out: 'libcorpus.so',
    src: ['frames.c', 'calls.c', 'support.c'],
    flags: [...USER, '-fPIC'],
    link: ['-shared'],
  },
  { out: 'mini-kernel.o', src: ['mini-kernel.c'], flags: KERNEL },
  {
    out: 'mini-kernel',
    src: ['mini-kernel.c'],
    flags: KERNEL,
    link: ['-nostdlib', '-static', '-Wl,-e,start_kernel'],
  },
  { out: 'mini-module.o', src: ['mini-module.c'], flags: KERNEL },
];

/**
 * The corpus binaries shipped in examples/arm64/ for users to try (scripts/build-examples.ts copies
 * them there; test/examples.test.ts rebuilds them and checks the frames are the same).
 */
export const EXAMPLES: readonly { readonly target: string; readonly file: string; readonly su: string }[] = [
  { target: 'mini-kernel', file: 'mini-kernel', su: 'mini-kernel.su' },
  { target: 'mini-module.o', file: 'mini-module.ko', su: 'mini-module.su' },
];
export const EXAMPLES_DIR = join(ROOT, 'examples/arm64');
export const LD = tool('aarch64-linux-gnu-ld');

export interface Corpus {
  readonly dir: string;
  /** Path of a built binary. */
  path(out: string): string;
  /** The .su text GCC wrote for one target (all its sources, concatenated). */
  su(out: string): string;
}

let pending: Promise<Corpus> | undefined;

/** Builds (or reuses) the corpus. Declare the suite with CORPUS_NEEDS: it is skipped without the compiler. */
export function buildCorpus(): Promise<Corpus> {
  pending ??= buildCorpusWith({});
  return pending;
}

/**
 * Builds in `buildRoot` (or test/.build): older builds left an hour ago or more go (never one a
 * running test may use), and so do the private directories of builds whose process is gone.
 */
function removeStaleBuilds(buildRoot: string, current: string): void {
  for (const name of readdirSync(buildRoot)) {
    const p = join(buildRoot, name);
    if (p === current || name.endsWith('.lock')) continue;
    const pid = /\.tmp-(\d+)$/.exec(name)?.[1];
    try {
      if ((pid !== undefined && !alive(Number(pid))) || Date.now() - statSync(p).mtimeMs > 3_600_000)
        rmSync(p, { recursive: true, force: true });
    } catch {
      // Gone already.
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** mkdir is atomic: the process that creates the lock directory builds. A lock older than 5 minutes is stale. */
function tryLock(lock: string): boolean {
  try {
    mkdirSync(lock);
    return true;
  } catch {
    try {
      if (Date.now() - statSync(lock).mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true });
    } catch {
      // The lock went away between the two calls: try again next round.
    }
    return false;
  }
}

/** The first line of `cc --version` (the compiler, or any tool of the toolchain). */
export function compilerVersion(cc: string): string {
  try {
    return execFileSync(cc, ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? '';
  } catch {
    throw new Error(
      `${cc} not found: the ELF tests build their AArch64 corpus from C sources. ` +
        'Install it with "scripts/debian-packages.sh install" (as root).',
    );
  }
}

export interface BuildOptions {
  /** The cross compiler (default: aarch64-linux-gnu-gcc). */
  readonly cc?: string;
  /** Where builds go (default: test/.build). */
  readonly buildRoot?: string;
}

/** Builds (or reuses) the corpus with another compiler or build folder; a failed build leaves nothing behind. */
export async function buildCorpusWith(options: BuildOptions): Promise<Corpus> {
  const cc = options.cc ?? CC;
  const buildRoot = options.buildRoot ?? BUILD_ROOT;
  const version = compilerVersion(cc);
  const h = createHash('sha256');
  h.update(version);
  h.update(JSON.stringify(TARGETS));
  // A change in how a target is built rebuilds too.
  h.update(buildTarget.toString());
  for (const f of readdirSync(CORPUS_SRC).sort()) h.update(f).update(readFileSync(join(CORPUS_SRC, f)));
  const dir = join(buildRoot, h.digest('hex').slice(0, 16));
  const lock = `${dir}.lock`;
  mkdirSync(buildRoot, { recursive: true });
  while (!existsSync(join(dir, 'DONE'))) {
    if (tryLock(lock)) {
      const tmp = `${dir}.tmp-${process.pid}`;
      try {
        rmSync(tmp, { recursive: true, force: true });
        mkdirSync(tmp, { recursive: true });
        // Every compile ends before the folder goes: a failure does not race the others' writes.
        const built = await Promise.allSettled(TARGETS.map((t) => buildTarget(cc, t, tmp)));
        const failed = built.find((b) => b.status === 'rejected');
        if (failed) throw failed.reason;
        writeFileSync(join(tmp, 'DONE'), `${version}\n`);
        rmSync(dir, { recursive: true, force: true });
        renameSync(tmp, dir);
      } finally {
        // Gone after the rename; a failed build's half is removed here.
        rmSync(tmp, { recursive: true, force: true });
        rmSync(lock, { recursive: true, force: true });
      }
    } else {
      // Another test process is building: wait for it.
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  removeStaleBuilds(buildRoot, dir);
  return {
    dir,
    path: (out) => join(dir, out),
    su: (out) => {
      const t = TARGETS.find((x) => x.out === out);
      if (!t) throw new Error(`no corpus target ${out}`);
      return t.src.map((s) => readFileSync(join(dir, suName(t, s)), 'utf8')).join('');
    },
  };
}

/** .su files are named after the object GCC wrote: "<out>.su" for objects, "<out>.<src>.su" for links. */
function objectName(t: Target, src: string): string {
  return t.link === undefined ? t.out : `${t.out}.${src.replace(/\.c$/, '')}.o`;
}

function suName(t: Target, src: string): string {
  return objectName(t, src).replace(/\.o$/, '.su');
}

/**
 * Compiles in the source folder with relative names, so the binaries do not depend on where the
 * checkout is (the FILE symbols and .su lines name "frames.c", not a path).
 */
async function buildTarget(cc: string, t: Target, dir: string): Promise<void> {
  const objects: string[] = [];
  const cc1 = async (args: string[], what: string) => {
    try {
      await run(cc, args, { cwd: CORPUS_SRC });
    } catch (e) {
      const stderr = String((e as { stderr?: string }).stderr ?? '').trim();
      throw new Error(`${cc} failed on ${what} (${t.out}): ${stderr || (e as Error).message}`);
    }
  };
  for (const src of t.src) {
    const obj = join(dir, objectName(t, src));
    await cc1([...t.flags, '-c', src, '-o', obj], src);
    objects.push(obj);
  }
  if (t.link !== undefined)
    await cc1([...t.flags, ...t.link, ...objects, '-o', join(dir, t.out)], 'the link');
}

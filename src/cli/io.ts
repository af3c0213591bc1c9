// The only place that touches files, stdin, stdout and stderr: commands get an Io and stay testable.
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  type Dirent,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { diag, InputError } from '../base/diag.ts';
import { type ByteSource, bytesSource } from '../elf/byte-source.ts';
import { compressionOf, decompressed } from './compressed.ts';
import { UsageError } from './context.ts';

/** A file opened for positioned reads; close() when done. */
export interface RandomAccessFile extends ByteSource {
  close(): void;
}

export interface Io {
  /** Reads a file, or stdin for "-", as bytes. Throws InputError when it cannot. */
  readBytes(path: string): Uint8Array;
  readText(path: string): string;
  /**
   * Reads a file, or stdin for "-", piece by piece, never whole (a 1 GB log): its size when known
   * (a regular file) and its bytes in chunks. Throws InputError when it cannot open or read it.
   */
  readChunks(path: string): InputChunks;
  /** Writes data to stdout. */
  out(text: string): void;
  /**
   * Writes bytes (UTF-8 text, whole characters) to stdout: a large report without a string the size
   * of it. The bytes are consumed before the call returns; the caller may reuse the buffer.
   */
  outBytes(data: Uint8Array): void;
  /** Writes diagnostics and progress to stderr. */
  err(text: string): void;
  /**
   * Writes a file atomically (temp file + rename), creating parent directories. Throws InputError
   * (io/cannot-write) when it cannot; the file is then left as it was.
   */
  writeFileAtomic(path: string, data: string | Uint8Array): void;
  /**
   * Throws InputError (io/cannot-write, naming `flag`) when `path` could not be written as a file
   * (or, with `dir`, as a directory of files): checked before a long run, not after it.
   */
  checkOutput(path: string, flag: string, kind?: 'file' | 'dir'): void;
  /**
   * Opens a file for reads by byte range, so a 1 GB debug vmlinux is never loaded whole ("-" reads
   * stdin into memory). Throws InputError when it cannot.
   */
  openRandomAccess(path: string, options?: { scratch?: boolean }): RandomAccessFile;
  /** Can a worker thread read this path from the file system itself (not stdin, not a test's file)? */
  canReadInWorker(path: string): boolean;
  /** Is the path a directory? (false when it does not exist) */
  isDirectory(path: string): boolean;
  /** Regular files under a directory, recursively, whole paths in byte order (find | LC_ALL=C sort). */
  walk(dir: string): string[];
  readonly stdoutIsTty: boolean;
  readonly stderrIsTty: boolean;
  /** Width of the terminal on stderr, when it is one. */
  readonly stderrColumns?: number | undefined;
}

/** A file as it is read: see Io.readChunks. */
export interface InputChunks {
  readonly size: number | undefined;
  readonly chunks: Iterable<Uint8Array>;
}

let stdinCache: Uint8Array | undefined;

/** Bytes per read() of readChunks: large enough for the syscalls not to matter, small next to a log. */
const CHUNK_BYTES = 1 << 20;

/** Waits a little without a busy loop (a non-blocking stdin that has nothing yet). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function* fdChunks(fd: number, path: string, closeAtEnd: boolean): Generator<Uint8Array> {
  try {
    for (;;) {
      const buf = new Uint8Array(CHUNK_BYTES);
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') {
          pause(5);
          continue;
        }
        if (code === 'EOF') return;
        throw cannotRead(path, e);
      }
      if (n === 0) return;
      yield n === buf.length ? buf : buf.subarray(0, n);
    }
  } finally {
    if (closeAtEnd) closeSync(fd);
  }
}

export function readInputChunks(path: string): InputChunks {
  if (path === '-') {
    if (stdinCache !== undefined) return { size: stdinCache.length, chunks: [stdinCache] };
    return { size: undefined, chunks: fdChunks(0, '<stdin>', false) };
  }
  let fd: number;
  let size: number | undefined;
  try {
    fd = openSync(path, 'r');
    const st = fstatSync(fd);
    if (st.isDirectory()) {
      closeSync(fd);
      throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
    }
    size = st.isFile() ? st.size : undefined;
  } catch (e) {
    throw cannotRead(path, e);
  }
  return { size, chunks: fdChunks(fd, path, true) };
}

/** errno in words, as the user would want to read it. */
function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
  const words: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EISDIR: 'is a directory',
    ENOTDIR: 'a path component is not a directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on device',
    EDQUOT: 'disk quota exceeded',
    EEXIST: 'exists and is not a directory',
    ENAMETOOLONG: 'name too long',
  };
  return words[code] ?? code;
}

function cannotRead(path: string, e: unknown): InputError {
  const code = (e as NodeJS.ErrnoException).code;
  const what = code === 'ENOENT' ? 'no such file' : errnoText(e);
  return new InputError(diag('io/cannot-read', 'error', `cannot read ${path}: ${what}`, { file: path }));
}

function cannotWrite(path: string, why: string, flag?: string): InputError {
  return new InputError(
    diag('io/cannot-write', 'error', `${flag ? `${flag}: ` : ''}cannot write ${path}: ${why}`, {
      file: path,
    }),
  );
}

export function readInputBytes(path: string): Uint8Array {
  if (path === '-') {
    stdinCache ??= readFileSync(0);
    return stdinCache;
  }
  try {
    return readFileSync(path);
  } catch (e) {
    throw cannotRead(path, e);
  }
}

/**
 * mkdir -p, one level at a time. Node's own recursive mkdirSync never returns for a path under /proc
 * (mkdir there fails with ENOENT, which it takes for a missing parent and retries forever).
 */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  let d = resolve(dir);
  for (;;) {
    let st: ReturnType<typeof statSync> | undefined;
    try {
      st = statSync(d);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw e;
    }
    if (st !== undefined) {
      if (!st.isDirectory()) throw Object.assign(new Error(`${d} is not a directory`), { code: 'ENOTDIR' });
      break;
    }
    missing.push(d);
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  for (const m of missing.reverse()) {
    try {
      mkdirSync(m);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/** The nearest existing ancestor of `path` (itself included), or undefined. */
function existingAncestor(path: string): { path: string; isDirectory: boolean } | undefined {
  let d = resolve(path);
  for (;;) {
    try {
      return { path: d, isDirectory: statSync(d).isDirectory() };
    } catch {
      const up = dirname(d);
      if (up === d) return undefined;
      d = up;
    }
  }
}

export function checkOutput(path: string, flag: string, kind: 'file' | 'dir' = 'file'): void {
  if (path === '') throw new UsageError(`${flag}: expected a path, got ""`);
  const at = existingAncestor(path);
  if (at === undefined) throw cannotWrite(path, 'no such directory', flag);
  if (at.path === resolve(path)) {
    if (kind === 'file' && at.isDirectory) throw cannotWrite(path, 'is a directory', flag);
    if (kind === 'dir' && !at.isDirectory) throw cannotWrite(path, 'exists and is not a directory', flag);
  } else if (!at.isDirectory) {
    throw cannotWrite(path, `${at.path} is not a directory`, flag);
  }
  // A file created and removed again: the only test that also holds for root, read-only mounts and
  // pseudo file systems (/proc, /sys), where permission bits say nothing.
  const dir = at.path === resolve(path) && kind === 'file' ? dirname(at.path) : at.path;
  const probe = join(dir, `.stacklab-probe-${randomBytes(6).toString('hex')}`);
  try {
    closeSync(openSync(probe, 'wx'));
  } catch (e) {
    throw cannotWrite(path, `cannot create files in ${dir} (${errnoText(e)})`, flag);
  }
  rmSync(probe, { force: true });
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path) || '.';
  try {
    makeDirs(dir);
  } catch (e) {
    throw cannotWrite(path, `cannot create ${dir}: ${errnoText(e)}`);
  }
  if (isDirectory(path)) throw cannotWrite(path, 'is a directory');
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw cannotWrite(path, errnoText(e));
  }
}

/** Without `scratch`, files up to this size are read in one call and served from memory. */
const WHOLE_FILE_LIMIT = 32 << 20;
/**
 * With `scratch`, files up to this size are read whole in one call (a .ko is ~30-150 KB: syscalls,
 * not bytes, dominate); larger ones by the ranges the reader asks for or prefetches.
 */
const SCRATCH_WHOLE_LIMIT = 128 << 10;
/** A ranged open reads the head (ELF header) and the tail (section headers and their names) at once. */
const HEAD_BYTES = 4096;
const TAIL_BYTES = 16384;

/**
 * The memory `scratch` opens read into, reused: a module tree would otherwise allocate (and the
 * kernel map and zero) 300 MB. Each scratch open starts it again from the beginning, so only as much
 * of it is ever touched as the largest file needs (the kernel maps pages on first use: reserving
 * more costs nothing, growing by copies would touch every size on the way).
 */
const ARENA_BYTES = 16 << 20;
let arena = new Uint8Array(0);
let arenaUsed = 0;

/**
 * `length` bytes of the arena for bytes read from file offset `offset`, at the same address modulo 8
 * (so 4-aligned code sections stay 4-aligned: the reader views them as words without a copy). What
 * does not fit in what is left gets memory of its own (a vmlinux needs 30 MB at once), or, when
 * small, a fresh arena: views already handed out keep the old one alive.
 */
function arenaBytes(offset: number, length: number): Uint8Array {
  let at = ((arenaUsed + 7) & ~7) + (offset & 7);
  if (at + length > arena.length) {
    if (length + 8 > ARENA_BYTES / 4)
      return new Uint8Array(length + 8).subarray(offset & 7, (offset & 7) + length);
    arena = new Uint8Array(ARENA_BYTES);
    at = offset & 7;
  }
  arenaUsed = at + length;
  return arena.subarray(at, at + length);
}

/**
 * Opens a file for positioned reads. With `scratch`, the bytes live in memory shared by every scratch
 * open: they stay valid only until the next scratch open, so callers must copy what they keep (the
 * ELF analyses keep numbers and strings, never byte views).
 */
export function openRandomAccess(path: string, options: { scratch?: boolean } = {}): RandomAccessFile {
  if (path === '-') return { ...bytesSource('-', readInputBytes('-')), close() {} };
  let fd: number;
  let size: number;
  try {
    fd = openSync(path, constants.O_RDONLY);
    const st = fstatSync(fd);
    if (st.isDirectory()) {
      closeSync(fd);
      throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    }
    size = st.size;
  } catch (e) {
    throw cannotRead(path, e);
  }
  const readAt = (buf: Uint8Array, offset: number) => {
    let done = 0;
    while (done < buf.length) {
      let n: number;
      try {
        n = readSync(fd, buf, done, buf.length - done, offset + done);
      } catch (e) {
        throw cannotRead(path, e);
      }
      if (n === 0) throw cannotRead(path, { code: 'the file shrank while being read' });
      done += n;
    }
  };
  const scratch = options.scratch === true;
  if (scratch) arenaUsed = 0;
  const whole = size <= (scratch ? SCRATCH_WHOLE_LIMIT : WHOLE_FILE_LIMIT);
  let compressed = false;
  if (!whole) {
    const head = new Uint8Array(Math.min(size, 8));
    try {
      readAt(head, 0);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    compressed = compressionOf(head) !== undefined;
  }
  if (whole || compressed) {
    // One read instead of a dozen: syscalls, not bytes, dominate a module tree. A compressed
    // module (.ko.xz, .ko.zst, .ko.gz) is read whole and decompressed (compressed.ts).
    const all = scratch && whole ? arenaBytes(0, size) : new Uint8Array(size);
    try {
      readAt(all, 0);
    } finally {
      closeSync(fd);
    }
    return { ...bytesSource(path, decompressed(path, all)), close() {} };
  }
  return rangedFile(path, fd, size, scratch, readAt);
}

/** A large file read by ranges: what was read (or prefetched) is kept and served again. */
function rangedFile(
  path: string,
  fd: number,
  size: number,
  scratch: boolean,
  readAt: (buf: Uint8Array, offset: number) => void,
): RandomAccessFile {
  let open = true;
  const windows: { offset: number; bytes: Uint8Array }[] = [];
  const load = (offset: number, length: number): Uint8Array => {
    const bytes = scratch ? arenaBytes(offset, length) : new Uint8Array(length);
    readAt(bytes, offset);
    windows.push({ offset, bytes });
    return bytes;
  };
  const cached = (offset: number, length: number): Uint8Array | undefined => {
    for (const w of windows) {
      if (offset >= w.offset && offset + length <= w.offset + w.bytes.length)
        return w.bytes.subarray(offset - w.offset, offset - w.offset + length);
    }
    return undefined;
  };
  const check = (offset: number, length: number) => {
    if (!open) throw new Error(`${path} is closed`);
    if (offset < 0 || length < 0 || offset + length > size) {
      throw new RangeError(`read [${offset}, +${length}) outside ${size} bytes of ${path}`);
    }
  };
  if (scratch) {
    load(0, Math.min(size, HEAD_BYTES));
    load(Math.max(0, size - TAIL_BYTES), Math.min(size, TAIL_BYTES));
  }
  return {
    name: path,
    size,
    read(offset, length) {
      check(offset, length);
      return cached(offset, length) ?? load(offset, length);
    },
    prefetch(ranges) {
      for (const r of ranges) {
        check(r.offset, r.length);
        if (cached(r.offset, r.length) === undefined) load(r.offset, r.length);
      }
    },
    close() {
      if (open) closeSync(fd);
      open = false;
    },
  };
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function walk(dir: string): string[] {
  const out: string[] = [];
  // Directories already walked, by real path: a symlink back up the tree (or two links to one
  // directory) is walked once, not until the path grows too long.
  const seen = new Set<string>();
  const visit = (d: string) => {
    let real: string;
    try {
      real = realpathSync(d);
    } catch (e) {
      throw cannotRead(d, e);
    }
    if (seen.has(real)) return;
    seen.add(real);
    let entries: Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch (e) {
      throw cannotRead(d, e);
    }
    // In byte order, so which of two links to one directory is walked does not depend on the disk.
    entries.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) visit(p);
      else if (e.isFile()) out.push(p);
      else if (e.isSymbolicLink()) {
        try {
          const st = statSync(p);
          if (st.isDirectory()) visit(p);
          else if (st.isFile()) out.push(p);
        } catch {
          // A dangling symlink: nothing to read.
        }
      }
    }
  };
  visit(dir);
  // Whole paths in byte order, as `find DIR | LC_ALL=C sort` lists them.
  return out.sort();
}

/** Set once a write to fd 1 would have blocked: from then on everything goes through the stream, in order. */
let stdoutThroughStream = false;

/**
 * Writes to fd 1 directly (files, pipes and terminals take the bytes at once, so the caller's buffer
 * can be reused); when fd 1 would block (a non-blocking pipe that is full) or the stream still holds
 * earlier data, a copy goes through process.stdout instead.
 */
function writeStdoutBytes(data: Uint8Array): void {
  let done = 0;
  if (!stdoutThroughStream && process.stdout.writableLength === 0) {
    try {
      while (done < data.length) done += writeSync(1, data, done, data.length - done);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
      if (code !== 'EAGAIN') throw e;
      stdoutThroughStream = true;
    }
  }
  process.stdout.write(data.slice(done));
}

export const processIo: Io = {
  readBytes: readInputBytes,
  readText: (path) => new TextDecoder('utf-8').decode(readInputBytes(path)),
  readChunks: readInputChunks,
  out: (text) => {
    process.stdout.write(text);
  },
  outBytes: writeStdoutBytes,
  err: (text) => {
    process.stderr.write(text);
  },
  writeFileAtomic,
  checkOutput,
  openRandomAccess,
  canReadInWorker: (path) => path !== '-',
  isDirectory,
  walk,
  stdoutIsTty: Boolean(process.stdout.isTTY),
  stderrIsTty: Boolean(process.stderr.isTTY),
  get stderrColumns() {
    return process.stderr.isTTY ? process.stderr.columns : undefined;
  },
};

// A reader that stops early (`stacklab frames vmlinux | head`) closes the pipe: that ends the output,
// it is not an error worth a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
});

/** An Io that records everything, for tests. Files come from a map; "-" reads `stdin`. */
export function memoryIo(
  files: Record<string, string | Uint8Array> = {},
  stdin = '',
): Io & {
  stdout: string;
  stderr: string;
  written: Map<string, string | Uint8Array>;
} {
  const io = {
    stdout: '',
    stderr: '',
    written: new Map<string, string | Uint8Array>(),
    readBytes(path: string): Uint8Array {
      if (path === '-') return new TextEncoder().encode(stdin);
      const f = files[path];
      if (f === undefined) return readInputBytes(path);
      return typeof f === 'string' ? new TextEncoder().encode(f) : f;
    },
    readText(path: string): string {
      return new TextDecoder().decode(io.readBytes(path));
    },
    /** In pieces of 64 KB, so that tests cross chunk boundaries as a real file does. */
    readChunks(path: string): InputChunks {
      if (path !== '-' && files[path] === undefined) return readInputChunks(path);
      const bytes = io.readBytes(path);
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i += 65536) chunks.push(bytes.subarray(i, i + 65536));
      return { size: bytes.length, chunks };
    },
    out(text: string) {
      io.stdout += text;
    },
    outBytes(data: Uint8Array) {
      io.stdout += new TextDecoder().decode(data);
    },
    err(text: string) {
      io.stderr += text;
    },
    writeFileAtomic(path: string, data: string | Uint8Array) {
      io.written.set(path, data);
    },
    /** Tests write to memory; paths given as real directories (or files under them) are still checked. */
    checkOutput(path: string, flag: string, kind?: 'file' | 'dir') {
      if (path === '' || existingAncestor(path)?.path !== resolve('/')) checkOutput(path, flag, kind);
    },
    openRandomAccess(path: string, options?: { scratch?: boolean }): RandomAccessFile {
      if (path !== '-' && files[path] === undefined) return openRandomAccess(path, options);
      return { ...bytesSource(path, io.readBytes(path)), close() {} };
    },
    canReadInWorker: (path: string) => path !== '-' && files[path] === undefined,
    isDirectory: (path: string) => files[path] === undefined && isDirectory(path),
    walk,
    stdoutIsTty: false,
    stderrIsTty: false,
  };
  return io;
}

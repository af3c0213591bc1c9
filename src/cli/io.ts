// The only place that touches files, stdin, stdout and stderr: commands get an Io and stay testable.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { diag, InputError } from '../base/diag.ts';

export interface Io {
  /** Reads a file, or stdin for "-", as bytes. Throws InputError when it cannot. */
  readBytes(path: string): Uint8Array;
  readText(path: string): string;
  /** Writes data to stdout. */
  out(text: string): void;
  /** Writes diagnostics and progress to stderr. */
  err(text: string): void;
  /** Writes a file atomically (temp file + rename), creating parent directories. */
  writeFileAtomic(path: string, data: string | Uint8Array): void;
  readonly stdoutIsTty: boolean;
  readonly stderrIsTty: boolean;
}

let stdinCache: Uint8Array | undefined;

export function readInputBytes(path: string): Uint8Array {
  if (path === '-') {
    stdinCache ??= readFileSync(0);
    return stdinCache;
  }
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    const what =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : code;
    throw new InputError(diag('io/cannot-read', 'error', `cannot read ${path}: ${what}`, { file: path }));
  }
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path) || '.', { recursive: true });
  const tmp = join(dirname(path) || '.', `.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

export const processIo: Io = {
  readBytes: readInputBytes,
  readText: (path) => new TextDecoder('utf-8').decode(readInputBytes(path)),
  out: (text) => {
    process.stdout.write(text);
  },
  err: (text) => {
    process.stderr.write(text);
  },
  writeFileAtomic,
  stdoutIsTty: Boolean(process.stdout.isTTY),
  stderrIsTty: Boolean(process.stderr.isTTY),
};

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
    out(text: string) {
      io.stdout += text;
    },
    err(text: string) {
      io.stderr += text;
    },
    writeFileAtomic(path: string, data: string | Uint8Array) {
      io.written.set(path, data);
    },
    stdoutIsTty: false,
    stderrIsTty: false,
  };
  return io;
}

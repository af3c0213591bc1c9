// What the sweep tests share: a small sweep over the RFC's example grid (short runs, so a test takes
// seconds), and `stacklab` run in this process on the real file system with its output captured.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Io, processIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export const EXAMPLE = join(ROOT, 'examples/sweeps/rfc-question.yaml');

/**
 * The example sweep with `duration` and `seeds` changed (and the scenario named by its absolute
 * path when the copy lives elsewhere): the same grid, a fraction of the CPU time.
 */
export function smallSweep(dir: string, duration = '100ms', seeds = 2): string {
  const text = readFileSync(EXAMPLE, 'utf8')
    .replace(/^duration: .*$/m, `duration: ${duration}`)
    .replace(/^seeds: .*$/m, `seeds: ${seeds}`);
  const file = join(dir, 'sweep.yaml');
  writeFileSync(file, text);
  return file;
}

/** A fresh folder under the system's temporary directory; removeAll() takes every one of them away. */
export function tempDir(name: string, made?: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), `stacklab-${name}-`));
  made?.push(dir);
  return dir;
}

export function removeAll(dirs: readonly string[]): void {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

/** With `tty`, stderr says it is a terminal (progress bars are drawn only there). */
export async function stacklab(
  argv: string[],
  tty = false,
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = {
    ...processIo,
    out: (t) => {
      out += t;
    },
    outBytes: (b) => {
      out += new TextDecoder().decode(b);
    },
    err: (t) => {
      err += t;
    },
    stdoutIsTty: false,
    stderrIsTty: tty,
    stderrColumns: 100,
  };
  const code = await main(argv, io);
  return { code, out, err };
}

export function sweepJson(dir: string): string {
  return readFileSync(join(dir, 'sweep.json'), 'utf8');
}

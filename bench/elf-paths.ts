// Benchmark: `stacklab paths` on Debian's arm64 module tree (and on the debug vmlinux when it is in
// bench/.cache), end to end through the CLI: wall time and peak RSS.
//
//   node --import tsx bench/elf-paths.ts            (run bench/elf-frames.ts first: it fetches the tree)
//   STACKLAB_VMLINUX=path/to/vmlinux node --import tsx bench/elf-paths.ts
//
// The debug vmlinux comes from linux-image-<ver>-arm64-dbg (about 800 MB): apt-get download it and
// extract ./usr/lib/debug/boot/vmlinux-* into bench/.cache (dpkg-deb --fsys-tarfile | tar -x).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const CACHE = join(ROOT, 'bench/.cache');

function run(label: string, args: string[]): void {
  const r = spawnSync(
    '/usr/bin/time',
    ['-f', '%e %M', 'node', join(ROOT, 'bin/stacklab.js'), 'paths', ...args],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    },
  );
  const [wall, rssKb] = (r.stderr.trim().split('\n').pop() ?? '').split(' ').map(Number);
  const head = r.stdout.split('\n')[0] ?? '';
  const first = r.stdout.split('\n').find((l) => l.startsWith('#1')) ?? '(no path)';
  console.log(`${label}: ${wall} s wall, peak RSS ${((rssKb ?? 0) / 1024).toFixed(0)} MB, exit ${r.status}`);
  console.log(`  ${head}`);
  console.log(`  ${first}`);
}

const pkg = readdirSync(CACHE).find((d) => /^linux-image-6\.1\.0-\d+-arm64-unsigned$/.test(d));
if (pkg === undefined) throw new Error('no module tree in bench/.cache: run bench/elf-frames.ts first');
const modules = join(CACHE, pkg, 'lib/modules');
const tree = join(modules, readdirSync(modules)[0] ?? '', 'kernel');
run('module tree, every root, top 3', [tree, '--top', '3']);

const vmlinux =
  process.env.STACKLAB_VMLINUX ??
  (existsSync(join(CACHE, 'usr/lib/debug/boot'))
    ? join(CACHE, 'usr/lib/debug/boot', readdirSync(join(CACHE, 'usr/lib/debug/boot'))[0] ?? '')
    : undefined);
if (vmlinux !== undefined && existsSync(vmlinux)) {
  const ann = join(ROOT, 'bench/kernel-6.1.yaml');
  run('debug vmlinux, from el0t_64_sync_handler, linux-6.1 overlay', [
    vmlinux,
    '--entry',
    'el0t_64_sync_handler',
    '--top',
    '1',
    '-a',
    ann,
    '--profile',
    'linux-6.1',
  ]);
  run('debug vmlinux + net/ modules, from udp_sendmsg', [
    vmlinux,
    join(tree, 'net'),
    '--entry',
    'udp_sendmsg',
    '--top',
    '1',
    '-a',
    ann,
  ]);
} else console.log('no debug vmlinux in bench/.cache (see the header): vmlinux runs skipped');

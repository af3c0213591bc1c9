// Accuracy on real user-space binaries: Debian's arm64 builds of busybox-static, libc6, coreutils and
// libssl3 (stripped: .dynsym names only, busybox-static not even that; .eh_frame for every C
// function, so static functions come back as sub_<address>). For every function with an FDE that
// keeps the CFA on SP, the prologue decoder's frame must equal the one CFI describes.
//
//   node --import tsx bench/elf-userspace.ts [PACKAGE:arm64 ...]
//
// Downloads the packages (apt-get download + dpkg -x; needs `dpkg --add-architecture arm64 &&
// apt-get update` once) into bench/.cache/userspace. Not a timed benchmark: it prints counts, and the
// disagreements with their addresses.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { analyzeBinary } from '../src/elf/binary.ts';
import { bytesSource } from '../src/elf/byte-source.ts';

const ROOT = resolve(import.meta.dirname, '..');
const CACHE = join(ROOT, 'bench/.cache/userspace');
const args = process.argv.slice(2);
const PACKAGES =
  args.length > 0 ? args : ['busybox-static:arm64', 'libc6:arm64', 'coreutils:arm64', 'libssl3:arm64'];

const root = join(CACHE, 'root');
mkdirSync(CACHE, { recursive: true });
for (const pkg of PACKAGES) {
  const stem = pkg.split(':')[0]!;
  if (readdirSync(CACHE).some((f) => f.startsWith(`${stem}_`) && f.endsWith('.deb'))) continue;
  execFileSync('apt-get', ['download', pkg], { cwd: CACHE, stdio: 'inherit' });
}
for (const deb of readdirSync(CACHE).filter((f) => f.endsWith('.deb'))) {
  execFileSync('dpkg', ['-x', join(CACHE, deb), root]);
}

function* files(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else if (e.isFile() && statSync(p).size >= 64) yield p;
  }
}

let elfFiles = 0;
let functions = 0;
let withCfi = 0;
let noSymbols = 0;
const disagree: string[] = [];
const failed: string[] = [];
for (const f of existsSync(root) ? files(root) : []) {
  const buf = readFileSync(f);
  if (buf.readUInt32BE(0) !== 0x7f454c46) continue;
  elfFiles++;
  const r = analyzeBinary(bytesSource(f, buf), { sites: false });
  if (!r.ok) {
    if (r.error.code === 'elf/no-symbols')
      noSymbols++; // neither symbols nor CFI
    else failed.push(`${f}: ${r.error.code} ${r.error.message}`);
    continue;
  }
  for (const fn of r.value.functions) {
    functions++;
    if (fn.cfiBytes === undefined) continue;
    withCfi++;
    if (fn.cfiBytes !== fn.prologueBytes)
      disagree.push(
        `${f.slice(root.length)} ${fn.name} 0x${fn.address.toString(16)}: CFI ${fn.cfiBytes}, prologue ${fn.prologueBytes}`,
      );
  }
}
console.log(`packages: ${PACKAGES.join(', ')}`);
console.log(
  `ELF files ${elfFiles} (${noSymbols} with neither symbols nor CFI: elf/no-symbols), functions ${functions}, ` +
    `with an exact FDE ${withCfi}, prologue decoder agrees on ${withCfi - disagree.length}, disagrees on ${disagree.length}`,
);
for (const d of disagree.slice(0, 40)) console.log(`  ${d}`);
for (const d of failed) console.log(`  failed: ${d}`);

// The checkout stacklab runs from (sources through tsx, or the dist/ bundle): the nearest directory
// above this file holding stacklab's package.json.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && /"name":\s*"stacklab"/.test(readFileSync(pkg, 'utf8'))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

/** Found once, when the module loads (a few stat calls): it cannot change while stacklab runs. */
const ROOT = findRoot();

export function projectRoot(): string {
  return ROOT;
}

// Rebuilds the example binaries in examples/arm64/ from the C corpus (test/fixtures/elf-corpus/) with
// the same compiler, flags and build as the tests (test/elf/corpus.ts), and records what built them
// in examples/arm64/BUILD-INFO. test/examples.test.ts rebuilds them where the compiler is installed
// and checks that the frames are the same.
//
//   node --import tsx scripts/build-examples.ts        (needs scripts/debian-packages.sh install)
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCorpus, CC, compilerVersion, EXAMPLES, EXAMPLES_DIR, LD, TARGETS } from '../test/elf/corpus.ts';

const corpus = await buildCorpus();
const info = [
  '# Written by scripts/build-examples.ts (node --import tsx scripts/build-examples.ts): what built the',
  '# files here from test/fixtures/elf-corpus/, with the flags of test/elf/corpus.ts. Do not edit.',
  `compiler: ${compilerVersion(CC)}`,
  `linker: ${compilerVersion(LD)}`,
];
for (const e of EXAMPLES) {
  const t = TARGETS.find((x) => x.out === e.target)!;
  copyFileSync(corpus.path(e.target), join(EXAMPLES_DIR, e.file));
  writeFileSync(join(EXAMPLES_DIR, e.su), corpus.su(e.target));
  const sha = createHash('sha256')
    .update(readFileSync(join(EXAMPLES_DIR, e.file)))
    .digest('hex');
  info.push(`${e.file}: ${t.src.join(' ')}; ${[...t.flags, ...(t.link ?? ['-c'])].join(' ')}`);
  info.push(`${e.file} sha256: ${sha}`);
}
writeFileSync(join(EXAMPLES_DIR, 'BUILD-INFO'), `${info.join('\n')}\n`);
process.stderr.write(`wrote ${EXAMPLES.map((e) => e.file).join(', ')} and BUILD-INFO in examples/arm64/\n`);

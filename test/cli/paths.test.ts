import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { memoryIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { buildCorpus, CORPUS_NEEDS, type Corpus } from '../elf/corpus.ts';

const ANNOTATIONS = new URL('../../examples/arm64/mini-kernel.yaml', import.meta.url).pathname;

async function run(argv: string[], files: Record<string, string | Uint8Array> = {}) {
  const io = memoryIo(files);
  const code = await main(argv, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

describe('stacklab paths', CORPUS_NEEDS, () => {
  let corpus: Corpus;
  before(async () => {
    corpus = await buildCorpus();
  });

  test('the deepest path from an entry, with per-frame sizes', async () => {
    const r = await run([
      'paths',
      corpus.path('mini-kernel'),
      '--entry',
      'el0_svc',
      '-a',
      ANNOTATIONS,
      '--top',
      '1',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^#1 {2}2160 bytes {2}el0_svc → kuse \(12 functions\)$/m);
    assert.match(r.stdout, /^ {8}720 {4}688 {2}udp_sendmsg \[mini-kernel\]$/m);
    assert.match(r.stdout, /^ {7}1792 {4}144 {2}net_rx_action \[mini-kernel\] {2}\(indirect\)$/m);
  });

  test('--profile linux-6.1 and rfc-2015: task and IRQ stack totals against THREAD_SIZE and IRQ_STACK_SIZE', async () => {
    const r = await run([
      'paths',
      corpus.path('mini-kernel'),
      '--entry',
      'el0_svc',
      '-a',
      ANNOTATIONS,
      '--top',
      '1',
      '--profile',
      'linux-6.1',
      '--profile',
      'rfc-2015',
    ]);
    assert.equal(r.code, 0, r.stderr);
    // With the overlay, the printed task path leaves softirq and hard-IRQ code out.
    assert.match(r.stdout, /^#1 {2}1712 bytes {2}el0_svc/m);
    assert.match(r.stdout, /^ {2}task stack: 2544 of 16384 bytes \(16%\), margin 13840/m);
    assert.match(r.stdout, /^ {2}task stack: 2752 of 8192 bytes \(34%\), margin 5440/m);
    assert.match(r.stdout, /^linux-6\.1 {2}2544\/16384 \(16%\) {2}1280\/16384 \(8%\)$/m);
  });

  test('--json: paths and overlay with a version', async () => {
    const r = await run([
      'paths',
      corpus.path('mini-kernel'),
      '-e',
      'el0_svc',
      '-a',
      ANNOTATIONS,
      '-p',
      'linux-4.2',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.version, '1.0');
    assert.equal(doc.kind, 'stacklab.paths');
    assert.equal(doc.paths[0].totalBytes, 1712);
    assert.equal(doc.overlay[0].profile, 'linux-4.2');
    assert.equal(doc.overlay[0].worstTask.bytes, 3520);
  });

  test('a module and its kernel: the path crosses into vmlinux exports', async () => {
    const r = await run([
      'paths',
      corpus.path('mini-kernel'),
      corpus.path('mini-module.o'),
      '-e',
      'mod_init',
      '-n',
      '1',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /mod_helper \[mini-module\.o\]\n.*printk \[mini-kernel\]/);
  });

  test('recursion without a bound is reported unbounded; --recursion-bound bounds it', async () => {
    const u = await run(['paths', corpus.path('calls.o'), '-e', 'fact', '-n', '1']);
    assert.match(u.stdout, /unbounded recursion/);
    const b = await run([
      'paths',
      corpus.path('calls.o'),
      '-e',
      'fact',
      '-n',
      '1',
      '--recursion-bound',
      '10',
    ]);
    assert.match(b.stdout, /^#1 {2}≥1760 bytes/m);
    assert.match(b.stdout, /recursion \{fact\} x10/);
  });

  test('no paths without an entry: the roots of the graph', async () => {
    const r = await run(['paths', corpus.path('calls.o'), '-n', '2']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /roots \(no --entry\)/);
    assert.match(r.stdout, /^#2 /m);
  });

  test('bad input and bad usage', async () => {
    const noEntry = await run(['paths', corpus.path('calls.o'), '-e', 'nope']);
    assert.equal(noEntry.code, 1);
    assert.match(noEntry.stderr, /paths\/no-entry/);
    const badYaml = await run(['paths', corpus.path('calls.o'), '-a', 'x.yaml'], {
      'x.yaml': 'recursion:\n  f: many\n',
    });
    assert.equal(badYaml.code, 1);
    assert.match(badYaml.stderr, /^x\.yaml:2: error\[annotations\/invalid\]: recursion\.f/m);
    const badProfile = await run(['paths', corpus.path('calls.o'), '-p', 'linux-9.9']);
    assert.equal(badProfile.code, 2);
    const badTop = await run(['paths', corpus.path('calls.o'), '--top', '0']);
    assert.equal(badTop.code, 2);
  });
});

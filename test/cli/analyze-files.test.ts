// `stacklab analyze DIR` and `analyze FILE FILE...`: every file of a capture scanned for items, a
// line per file, the whole summed up first; a bad file is named and the rest still analysed.
import assert from 'node:assert/strict';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { memoryIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const CAPTURE = join(ROOT, 'test/fixtures/arm64-6.1-qemu/udp-512M');
const SEED = join(ROOT, 'data/seed/stack_trace-rfc-2015.txt');

async function run(argv: string[], files: Record<string, string> = {}) {
  const io = memoryIo(files);
  const code = await main(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

interface FilesDoc {
  kind: string;
  result: {
    files: {
      file: string;
      status: string;
      items: { kind: string; line: number }[];
      error?: { code: string };
    }[];
    summary: {
      files: number;
      withItems: number;
      withoutItems: number;
      failed: number;
      items: number;
      kinds: { kind: string; count: number }[];
      deepestTable: { file: string; maxDepth: number } | null;
      worstMargins: { profile: string; file: string }[];
      pairs: {
        kind: string;
        before: string;
        after: string;
        delta?: { rows: { id: string; delta: number[] }[] };
      }[];
    };
  };
}

describe('analyze on a directory or several files', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'stacklab-files-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a real capture directory: every file listed, its items found, the files without any named', async () => {
    const r = await run(['analyze', CAPTURE, '--json']);
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out) as FilesDoc;
    assert.equal(doc.kind, 'stacklab.analyze.files');
    const names = readdirSync(CAPTURE).filter((f) => statSync(join(CAPTURE, f)).isFile());
    assert.equal(doc.result.files.length, names.length);
    const of = (name: string) => doc.result.files.find((f) => f.file === join(CAPTURE, name))!;
    assert.deepEqual(
      of('stack_trace.txt').items.map((i) => i.kind),
      ['stack-trace'],
    );
    assert.equal(of('buddyinfo-before.txt').items[0]?.kind, 'buddyinfo');
    // A whole-file format the log scan does not delimit is still found.
    assert.equal(of('func_stack_trace-unique.txt').items[0]?.kind, 'func-stack-trace');
    assert.equal(of('interrupts-before.txt').items[0]?.kind, 'interrupts');
    assert.equal(of('workload-output.txt').status, 'none');
    const s = doc.result.summary;
    assert.equal(s.files, names.length);
    assert.equal(s.withItems + s.withoutItems + s.failed, s.files);
    assert.equal(
      s.items,
      doc.result.files.reduce((n, f) => n + f.items.length, 0),
    );
    assert.equal(s.deepestTable?.file, join(CAPTURE, 'stack_trace.txt'));
    // Files named alike but for before/after are paired; softirqs' delta, read from the two files.
    const netRx = (f: string) =>
      readFileSync(join(CAPTURE, f), 'utf8')
        .split('\n')
        .find((l) => l.trim().startsWith('NET_RX:'))!
        .trim()
        .split(/\s+/)
        .slice(1)
        .map(Number);
    const pair = s.pairs.find((p) => p.kind === 'softirqs')!;
    assert.equal(pair.before, join(CAPTURE, 'softirqs-before.txt'));
    assert.equal(pair.after, join(CAPTURE, 'softirqs-after.txt'));
    const [b, a] = [netRx('softirqs-before.txt'), netRx('softirqs-after.txt')];
    assert.deepEqual(pair.delta?.rows.find((r) => r.id === 'NET_RX')?.delta, [a[0]! - b[0]!, a[1]! - b[1]!]);
    assert.deepEqual(s.pairs.map((p) => p.kind).sort(), [
      'buddyinfo',
      'interrupts',
      'meminfo',
      'pagetypeinfo',
      'softirqs',
      'vmstat',
    ]);
    // The text names files relative to the directory, one line each.
    const t = await run(['analyze', CAPTURE]);
    assert.equal(t.code, 0, t.err);
    assert.match(t.out, /^.*udp-512M: \d+ files, \d+ items in \d+ of them/);
    assert.match(t.out, /\n {2}stack_trace\.txt +1 {2}stack-trace: /);
    assert.match(t.out, /\n {2}workload-output\.txt +- {2}no item/);
    assert.match(
      t.out,
      /\n {2}before and after: softirqs-before\.txt, softirqs-after\.txt \(softirqs\)\n.*softirqs between them/,
    );
  });

  test('a tree with a binary and a nested directory: the binary is named, the rest analysed', async () => {
    const tree = join(dir, 'tree');
    mkdirSync(join(tree, 'run2'), { recursive: true });
    copyFileSync(join(CAPTURE, 'stack_trace.txt'), join(tree, 'stack_trace.txt'));
    copyFileSync(SEED, join(tree, 'run2', 'seed.txt'));
    writeFileSync(join(tree, 'vmlinux'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0]));
    writeFileSync(join(tree, 'notes.txt'), 'nothing here\n');
    // tracefs's trace_pipe looks like a regular file and never ends: named, not read.
    mkdirSync(join(tree, 'tracing'));
    copyFileSync(SEED, join(tree, 'tracing', 'trace_pipe'));
    const r = await run(['analyze', tree, '--json']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /vmlinux: error\[analyze\/binary\]/);
    const doc = JSON.parse(r.out) as FilesDoc;
    const s = doc.result.summary;
    assert.deepEqual([s.files, s.withItems, s.withoutItems, s.failed, s.items], [5, 2, 1, 2, 2]);
    assert.equal(
      doc.result.files.find((f) => f.file.endsWith('trace_pipe'))?.error?.code,
      'analyze/stream-skipped',
    );
    assert.equal(doc.result.files.find((f) => f.file.endsWith('vmlinux'))?.error?.code, 'analyze/binary');
    // The deepest table and the worst margins come from whichever file holds them.
    assert.equal(s.deepestTable?.file, join(tree, 'run2', 'seed.txt'));
    assert.equal(s.deepestTable?.maxDepth, 5352);
    assert.ok(s.worstMargins.length > 0);
  });

  test('several FILEs and a path that does not exist: named, the others analysed', async () => {
    const r = await run([
      'analyze',
      SEED,
      join(dir, 'gone.txt'),
      join(CAPTURE, 'meminfo-after.txt'),
      '--json',
    ]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /gone\.txt: error\[io\/cannot-read\]/);
    const doc = JSON.parse(r.out) as FilesDoc;
    assert.deepEqual(
      doc.result.files.map((f) => f.status),
      ['items', 'failed', 'items'],
    );
  });

  test('--report: the summary, then every item of every file drawn; file names escaped', async () => {
    const tree = join(dir, 'report-tree');
    mkdirSync(tree);
    copyFileSync(join(CAPTURE, 'stack_trace.txt'), join(tree, '<i>table.txt'));
    copyFileSync(join(CAPTURE, 'softirqs-before.txt'), join(tree, 'softirqs-before.txt'));
    copyFileSync(join(CAPTURE, 'softirqs-after.txt'), join(tree, 'softirqs-after.txt'));
    writeFileSync(join(tree, 'notes.txt'), 'nothing here\n');
    const io = memoryIo();
    const out = join(dir, 'r.html');
    assert.equal(await main(['analyze', tree, '--report', out], io), 0, io.stderr);
    const page = String(io.written.get(out));
    // One view per item (3) besides the summary; the summary's text with the pair's delta.
    const titles = [...page.matchAll(/<h2 id="h-[^"]*">([^<]*)/g)].map((m) => m[1]);
    assert.deepEqual(titles.slice(0, 4), [
      'Summary',
      '&lt;i&gt;table.txt, item 1: stack-trace',
      'softirqs-after.txt, item 1: softirqs',
      'softirqs-before.txt, item 1: softirqs',
    ]);
    assert.match(page, /softirqs between them/);
    assert.ok(!page.includes('<i>table'), 'a file name is escaped');
  });

  test('no file with an item is exit 1; --item takes one file (exit 2)', async () => {
    const empty = join(dir, 'noitems');
    mkdirSync(empty);
    writeFileSync(join(empty, 'a.txt'), 'hello\n');
    const r = await run(['analyze', empty]);
    assert.equal(r.code, 1);
    assert.match(r.err, /analyze\/no-item/);
    const none = join(dir, 'nothing');
    mkdirSync(none);
    const n = await run(['analyze', none]);
    assert.equal(n.code, 1);
    assert.match(n.err, /analyze\/no-files/);
    assert.equal((await run(['analyze', CAPTURE, '--item', '1'])).code, 2);
  });
});

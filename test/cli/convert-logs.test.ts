// `stacklab convert` on whole logs (issue 9): every stack_trace table of a mixed real log converted,
// one stack per table, numbered as `stacklab analyze` numbers the items; --item N converts one table
// exactly as a file of that table; a log with no table is bad input saying what was read.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { memoryIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { parseFtraceStackTrace } from '../../src/formats/ftrace-stack-trace.ts';
import { mixedLog } from '../analyze/mixed-log.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const DMESG = join(ROOT, 'test/fixtures/logs/dmesg-arm64-6.1-fork-256M.txt');

async function run(argv: string[], files: Record<string, string> = {}, stdin = '') {
  const io = memoryIo(files, stdin);
  const code = await main(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

describe('convert on a whole log', () => {
  const mixed = mixedLog();
  const files = { '/log.txt': mixed.text };
  const expected = mixed.items
    .map((it, i) => ({ ...it, n: i + 1 }))
    .filter((it) => it.kind === 'stack-trace');

  test('--to folded: every table, one stack per table under "itemN:lineL", numbered as analyze numbers them', async () => {
    assert.ok(expected.length >= 3, 'the fixture holds several tables');
    const r = await run(['convert', '/log.txt', '--to', 'folded'], files);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trimEnd().split('\n');
    const roots = [...new Set(lines.map((l) => l.split(';')[0]))];
    assert.deepEqual(
      roots,
      expected.map((t) => `item${t.n}:line${t.line}`),
    );
    // The same numbers as analyze's items.
    const doc = JSON.parse((await run(['analyze', '/log.txt', '--json'], files)).out) as {
      result: { items: { n: number; kind: string; line: number }[] };
    };
    assert.deepEqual(
      doc.result.items.filter((i) => i.kind === 'stack-trace').map((i) => [i.n, i.line]),
      expected.map((t) => [t.n, t.line]),
    );
    // The two identical tables are each one stack, the same below their roots.
    const below = (root: string) =>
      lines.filter((l) => l.startsWith(`${root};`)).map((l) => l.slice(root.length + 1));
    const [a, b] = expected;
    assert.deepEqual(below(`item${a!.n}:line${a!.line}`), below(`item${b!.n}:line${b!.line}`));
    assert.ok(below(`item${a!.n}:line${a!.line}`).length > 10);
  });

  test('--item N converts that table as a file of it alone would be, in every format', async () => {
    const t = expected[2]!;
    const alone = {
      '/t.txt': `${mixed.text
        .split('\n')
        .slice(t.line - 1, t.endLine)
        .join('\n')}\n`,
    };
    for (const to of ['folded', 'speedscope', 'chrome', 'ftrace', 'json']) {
      const one = await run(['convert', '/log.txt', '--item', String(t.n), '--to', to], files);
      const file = await run(['convert', '/t.txt', '--to', to], alone);
      assert.equal(one.code, 0, one.err);
      assert.equal(one.out.replaceAll('/log.txt', 'F'), file.out.replaceAll('/t.txt', 'F'), to);
    }
  });

  test('every format on the log holds every table', async () => {
    const n = expected.length;
    const ss = JSON.parse((await run(['convert', '/log.txt', '--to', 'speedscope'], files)).out) as {
      profiles: { name: string }[];
    };
    assert.equal(ss.profiles.length, n);
    const ct = JSON.parse((await run(['convert', '/log.txt', '--to', 'chrome'], files)).out) as {
      traceEvents: { name: string; args?: { name?: string } }[];
    };
    const processes = ct.traceEvents.filter((e) => e.name === 'process_name').map((e) => e.args?.name);
    assert.deepEqual(
      processes.map((p) => p?.split(' ')[0]),
      expected.map((t) => `item${t.n}:line${t.line}`),
    );
    const js = JSON.parse((await run(['convert', '/log.txt', '--to', 'json'], files)).out) as {
      groups: { name: string; stacks: unknown[] }[];
    };
    assert.equal(js.groups.length, n);
    const ft = await run(['convert', '/log.txt', '--to', 'ftrace'], files);
    const tables = parseFtraceStackTrace(ft.out, 'ft').value?.tables ?? [];
    assert.equal(tables.length, n);
    assert.ok(tables.every((x) => x.rows.length > 0));
  });

  test('--item of another kind, or past the end, is a usage error; stdin works', async () => {
    const other = mixed.items.findIndex((i) => i.kind !== 'stack-trace') + 1;
    const r = await run(['convert', '/log.txt', '--item', String(other)], files);
    assert.equal(r.code, 2);
    assert.match(
      r.err,
      new RegExp(`item ${other} of /log.txt is ${mixed.items[other - 1]!.kind}, not a stack_trace table`),
    );
    const past = await run(['convert', '/log.txt', '--item', '999'], files);
    assert.equal(past.code, 2);
    assert.match(past.err, new RegExp(`has ${mixed.items.length} items`));
    const stdin = await run(['convert', '-'], {}, mixed.text);
    assert.equal(stdin.out, (await run(['convert', '/log.txt'], files)).out);
  });

  test('a log with no table is bad input, saying what was read and what was looked for', async () => {
    const text = readFileSync(DMESG, 'utf8');
    const r = await run(['convert', DMESG]);
    assert.equal(r.code, 1);
    assert.match(r.err, /neither a stack_trace table nor folded stacks/);
    assert.match(r.err, new RegExp(`read ${text.split('\n').length - 1} lines`));
    assert.match(r.err, /also inside dmesg/);
  });

  test('--help teaches logs and --item', async () => {
    const r = await run(['convert', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.out, /--item <N>/);
    assert.match(r.out, /every table is converted, one stack per table/);
    assert.match(
      r.out,
      /stacklab convert test\/fixtures\/logs\/console-arm64-6\.1-fork-256M\.log --to folded/,
    );
  });
});

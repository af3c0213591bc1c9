// `stacklab analyze` on whole logs (issue 9): the summary first, --item N, --json result.items[] and
// result.summary, stdin, cut items; files of one item explained as before.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { memoryIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { mixedLog } from '../analyze/mixed-log.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const CONSOLE = join(ROOT, 'test/fixtures/logs/console-arm64-6.1-fork-256M.log');
const TABLE = join(ROOT, 'test/fixtures/arm64-6.1-qemu/fork-256M/stack_trace.txt');

async function run(argv: string[], files: Record<string, string> = {}, stdin = '') {
  const io = memoryIo(files, stdin);
  const code = await main(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

interface LogDoc {
  kind: string;
  result: {
    items: { n: number; kind: string; line: number; endLine: number; cut: boolean; analysis?: unknown }[];
    summary: {
      items: number;
      kinds: { kind: string; count: number }[];
      lines: number;
      skippedLines: number;
      cut: number[];
      tables: { count: number; distinctTables: number; distinctChains: number; deepest: { item: number } };
      overflows: { item: number }[];
      worstMargins: { profile: string; margin: number; item: number }[];
      links: {
        relation: string;
        items: number[];
        identical?: boolean;
        delta?: { source: string; total: number; rows: { id: string; delta: number[]; total: number }[] };
      }[];
    };
  };
}

describe('analyze on a whole log', () => {
  const mixed = mixedLog();
  const files = { '/log.txt': mixed.text };

  test('--json: every item with kind, line, endLine and its analysis, and the summary', async () => {
    const r = await run(['analyze', '/log.txt', '--json'], files);
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out) as LogDoc;
    assert.equal(doc.kind, 'stacklab.analyze.log');
    const { items, summary } = doc.result;
    assert.deepEqual(
      items.map((i) => i.kind),
      mixed.items.map((i) => i.kind),
    );
    for (const i of items) {
      assert.ok(i.endLine >= i.line);
      assert.equal(typeof i.analysis, 'object', `item ${i.n} carries its analysis`);
    }
    assert.equal(summary.items, mixed.items.length);
    const count = (k: string) => mixed.items.filter((i) => i.kind === k).length;
    for (const k of summary.kinds) assert.equal(k.count, count(k.kind), k.kind);
    assert.equal(summary.lines, mixed.text.split('\n').length - 1);
    // Two copies of one table: counted once.
    assert.equal(summary.tables.count, count('stack-trace'));
    assert.equal(summary.tables.distinctTables, count('stack-trace') - 1);
    const same = summary.links.find((l) => l.relation === 'same-chain');
    assert.deepEqual(same?.items, [...mixed.sameTable]);
    assert.equal(same?.identical, true);
    assert.deepEqual(summary.links.find((l) => l.relation === 'beside')?.items, [...mixed.beside]);
    assert.deepEqual(
      summary.overflows.map((o) => o.item),
      items.filter((i) => i.kind === 'overflow-report').map((i) => i.n),
    );
    assert.deepEqual(summary.cut, [mixed.items.length]);
    // The worst margin under each profile is the smallest any table's analysis gives.
    for (const m of summary.worstMargins) {
      const all = items.flatMap((i) =>
        i.kind === 'stack-trace'
          ? (i.analysis as { profiles: { profile: string; verdicts: { margin: number }[] }[] }).profiles
              .filter((p) => p.profile === m.profile)
              .flatMap((p) => p.verdicts.map((v) => v.margin))
          : [],
      );
      assert.equal(m.margin, Math.min(...all), m.profile);
    }
  });

  test('text: the summary first, then one line per item', async () => {
    const r = await run(['analyze', '/log.txt', '--wide'], files);
    assert.equal(r.code, 0, r.err);
    const first = r.out.split('\n')[0]!;
    assert.match(first, new RegExp(`^/log.txt: ${mixed.items.length} items in \\d+ lines`));
    assert.match(r.out, /2 identical tables of one chain/);
    assert.match(r.out, /the table printed just before the report/);
    assert.match(r.out, /cut: item \d+ \(stack-trace, lines \d+-\d+\) ends with the input/);
    assert.ok(r.out.indexOf('worst margin') < r.out.indexOf('  item  kind'), 'summary before the list');
    // Diagnostics of items are at their lines in the log.
    const cutTable = mixed.items[mixed.items.length - 1]!;
    assert.match(r.err, new RegExp(`/log.txt:${cutTable.line}: notice\\[stack-trace/entry-count\\]`));
  });

  test("--item N explains one item in full, with the log's line numbers", async () => {
    const n = mixed.items.findIndex((i) => i.kind === 'stack-usage') + 1;
    const r = await run(['analyze', '/log.txt', '--item', String(n)], files);
    assert.equal(r.code, 0, r.err);
    const want = mixed.items[n - 1]!;
    assert.match(
      r.out,
      new RegExp(`^/log.txt, item ${n} of ${mixed.items.length}: stack-usage, lines ${want.line}-`),
    );
    // The deepest low-water mark is named at its line in the log, not in the item.
    const lines = mixed.text.split('\n');
    const deepest = lines.findIndex((l) => l.includes('init used greatest stack depth')) + 1;
    assert.match(r.out, new RegExp(`\\(line ${deepest}\\)`));
    const j = await run(['analyze', '/log.txt', '--item', '1', '--json'], files);
    const doc = JSON.parse(j.out);
    assert.equal(doc.kind, 'stacklab.analyze.stack-trace');
    assert.equal(doc.item.line, mixed.items[0]!.line);
  });

  test('--item past the last item, or not a number, is a usage error naming the count', async () => {
    const r = await run(['analyze', '/log.txt', '--item', '99'], files);
    assert.equal(r.code, 2);
    assert.match(r.err, new RegExp(`--item 99: /log.txt has ${mixed.items.length} items`));
    const bad = await run(['analyze', '/log.txt', '--item', 'x'], files);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--item x: a positive whole number/);
  });

  test('a real console log (arm64 6.1 QEMU): its snapshots before and after and its table', async () => {
    const r = await run(['analyze', CONSOLE, '--json']);
    assert.equal(r.code, 0, r.err);
    const { items, summary } = (JSON.parse(r.out) as LogDoc).result;
    assert.deepEqual(
      items.map((i) => i.kind),
      [
        'meminfo',
        'buddyinfo',
        'pagetypeinfo',
        'vmstat',
        'interrupts',
        'softirqs',
        // the capture's kscan sections: IRQ stacks before the workload, then both kinds after it
        'irq-highwater',
        'stack-trace',
        'meminfo',
        'buddyinfo',
        'pagetypeinfo',
        'vmstat',
        'interrupts',
        'softirqs',
        'irq-highwater',
        'task-highwater',
      ],
    );
    const text = readFileSync(CONSOLE, 'utf8').split('\n');
    assert.match(text[items[7]!.line - 1]!, /Depth\s+Size\s+Location\s+\(32 entries\)/);
    assert.match(text[items[15]!.line - 1]!, /^# kscan patterns=alloc_thread_stack_node/);
    const snapshots = summary.links.filter((l) => l.relation === 'snapshots');
    assert.equal(snapshots.length, 6);
    // The timer row's counts, read straight from the two copies: the delta is after - before per CPU.
    const timer = (item: { line: number; endLine: number }) =>
      text
        .slice(item.line - 1, item.endLine)
        .find((l) => /^\s*11:.*arch_timer/.test(l))!
        .trim()
        .split(/\s+/)
        .slice(1, 3)
        .map(Number);
    const link = snapshots.find((l) => l.delta?.source === 'interrupts')!;
    const [b, a] = [timer(items[link.items[0]! - 1]!), timer(items[link.items[1]! - 1]!)];
    const row = link.delta!.rows.find((r) => r.id === '11')!;
    assert.deepEqual(row.delta, [a[0]! - b[0]!, a[1]! - b[1]!]);
    assert.ok(row.total > 0 && link.delta!.total >= row.total);
  });

  test('progress on a terminal only, cleared at the end', async () => {
    const big = `${'[    1.000000] random: crng init done\n'.repeat(450_000)}${mixed.text}`;
    const tty = Object.assign(memoryIo({ '/big.txt': big }), { stderrIsTty: true });
    const code = await main(['analyze', '/big.txt', '--json'], tty);
    assert.equal(code, 0, tty.stderr);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal's erase-line sequence
    assert.match(tty.stderr, /\ranalyze: \d+ MB of \d+ MB, \d+ lines, \d+ items\x1b\[K/);
    assert.ok(tty.stderr.includes('\r\x1b[K'), 'the progress line is cleared');
    const pipe = memoryIo({ '/big.txt': big });
    await main(['analyze', '/big.txt', '--json'], pipe);
    assert.doesNotMatch(pipe.stderr, /analyze: \d+ MB/);
  });

  test('stdin is read the same way', async () => {
    const r = await run(['analyze', '-', '--json'], {}, mixed.text);
    assert.equal(r.code, 0, r.err);
    assert.equal((JSON.parse(r.out) as LogDoc).result.items.length, mixed.items.length);
  });

  test('a file of one item is explained as before; a log of none is exit 1 with what was tried', async () => {
    const one = await run(['analyze', TABLE, '--json']);
    assert.equal(one.code, 0, one.err);
    assert.equal(JSON.parse(one.out).kind, 'stacklab.analyze.stack-trace');
    const none = await run(['analyze', '/n.txt'], { '/n.txt': 'hello\nworld\n' });
    assert.equal(none.code, 1);
    assert.match(none.err, /analyze\/unknown-format.*not a format stacklab recognises/);
    // A whole-file format past the size read whole is named, with the way out, not called unknown.
    const block = `3 x\n${'   some_function\n'.repeat(40)}\n`;
    const big = await run(['analyze', '/f.txt'], {
      '/f.txt': block.repeat(Math.ceil((5 << 20) / block.length)),
    });
    assert.equal(big.code, 1);
    assert.match(big.err, /analyze\/too-large-whole.*reads as func-stack-trace.*split it/);
  });
});

describe('GCC -fstack-usage (.su) output', () => {
  const SU = join(ROOT, 'examples/arm64/mini-kernel.su');
  const su = readFileSync(SU, 'utf8');
  const rows = su
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => ({ fn: l.split('\t')[0]!.split(':')[3]!, bytes: Number(l.split('\t')[1]) }));
  const largest = rows.reduce((a, b) => (b.bytes > a.bytes ? b : a));

  test('a .su file alone: every function counted, the largest frame first, a share of each THREAD_SIZE', async () => {
    const r = await run(['analyze', SU, '--json']);
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out) as {
      kind: string;
      data: { functions: number; largest: { function: string; bytes: number }[] };
    };
    assert.equal(doc.kind, 'stacklab.analyze.gcc-su');
    assert.equal(doc.data.functions, rows.length);
    assert.equal(doc.data.largest[0]!.function, largest.fn);
    assert.equal(doc.data.largest[0]!.bytes, largest.bytes);
    const t = await run(['analyze', SU, '-p', 'rfc-2015']);
    assert.match(t.out, new RegExp(`${rows.length} function\\(s\\)`));
    assert.match(
      t.out,
      new RegExp(`rfc-2015 +THREAD_SIZE +8192: largest frame ${((largest.bytes / 8192) * 100).toFixed(1)} %`),
    );
  });

  test('.su lines inside a log are an item of their own, with their line range', async () => {
    const n = su.split('\n').filter((l) => l.trim() !== '').length;
    const log = `[    1.000000] booting\nCI: cat build/*.su\n${su.trimEnd()}\nCI: done\n${readFileSync(TABLE, 'utf8')}`;
    const r = await run(['analyze', '/log.txt', '--json'], { '/log.txt': log });
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out) as LogDoc;
    const item = doc.result.items.find((i) => i.kind === 'gcc-su');
    assert.ok(item, JSON.stringify(doc.result.items.map((i) => i.kind)));
    assert.deepEqual([item.line, item.endLine], [3, 2 + n]);
    assert.ok(doc.result.items.some((i) => i.kind === 'stack-trace'));
  });
});

describe("line numbers of a log are the log's", () => {
  /** Every `line` an analysis names (a .su entry's `line` is its source line: left out). */
  function linesIn(v: unknown, out: number[] = []): number[] {
    if (Array.isArray(v)) for (const x of v) linesIn(x, out);
    else if (typeof v === 'object' && v !== null)
      for (const [k, x] of Object.entries(v)) {
        if (k === 'line' && typeof x === 'number') out.push(x);
        else linesIn(x, out);
      }
    return out;
  }

  test('--json: every line an item analysis names lies inside that item, far down the log too', async () => {
    const mixed = mixedLog();
    const r = await run(['analyze', '/log.txt', '--json'], { '/log.txt': mixed.text });
    const doc = JSON.parse(r.out) as LogDoc;
    let named = 0;
    for (const i of doc.result.items) {
      if (i.kind === 'gcc-su') continue;
      for (const l of linesIn(i.analysis)) {
        named++;
        assert.ok(
          l >= i.line && l <= i.endLine,
          `item ${i.n} (${i.kind}, lines ${i.line}-${i.endLine}) names line ${l}`,
        );
      }
    }
    assert.ok(named > 10, `${named} lines named`);
  });

  test('an identical table further down: its own lines in --json, on stderr and in --item N', async () => {
    const table = readFileSync(join(ROOT, 'test/fixtures/published/st-x86_64-017.txt'), 'utf8')
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .slice(0, 12);
    const noise = Array.from({ length: 300 }, (_, i) => `[ ${i}.000000] eth0: link up`);
    const lines = [...noise.slice(0, 10), ...table, ...noise, ...table, 'done'];
    const second = 10 + table.length + noise.length + 1;
    const r = await run(['analyze', '/two.log', '--json'], { '/two.log': `${lines.join('\n')}\n` });
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out) as LogDoc;
    const [a, b] = doc.result.items;
    assert.deepEqual([a!.line, b!.line], [11, second]);
    assert.equal(doc.result.summary.tables.distinctTables, 1, 'one analysis for both');
    for (const i of [a!, b!]) {
      const ls = linesIn(i.analysis);
      assert.ok(ls.length > 0);
      for (const l of ls) assert.ok(l >= i.line && l <= i.endLine, `item ${i.n} names line ${l}`);
    }
    // The entry-count notice (25 entries announced, 10 rows) at the header line; stderr shows the
    // first few in full, so the second table's is checked through --item 2.
    assert.match(r.err, /\/two.log:11: notice\[stack-trace\/entry-count\]/);
    const item = await run(['analyze', '/two.log', '--item', '2'], { '/two.log': `${lines.join('\n')}\n` });
    assert.match(item.err, new RegExp(`/two.log:${second}: notice\\[stack-trace/entry-count\\]`));
    assert.doesNotMatch(item.out, /count from line/);
  });
});

describe('analyze --report on a log of several items', () => {
  test('the summary first, then every item, identical tables once', async () => {
    const mixed = mixedLog();
    const io = memoryIo({ '/log.txt': mixed.text });
    assert.equal(await main(['analyze', '/log.txt', '--report', '/r.html'], io), 0, io.stderr);
    const page = String(io.written.get('/r.html'));
    const titles = [...page.matchAll(/<h2 id="h-[^"]*">([^<]*)<\/h2>/g)].map((m) => m[1]);
    assert.equal(titles[0], 'Summary');
    assert.match(page, /17 items in 906 lines/);
    // Items 1 and 2 are the same table: drawn once, item 2 named beside it.
    const drawn = mixed.items
      .map((it, i) => `Item ${i + 1}: ${it.kind}`)
      .filter((t) => t !== 'Item 2: stack-trace');
    assert.deepEqual(titles.slice(1, -1), drawn);
    assert.match(page, /Lines 41-74; the same table as item 2\./);
    // Each table replayed and drawn; each overflow report's stacks drawn.
    assert.equal((page.match(/<svg[^>]*class="flame/g) ?? []).length >= 3, true);
  });
});

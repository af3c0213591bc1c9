// The whole-log item scanner (issue 9): every item of a mixed real log found at its lines, the same
// items whatever the chunking, CRLF or interleaving, and never a crash, a hang or unbounded memory
// on random and mutated logs (items cut at every line, NUL bytes, 10 MB lines).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { ScannedItem } from '../../src/analyze/items/item.ts';
import { LogItemAnalyzer } from '../../src/analyze/items/item-analysis.ts';
import { LogScanner } from '../../src/analyze/items/log-scanner.ts';
import { MAY_OPEN, OPENS, RECOGNISERS } from '../../src/analyze/items/recognisers.ts';
import { LineSplitter } from '../../src/base/line-splitter.ts';
import { splitLines } from '../../src/base/text.ts';
import { scanChunks } from '../../src/cli/log-input.ts';
import { stripTablePrefixes } from '../../src/formats/ftrace-stack-trace.ts';
import { analysisHeadline, renderAnalysis } from '../../src/report/analysis-text/index.ts';
import { mixedLog } from './mixed-log.ts';

const headlineOf = (kind: string, data: unknown) =>
  analysisHeadline(renderAnalysis(kind, data, 'log'), 'log');

/** Scans `text` fed in pieces cut at `cuts` (character offsets). */
function scan(text: string, cuts: readonly number[] = []): { items: ScannedItem[]; s: LogScanner } {
  const s = new LogScanner();
  const sp = new LineSplitter();
  const items: ScannedItem[] = [];
  let at = 0;
  for (const c of [...cuts].sort((a, b) => a - b).concat(text.length)) {
    for (const l of sp.push(text.slice(at, Math.max(at, c)))) items.push(...s.push(l));
    at = Math.max(at, c);
  }
  const last = sp.end();
  if (last !== undefined) items.push(...s.push(last));
  items.push(...s.end());
  return { items, s };
}

const shape = (items: readonly ScannedItem[]) =>
  items.map((i) => `${i.family}:${i.line}-${i.endLine}:${i.cut}`);

/** Items as analyzed: the kind the analyzers give each one. */
function analyzed(text: string) {
  const a = new LogItemAnalyzer('log', { profiles: [], overrides: [] }, false, headlineOf);
  return scan(text)
    .items.map((i) => a.add(i)?.record)
    .filter((r) => r !== undefined);
}

/** Invariants of any scan: items in order, inside the input, not overlapping; every line counted once. */
function checkScan(text: string, items: readonly ScannedItem[], s: LogScanner): void {
  let prev = 0;
  let inItems = 0;
  for (const i of items) {
    assert.ok(
      i.line > prev && i.endLine >= i.line && i.endLine <= s.lines,
      `${i.family} ${i.line}-${i.endLine}`,
    );
    assert.equal(i.lines.length, i.endLine - i.line + 1);
    for (const o of i.oddLines) assert.ok(o > i.line && o < i.endLine);
    prev = i.endLine;
    inItems += i.lines.length;
  }
  assert.equal(s.lines, splitLines(text).length);
  assert.ok(inItems + s.skippedLines <= s.lines, 'no line in two places');
}

describe('log scanner', () => {
  const mixed = mixedLog();

  test('finds every item of a mixed real log, each explained by the right analyzer, at its lines', () => {
    const found = analyzed(mixed.text);
    assert.deepEqual(
      found.map((r) => r.kind),
      mixed.items.map((i) => i.kind),
    );
    mixed.items.forEach((want, k) => {
      const got = found[k]!;
      const next = mixed.items[k + 1];
      // Row formats end exactly; a report may take a few loose lines after it, never the next item's.
      assert.ok(
        got.line >= want.line && got.line <= want.endLine,
        `${want.kind} at ${want.line}: ${got.line}`,
      );
      if (['stack-trace', 'meminfo', 'buddyinfo', 'pagetypeinfo', 'vmstat'].includes(want.kind))
        assert.equal(got.endLine, want.endLine, `${want.kind} at ${want.line}`);
      else assert.ok(got.endLine >= want.endLine && (!next || got.endLine < next.line), `${want.kind} end`);
      assert.equal(got.cut, want.cut === true, `${want.kind} at ${want.line} cut`);
    });
  });

  test('the same items whatever the chunks, with CRLF, and with a BOM', () => {
    const whole = shape(scan(mixed.text).items);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: mixed.text.length }), { maxLength: 40 }), (cuts) => {
        assert.deepEqual(shape(scan(mixed.text, cuts).items), whole);
      }),
      { numRuns: 60, seed: 9 },
    );
    assert.deepEqual(shape(scan(mixed.text.replaceAll('\n', '\r\n'), [1000, 5001]).items), whole);
    assert.deepEqual(shape(scan(`\ufeff${mixed.text}`).items), whole);
  });

  test('a coloured dmesg and a journalctl -o short-monotonic copy: the same items at the same lines', () => {
    const want = analyzed(mixed.text).map((r) => `${r.kind}:${r.line}-${r.endLine}`);
    const colour = (l: string) =>
      `\x1b[32m[  9.000001] \x1b[0m${l.replace(/^(\[[^\]]*\] )?(\w[\w-]*):/, '$1\x1b[33m$2\x1b[0m:')}`;
    const variants = {
      'dmesg --color=always': mixed.text.split('\n').map(colour).join('\n'),
      'journalctl -o short-monotonic': mixed.text
        .split('\n')
        .map((l) => `[    9.000001] vm kernel: ${l}`)
        .join('\n'),
    };
    for (const [name, text] of Object.entries(variants)) {
      const got = analyzed(text).map((r) => `${r.kind}:${r.line}-${r.endLine}`);
      assert.deepEqual(got, want, name);
      // The CLI's chunk reader, which asks OPENS of the raw bytes, finds the same.
      const s = new LogScanner();
      const items: ScannedItem[] = [];
      scanChunks([new TextEncoder().encode(text)], s, (i) => items.push(...i));
      assert.deepEqual(shape(items), shape(scan(text).items), `${name}: chunk reader`);
    }
  });

  test('a line from another CPU inside a table is an odd line, counted at its line number', () => {
    const table = mixed.text.split('\n').slice(40, 74);
    const foreign = '[  131.000001] usb 1-1: new high-speed USB device number 2 using xhci_hcd';
    const text = `${[...table.slice(0, 10), foreign, ...table.slice(10)].join('\n')}\n`;
    const { items } = scan(text);
    assert.equal(items.length, 1);
    assert.deepEqual(items[0]!.oddLines, [11]);
    const a = new LogItemAnalyzer('log', { profiles: [], overrides: [] }, false, headlineOf);
    const r = a.add(items[0]!)!;
    const bad = a.placed(r).filter((d) => d.code === 'stack-trace/bad-row');
    assert.deepEqual(
      bad.map((d) => d.loc?.line),
      [11],
    );
  });

  test('a log cut at any line: items in order, the last one cut when it was short, never a throw', () => {
    const lines = mixed.text.split('\n');
    const full = scan(mixed.text).items;
    for (let k = 1; k < lines.length; k++) {
      const text = `${lines.slice(0, k).join('\n')}\n`;
      const { items, s } = scan(text);
      checkScan(text, items, s);
      // Items wholly before the cut are found as in the whole log.
      for (const i of full.filter((x) => x.endLine < k - 4 && x.family !== 'report'))
        assert.ok(
          items.some((j) => j.line === i.line && j.endLine === i.endLine),
          `cut at ${k}: ${i.family} ${i.line}`,
        );
      const table = full.find((x) => x.family === 'stack-trace' && x.line < k && k <= x.endLine - 1);
      if (table) {
        const last = items.find((j) => j.line === table.line)!;
        assert.ok(last.cut, `cut at ${k}: the table at ${table.line} is cut`);
      }
    }
  });

  test('random and mutated logs: the invariants hold and every item is analyzed without a throw', () => {
    const lines = mixed.text.split('\n');
    const mutated = fc
      .array(
        fc.oneof(
          fc.constantFrom(...lines),
          fc.string({ maxLength: 80 }),
          fc.constantFrom('\u0000\u0000', '\r', '#', '', '  0)     9999999999999999999   1   x+0x0/0x4'),
          fc.constantFrom(...lines).map((l) => l.replace(/\d+/, '-99999999999999999999')),
        ),
        { maxLength: 300 },
      )
      .map((ls) => `${ls.join('\n')}\n`);
    fc.assert(
      fc.property(mutated, (text) => {
        const { items, s } = scan(text);
        checkScan(text, items, s);
        const a = new LogItemAnalyzer('log', { profiles: [], overrides: [] }, true, headlineOf);
        for (const i of items) a.add(i);
      }),
      { numRuns: 150, seed: 9 },
    );
  });

  test('two CPUs interleaving two tables: never a throw, each header still found', () => {
    const t1 = mixed.text.split('\n').slice(40, 74);
    const t2 = mixed.text.split('\n').slice(390, 419);
    const mixedLines: string[] = [];
    for (let k = 0; k < Math.max(t1.length, t2.length); k++) {
      if (t1[k] !== undefined) mixedLines.push(t1[k]!);
      if (t2[k] !== undefined) mixedLines.push(t2[k]!);
    }
    const text = `${mixedLines.join('\n')}\n`;
    const { items, s } = scan(text);
    checkScan(text, items, s);
    assert.ok(items.filter((i) => i.family === 'stack-trace').length >= 2);
  });

  test('a 10 MB line, inside an item and outside, is linear: no hang, memory bounded by it', () => {
    const long = 'x'.repeat(10 * 1024 * 1024);
    const table = mixed.text.split('\n').slice(40, 74);
    const text = `${long}\n${table.slice(0, 5).join('\n')}\n  5) ${long}\n${table.slice(5).join('\n')}\n${long}`;
    const t0 = performance.now();
    const cuts = Array.from({ length: 400 }, (_, k) => k * 65536);
    const { items, s } = scan(text, cuts);
    checkScan(text, items, s);
    assert.ok(performance.now() - t0 < 20_000, 'seconds, not minutes');
    assert.ok(items.some((i) => i.family === 'stack-trace'));
  });
});

describe('the chunk reader of the CLI', () => {
  const mixed = mixedLog();

  test('OPENS matches every line any recogniser opens on, and MAY_OPEN every line OPENS matches', () => {
    const lines = [...mixed.text.split('\n'), ...fixtureLines()];
    let opened = 0;
    let narrower = 0;
    for (const raw of lines) {
      const body = stripTablePrefixes(raw);
      if (RECOGNISERS.some((r) => r.open(body, raw) !== undefined)) {
        opened++;
        assert.ok(OPENS.test(raw), `OPENS misses ${JSON.stringify(raw.slice(0, 80))}`);
      }
      if (OPENS.test(raw))
        assert.ok(MAY_OPEN.test(raw), `MAY_OPEN misses ${JSON.stringify(raw.slice(0, 80))}`);
      else if (MAY_OPEN.test(raw)) narrower++;
    }
    assert.ok(opened > 50, `${opened} opening lines checked`);
    // The point of OPENS: lines that say "stack" or "]:" and open nothing are not handed on.
    assert.ok(narrower > 0, 'OPENS is no narrower than MAY_OPEN on these fixtures');
    assert.equal(OPENS.test('[    0.000000] mem auto-init: stack:all(zero), heap alloc:on'), false);
    assert.equal(MAY_OPEN.test('[    0.000000] mem auto-init: stack:all(zero), heap alloc:on'), true);
  });

  test('scanChunks gives the items LineSplitter + push gives, whatever the chunks (bytes, CRLF, BOM, UTF-8)', () => {
    const variants = [
      mixed.text,
      mixed.text.replaceAll('\n', '\r\n'),
      `\ufeff${mixed.text}`,
      `é€ ${mixed.text}no newline`,
      // A chunk that starts with a line MAY_OPEN matches (the fuzz hang of log-scan/hang-a163e55f68).
      `stackwork tcp: received=1 bytes\n${mixed.text}stackwork tcp: sent=2 bytes`,
    ];
    for (const text of variants) {
      const want = shape(scan(text).items);
      const bytes = new TextEncoder().encode(text);
      fc.assert(
        fc.property(fc.array(fc.nat({ max: bytes.length }), { maxLength: 30 }), (cuts) => {
          const at = [0, ...[...cuts].sort((a, b) => a - b), bytes.length];
          const chunks = at.slice(1).map((end, k) => bytes.subarray(at[k]!, end));
          const s = new LogScanner();
          const got: ScannedItem[] = [];
          scanChunks(chunks, s, (items) => got.push(...items));
          assert.deepEqual(shape(got), want);
          assert.equal(s.lines, scan(text).s.lines);
        }),
        { numRuns: 40, seed: 9 },
      );
    }
  });
});

function fixtureLines(): string[] {
  const root = join(import.meta.dirname, '..', 'fixtures');
  const out: string[] = [];
  for (const dir of [
    'published',
    'variants',
    'logs',
    'arm64-6.1-qemu/fork-256M',
    'arm64-6.12-qemu/fork-512M',
  ])
    for (const f of readdirSync(join(root, dir)))
      if (f.endsWith('.txt') || f.endsWith('.log'))
        out.push(...readFileSync(join(root, dir, f), 'utf8').split('\n'));
  return out;
}

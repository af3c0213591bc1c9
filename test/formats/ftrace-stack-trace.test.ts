import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  parseFtraceStackTrace,
  parseLocation,
  printFtraceStackTrace,
  sniffFtraceStackTrace,
} from '../../src/formats/ftrace-stack-trace.ts';

const fixture = (p: string) => readFileSync(new URL(`../fixtures/${p}`, import.meta.url), 'utf8');
const SEED = readFileSync(new URL('../../data/seed/stack_trace-rfc-2015.txt', import.meta.url), 'utf8');

describe('stack_trace rows (valid / invalid)', () => {
  const valid: [string, { depth: number; size: number; loc: string }][] = [
    [
      '  0)     5352      96   _raw_spin_unlock_irqrestore+0x1c/0x60',
      { depth: 5352, size: 96, loc: '_raw_spin_unlock_irqrestore' },
    ],
    [' 10)     1696     400   0xc00000000f16b100', { depth: 1696, size: 400, loc: '' }],
    ['  3)     4104     344   ext4_end_bio+0x8/0x30 [ext4]', { depth: 4104, size: 344, loc: 'ext4_end_bio' }],
    [
      '[  111.404781]    <...>-15987   5d..2 111689535us : stack_trace_call:   0)     7216      24   __change_page_attr_set_clr+0xe0/0xb50',
      { depth: 7216, size: 24, loc: '__change_page_attr_set_clr' },
    ],
    ['0) 4144 32 ftrace_call+0x4/0x44', { depth: 4144, size: 32, loc: 'ftrace_call' }],
  ];
  for (const [line, want] of valid) {
    test(`valid: ${line.trim().slice(0, 50)}`, () => {
      const text = `        Depth    Size   Location    (1 entries)\n        -----    ----   --------\n${line}\n`;
      const r = parseFtraceStackTrace(text, 'x');
      const row = r.value!.tables[0]!.rows[0]!;
      assert.equal(row.depth, want.depth);
      assert.equal(row.size, want.size);
      assert.equal(row.location.symbol ?? '', want.loc);
    });
  }

  test('invalid: a row without a Size is counted with its line, the rest is used', () => {
    const r = parseFtraceStackTrace(fixture('stack-trace/bad-row.txt'), 'bad-row.txt');
    assert.ok(r.value);
    const codes = r.diagnostics.map((d) => `${d.code}@${d.loc?.line}`);
    assert.ok(codes.includes('stack-trace/bad-row@4'), codes.join(' '));
    assert.ok(codes.includes('stack-trace/entry-count@1'), codes.join(' '));
    assert.equal(r.value.tables[0]!.rows.length, 2, 'the rows around the bad line are kept');
  });

  test('invalid: no header is an error with a location', () => {
    const r = parseFtraceStackTrace(fixture('stack-trace/bad-no-header.txt'), 'f.txt');
    assert.equal(r.value, undefined);
    assert.equal(r.diagnostics[0]!.code, 'stack-trace/no-header');
    assert.equal(r.diagnostics[0]!.severity, 'error');
    assert.equal(r.diagnostics[0]!.loc?.file, 'f.txt');
  });

  test('a Size that contradicts the Depths is reported, not hidden', () => {
    const text = SEED.replace('  1)     5256      48', '  1)     5256      40');
    const r = parseFtraceStackTrace(text, 's');
    assert.ok(r.diagnostics.some((d) => d.code === 'stack-trace/size-mismatch' && d.loc?.line === 4));
  });
});

describe('real tables', () => {
  const published = readdirSync(new URL('../fixtures/published/', import.meta.url)).filter((f) =>
    f.startsWith('st-'),
  );
  for (const f of [
    ...published.map((p) => `published/${p}`),
    'arm64-6.1-qemu/udp-512M/stack_trace.txt',
    'arm64-6.1-qemu/fork-256M/stack_trace.txt',
  ]) {
    test(`${f}: sniffed, parsed, printed and parsed again to the same rows`, () => {
      const text = fixture(f);
      assert.ok(sniffFtraceStackTrace(text));
      const r = parseFtraceStackTrace(text, f);
      const t = r.value!.tables[0]!;
      assert.equal(t.rows.length, t.declaredEntries);
      assert.ok(
        !r.diagnostics.some((d) => d.severity === 'error' || d.severity === 'data-loss'),
        r.diagnostics.map((d) => d.message).join('; '),
      );
      const again = parseFtraceStackTrace(printFtraceStackTrace(t), 'again').value!.tables[0]!;
      assert.deepEqual(
        again.rows.map((x) => [x.depth, x.size, x.location.text]),
        t.rows.map((x) => [x.depth, x.size, x.location.text]),
      );
    });
  }

  test('the seed prints back byte for byte', () => {
    const t = parseFtraceStackTrace(SEED, 'seed').value!.tables[0]!;
    assert.equal(printFtraceStackTrace(t), SEED);
  });

  test('the "Stack tracer disabled" block is recognised', () => {
    const text = printFtraceStackTrace({ rows: [], disabled: true, declaredEntries: 0 });
    const t = parseFtraceStackTrace(text, 'd').value!.tables[0]!;
    assert.equal(t.disabled, true);
    assert.equal(t.rows.length, 0);
  });

  test('%pS locations: symbol, offset, length, module; raw addresses', () => {
    assert.deepEqual(parseLocation('ext4_end_bio+0x8/0x30 [ext4]'), {
      text: 'ext4_end_bio+0x8/0x30 [ext4]',
      symbol: 'ext4_end_bio',
      offset: 8,
      length: 48,
      module: 'ext4',
      address: null,
    });
    assert.equal(parseLocation('0xc00000000f16b100').address, 0xc00000000f16b100n);
  });
});

// Readable by default: text output fits 100 columns (prose wrapped under its bullet, tables laid out
// to fit), --wide gives the same text unwrapped, and the machine formats are never touched.
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { memoryIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { columns, fitLine, fitText, TEXT_COLUMNS } from '../../src/report/text-width.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const at = (p: string) => join(ROOT, p);

async function run(argv: string[]) {
  const io = memoryIo();
  const code = await main(argv, io);
  assert.equal(code, 0, `${argv.join(' ')}: ${io.stderr}`);
  return io.stdout;
}

const words = (s: string) => s.split(/\s+/).filter((w) => w !== '');

describe('fitLine', () => {
  test('prose wraps at spaces under its bullet; no word is lost or cut', () => {
    const line = `  - ${'word '.repeat(40)}end`;
    const fitted = fitLine(line, 40).split('\n');
    assert.ok(fitted.length > 4);
    for (const l of fitted) assert.ok(columns(l) <= 40, l);
    assert.ok(
      fitted.slice(1).every((l) => l.startsWith('    word')),
      'hangs under the text after "- "',
    );
    assert.deepEqual(words(fitted.join(' ')), words(line));
  });

  test('a table row wraps only its last cell, under itself; one it cannot is left whole', () => {
    const row = `  irq_stack[cpu0]   3344 B  40 frame(s): ${'call_on_irq_stack ... '.repeat(6)}`;
    const fitted = fitLine(row, 80).split('\n');
    const start = row.indexOf('40 frame(s)');
    assert.ok(fitted.length > 1);
    for (const l of fitted.slice(1)) assert.equal(l.length - l.trimStart().length, start, l);
    const wide = `${'x'.repeat(60)}  ${'y '.repeat(40)}`;
    assert.equal(fitLine(wide, 80), wide, 'the last cell starts right of the middle');
    assert.equal(fitLine('short', 80), 'short');
    assert.equal(columns('µs → ≥'), 6);
  });
});

describe('text output fits 100 columns; --wide and the machine formats are whole', () => {
  const commands = [
    ['profiles'],
    ['replay', at('data/seed/stack_trace-rfc-2015.txt'), '--frames'],
    ['analyze', at('data/seed/stack_trace-rfc-2015.txt')],
    ['analyze', at('test/fixtures/published/ovf-arm64-001.txt')],
    ['analyze', at('test/fixtures/published/paf-001.txt')],
    ['analyze', at('test/fixtures/published/chk-003.txt')],
    ['analyze', at('test/fixtures/arm64-6.1-qemu/fork-256M/vmstat-after.txt')],
    ['mm', 'devices'],
    ['mm', 'compare', '--forks', '50', '--warmup', '2'],
    [
      'paths',
      at('examples/arm64/mini-kernel'),
      '--entry',
      'el0_svc',
      '-a',
      at('examples/arm64/mini-kernel.yaml'),
      '-p',
      'linux-6.1',
      '-p',
      'rfc-2015',
    ],
  ];
  for (const argv of commands) {
    test(argv.slice(0, 2).join(' ').replace(ROOT, '.'), async () => {
      const text = await run(argv);
      const long = text.split('\n').filter((l) => columns(l) > TEXT_COLUMNS);
      assert.deepEqual(long, []);
      // profiles lays its tables out anew for the width (the test below).
      if (argv[0] === 'profiles') return;
      const wide = await run([...argv, '--wide']);
      assert.deepEqual(words(text), words(wide), 'the same words, only the line breaks differ');
      assert.equal(fitText(wide), text);
    });
  }

  test('profiles were 274 columns wide: now tables of as many profiles as fit, --wide one table', async () => {
    const text = await run(['profiles']);
    assert.ok((text.match(/^-{23} {2}/gm) ?? []).length >= 2, 'more than one table');
    const wide = await run(['profiles', '--wide']);
    assert.equal((wide.match(/^-{23} {2}/gm) ?? []).length, 1);
    assert.ok(Math.max(...wide.split('\n').map(columns)) > 200);
  });

  test('seed: the verdict first, the memory summary by default, both full tables with --wide', async () => {
    const text = await run(['seed']);
    assert.deepEqual(
      text.split('\n').filter((l) => columns(l) > TEXT_COLUMNS),
      [],
    );
    const lines = text.split('\n');
    assert.match(lines.slice(0, 6).join('\n'), /\nVerdict: the model bears out all \d+ of the RFC's claims/);
    assert.ok(lines.findIndex((l) => l.startsWith('Verdict')) < lines.findIndex((l) => l.startsWith('1. ')));
    const tables = (t: string) => (t.match(/^stacklab mm compare: /gm) ?? []).length;
    assert.equal(tables(text), 0);
    assert.match(text, /In short, over \d+ forks per strategy/);
    const wide = await run(['seed', '--wide']);
    assert.equal(tables(wide), 2);
    assert.equal(await run(['seed', '--full']), wide, '--full is the old spelling');
  });

  test('the byte-exact formats are not wrapped', async () => {
    const seedTable = at('data/seed/stack_trace-rfc-2015.txt');
    const ftrace = await run(['replay', seedTable, '-p', 'linux-4.2', '--format', 'ftrace']);
    const { readFileSync } = await import('node:fs');
    assert.equal(ftrace, readFileSync(seedTable, 'utf8'));
    const folded = await run(['replay', seedTable, '--format', 'folded']);
    assert.ok(
      folded.split('\n').some((l) => columns(l) > TEXT_COLUMNS),
      'folded lines stay whole',
    );
  });
});

// The bad inputs a new user met in the first hour (issue 14), each a diagnostic with a stable code
// and the thing that is wrong named, never a crash, a wrong name or a silently accepted value.
// (mm validate's truncated captures are test/analyze/mm-validate.test.ts's.)
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { escapeControls, formatDiagnostic } from '../../src/base/diag.ts';
import { memoryIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SEED = join(ROOT, 'data/seed/stack_trace-rfc-2015.txt');
const KERNEL = join(ROOT, 'examples/arm64/mini-kernel');
const NO_TRACE = /at .*\.(ts|js):\d+/;

async function run(argv: string[], files: Record<string, string | Uint8Array> = {}) {
  const io = memoryIo(files);
  const code = await main(argv, io);
  return { code, out: io.stdout, err: io.stderr, written: io.written };
}

async function json(argv: string[]): Promise<Record<string, unknown>> {
  const r = await run(argv);
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out);
}

/** A copy of `doc` with the field at `path` deleted. */
function without(doc: unknown, path: (string | number)[]): string {
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let at = copy;
  for (const p of path.slice(0, -1)) at = at[p] as Record<string | number, unknown>;
  delete at[path[path.length - 1]!];
  return JSON.stringify(copy);
}

describe('stacklab report', () => {
  test('validates its input and names the missing field (was "Cannot read properties of undefined")', async () => {
    const replay = await json(['replay', SEED, '-p', 'linux-6.1', '--json']);
    for (const [path, field, type] of [
      [['input', 'file'], 'input.file', 'a string'],
      [['profiles', 0, 'verdicts'], 'profiles[0].verdicts', 'an array'],
      [['profiles', 0, 'frames', 3, 'depth'], 'profiles[0].frames[3].depth', 'a number'],
    ] as const) {
      const r = await run(['report', '/r.json', '-o', '/o.html'], { '/r.json': without(replay, [...path]) });
      assert.equal(r.code, 1, field);
      assert.equal(
        r.err,
        `/r.json: error[report/not-a-result]: not the shape of a stacklab.replay result: field ${field} is missing (expected ${type})\n`,
      );
      assert.equal(r.written.size, 0);
    }
    const compare = await json(['mm', 'compare', '--forks', '20', '--warmup', '1', '--json']);
    const bad = await run(['report', '/c.json'], {
      '/c.json': JSON.stringify({ ...compare, result: { ...(compare.result as object), device: 'nope' } }),
    });
    assert.equal(bad.code, 1);
    assert.match(bad.err, /field result\.device: expected one of "phone-1g-2015"/);
    assert.doesNotMatch(bad.err, NO_TRACE);
  });

  test('renders analyze --json output (it rejected it), and every kind stacklab writes passes the check', async () => {
    const table = await run(['analyze', SEED, '--json']);
    const buddy = await run([
      'analyze',
      join(ROOT, 'test/fixtures/arm64-6.1-qemu/fork-256M/buddyinfo-after.txt'),
      '--json',
    ]);
    assert.equal(JSON.parse(table.out).kind, 'stacklab.analyze.stack-trace');
    assert.equal(typeof JSON.parse(buddy.out).text, 'string', 'analyze --json carries its explanation');
    const files = {
      '/a.json': table.out,
      '/b.json': buddy.out,
      '/mm.json': JSON.stringify(await json(['mm', '--forks', '20', '--warmup', '1', '--json'])),
      '/mmc.json': JSON.stringify(await json(['mm', 'compare', '--forks', '20', '--warmup', '1', '--json'])),
      '/r.json': JSON.stringify(await json(['replay', SEED, '--json'])),
      '/p.json': JSON.stringify(await json(['profiles', '--json'])),
      '/s.json': JSON.stringify(await json(['seed', '--json'])),
    };
    const r = await run(['report', ...Object.keys(files), '-o', '/o.html'], files);
    assert.equal(r.code, 0, r.err);
    const html = String(r.written.get('/o.html'));
    assert.match(html, /<h2 id="h-[\w-]+">stacklab analyze: buddyinfo<\/h2>/);
    assert.match(html, /What stacklab analyze said/);
    assert.ok(
      (html.match(/<svg/g) ?? []).length >= 3,
      'the table analysis, the replay and the seed draw their stacks',
    );
  });
});

describe('diagnostics', () => {
  test('a bad row with NUL, ESC and CR is quoted escaped, on one line', async () => {
    const table =
      '        Depth    Size   Location    (3 entries)\n        -----    ----   --------\n' +
      '  0)     4000      64   a+0x0/0x4\n  1)   bad\u0000row\u001b!\r\u0007here\n  2)     3936    3936   b+0x0/0x4\n';
    const r = await run(['replay', '/t.txt', '-p', 'linux-4.2'], { '/t.txt': table });
    // Whether the row is skipped or the table refused, no control byte reaches the terminal.
    assert.ok(r.err.length > 0);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the bytes that must not get through
    assert.doesNotMatch(r.err, /[\u0000-\u0008\u000b-\u001f\u007f]/);
    // (A whole terminal sequence such as "\x1b[2J" is dropped before, as a coloured log's are: a lone ESC is not.)
    assert.match(r.err, /bad\\x00row\\x1b!\\x0d\\x07here/);
    assert.equal(escapeControls('tab\tstays'), 'tab\tstays');
    assert.equal(
      formatDiagnostic({
        code: 'x/y',
        severity: 'error',
        message: 'a\nb\u2028c\u009b',
        loc: { file: 'f\u001b' },
      }),
      'f\\x1b: error[x/y]: a\\x0ab\\u2028c\\x9b',
    );
  });
});

describe('paths --irq-entry / --softirq-entry', () => {
  test('a symbol that is not there is named (it said gic_handle_irq was missing)', async () => {
    for (const flag of ['--irq-entry', '--softirq-entry']) {
      const r = await run(['paths', KERNEL, '--entry', 'el0_svc', '-p', 'linux-6.1', flag, 'nosuch']);
      assert.equal(r.code, 1, flag);
      assert.match(
        r.err,
        new RegExp(`error\\[paths/no-entry\\]: ${flag}: no function "nosuch" in .*mini-kernel`),
      );
      assert.doesNotMatch(r.err, /gic_handle_irq|__do_softirq/);
    }
    const ok = await run([
      'paths',
      KERNEL,
      '--entry',
      'el0_svc',
      '-p',
      'linux-6.1',
      '--irq-entry',
      'e1000_intr',
    ]);
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, /worst hard-IRQ path from e1000_intr/);
  });

  test('without one, the note names the defaults looked for', async () => {
    const r = await run(['paths', join(ROOT, 'examples/arm64/mini-module.ko'), '-p', 'linux-6.1']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /no hard-IRQ entry \(gic_handle_irq or handle_arch_irq\) in the binaries/);
    assert.match(r.out, /no softirq entry \(__do_softirq\) in the binaries/);
  });
});

describe('mm --set is checked against the device', () => {
  test('zramMB=999999 on a 1 GB phone is a usage error; what fits is accepted', async () => {
    for (const cmd of [['mm'], ['mm', 'compare']]) {
      const r = await run([...cmd, '--set', 'zramMB=999999']);
      assert.equal(r.code, 2, cmd.join(' '));
      assert.match(
        r.err,
        /--set zramMB=999999: a full zram device of 999999 MB .* more than the 1024 MB of phone-1g-2015 \(expected at most 3072\)/,
      );
      const x = await run([...cmd, '--set', 'extraFreeKbytes=2000000']);
      assert.equal(x.code, 2);
      assert.match(x.err, /--set extraFreeKbytes=2000000: more than the \d+ KB phone-1g-2015 manages/);
    }
    const fits = await run(['mm', '--set', 'zramMB=3072', '--forks', '10', '--warmup', '1']);
    assert.equal(fits.code, 0, fits.err);
    // A bigger device takes a bigger zram.
    const big = await run([
      'mm',
      '--device',
      'phone-2g-2015',
      '--set',
      'zramMB=4096',
      '--forks',
      '10',
      '--warmup',
      '1',
    ]);
    assert.equal(big.code, 0, big.err);
  });
});

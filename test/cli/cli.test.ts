// The CLI contract: exit codes, stdin, data on stdout, diagnostics on stderr.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { memoryIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';

const SEED_PATH = new URL('../../data/seed/stack_trace-rfc-2015.txt', import.meta.url).pathname;
const SEED = readFileSync(SEED_PATH, 'utf8');
const FIX = (p: string) => new URL(`../fixtures/${p}`, import.meta.url).pathname;

async function run(args: string[], stdin = '') {
  const io = memoryIo({}, stdin);
  const code = await main(args, io);
  return { code, out: io.stdout, err: io.stderr, written: io.written };
}

describe('stacklab CLI', () => {
  test('seed: exit 0, every RFC check ok, HTML written atomically when asked', async () => {
    const r = await run(['seed', '--report', '/tmp/stacklab-test-seed.html']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /\[ok\] linux-4\.2 gives back the seed's table byte for byte/);
    assert.doesNotMatch(r.out, /DIFFERS/);
    const html = r.written.get('/tmp/stacklab-test-seed.html');
    assert.ok(typeof html === 'string' && html.startsWith('<!doctype html>'));
  });

  test('seed --json carries a version and the checks', async () => {
    const r = await run(['seed', '--json']);
    const j = JSON.parse(r.out);
    assert.equal(j.version, '1.0');
    assert.equal(j.kind, 'stacklab.seed');
    assert.ok(j.checks.length >= 6 && j.checks.every((c: { ok: boolean }) => c.ok));
    assert.ok(j.checks.some((c: { id: string }) => c.id === 'order-2-cost'));
    assert.match(j.sections[0].title, /How often each design overflows under load/);
    assert.match(j.sections[1].title, /What the stack size costs in memory/);
    assert.ok(j.checks.some((c: { id: string; ok: boolean }) => c.id === 'irq-stack-8k-under-load' && c.ok));
    // Section 7: the 2015 RFC beside dynamic stacks, from the same compare as section 6.
    const six = j.sections[2];
    assert.match(six.title, /The 2015 RFC and the 2024-2026 dynamic stacks/);
    const designs = six.data.designs as { stacks: string; stackKB: number; risk: string }[];
    assert.deepEqual(
      designs.map((d) => d.stacks),
      ['16k', '8k', 'dynamic'],
    );
    const kb = (s: string) => designs.find((d) => d.stacks === s)!.stackKB;
    const five = j.sections[1].data[0].runs as { stacks: string; memory: { liveTasks: number } }[];
    assert.equal(kb('8k'), five.find((r) => r.stacks === '8k')!.memory.liveTasks * 8);
    assert.ok(kb('dynamic') < kb('8k'), 'one page per task and the pools hold less than two pages per task');
    assert.match(designs[1]!.risk, /overflow/);
    assert.match(designs[2]!.risk, /refill panics/);
    assert.equal(six.data.underLoad.length, 2, 'priced under linux-4.2 and linux-6.1 load');
    // Its dynamic faults and panics come from a simulator run with dynamic stacks, refilled with the
    // failure rate the device experiment measured.
    const sim = six.data.simulated;
    const dyn = j.sections[1].data[0].runs.find((r: { stacks: string }) => r.stacks === 'dynamic').dynamic
      .stats;
    const attempts = dyn.refills + dyn.refillFailures;
    assert.equal(sim.refillFailureP, attempts > 0 ? dyn.refillFailures / attempts : 0);
    assert.ok(sim.faults > 0, 'the tasks that grow past one page fault under load');
    assert.equal(sim.faultsPerSecond, sim.faults / sim.seconds);
    assert.ok(sim.panicsPerHour.low <= sim.panicsPerHour.estimate);
    assert.match(six.text, /Simulated with dynamic stacks \(linux-6\.1, dynamic/);
  });

  test('replay --format ftrace under the own era prints the input back', async () => {
    const r = await run(['replay', SEED_PATH, '-p', 'linux-4.2', '--format', 'ftrace']);
    assert.equal(r.code, 0);
    assert.equal(r.out, SEED);
  });

  test('replay reads stdin for "-"', async () => {
    const r = await run(['replay', '-', '-p', 'linux-4.2', '--format', 'ftrace'], SEED);
    assert.equal(r.code, 0);
    assert.equal(r.out, SEED);
  });

  test('replay --json is versioned data for every profile', async () => {
    const r = await run(['replay', SEED_PATH, '--json']);
    const j = JSON.parse(r.out);
    assert.equal(j.version, '1.0');
    assert.equal(j.profiles.length, 5);
    assert.equal(j.profiles[0].reproducesInput, true);
  });

  test('a missing file is bad input (exit 1) naming the file', async () => {
    const r = await run(['replay', '/nonexistent/stack_trace']);
    assert.equal(r.code, 1);
    assert.match(r.err, /\/nonexistent\/stack_trace: error\[io\/cannot-read\]/);
  });

  test('text without a table is bad input with file, line and what was expected', async () => {
    const r = await run(['replay', FIX('stack-trace/bad-no-header.txt')]);
    assert.equal(r.code, 1);
    assert.match(r.err, /bad-no-header\.txt:1: error\[stack-trace\/no-header\]: .*\(expected "Depth/);
  });

  test('binary garbage is bad input, not a crash', async () => {
    const r = await run(['replay', '-'], '\u0000\u0001\u0002ELF\u0000\u0000');
    assert.equal(r.code, 1);
    assert.doesNotMatch(r.err, /at .*\.ts:\d+/);
  });

  test('odd lines in a usable table are counted on stderr and the replay goes on', async () => {
    const r = await run(['replay', FIX('stack-trace/bad-row.txt'), '-p', 'linux-4.2']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /bad-row\.txt:4: data-loss\[stack-trace\/bad-row\]/);
    assert.match(r.err, /1 data-loss \(stack-trace\/bad-row\)/);
  });

  test('an unknown profile is a usage error (exit 2) listing the known ones', async () => {
    const r = await run(['replay', SEED_PATH, '-p', 'linux-9']);
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown profile "linux-9" \(expected one of linux-4\.2, rfc-2015/);
  });

  test('an invalid override is a usage error naming the field and the accepted values', async () => {
    const r = await run(['replay', SEED_PATH, '-p', 'linux-6.1', '--set', 'irqStack.linkage=rope']);
    assert.equal(r.code, 2);
    assert.match(r.err, /irqStack\.linkage: expected one of saved-sp-register, dummy-frame-32/);
    const none = await run([
      'replay',
      SEED_PATH,
      '-p',
      'linux-4.2',
      '--set',
      'irqStack.linkage=dummy-frame-16',
    ]);
    assert.equal(none.code, 2);
    assert.match(none.err, /linux-4\.2 has irqStack = null \(no IRQ stack\)/);
  });

  test('a bad --format and a bad --kstack-offset are usage errors', async () => {
    assert.equal((await run(['replay', SEED_PATH, '--format', 'xml'])).code, 2);
    assert.equal((await run(['replay', SEED_PATH, '--kstack-offset', '5000'])).code, 2);
    assert.equal((await run(['bogus-command'])).code, 2);
  });

  test('profiles --json lists every field with a version', async () => {
    const r = await run(['profiles', '--json']);
    const j = JSON.parse(r.out);
    assert.equal(j.version, '1.0');
    // The five designs first, then the eras of issue 10, each with its sources.
    assert.equal(j.profiles.length, 10);
    assert.equal(j.profiles[3].PT_REGS_SIZE, 336);
    assert.ok(j.profiles.some((p: { id: string }) => p.id === 'linux-6.12'));
    assert.ok(j.profiles.every((p: { sources: string[] }) => p.sources.length > 0));
  });

  test('--help teaches with examples; exit 0', async () => {
    const r = await run(['replay', '--help']);
    assert.equal(r.code, 0);
    assert.match(
      r.out,
      /stacklab replay data\/seed\/stack_trace-rfc-2015\.txt -p rfc-2015 -p linux-6\.1 --frames/,
    );
  });
});

describe('stacklab analyze', () => {
  const PUB = (p: string) => new URL(`../fixtures/published/${p}`, import.meta.url).pathname;
  test('detects and explains a stack_trace table, an overflow report and stack-usage lines', async () => {
    const t = await run(['analyze', SEED_PATH]);
    assert.equal(t.code, 0, t.err);
    assert.match(t.out, /a stack_trace table, 51 entries, 5352 B\s+deep,\s+printed\s+by linux-4\.2/);
    const o = await run(['analyze', PUB('ovf-arm64-001.txt'), '--json']);
    assert.equal(o.code, 0);
    const j = JSON.parse(o.out);
    assert.equal(j.kind, 'stacklab.analyze.overflow-report');
    assert.equal(j.data.far, '0xffff800084927fe0');
    const u = await run(['analyze', PUB('ovf-arm-001.txt')]);
    assert.match(u.out, /the deepest: init with 9028 B left/);
  });

  test('unknown text names what was tried (exit 1); an ELF is pointed at frames/paths', async () => {
    const r = await run(['analyze', '-'], 'just some text\n');
    assert.equal(r.code, 1);
    assert.match(
      r.err,
      /error\[analyze\/unknown-format\].*\(expected one of: .*overflow-report, stack-trace, stack-usage/,
    );
    const e = await run(['analyze', '-'], '\u007fELF\u0002\u0001\u0001\u0000\u0000\u0000');
    assert.equal(e.code, 1);
    assert.match(e.err, /stacklab frames/);
  });
});

test('replay --format folded: one line per frame, bytes as counts, parseable back', async () => {
  const { parseFolded } = await import('../../src/formats/folded-stacks.ts');
  const r = await run(['replay', SEED_PATH, '-p', 'linux-6.1', '--format', 'folded']);
  assert.equal(r.code, 0);
  const lines = parseFolded(r.out, 'folded').value!;
  assert.ok(
    lines.some((l) => l.frames.join(';').startsWith('linux-6.1;task_stack[task0];pt_regs(el0t_64_sync)')),
  );
  const irq = lines.filter((l) => l.frames.includes('irq_stack[cpu0]')).reduce((a, l) => a + l.count, 0);
  assert.equal(irq, 3584, 'IRQ-stack bytes add up to the IRQ stack maximum');
});

describe('stacklab report', () => {
  test('replay and mm results as one HTML page; foreign JSON is bad input', async () => {
    const replay = await run(['replay', SEED_PATH, '-p', 'linux-6.1', '--json']);
    const io = memoryIo({
      '/r.json': replay.out,
      '/bad.json': '{"kind":"stacklab.replay","version":"1.0","profiles":5}',
    });
    assert.equal(await main(['report', '/r.json', '-o', '/out.html'], io), 0, io.stderr);
    const html = io.written.get('/out.html');
    assert.ok(typeof html === 'string' && html.includes('<svg') && html.includes('linux-6.1'));
    const io2 = memoryIo({ '/bad.json': '{"kind":"stacklab.replay","version":"1.0","profiles":5}' });
    assert.equal(await main(['report', '/bad.json', '-o', '/o.html'], io2), 1);
    assert.match(io2.stderr, /report\/not-a-result/);
    const io3 = memoryIo({ '/x.json': '[1,2' });
    assert.equal(await main(['report', '/x.json', '-o', '/o.html'], io3), 1);
    assert.match(io3.stderr, /\/x\.json:1: error\[report\/bad-json\]/);
    const stdout = memoryIo({ '/r.json': replay.out });
    assert.equal(await main(['report', '/r.json'], stdout), 0, 'without -o, the page goes to stdout');
    assert.equal(stdout.stdout, html);
  });

  test('binary input is named as such, without echoing its bytes', async () => {
    const junk = Uint8Array.from({ length: 256 }, (_, i) => (i * 91 + 7) & 0xff);
    const io = memoryIo({ '/junk.bin': junk });
    assert.equal(await main(['report', '/junk.bin', '-o', '/o.html'], io), 1);
    assert.match(io.stderr, /^\/junk\.bin: error\[report\/bad-json\]: binary data, not JSON/m);
    assert.equal(io.stderr.split('\n').length, 2, 'one line');
    assert.equal(io.written.size, 0);
  });
});

describe('stacklab convert', () => {
  test('folded, speedscope and chrome carry the same bytes; ftrace cleans a prefixed copy', async () => {
    const folded = await run(['convert', SEED_PATH, '--to', 'folded']);
    assert.equal(folded.code, 0, folded.err);
    const { parseFolded } = await import('../../src/formats/folded-stacks.ts');
    const bytes = parseFolded(folded.out, 'f').value!.reduce((a, l) => a + l.count, 0);
    assert.equal(bytes, 5264 - 16, 'the own-era frames add up to the task maximum less the START_SP gap');
    const speedscope = JSON.parse((await run(['convert', SEED_PATH, '--to', 'speedscope'])).out);
    assert.equal(speedscope.profiles[0].unit, 'bytes');
    assert.equal(speedscope.profiles[0].endValue, bytes);
    const chrome = JSON.parse((await run(['convert', SEED_PATH, '--to', 'chrome', '-p', 'linux-6.1'])).out);
    const tracks = new Set(
      chrome.traceEvents
        .filter((e: { ph: string; name: string }) => e.ph === 'M' && e.name === 'thread_name')
        .map((e: { args: { name: string } }) => e.args.name),
    );
    assert.deepEqual([...tracks].sort(), ['irq_stack[cpu0]', 'task_stack[task0]']);
    const prefixed = SEED.split('\n')
      .map((l) => (l ? `[  12.5] ${l}` : l))
      .join('\n');
    const clean = await run(['convert', '-', '--to', 'ftrace'], prefixed);
    assert.equal(clean.out, SEED);
  });

  test('bad input exits 1, a bad target exits 2', async () => {
    assert.equal((await run(['convert', '-', '--to', 'folded'], 'hello\n')).code, 1);
    assert.equal((await run(['convert', SEED_PATH, '--to', 'svg'])).code, 2);
  });
});

// `stacklab run` and `stacklab import` as users call them: the JSON contract, the outputs, the
// errors (a bad scenario field is exit 1 with its path and line), and the built-in code models.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { memoryIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { builtinScenarios } from '../../src/cli/scenario-files.ts';
import { parseFtraceStackTrace } from '../../src/formats/ftrace-stack-trace.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

async function run(args: string[], files: Record<string, string> = {}) {
  const io = memoryIo(files);
  const code = await main(args, io);
  return { code, out: io.stdout, err: io.stderr, written: io.written };
}

describe('stacklab run', () => {
  test('--json carries the contract fields, with intervals and no NaN/null', async () => {
    const r = await run(['run', 'seed-dragonboard', '--duration', '500ms', '--json']);
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.out, /NaN|Infinity|null(?!\s*[,}]\s*"?first)/);
    const doc = JSON.parse(r.out);
    assert.equal(doc.kind, 'stacklab.run');
    assert.equal(doc.version, '1.0');
    const j = doc.result;
    assert.equal(j.kind, 'run');
    for (const k of ['task', 'irq', 'overflow']) assert.equal(typeof j.maxDepth[k], 'number');
    assert.ok(j.maxDepth.task > 3000, `task ${j.maxDepth.task}`);
    assert.equal(j.perCpu.length, 4);
    assert.equal(j.perCpu[0].histogram.task.bucketBytes, 256);
    assert.ok(j.ftrace.stackMaxSize > 0);
    const t = parseFtraceStackTrace(j.ftrace.table, 'run');
    assert.ok(t.value, 'the ftrace table parses as a stack_trace table');
    assert.equal(t.value.tables[0]!.rows[0]!.depth, j.ftrace.table.split('\n')[2].trim().split(/\s+/)[1] * 1);
    assert.ok(j.atInterrupt.interrupts > 0);
    assert.deepEqual(Object.keys(j.thresholds.task), ['4096', '6144', '8192', '12288']);
    assert.equal(j.overflow.count, 0);
    assert.equal(j.overflow.basis, 'not-observed');
    assert.ok(j.overflow.perHour.high > 0, 'an upper bound, not "0"');
    assert.ok(j.kstack.text.startsWith('kstack_1k '));
    assert.ok(j.frameEvents > 0);
    assert.ok(j.depthSeries.length >= 4 && j.depthSeries[0].maxBytes.length > 0);
  });

  test('an 8 KB linux-4.2 overflows where rfc-2015 does not (panic: reboot keeps measuring)', async () => {
    const small = await run([
      'run',
      '--duration',
      '2s',
      '--set',
      'THREAD_SIZE=8192',
      '--set',
      'THREAD_ALIGN=8192',
      '--set',
      'THREAD_SIZE=4096',
      '--set',
      'panic=reboot',
      '--json',
    ]);
    assert.equal(small.code, 0, small.err);
    const j = JSON.parse(small.out).result;
    assert.ok(j.overflow.count > 0, 'a 4 KB task stack must overflow under the seed workload');
    assert.equal(j.overflow.basis, 'observed');
    assert.ok(j.overflow.first.report.length > 0);
    const rfc = JSON.parse(
      (await run(['run', '--duration', '1s', '--profile', 'rfc-2015', '--json'])).out,
    ).result;
    assert.equal(rfc.overflow.count, 0);
    assert.ok(rfc.maxDepth.irq > 0 && rfc.maxDepth.task < 8192);
  });

  test('--trace writes Chrome trace events, --folded folded stacks, --out a result file', async () => {
    const r = await run([
      'run',
      '--duration',
      '200ms',
      '--trace',
      '/tmp/sl-trace.json',
      '--folded',
      '/tmp/sl.folded',
      '--out',
      '/tmp/sl-run',
    ]);
    assert.equal(r.code, 0, r.err);
    const trace = JSON.parse(String(r.written.get('/tmp/sl-trace.json')));
    assert.ok(trace.traceEvents.some((e: { ph: string }) => e.ph === 'X'));
    assert.ok(trace.traceEvents.some((e: { ph: string }) => e.ph === 'C'));
    assert.match(String(r.written.get('/tmp/sl.folded')), /^deepest task stack;\S+ \d+$/m);
    assert.equal(JSON.parse(String(r.written.get('/tmp/sl-run/result.json'))).result.kind, 'run');
    assert.match(r.out, /^stacklab run: seed-dragonboard under linux-4\.2/);
    for (const line of r.out.split('\n')) assert.ok(line.length <= 100, `${line.length} columns: ${line}`);
  });

  test('--format ftrace and --format vmstat print the kernel texts', async () => {
    const f = await run(['run', '--duration', '200ms', '--format', 'ftrace']);
    assert.match(f.out, /^ {8}Depth {4}Size {3}Location {4}\(\d+ entries\)\n/);
    const v = await run(['run', '--duration', '200ms', '--format', 'vmstat', '--profile', 'linux-6.1']);
    assert.match(v.out, /^kstack_1k \d+\nkstack_2k \d+\nkstack_4k \d+\nkstack_8k \d+\nkstack_16k \d+\n$/);
  });

  test('a bad scenario field is exit 1 with its path and line; --schema is JSON Schema', async () => {
    const bad = readFileSync(`${ROOT}data/scenarios/seed-dragonboard.yaml`, 'utf8').replace(
      'cpus: 4',
      'cpus: 0',
    );
    const r = await run(['run', '/tmp/sl-bad/s.yaml'], {
      '/tmp/sl-bad/s.yaml': bad,
      '/tmp/sl-bad/seed-dragonboard.code.yaml': readFileSync(
        `${ROOT}data/scenarios/seed-dragonboard.code.yaml`,
        'utf8',
      ),
    });
    assert.equal(r.code, 1);
    assert.match(r.err, /s\.yaml:\d+: error\[scenario\/invalid\]: cpus: /);
    const cpu = await run(['run', '--set', 'tasks.0.cpu=9']);
    assert.equal(cpu.code, 1);
    assert.match(cpu.err, /tasks\.0\.cpu: CPU 9 does not exist/);
    // A duration without its unit says what a duration is, for plain and may-be-zero fields alike.
    for (const set of ['window=5', 'stackTracerCost=5']) {
      const noUnit = await run(['run', '--set', set]);
      assert.equal(noUnit.code, 1, set);
      assert.match(noUnit.err, /: expected (0 or )?a duration with its unit, such as 620ns/, set);
    }
    const unknown = await run(['run', 'no-such-scenario']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /unknown scenario "no-such-scenario": one of .*seed-dragonboard/);
    const dur = await run(['run', '--duration', '10']);
    assert.equal(dur.code, 2);
    assert.match(dur.err, /has no unit/);
    const schema = JSON.parse((await run(['run', '--schema'])).out);
    assert.ok(schema.properties.cpus && schema.properties.tasks && schema.required.includes('cpus'));
    // Every field says what it is, so an editor shows it on hover.
    for (const [k, v] of Object.entries(schema.properties as Record<string, { description?: string }>))
      assert.ok((v.description ?? '').length > 10, `${k} has no description`);
  });
});

describe('every built-in scenario', () => {
  test('runs under its own profile and under rfc-2015, with frames on the stacks its design has', async () => {
    for (const name of builtinScenarios()) {
      for (const profile of [undefined, 'rfc-2015']) {
        const argv = [
          'run',
          name,
          '--duration',
          '200ms',
          '--json',
          ...(profile ? ['--profile', profile] : []),
        ];
        const r = await run(argv);
        assert.equal(r.code, 0, `${argv.join(' ')}: ${r.err}`);
        const res = JSON.parse(r.out).result;
        assert.ok(res.maxDepth.task > 0, `${name}: frames on the task stack`);
        if (profile === 'rfc-2015') assert.ok(res.maxDepth.irq > 0, `${name}: rfc-2015 has an IRQ stack`);
        assert.ok(res.frameEvents > 1000, `${name}: ${res.frameEvents} frame events`);
      }
    }
    assert.ok(builtinScenarios().length >= 4, builtinScenarios().join(' '));
  });
});

describe('stacklab import', () => {
  test('the seed table gives back the committed seed-dragonboard code model, byte for byte', async () => {
    const r = await run([
      'import',
      'data/seed/stack_trace-rfc-2015.txt',
      '--with',
      'data/scenarios/seed-dragonboard.with.yaml',
      '--name',
      'seed-dragonboard',
      '--self',
      'exp:10us',
    ]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, readFileSync(`${ROOT}data/scenarios/seed-dragonboard.code.yaml`, 'utf8'));
  });

  test('the android-2015-phone code model is what its regenerate command writes', async () => {
    const r = await run([
      'import',
      'data/seed/stack_trace-rfc-2015.txt',
      '--with',
      'data/scenarios/android-2015-phone.with.yaml',
      '--name',
      'android-2015-phone',
      '--self',
      'exp:10us',
    ]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, readFileSync(`${ROOT}data/scenarios/android-2015-phone.code.yaml`, 'utf8'));
  });

  test('func_stack_trace unwinds become call steps, softirq plumbing and actions their own steps', async () => {
    const F = `${ROOT}test/fixtures/arm64-6.1-qemu/udp-512M`;
    const r = await run([
      'import',
      `${F}/stack_trace.txt`,
      `${F}/func_stack_trace-unique.txt`,
      '--softirqs',
      `${F}/softirqs-before.txt,${F}/softirqs-after.txt`,
    ]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^# softirqs NET_RX : 31552 \/ 0 per CPU$/m);
    assert.match(
      r.out,
      /\n {2}__dev_queue_xmit:\n(?: {4}.*\n)*? {6}- local_bh_disable: true\n {6}- raise: NET_RX\n {6}- local_bh_enable: true\n/,
    );
    assert.match(r.out, /\n {2}handle_softirqs:\n(?: {4}.*\n)*? {6}- softirq_actions: true\n/);
    assert.match(
      r.out,
      /\nkernel:\n {2}bhEnable:\n {4}- __local_bh_enable_ip\n {4}- do_softirq\n {2}softirq: __do_softirq\n/,
    );
    assert.doesNotMatch(r.out, /function_stack_trace_call|stack_trace_call:/);
  });
});

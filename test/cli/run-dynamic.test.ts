// `stacklab run` with dynamic kernel stacks (issue 13, `--set stackAllocation=dynamic`): the faults,
// refills and panics of result.dynamic, the text report's lines, and a pool that runs dry stopping
// its CPU as an overflow panic does.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { memoryIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { readRunReport } from '../../src/report/run-result.ts';

async function run(args: string[]) {
  const io = memoryIo({});
  const code = await main(args, io);
  return { code, out: io.stdout, err: io.stderr };
}

const DYN = ['--set', 'stackAllocation=dynamic'];

describe('stacklab run --set stackAllocation=dynamic', () => {
  test('result.dynamic counts faults, refills and panics; unmapping on return to user faults again', async () => {
    const keep = await run(['run', 'qemu-6.1-udp', ...DYN, '--duration', '1s', '--json']);
    assert.equal(keep.code, 0, keep.err);
    const k = JSON.parse(keep.out).result;
    assert.ok(readRunReport(JSON.parse(keep.out)).ok, 'the report schema takes it');
    const unmap = await run([
      'run',
      'qemu-6.1-udp',
      ...DYN,
      '--set',
      'dynamicStack.unmapOnReturnToUser=true',
      '--duration',
      '1s',
      '--json',
    ]);
    const u = JSON.parse(unmap.out).result;
    for (const d of [k.dynamic, u.dynamic]) {
      assert.equal(d.params.poolPages, 3);
      assert.equal(d.params.pagesAtFork, 1);
      assert.equal(d.panics, 0);
      assert.equal(d.refillFailures, 0, 'refillFailureP defaults to 0');
      assert.ok(d.faults >= 1, `faults ${d.faults}`);
      assert.equal(d.faultsPerSecond, d.faults / (u.simulatedNs / 1e9));
      assert.equal(d.kBMapped, d.pagesMapped * 4);
      assert.ok(d.pagesMapped >= d.tasks, 'every task keeps its page mapped at fork');
    }
    // A task that keeps its pages faults once per page; one that gives them back faults at every deep call.
    assert.ok(u.dynamic.faults > k.dynamic.faults, `${u.dynamic.faults} > ${k.dynamic.faults}`);
    assert.ok(u.dynamic.unmaps > 0);
    assert.equal(k.dynamic.unmaps, 0);
    // The same run without the dynamic design has no dynamic section.
    const plain = await run(['run', 'qemu-6.1-udp', '--duration', '200ms', '--json']);
    assert.equal(JSON.parse(plain.out).result.dynamic, undefined);
  });

  test('a fault on an empty pool is a panic: the CPU stops (or reboots), counted with its rate', async () => {
    const base = ['run', 'qemu-6.1-udp', ...DYN, '--set', 'dynamicStack.poolPages=0', '--duration', '1s'];
    const halt = await run([...base, '--json']);
    assert.equal(halt.code, 0, 'a simulated panic is a successful result');
    const h = JSON.parse(halt.out).result;
    assert.ok(h.dynamic.panics >= 1 && h.dynamic.panics <= h.perCpu.length, `panics ${h.dynamic.panics}`);
    assert.equal(h.dynamic.panicEvents.length, h.dynamic.panics);
    assert.ok(h.dynamic.panicEvents[0].depth > 4096);
    assert.ok(h.notes.some((n: string) => /pool empty/.test(n)));
    assert.ok(h.dynamic.panicsPerHour.low <= h.dynamic.panicsPerHour.estimate);
    const reboot = await run([
      ...base,
      '--set',
      'panic=reboot',
      '--set',
      'dynamicStack.unmapOnReturnToUser=true',
      '--json',
    ]);
    const r = JSON.parse(reboot.out).result;
    assert.ok(r.dynamic.panics > h.dynamic.panics, `${r.dynamic.panics} panics with reboots`);
    const text = await run(base);
    assert.match(text.out, /dynamic stacks: \d+ stack faults .* \d+ panics?/s);
    assert.match(text.out, /refill allocator: declared: each refill allocation fails with probability 0/);
  });

  test('refill failures come from the declared probability, on their own seeded stream', async () => {
    const args = [
      'run',
      'server-6.1',
      ...DYN,
      '--set',
      'dynamicStack.poolPages=1',
      '--set',
      'dynamicStack.refillFailureP=0.5',
      '--set',
      'panic=reboot',
      '--duration',
      '2s',
      '--json',
    ];
    const a = JSON.parse((await run(args)).out).result.dynamic;
    const b = JSON.parse((await run(args)).out).result.dynamic;
    assert.deepEqual(a, b, 'same seed, same run');
    assert.ok(a.refillFailures > 0, `refill failures ${a.refillFailures}`);
    assert.ok(a.refills > 0);
    const bad = await run(['run', 'qemu-6.1-udp', ...DYN, '--set', 'dynamicStack.refillFailureP=2']);
    assert.equal(bad.code, 2, 'a bad --set is a usage error');
    assert.match(bad.err, /refillFailureP/);
    const noVmap = await run(['run', 'seed-dragonboard', ...DYN]);
    assert.equal(noVmap.code, 2);
    assert.match(noVmap.err, /VMAP_STACK/);
  });
});

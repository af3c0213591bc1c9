// The fork-256M validation: the model starts from the real before-state and runs the real workload.
// A damaged capture is a diagnostic naming the file (and line), never an internal error, a missing
// counter read as 0 or a run the model cannot afford (issue 14 "Bad input", issue 15).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  type CaptureFile,
  parseStackworkOutput,
  readForkRunCapture,
  validateForkRun,
} from '../../src/analyze/mm-validate.ts';

const dir = join(import.meta.dirname, '..', 'fixtures', 'arm64-6.1-qemu', 'fork-256M');
const r = (f: string) => readFileSync(join(dir, f), 'utf8');

/** The real capture with some files replaced. */
function capture(
  changes: Partial<Record<CaptureFile, string>> = {},
  limits?: { maxPages: number; maxForks: number },
) {
  return readForkRunCapture(
    (f) => changes[f] ?? r(f),
    (f) => f,
    { parallel: 8, nrCpus: 2, ...(limits ? { limits } : {}) },
  );
}

function firstError(p: ReturnType<typeof capture>) {
  assert.equal(p.value, undefined);
  const e = p.diagnostics.find((d) => d.severity === 'error');
  assert.ok(e, 'an error diagnostic');
  return e;
}

const head = (f: CaptureFile, n: number) => `${r(f).split('\n').slice(0, n).join('\n')}\n`;

describe('fork-256M validation', () => {
  test('the model reproduces the workload and lays out the real before-state', () => {
    const wo = parseStackworkOutput(r('workload-output.txt')).value;
    assert.deepEqual(wo, { forks: 2000, failed: 0, seconds: 6.44 });
    const c = capture();
    assert.deepEqual(
      c.diagnostics.filter((d) => d.severity !== 'info' && d.severity !== 'notice'),
      [],
    );
    const v = validateForkRun(c.value!);
    assert.deepEqual(v.unplaced, [], 'every real free block found a place');
    assert.equal(v.forks.model, 2000);
    assert.equal(v.forks.modelFailed, 0);
    assert.ok(Math.abs(v.pgallocPerFork.model - v.pgallocPerFork.real) / v.pgallocPerFork.real < 0.05);
    // No memory pressure in the real run, none in the model: no stalls, no scanning.
    for (const name of ['compact_stall', 'allocstall_dma', 'pgscan_direct', 'pgscan_kswapd'])
      assert.equal(v.vmstat.find((x) => x.what === name)!.modelDelta, 0, name);
    // The big blocks (CMA, order 10) are untouched, as in the real after-state.
    assert.equal(v.buddyinfo[10]!.modelDelta, 0);
    assert.deepEqual(
      v.blocks.map((b) => b.modelDelta),
      v.blocks.map((b) => b.realDelta),
    );
    const memFree = v.meminfo[0]!;
    assert.equal(memFree.realDelta, memFree.realAfter! - memFree.before!);
  });

  test('a truncated pagetypeinfo-before (no "Number of blocks" table) names the file and line', () => {
    for (const n of [5, 9, 12]) {
      const e = firstError(capture({ 'pagetypeinfo-before.txt': head('pagetypeinfo-before.txt', n) }));
      assert.equal(e.code, 'mm-validate/no-block-table', `${n} lines`);
      assert.equal(e.loc?.file, 'pagetypeinfo-before.txt');
      assert.equal(e.loc?.line, n);
    }
    // Cut before any table: the reader itself says there is nothing.
    const e = firstError(capture({ 'pagetypeinfo-before.txt': head('pagetypeinfo-before.txt', 2) }));
    assert.equal(e.loc?.file, 'pagetypeinfo-before.txt');
  });

  test('block counts that do not fit MemTotal, or a zone past --max-pages, are diagnostics with the limit', () => {
    const pti = r('pagetypeinfo-before.txt');
    const few = pti.replace(/^(Node 0, zone +DMA) +10 +80 /m, '$1            1            2 ');
    assert.equal(
      firstError(capture({ 'pagetypeinfo-before.txt': few })).code,
      'mm-validate/blocks-do-not-fit',
    );
    // A million pageblocks: legal, but 2 TB; the limit and the flag that raises it are named.
    const huge = pti.replace(/^(Node 0, zone +DMA) +10 +80 /m, '$1           10      1000000 ');
    const e = firstError(capture({ 'pagetypeinfo-before.txt': huge }));
    assert.equal(e.code, 'mm-validate/too-large');
    assert.match(e.message, /--max-pages \d+/);
    // An odd number of blocks is a zone that is not a whole number of order-10 blocks: rounded, not an assertion.
    const odd = pti.replace(/^(Node 0, zone +DMA) +10 +80 /m, '$1           10           81 ');
    assert.ok(capture({ 'pagetypeinfo-before.txt': odd }).value);
  });

  test('a huge free count, fork count or pgalloc count is a diagnostic, not minutes of model time', () => {
    const t0 = performance.now();
    const pti = r('pagetypeinfo-before.txt');
    const freeHuge = pti.replace(/(type +Movable) +1 /, '$1 900000000000 ');
    assert.equal(
      firstError(capture({ 'pagetypeinfo-before.txt': freeHuge })).code,
      'mm-validate/free-exceeds-managed',
    );
    const forks = r('workload-output.txt').replace('forked=2000', 'forked=900000000');
    const e = firstError(capture({ 'workload-output.txt': forks }));
    assert.equal(e.code, 'mm-validate/forks');
    assert.match(e.message, /--max-forks 900000000/);
    const vm = r('vmstat-after.txt').replace(/^pgalloc_dma \d+/m, 'pgalloc_dma 90000000000000');
    assert.equal(firstError(capture({ 'vmstat-after.txt': vm })).code, 'mm-validate/pages-per-fork');
    const back = r('vmstat-after.txt').replace(/^pgalloc_dma \d+/m, 'pgalloc_dma 0');
    assert.equal(firstError(capture({ 'vmstat-after.txt': back })).code, 'mm-validate/counter-went-back');
    assert.ok(performance.now() - t0 < 5000);
  });

  test('a truncated vmstat-before: missing counters are diagnosed, their rows not printed as measured', () => {
    // Cut after pgalloc_dma: the fit still works, the later counters are missing.
    const lines = r('vmstat-before.txt').split('\n');
    const cut = lines.findIndex((l) => l.startsWith('pgalloc_dma')) + 1;
    const c = capture({ 'vmstat-before.txt': `${lines.slice(0, cut).join('\n')}\n` });
    assert.ok(c.value);
    const d = c.diagnostics.find((x) => x.code === 'mm-validate/missing-counter');
    assert.ok(d, 'missing counters are named');
    assert.equal(d.loc?.file, 'vmstat-before.txt');
    assert.match(d.message, /compact_stall/);
    const v = validateForkRun({ ...c.value, forks: 200 });
    const row = v.vmstat.find((x) => x.what === 'compact_stall')!;
    assert.equal(row.before, null);
    assert.equal(row.realDelta, null);
    assert.equal(row.modelAfter, null);
    // Cut before pgalloc_dma: the fit depends on it, so nothing is printed.
    const early = capture({ 'vmstat-before.txt': head('vmstat-before.txt', 3) });
    const e = firstError(early);
    assert.equal(e.code, 'mm-validate/missing-counter');
    assert.equal(e.loc?.file, 'vmstat-before.txt');
  });

  test('an empty meminfo-after is an error naming it; one without MemFree leaves that row unmeasured', () => {
    const e = firstError(capture({ 'meminfo-after.txt': '' }));
    assert.equal(e.code, 'meminfo/empty');
    assert.equal(e.loc?.file, 'meminfo-after.txt');
    const c = capture({ 'meminfo-after.txt': head('meminfo-after.txt', 1) });
    assert.ok(c.value);
    assert.ok(
      c.diagnostics.some(
        (d) => d.code === 'mm-validate/missing-counter' && d.loc?.file === 'meminfo-after.txt',
      ),
    );
    const v = validateForkRun({ ...c.value, forks: 200 });
    assert.equal(v.meminfo[0]!.realAfter, null);
    assert.equal(v.meminfo[0]!.realDelta, null);
  });
});

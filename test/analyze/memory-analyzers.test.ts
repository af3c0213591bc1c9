// `stacklab analyze` on /proc/meminfo and /proc/vmstat from the real QEMU capture (Debian 6.1.192).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  meminfoAnalyzer,
  type VmstatExplanation,
  vmstatAnalyzer,
} from '../../src/analyze/analyzers/memory.ts';
import { analyzers } from '../../src/analyze/index.ts';
import { renderAnalysis } from '../../src/report/analysis-text/index.ts';

const read = (f: string) =>
  readFileSync(join(import.meta.dirname, '..', 'fixtures', 'arm64-6.1-qemu', 'fork-256M', f), 'utf8');
const opts = { profiles: ['linux-6.1', 'rfc-2015'], overrides: [] };

test('meminfo: KernelStack in stacks of each design, and what 8 KB stacks would hold', () => {
  const text = read('meminfo-after.txt');
  assert.equal(meminfoAnalyzer.sniff(text), true);
  assert.equal(vmstatAnalyzer.sniff(text), false);
  const out = meminfoAnalyzer.run(text, 'meminfo-after.txt', opts);
  assert.ok(!('error' in out));
  assert.match(
    renderAnalysis('meminfo', out.data, 'meminfo-after.txt'),
    /kernel stacks hold 848 kB now \(0\.37 % of MemTotal\)/,
  );
  assert.match(
    renderAnalysis('meminfo', out.data, 'meminfo-after.txt'),
    /linux-6\.1 +THREAD_SIZE 16384: about 53\.0 stacks/,
  );
  assert.match(
    renderAnalysis('meminfo', out.data, 'meminfo-after.txt'),
    /rfc-2015 +THREAD_SIZE {2}8192: about 106\.0 stacks/,
  );
  assert.match(
    renderAnalysis('meminfo', out.data, 'meminfo-after.txt'),
    /8 KB stacks would hold 424 kB for the same tasks \(424 kB less\)/,
  );
  const bad = meminfoAnalyzer.run('MemTotal:  1000 kB\nMemFree:  10 kB\n', 'm', opts);
  assert.ok('error' in bad && bad.error.code === 'meminfo/no-kernel-stack');
});

test('vmstat: nr_kernel_stack and the slow-path counters since boot', () => {
  const text = read('vmstat-after.txt');
  assert.equal(vmstatAnalyzer.sniff(text), true);
  const out = vmstatAnalyzer.run(text, 'vmstat-after.txt', opts);
  assert.ok(!('error' in out));
  const x = out.data as VmstatExplanation;
  assert.equal(x.kernelStack?.kernelStackKb, 848);
  assert.equal(x.allocstall, 0);
  assert.equal(x.oomKill, 0);
  // A 4.x-style vmstat with one allocstall counter and stalls.
  const old = vmstatAnalyzer.run(
    'nr_free_pages 1000\nnr_kernel_stack 1024\nallocstall 7\ncompact_stall 5\ncompact_fail 3\ncompact_success 2\npgscan_direct_normal 40\npgscan_direct_dma 2\n',
    'old',
    opts,
  );
  assert.ok(!('error' in old));
  const y = old.data as VmstatExplanation;
  assert.deepEqual([y.allocstall, y.compactStall, y.compactFail, y.pgscanDirect], [7, 5, 3, 42]);
  assert.match(renderAnalysis('vmstat', old.data, 'old'), /waited for reclaim or compaction/);
  assert.ok(analyzers().some((a) => a.id === 'vmstat'));
  // With the 6.12 kstack_* histogram, the stack-usage analyzer reads it instead.
  const withHistogram = `${text}kstack_1k 0\nkstack_2k 39\n`;
  assert.equal(vmstatAnalyzer.sniff(withHistogram), false);
  assert.equal(analyzers().find((a) => a.sniff(withHistogram))?.id, 'stack-usage');
});

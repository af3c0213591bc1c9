// The 6.12 kstack_* buckets: "#if THREAD_SIZE > <previous limit>" in kernel/exit.c and mm/vmstat.c.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kstackBucketOf, kstackBuckets, kstackHistogram } from '../../src/model/kstack-histogram.ts';

test('a 16 KB kernel has kstack_1k .. kstack_16k; 8 KB stops at 8k; 128 KB has kstack_rest', () => {
  assert.deepEqual(
    kstackBuckets(16384).map((b) => b.name),
    ['kstack_1k', 'kstack_2k', 'kstack_4k', 'kstack_8k', 'kstack_16k'],
  );
  assert.deepEqual(
    kstackBuckets(8192).map((b) => b.name),
    ['kstack_1k', 'kstack_2k', 'kstack_4k', 'kstack_8k'],
  );
  assert.equal(kstackBuckets(131072).at(-1)!.name, 'kstack_rest');
  assert.equal(kstackBuckets(65536).at(-1)!.name, 'kstack_64k');
});

test('each use goes in the first bucket whose limit it does not exceed ("used_stack <= 1024" ...)', () => {
  assert.equal(kstackBucketOf(1024, 16384)!.name, 'kstack_1k');
  assert.equal(kstackBucketOf(1025, 16384)!.name, 'kstack_2k');
  assert.equal(kstackBucketOf(16384, 16384)!.name, 'kstack_16k');
  assert.equal(kstackBucketOf(20000, 16384), null, 'no else branch past THREAD_SIZE');
  assert.equal(kstackBucketOf(200000, 131072)!.name, 'kstack_rest');
  const h = kstackHistogram([100, 1500, 1600, 5000, 9000], 16384);
  assert.deepEqual(Object.fromEntries(h), {
    kstack_1k: 1,
    kstack_2k: 2,
    kstack_4k: 0,
    kstack_8k: 1,
    kstack_16k: 1,
  });
});

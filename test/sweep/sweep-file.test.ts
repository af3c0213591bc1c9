// Sweep files and their points: validation names the field, points are numbered row-major and
// deterministically, shards partition the points whatever N, auto/N reads the batch engine's index.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parseShard, pointAt, pointCount, pointFileName, shardPoints } from '../../src/sweep/points.ts';
import { validateSweep } from '../../src/sweep/sweep-file.ts';

const BASE = {
  sweep: 1,
  name: 't',
  scenario: 'seed-dragonboard',
  duration: '1s',
  grid: {
    design: [
      { label: 'a', profile: 'linux-4.2' },
      { profile: 'linux-4.2', THREAD_SIZE: 8192, THREAD_ALIGN: 8192 },
    ],
    hz: [100, 250, 1000],
  },
};

function sweepOf(v: unknown) {
  const r = validateSweep(v, 's.yaml');
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
}

describe('sweep files', () => {
  test('points: the product of the axes, last axis fastest, fields routed to profile or scenario', () => {
    const s = sweepOf(BASE);
    assert.equal(pointCount(s), 6);
    assert.equal(s.durationNs, 1e9);
    const p4 = pointAt(s, 4);
    assert.equal(p4.key, 'profile=linux-4.2 THREAD_SIZE=8192 THREAD_ALIGN=8192, hz=250');
    assert.deepEqual(p4.assignment, { profile: 'linux-4.2', THREAD_SIZE: 8192, THREAD_ALIGN: 8192, hz: 250 });
    assert.equal(p4.profile, 'linux-4.2');
    assert.deepEqual(p4.profileSets, ['THREAD_SIZE=8192', 'THREAD_ALIGN=8192']);
    assert.deepEqual(p4.scenarioSets, ['hz=250']);
    assert.equal(pointAt(s, 0).key, 'a, hz=100');
    assert.deepEqual(
      Array.from({ length: 6 }, (_, i) => pointAt(s, i).assignment.hz),
      [100, 250, 1000, 100, 250, 1000],
    );
  });

  test('a bad field is an error naming its path', () => {
    const cases: [unknown, RegExp][] = [
      [{ ...BASE, grid: { hz: [] } }, /^grid\.hz: /],
      [{ ...BASE, grid: { seed: [1, 2] } }, /^grid\.seed\.0: .*seeds/],
      [{ ...BASE, grid: { x: [{ label: 'only' }] } }, /^grid\.x\.0: a combination sets at least one field/],
      [{ ...BASE, grid: { x: [{ duration: '1s' }] } }, /^grid\.x\.0\.duration: /],
      [{ ...BASE, duration: 'soon' }, /^duration: /],
      [{ ...BASE, seeds: 0 }, /^seeds: /],
      [{ ...BASE, extra: 1 }, /unknown field extra/],
      [{ ...BASE, set: ['nope'] }, /^set\.0: "nope" is not FIELD=VALUE/],
      [{ ...BASE, grid: { hz: [100, 100] } }, /^grid\.hz: two values with the same label/],
    ];
    for (const [v, re] of cases) {
      const r = validateSweep(v, 's.yaml');
      assert.equal(r.ok, false, JSON.stringify(v));
      if (!r.ok) {
        assert.match(r.error.message, re);
        assert.equal(r.error.loc?.file, 's.yaml');
        assert.match(r.error.code, /^sweep\//);
      }
    }
  });

  test('shards partition the points for any N; the point file names sort in point order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 40 }), (total, n) => {
        const all = Array.from({ length: n }, (_, i) => shardPoints(total, { index: i, count: n })).flat();
        assert.deepEqual(
          all.sort((a, b) => a - b),
          Array.from({ length: total }, (_, i) => i),
        );
      }),
    );
    const names = [0, 9, 10, 99999].map((i) => pointFileName(i, 100000));
    assert.deepEqual([...names].sort(), names);
    assert.equal(pointFileName(3, 9), 'points/p00003.json');
  });

  test('--shard I/N and auto/N from Slurm or Kubernetes; bad ones say what was expected', () => {
    const ok = (text: string, env = {}) => {
      const r = parseShard(text, env);
      assert.ok(r.ok, r.ok ? '' : r.error.message);
      return r.value;
    };
    assert.deepEqual(ok('2/5'), { index: 2, count: 5 });
    assert.deepEqual(ok('auto/4', { SLURM_ARRAY_TASK_ID: '3' }), { index: 3, count: 4 });
    assert.deepEqual(ok('auto/4', { SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_MIN: '1' }), {
      index: 3,
      count: 4,
    });
    assert.deepEqual(ok('auto/4', { JOB_COMPLETION_INDEX: '1' }), { index: 1, count: 4 });
    for (const [text, env, re] of [
      ['5/5', {}, /shard 5 does not exist/],
      ['1/0', {}, /at least 1/],
      ['x', {}, /expected I\/N or auto\/N/],
      ['auto/4', {}, /neither SLURM_ARRAY_TASK_ID .* nor JOB_COMPLETION_INDEX/],
      ['auto/4', { JOB_COMPLETION_INDEX: 'one' }, /JOB_COMPLETION_INDEX="one" is not a whole number/],
    ] as const) {
      const r = parseShard(text, env);
      assert.equal(r.ok, false, text);
      if (!r.ok) assert.match(r.error.message, re);
    }
  });
});

// The engine: ordering by (time, named priority, sequence) is total and stable; runs stop at a time or
// an event budget and say which; streams split off one seed are reproducible in any order.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { meanOf, pick, quantileShape, quantileTable } from '../../src/engine/sampler.ts';
import { Simulation } from '../../src/engine/simulation.ts';
import { fitGevPwm, gammaP, gevExceedance, poissonRate } from '../../src/engine/stats.ts';
import { RngStreams } from '../../src/engine/streams.ts';
import { formatDuration, parseDuration } from '../../src/engine/time.ts';

describe('Simulation', () => {
  test('events run in (time, priority, sequence) order, logged by priority name', () => {
    const sim = new Simulation(['timer', 'device', 'ipi']);
    const [timer, device, ipi] = ['timer', 'device', 'ipi'].map((p) => sim.priority(p)) as [
      number,
      number,
      number,
    ];
    sim.log = [];
    sim.at(20, ipi, () => {}, 'c');
    sim.at(10, device, () => {}, 'b');
    sim.at(10, timer, () => {}, 'a');
    sim.at(10, device, () => {}, 'b2');
    const end = sim.run({ untilNs: 100 });
    assert.deepEqual(
      sim.log.map((e) => `${e.atNs} ${e.priority} ${e.label}`),
      ['10 timer a', '10 device b', '10 device b2', '20 ipi c'],
    );
    assert.equal(end.reason, 'drained');
  });

  test('ordering is total and stable for any schedule (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ t: fc.integer({ min: 0, max: 20 }), p: fc.integer({ min: 0, max: 2 }) }), {
          maxLength: 200,
        }),
        (evs) => {
          const sim = new Simulation(['a', 'b', 'c']);
          const order: number[] = [];
          evs.forEach((e, i) => {
            sim.at(e.t, e.p, () => {
              order.push(i);
            });
          });
          sim.run({ untilNs: 1e9 });
          const expected = evs
            .map((e, i) => ({ ...e, i }))
            .sort((x, y) => x.t - y.t || x.p - y.p || x.i - y.i)
            .map((e) => e.i);
          assert.deepEqual(order, expected);
        },
      ),
    );
  });

  test('a run stops at its time or its event budget and says which; handlers schedule more', () => {
    const sim = new Simulation(['tick']);
    const tick = sim.priority('tick');
    let n = 0;
    const again = (s: Simulation) => {
      n++;
      s.after(10, tick, again);
    };
    sim.at(0, tick, again);
    assert.deepEqual(sim.run({ untilNs: 95 }), { reason: 'time', atNs: 95, events: 10 });
    assert.equal(n, 10);
    const e = sim.run({ untilNs: 1e6, maxEvents: 5 });
    assert.equal(e.reason, 'events');
    assert.equal(n, 15);
    sim.at(sim.now + 1, tick, (s) => s.stop('enough'));
    assert.equal(sim.run({ untilNs: 1e9 }).reason, 'stopped');
  });

  test('an event in the past or an unknown priority is our bug (an assertion)', () => {
    const sim = new Simulation(['x']);
    sim.at(5, 0, () => {});
    sim.run({ untilNs: 10 });
    assert.throws(() => sim.at(1, 0, () => {}), /before now/);
    assert.throws(() => sim.priority('nope'), /unknown priority/);
  });
});

describe('RngStreams', () => {
  test('a named stream is the same sequence whatever else was created, and streams differ', () => {
    const a = new RngStreams(42);
    const b = new RngStreams(42);
    b.stream('other', 3).nextU32();
    const x = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.nextU32()
      )(a.stream('cpu', 1)),
    );
    const y = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.nextU32()
      )(b.stream('cpu', 1)),
    );
    assert.deepEqual(x, y);
    assert.notDeepEqual(
      x,
      Array.from(
        { length: 5 },
        (
          (r) => () =>
            r.nextU32()
        )(a.stream('cpu', 2)),
      ),
    );
    assert.notDeepEqual(
      x,
      Array.from(
        { length: 5 },
        (
          (r) => () =>
            r.nextU32()
        )(new RngStreams(43).stream('cpu', 1)),
      ),
    );
  });
});

describe('samplers, durations and estimators', () => {
  test('a quantile table has the distribution mean (within 1 %) and picks by the top bits', () => {
    for (const d of [
      { kind: 'exp', mean: 1000 },
      { kind: 'uniform', min: 100, max: 300 },
      { kind: 'lognormal', median: 500, sigma: 0.5 },
    ] as const) {
      const t = quantileTable(d);
      const mean = t.reduce((a, b) => a + b, 0) / t.length;
      assert.ok(Math.abs(mean - meanOf(d)) / meanOf(d) < 0.01, `${d.kind}: ${mean} vs ${meanOf(d)}`);
      assert.equal(pick(t, 0), t[0]);
      assert.equal(pick(t, 0xffffffff), t[t.length - 1]);
    }
  });

  test('a quantile shape times its scale is the quantile table, bit for bit (property)', () => {
    const pos = fc.double({ min: 1, max: 1e9, noNaN: true });
    const dist = fc.oneof(
      pos.map((ns) => ({ kind: 'fixed', ns }) as const),
      pos.map((mean) => ({ kind: 'exp', mean }) as const),
      fc
        .tuple(pos, pos)
        .map(([a, b]) => ({ kind: 'uniform', min: Math.min(a, b), max: Math.max(a, b) }) as const),
      fc
        .tuple(pos, fc.double({ min: 0.01, max: 3, noNaN: true }))
        .map(([median, sigma]) => ({ kind: 'lognormal', median, sigma }) as const),
    );
    fc.assert(
      fc.property(dist, (d) => {
        const full = quantileTable(d);
        const shape = quantileShape(d);
        const t = shape.table();
        for (let i = 0; i < full.length; i++) if (t[i]! * shape.scale !== full[i]) return false;
        return true;
      }),
      { numRuns: 60 },
    );
  });

  test('durations need a unit and stay in range', () => {
    const ns = (t: string) => {
      const r = parseDuration(t);
      return r.ok ? r.value : Number.NaN;
    };
    assert.equal(ns('8s'), 8e9);
    assert.equal(ns('10min'), 600e9);
    assert.equal(ns('250us'), 250e3);
    for (const bad of ['8', '-1s', '1e99h', '5 parsecs', '0s', ''])
      assert.equal(parseDuration(bad).ok, false, bad);
    assert.equal(formatDuration(5400e9), '1 h 30 min');
  });

  test('Poisson rates: exact Garwood bounds (0 events: 3.689 / exposure at 95 %)', () => {
    const z = poissonRate(0, 2);
    assert.equal(z.estimate, 0);
    assert.ok(Math.abs(z.high - 3.6889 / 2) < 1e-3, String(z.high));
    const r = poissonRate(10, 1);
    // Tabulated exact 95 % limits for 10 events: 4.795 .. 18.390.
    assert.ok(Math.abs(r.low - 4.795) < 2e-3 && Math.abs(r.high - 18.39) < 2e-3, `${r.low} ${r.high}`);
    assert.ok(Math.abs(gammaP(3, 2) - 0.3233235838) < 1e-8);
  });

  test('GEV by probability-weighted moments recovers a Gumbel sample', () => {
    const rng = new RngStreams(7).stream('gev');
    // Gumbel(mu = 100, beta = 10) by inversion.
    const xs = Array.from(
      { length: 4000 },
      () => 100 - 10 * Math.log(-Math.log(rng.float() * 0.999999 + 5e-7)),
    );
    const fit = fitGevPwm(xs);
    assert.ok(fit !== null);
    assert.ok(
      Math.abs(fit.mu - 100) < 1.5 && Math.abs(fit.sigma - 10) < 1.5 && Math.abs(fit.xi) < 0.08,
      JSON.stringify(fit),
    );
    assert.ok(gevExceedance(fit, 200) < 1e-3);
    assert.equal(fitGevPwm([5, 5, 5, 5, 5, 5, 5, 5, 5, 5]), null);
    assert.equal(fitGevPwm([1, 2, 3]), null);
  });
});

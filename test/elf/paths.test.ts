// Call graph, recursion and worst-case paths: exact numbers on the C corpus (the .su frames add up by
// hand), and properties on random graphs against brute force.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import fc from 'fast-check';
import { analyzeBinary, type Binary } from '../../src/elf/binary.ts';
import { bytesSource } from '../../src/elf/byte-source.ts';
import { buildCallGraph, type CallGraph, EdgeKind, findNodes } from '../../src/elf/call-graph.ts';
import {
  analyzeWorstCase,
  deepestEntry,
  graphRoots,
  type RecursionPolicy,
  topPaths,
} from '../../src/elf/paths.ts';
import { stronglyConnected } from '../../src/elf/scc.ts';
import { EMPTY_ANNOTATIONS, parseStackAnnotations } from '../../src/formats/stack-annotations.ts';
import { buildCorpus, CORPUS_NEEDS, type Corpus } from './corpus.ts';

const NO_BOUNDS: RecursionPolicy = { bounds: new Map() };

function load(
  corpus: Corpus,
  out: string,
  tables: { table: string; stride: number; offset: number }[] = [],
): Binary {
  const r = analyzeBinary(bytesSource(out, readFileSync(corpus.path(out))), { sites: true, tables });
  assert.ok(r.ok);
  return r.value;
}

/** A CallGraph from frames and edges [from, to, depth], for property tests. */
function graphOf(frames: number[], edges: [number, number, number][]): CallGraph {
  const n = frames.length;
  const byFrom = frames.map(() => new Map<number, number>());
  for (const [a, b, d] of edges) byFrom[a]!.set(b, Math.max(byFrom[a]!.get(b) ?? 0, d));
  const edgeStart = new Int32Array(n + 1);
  const to: number[] = [];
  const depth: number[] = [];
  for (let v = 0; v < n; v++) {
    edgeStart[v] = to.length;
    for (const [b, d] of byFrom[v]!) {
      to.push(b);
      depth.push(d);
    }
  }
  edgeStart[n] = to.length;
  return {
    size: n,
    name: frames.map((_, i) => `f${i}`),
    tag: frames.map(() => 't'),
    frame: Float64Array.from(frames),
    frameKnown: new Uint8Array(n).fill(1),
    dynamic: new Uint8Array(n),
    ignored: new Uint8Array(n),
    unresolvedIndirect: new Uint32Array(n),
    indirectJumps: new Uint32Array(n),
    binary: new Int32Array(n),
    fn: Int32Array.from(frames.map((_, i) => i)),
    edgeStart,
    edgeTo: Int32Array.from(to),
    edgeDepth: Float64Array.from(depth),
    edgeKind: new Uint8Array(to.length).fill(EdgeKind.CALL),
  };
}

/** Longest path by brute force on a DAG. */
function bruteWorst(g: CallGraph, v: number): number {
  let best = g.frame[v]!;
  for (let e = g.edgeStart[v]!; e < g.edgeStart[v + 1]!; e++) {
    best = Math.max(best, g.edgeDepth[e]! + bruteWorst(g, g.edgeTo[e]!));
  }
  return best;
}

/** Random DAG: edges only from lower to higher index; depth at most the caller's frame. */
const dagArb = fc
  .integer({ min: 1, max: 12 })
  .chain((n) =>
    fc.tuple(
      fc.array(
        fc.integer({ min: 0, max: 64 }).map((x) => x * 16),
        { minLength: n, maxLength: n },
      ),
      fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1), fc.double({ min: 0, max: 1, noNaN: true })), {
        maxLength: 30,
      }),
    ),
  )
  .map(([frames, raw]) => {
    const edges: [number, number, number][] = [];
    for (const [a, b, f] of raw) {
      if (a === b) continue;
      const [lo, hi] = a < b ? [a, b] : [b, a];
      edges.push([lo, hi, Math.floor((frames[lo]! * f) / 16) * 16]);
    }
    return { frames, edges };
  });

describe('paths on random graphs (fast-check)', () => {
  test('worst-case depth on a DAG equals brute force; the top path reaches it', () => {
    fc.assert(
      fc.property(dagArb, ({ frames, edges }) => {
        const g = graphOf(frames, edges);
        const wc = analyzeWorstCase(g, NO_BOUNDS);
        for (let v = 0; v < g.size; v++) assert.equal(wc.worst[v], bruteWorst(g, v));
        const { paths } = topPaths(g, wc, [0], 5);
        assert.equal(paths[0]?.totalBytes, bruteWorst(g, 0));
        // Deepest first, each total consistent with its last step.
        for (let i = 1; i < paths.length; i++) assert.ok(paths[i]!.totalBytes <= paths[i - 1]!.totalBytes);
        for (const p of paths) {
          const last = p.steps[p.steps.length - 1]!;
          assert.equal(p.totalBytes, last.depthBefore + last.frameBytes);
        }
      }),
      { seed: 4242, numRuns: 300 },
    );
  });

  test('components: mutual reachability, ids callees-first', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 10 })
          .chain((n) =>
            fc.tuple(fc.constant(n), fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 25 })),
          ),
        ([n, raw]) => {
          const g = graphOf(
            Array.from({ length: n }, () => 16),
            raw.map(([a, b]) => [a, b, 0]),
          );
          const reach = Array.from({ length: n }, (_, s) => {
            const seen = new Set([s]);
            const todo = [s];
            while (todo.length > 0) {
              const v = todo.pop()!;
              for (let e = g.edgeStart[v]!; e < g.edgeStart[v + 1]!; e++) {
                const w = g.edgeTo[e]!;
                if (!seen.has(w)) {
                  seen.add(w);
                  todo.push(w);
                }
              }
            }
            return seen;
          });
          const c = stronglyConnected(g);
          for (let a = 0; a < n; a++) {
            for (let b = 0; b < n; b++) {
              const same = reach[a]!.has(b) && reach[b]!.has(a);
              assert.equal(c.comp[a] === c.comp[b], same);
              // A callee's component is finished first.
              if (reach[a]!.has(b) && !same) assert.ok(c.comp[b]! < c.comp[a]!);
            }
          }
        },
      ),
      { seed: 7, numRuns: 300 },
    );
  });

  test('recursion: a bound makes a block of bound x frames; none gives an unbounded one-trip verdict', () => {
    // 0 -> 1 <-> 2 -> 3
    const g = graphOf(
      [16, 32, 48, 64],
      [
        [0, 1, 16],
        [1, 2, 32],
        [2, 1, 48],
        [2, 3, 48],
      ],
    );
    const bounded = analyzeWorstCase(g, { bounds: new Map([['f1', 5]]) });
    assert.equal(bounded.worst[0], 16 + 5 * (32 + 48) + 64);
    assert.equal(bounded.unbounded[0], 0);
    const unbounded = analyzeWorstCase(g, NO_BOUNDS);
    assert.equal(unbounded.unbounded[0], 1);
    assert.equal(unbounded.worst[0], 16 + 32 + 48 + 64);
    const p = topPaths(g, unbounded, [0], 1).paths[0]!;
    assert.equal(p.unbounded, true);
    assert.deepEqual(
      p.steps.map((s) => s.node),
      [0, 1, 2, 3],
    );
    const pb = topPaths(g, bounded, [0], 1).paths[0]!;
    assert.equal(pb.totalBytes, 16 + 400 + 64);
    assert.equal(pb.steps[1]!.recursion?.bound, 5);
  });
});

describe('call graph of the C corpus', CORPUS_NEEDS, () => {
  let corpus: Corpus;
  before(async () => {
    corpus = await buildCorpus();
  });

  test('calls.o: local calls by offset, global ones by relocation, tail calls at depth 0', () => {
    const { graph: g } = buildCallGraph([load(corpus, 'calls.o')], EMPTY_ANNOTATIONS);
    const v = (n: string) => findNodes(g, n)[0]!;
    const edge = (a: string, b: string) => {
      for (let e = g.edgeStart[v(a)]!; e < g.edgeStart[v(a) + 1]!; e++) {
        if (g.edgeTo[e] === v(b)) return { depth: g.edgeDepth[e], kind: g.edgeKind[e] };
      }
      return undefined;
    };
    assert.deepEqual(edge('caller', 'helper'), { depth: 64, kind: EdgeKind.CALL });
    assert.deepEqual(edge('caller', 'callee_big'), { depth: 64, kind: EdgeKind.CALL });
    assert.deepEqual(edge('tail_static', 'helper'), { depth: 0, kind: EdgeKind.JUMP });
    assert.deepEqual(edge('tail_external', 'external_fn'), { depth: 0, kind: EdgeKind.JUMP });
    // GCC inlined caller into init_fn; its call to the static helper crosses sections, so it is
    // relocated against the section symbol ".text" plus an addend.
    assert.deepEqual(edge('init_fn', 'helper'), { depth: 224, kind: EdgeKind.CALL });
    assert.equal(g.frameKnown[v('external_fn')], 0);
    assert.equal(g.unresolvedIndirect[v('dispatch')], 1);
    const wc = analyzeWorstCase(g, NO_BOUNDS);
    // fact calls itself; is_even <-> is_odd.
    assert.equal(wc.comps.recursive[wc.comps.comp[v('fact')]!], 1);
    assert.equal(wc.comps.comp[v('is_even')], wc.comps.comp[v('is_odd')]);
    // init_fn (224) -> callee_big (1040) -> use (unknown frame).
    assert.equal(wc.worst[v('init_fn')], 224 + 1040);
  });

  test('calls.o with a table annotation: dispatch reaches op_big through op_table', () => {
    const ann = parseStackAnnotations(
      'tables:\n  - table: op_table\n    callers: [dispatch]\nrecursion:\n  fact: 10\n  is_even: 4\n',
    ).value!;
    const { graph: g, diagnostics } = buildCallGraph([load(corpus, 'calls.o', ann.tables)], ann);
    assert.deepEqual(
      diagnostics.filter((d) => d.code.startsWith('annotations/')),
      [],
    );
    const wc = analyzeWorstCase(g, { bounds: new Map(Object.entries(ann.recursion)) });
    const dispatch = findNodes(g, 'dispatch')[0]!;
    assert.equal(g.unresolvedIndirect[dispatch], 0);
    assert.equal(wc.worst[dispatch], 96 + 2080);
    const fact = findNodes(g, 'fact')[0]!;
    assert.equal(wc.worst[fact], 10 * 176);
    const even = findNodes(g, 'is_even')[0]!;
    assert.equal(wc.worst[even], 4 * (64 + 96));
  });

  test('mini-module.o + mini-kernel: calls into vmlinux exports resolve by name', () => {
    const k = load(corpus, 'mini-kernel');
    const m = load(corpus, 'mini-module.o');
    const alone = buildCallGraph([m], EMPTY_ANNOTATIONS).graph;
    assert.equal(alone.frameKnown[findNodes(alone, 'kmalloc')[0]!], 0);
    const { graph: g } = buildCallGraph([k, m], EMPTY_ANNOTATIONS);
    const kmalloc = findNodes(g, 'kmalloc');
    assert.deepEqual(
      kmalloc.map((v) => g.tag[v]),
      ['mini-kernel'],
    );
    const wc = analyzeWorstCase(g, NO_BOUNDS);
    const open = findNodes(g, 'mini-module.o:mod_open')[0]!;
    // mod_open 128 -> mod_helper 240 -> printk 336 (vmlinux's); __do_softirq's indirect calls not followed.
    assert.equal(wc.worst[open], 128 + 240 + 336);
    assert.equal(wc.incomplete[open], 1);
    const roots = graphRoots(g, wc);
    assert.ok(roots.includes(findNodes(g, 'mod_init')[0]!));
  });

  test('mini-kernel with annotations: the syscall path, and how deep it is when it enters __do_softirq', () => {
    const ann = parseStackAnnotations(
      readFileSync(new URL('../../examples/arm64/mini-kernel.yaml', import.meta.url), 'utf8'),
    ).value!;
    const { graph: g } = buildCallGraph([load(corpus, 'mini-kernel', ann.tables)], ann);
    const wc = analyzeWorstCase(g, NO_BOUNDS);
    const svc = findNodes(g, 'el0_svc');
    // el0_svc 16, do_el0_svc 304, invoke_syscall 80, __arm64_sys_sendmmsg 320, udp_sendmsg 688,
    // ip_finish_output2 224, local_bh_enable 32, do_softirq 48 | __do_softirq 80, net_rx_action 144,
    // process_backlog 224 (frames from GCC's .su for the kernel flags).
    assert.equal(wc.worst[svc[0]!], 1712 + 448);
    assert.equal(wc.incomplete[svc[0]!], 0);
    assert.equal(deepestEntry(g, wc, svc, new Set(findNodes(g, '__do_softirq'))), 1712);
    const gic = findNodes(g, 'gic_handle_irq')[0]!;
    assert.equal(wc.worst[gic], 48 + 48 + 16 + 64 + 80 + 144);
    const top = topPaths(g, wc, svc, 3).paths;
    assert.equal(top[0]!.totalBytes, 2160);
    assert.deepEqual(
      top[0]!.steps.map((s) => g.name[s.node]),
      [
        'el0_svc',
        'do_el0_svc',
        'invoke_syscall',
        '__arm64_sys_sendmmsg',
        'udp_sendmsg',
        'ip_finish_output2',
        'local_bh_enable',
        'do_softirq',
        '__do_softirq',
        'net_rx_action',
        'process_backlog',
        'kuse',
      ],
    );
    assert.equal(top[0]!.steps[9]!.via, 'indirect');
  });

  test('ignore: paths do not enter ignored functions', () => {
    const ann = parseStackAnnotations('ignore: [callee_big]\n').value!;
    const { graph: g } = buildCallGraph([load(corpus, 'calls.o')], ann);
    const wc = analyzeWorstCase(g, NO_BOUNDS);
    assert.equal(wc.worst[findNodes(g, 'caller')[0]!], 64 + 64);
  });
});

describe('calls through the PLT', CORPUS_NEEDS, () => {
  test('prog: calls into libc resolve to the imported names', async () => {
    const corpus = await buildCorpus();
    const { graph: g } = buildCallGraph([load(corpus, 'prog')], EMPTY_ANNOTATIONS);
    const fatal = findNodes(g, 'fatal')[0]!;
    const callees: string[] = [];
    for (let e = g.edgeStart[fatal]!; e < g.edgeStart[fatal + 1]!; e++) callees.push(g.name[g.edgeTo[e]!]!);
    assert.ok(callees.includes('fputs'), callees.join(','));
    assert.ok(callees.includes('exit'), callees.join(','));
    assert.equal(g.tag[findNodes(g, 'fputs')[0]!], '');
  });
});

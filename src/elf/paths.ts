// Worst-case stack depth over the call graph, and the N deepest call paths.
//
// worst(f) = max(frame(f), max over f's call sites s of depth(s) + worst(callee(s)))
//
// where depth(s) is the caller's stack in use at the site (its frame for a bl in the body, 0 for a
// tail call after the epilogue). A recursive component C with bound B (the deepest nesting of its
// functions) costs B * sum(frames of C) plus the worst of what it calls outside C: an upper bound for
// any B nested trips around any of its cycles. Without a bound the verdict is "unbounded": the edges
// closing its cycles are dropped and each function is visited once (a whole-kernel graph has webs of
// thousands of functions through error paths, panic -> printk -> ... -> panic, where summing every
// frame would say nothing). Unknown frames (undefined externals) and indirect calls without
// annotations make a total a lower bound ("incomplete").
import type { CallGraph } from './call-graph.ts';
import { EdgeKind } from './call-graph.ts';
import { type Components, stronglyConnected } from './scc.ts';

export interface RecursionPolicy {
  /** Bounds by function name (annotations `recursion:`). */
  readonly bounds: ReadonlyMap<string, number>;
  /** Bound for recursion the annotations do not cover (--recursion-bound); undefined = unbounded. */
  readonly defaultBound?: number | undefined;
}

/** Recursion the block formula applies to by default: bigger cycles are error-path webs, not recursion. */
export const MAX_BLOCK_MEMBERS = 16;

/**
 * How a component is costed.
 * - `plain`: one function, no recursion.
 * - `block`: bounded recursion: bound x sum of its frames, then the worst of what it calls outside.
 * - `cycle`: recursion without a usable bound: its edges that close cycles (back edges of a DFS) are
 *   dropped, so each path visits a function once; totals count one trip and are flagged unbounded.
 */
export type CompMode = 'plain' | 'block' | 'cycle';

export interface WorstCase {
  readonly comps: Components;
  readonly mode: readonly CompMode[];
  /** Worst stack from each node's entry, bytes. */
  readonly worst: Float64Array;
  /** A path from the node runs through recursion without a bound. */
  readonly unbounded: Uint8Array;
  /** A path from the node meets an unknown frame or an unresolved indirect call: worst is a lower bound. */
  readonly incomplete: Uint8Array;
  /** A path from the node meets dynamic allocation (VLA, alloca): worst counts its static part. */
  readonly dynamic: Uint8Array;
  /** Per component: the recursion block's bytes (bound x sum of frames), 0 unless `block`. */
  readonly block: Float64Array;
  /** Per component: the recursion bound of a `block`, NaN otherwise. */
  readonly bound: Float64Array;
  /** Per edge: 1 when dropped as the back edge of a `cycle`. */
  readonly backEdge: Uint8Array;
  /** Nodes in an order where every caller comes before its callees (back edges aside). */
  readonly topological: Int32Array;
  /** Nodes left out of this analysis (see analyzeWorstCase). */
  readonly excluded: Uint8Array;
}

/**
 * Worst cases for every node; nodes marked in `excluded` or ignored by the annotations (and edges
 * into them) are left out.
 */
export function analyzeWorstCase(g: CallGraph, policy: RecursionPolicy, excluded?: Uint8Array): WorstCase {
  const ex = Uint8Array.from(g.ignored);
  if (excluded !== undefined) for (let v = 0; v < g.size; v++) if (excluded[v] === 1) ex[v] = 1;
  const comps = stronglyConnected(g, ex);
  const worst = new Float64Array(g.size);
  const unbounded = new Uint8Array(g.size);
  const incomplete = new Uint8Array(g.size);
  const dynamic = new Uint8Array(g.size);
  const block = new Float64Array(comps.count);
  const bound = new Float64Array(comps.count).fill(Number.NaN);
  const backEdge = new Uint8Array(g.edgeTo.length);
  const mode: CompMode[] = [];
  // Callees before callers: component ids are reverse topological, and inside a cycle the DFS
  // post-order is (back edges aside).
  const order: number[] = [];
  // Functions called from outside their component: where a DFS inside a cycle should start.
  const entered = new Uint8Array(g.size);
  for (let v = 0; v < g.size; v++) {
    for (let e = g.edgeStart[v]!; e < g.edgeStart[v + 1]!; e++) {
      const w = g.edgeTo[e]!;
      if (comps.comp[w] !== comps.comp[v]) entered[w] = 1;
    }
  }
  for (let c = 0; c < comps.count; c++) {
    const members = comps.members[c]!;
    let m: CompMode = 'plain';
    if (comps.recursive[c] === 1) {
      let b = Number.NaN;
      for (const v of members) {
        const x = policy.bounds.get(g.name[v]!);
        if (x !== undefined) b = Number.isNaN(b) ? x : Math.max(b, x);
      }
      if (Number.isNaN(b) && policy.defaultBound !== undefined && members.length <= MAX_BLOCK_MEMBERS) {
        b = policy.defaultBound;
      }
      m = Number.isNaN(b) ? 'cycle' : 'block';
      bound[c] = b;
    }
    mode.push(m);
    if (m === 'block') {
      let sum = 0;
      for (const v of members) sum += g.frame[v]!;
      const own = sum * bound[c]!;
      block[c] = own;
      let below = 0;
      let inc = 0;
      let dyn = 0;
      let unb = 0;
      for (const v of members) {
        if (g.frameKnown[v] === 0 || g.unresolvedIndirect[v]! > 0) inc = 1;
        if (g.dynamic[v] === 1) dyn = 1;
        for (let e = g.edgeStart[v]!; e < g.edgeStart[v + 1]!; e++) {
          const w = g.edgeTo[e]!;
          if (ex[w] === 1 || comps.comp[w] === c) continue;
          if (worst[w]! > below) below = worst[w]!;
          inc |= incomplete[w]!;
          dyn |= dynamic[w]!;
          unb |= unbounded[w]!;
        }
      }
      for (const v of members) {
        worst[v] = own + below;
        incomplete[v] = inc;
        dynamic[v] = dyn;
        unbounded[v] = unb;
      }
      order.push(...members);
      continue;
    }
    const post = m === 'cycle' ? cycleOrder(g, comps, c, ex, backEdge, entered) : members;
    for (const v of post) {
      let best = g.frame[v]!;
      let inc = g.frameKnown[v] === 0 || g.unresolvedIndirect[v]! > 0 ? 1 : 0;
      let dyn = g.dynamic[v]!;
      let unb = m === 'cycle' ? 1 : 0;
      for (let e = g.edgeStart[v]!; e < g.edgeStart[v + 1]!; e++) {
        const w = g.edgeTo[e]!;
        if (ex[w] === 1 || backEdge[e] === 1 || w === v) continue;
        const reach = g.edgeDepth[e]! + worst[w]!;
        if (reach > best) best = reach;
        inc |= incomplete[w]!;
        dyn |= dynamic[w]!;
        unb |= unbounded[w]!;
      }
      worst[v] = best;
      incomplete[v] = inc;
      dynamic[v] = dyn;
      unbounded[v] = unb;
      order.push(v);
    }
  }
  const topological = Int32Array.from(order).reverse();
  return {
    comps,
    mode,
    worst,
    unbounded,
    incomplete,
    dynamic,
    block,
    bound,
    backEdge,
    topological,
    excluded: ex,
  };
}

/**
 * A DFS inside one cycle, started from the functions called from outside it: marks the edges that
 * close cycles and returns the members in post-order (callees first once those edges are dropped).
 * Iterative, like the component search.
 */
function cycleOrder(
  g: CallGraph,
  comps: Components,
  c: number,
  ex: Uint8Array,
  backEdge: Uint8Array,
  entered: Uint8Array,
): number[] {
  const members = [...comps.members[c]!].sort((a, b) => entered[b]! - entered[a]! || a - b);
  const state = new Map<number, number>(); // 1 on the DFS stack, 2 finished
  const post: number[] = [];
  for (const root of members) {
    if (state.has(root)) continue;
    const stackV: number[] = [root];
    const stackE: number[] = [g.edgeStart[root]!];
    state.set(root, 1);
    while (stackV.length > 0) {
      const top = stackV.length - 1;
      const v = stackV[top]!;
      const e = stackE[top]!;
      if (e < g.edgeStart[v + 1]!) {
        stackE[top] = e + 1;
        const w = g.edgeTo[e]!;
        if (ex[w] === 1 || comps.comp[w] !== c) continue;
        const st = state.get(w);
        if (st === 1) backEdge[e] = 1;
        else if (st === undefined) {
          state.set(w, 1);
          stackV.push(w);
          stackE.push(g.edgeStart[w]!);
        }
        continue;
      }
      state.set(v, 2);
      post.push(v);
      stackV.pop();
      stackE.pop();
    }
  }
  return post;
}

export type StepVia = 'start' | 'call' | 'jump' | 'indirect';

export interface PathStep {
  readonly node: number;
  /** Stack in use when the function is entered, bytes. */
  readonly depthBefore: number;
  /** Its frame, or for a recursion block the block's bytes. */
  readonly frameBytes: number;
  readonly via: StepVia;
  /**
   * Set inside recursion: the functions of the cycle and the bound used. With a bound the step is the
   * whole block (bound x frames); without one (undefined) it is one function of the cycle, visited once.
   */
  readonly recursion?: { readonly members: readonly number[]; readonly bound: number | undefined };
}

export interface StackPath {
  readonly steps: readonly PathStep[];
  /** Deepest stack along the path, bytes. */
  readonly totalBytes: number;
  readonly unbounded: boolean;
  readonly incomplete: boolean;
  readonly dynamic: boolean;
}

interface State {
  readonly node: number;
  readonly depthBefore: number;
  readonly via: StepVia;
  readonly parent: State | undefined;
  /** Ends the path here (the function's own frame is its deepest point). */
  readonly terminal: boolean;
  readonly bound: number;
}

const VIA: Readonly<Record<number, StepVia>> = {
  [EdgeKind.CALL]: 'call',
  [EdgeKind.JUMP]: 'jump',
  [EdgeKind.INDIRECT]: 'indirect',
};

/**
 * Functions that start the deepest paths when no entry is given: those no other component calls.
 */
export function graphRoots(g: CallGraph, wc: WorstCase): number[] {
  const called = new Uint8Array(wc.comps.count);
  for (let v = 0; v < g.size; v++) {
    if (wc.excluded[v] === 1) continue;
    for (let e = g.edgeStart[v]!; e < g.edgeStart[v + 1]!; e++) {
      const w = g.edgeTo[e]!;
      if (wc.excluded[w] === 0 && wc.comps.comp[w] !== wc.comps.comp[v]) called[wc.comps.comp[w]!] = 1;
    }
  }
  const roots: number[] = [];
  for (let c = 0; c < wc.comps.count; c++) if (called[c] === 0) roots.push(wc.comps.members[c]![0]!);
  return roots;
}

/**
 * The `n` deepest paths from `roots`, deepest first (best-first search on exact bounds, so paths come
 * out in order). `maxExpansions` caps the work on huge graphs; `truncated` says when it was hit.
 */
export function topPaths(
  g: CallGraph,
  wc: WorstCase,
  roots: readonly number[],
  n: number,
  maxExpansions = 500_000,
): { paths: StackPath[]; truncated: boolean } {
  const heap = new MaxHeap<State>((s) => s.bound);
  for (const r of roots) {
    if (wc.excluded[r] === 1) continue;
    heap.push({
      node: r,
      depthBefore: 0,
      via: 'start',
      parent: undefined,
      terminal: false,
      bound: wc.worst[r]!,
    });
  }
  const paths: StackPath[] = [];
  let expansions = 0;
  while (paths.length < n && heap.size > 0) {
    if (++expansions > maxExpansions) return { paths, truncated: true };
    const s = heap.pop()!;
    if (s.terminal) {
      paths.push(toPath(g, wc, s));
      continue;
    }
    const c = wc.comps.comp[s.node]!;
    const isBlock = wc.mode[c] === 'block';
    const own = isBlock ? wc.block[c]! : g.frame[s.node]!;
    let deepestChild = -1;
    const from = isBlock ? wc.comps.members[c]! : [s.node];
    for (const v of from) {
      for (let e = g.edgeStart[v]!; e < g.edgeStart[v + 1]!; e++) {
        const w = g.edgeTo[e]!;
        if (wc.excluded[w] === 1 || wc.backEdge[e] === 1 || w === v) continue;
        if (isBlock && wc.comps.comp[w] === c) continue;
        const depthBefore = s.depthBefore + (isBlock ? own : g.edgeDepth[e]!);
        const bound = depthBefore + wc.worst[w]!;
        if (bound > deepestChild) deepestChild = bound;
        heap.push({
          node: w,
          depthBefore,
          via: VIA[g.edgeKind[e]!] ?? 'call',
          parent: s,
          terminal: false,
          bound,
        });
      }
    }
    // The function itself is the deepest point when no call goes deeper than its frame.
    if (s.depthBefore + own > deepestChild) {
      heap.push({ ...s, terminal: true, bound: s.depthBefore + own });
    }
  }
  return { paths, truncated: false };
}

function toPath(g: CallGraph, wc: WorstCase, last: State): StackPath {
  const states: State[] = [];
  for (let s: State | undefined = last; s !== undefined; s = s.parent) states.push(s);
  states.reverse();
  let unbounded = false;
  let incomplete = false;
  let dynamic = false;
  const steps = states.map((s): PathStep => {
    const c = wc.comps.comp[s.node]!;
    if (g.frameKnown[s.node] === 0 || g.unresolvedIndirect[s.node]! > 0) incomplete = true;
    if (g.dynamic[s.node] === 1) dynamic = true;
    if (wc.mode[c] === 'block') {
      return {
        node: s.node,
        depthBefore: s.depthBefore,
        frameBytes: wc.block[c]!,
        via: s.via,
        recursion: { members: wc.comps.members[c]!, bound: wc.bound[c]! },
      };
    }
    if (wc.mode[c] === 'cycle') {
      unbounded = true;
      return {
        node: s.node,
        depthBefore: s.depthBefore,
        frameBytes: g.frame[s.node]!,
        via: s.via,
        recursion: { members: wc.comps.members[c]!, bound: undefined },
      };
    }
    return { node: s.node, depthBefore: s.depthBefore, frameBytes: g.frame[s.node]!, via: s.via };
  });
  return { steps, totalBytes: last.bound, unbounded, incomplete, dynamic };
}

/**
 * The deepest stack in use at the moment a path from `roots` enters any of `targets` (e.g. how deep
 * the task stack is when a syscall path reaches __do_softirq), or undefined when none is reached.
 */
export function deepestEntry(
  g: CallGraph,
  wc: WorstCase,
  roots: readonly number[],
  targets: ReadonlySet<number>,
): number | undefined {
  const reach = new Float64Array(g.size).fill(Number.NEGATIVE_INFINITY);
  for (const r of roots) if (wc.excluded[r] === 0) reach[r] = 0;
  const blockDone = new Uint8Array(wc.comps.count);
  const cycleEntered = new Uint8Array(wc.comps.count);
  for (const v of wc.topological) {
    const c = wc.comps.comp[v]!;
    if (wc.mode[c] === 'cycle' && cycleEntered[c] === 0) {
      // Every function of a cycle is reachable from any of its entries: at least at the entry depth
      // (a lower bound, like everything inside unbounded recursion).
      cycleEntered[c] = 1;
      let entry = Number.NEGATIVE_INFINITY;
      for (const m of wc.comps.members[c]!) entry = Math.max(entry, reach[m]!);
      if (entry !== Number.NEGATIVE_INFINITY)
        for (const m of wc.comps.members[c]!) reach[m] = Math.max(reach[m]!, entry);
    }
    if (wc.mode[c] === 'block') {
      // A bounded recursion is entered as a whole: every member at the deepest entry, then the block.
      if (blockDone[c] === 1) continue;
      blockDone[c] = 1;
      const members = wc.comps.members[c]!;
      let entry = Number.NEGATIVE_INFINITY;
      for (const m of members) entry = Math.max(entry, reach[m]!);
      if (entry === Number.NEGATIVE_INFINITY) continue;
      for (const m of members) {
        reach[m] = entry;
        for (let e = g.edgeStart[m]!; e < g.edgeStart[m + 1]!; e++) {
          const w = g.edgeTo[e]!;
          if (wc.excluded[w] === 1 || wc.comps.comp[w] === c) continue;
          reach[w] = Math.max(reach[w]!, entry + wc.block[c]!);
        }
      }
      continue;
    }
    const from = reach[v]!;
    if (from === Number.NEGATIVE_INFINITY) continue;
    for (let e = g.edgeStart[v]!; e < g.edgeStart[v + 1]!; e++) {
      const w = g.edgeTo[e]!;
      if (wc.excluded[w] === 1 || wc.backEdge[e] === 1 || w === v) continue;
      reach[w] = Math.max(reach[w]!, from + g.edgeDepth[e]!);
    }
  }
  let best: number | undefined;
  for (const t of targets) {
    const r = reach[t]!;
    if (r !== Number.NEGATIVE_INFINITY && (best === undefined || r > best)) best = r;
  }
  return best;
}

/** A binary max-heap keyed by `key`. */
class MaxHeap<T> {
  private readonly items: T[] = [];
  constructor(private readonly key: (t: T) => number) {}
  get size(): number {
    return this.items.length;
  }
  push(t: T): void {
    const a = this.items;
    a.push(t);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.key(a[p]!) >= this.key(a[i]!)) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }
  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.key(a[l]!) > this.key(a[m]!)) m = l;
        if (r < a.length && this.key(a[r]!) > this.key(a[m]!)) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}

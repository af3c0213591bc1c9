// The call graph across the binaries given together (a vmlinux and its modules, a program and its
// libraries): one node per function, edges from resolved call sites. An edge carries the caller's
// stack in use at the call (`depth`), so a tail call made after the epilogue adds nothing.
//
//   mod_open [mini-module] --bl (128)--> kmalloc [mini-kernel]   (R_AARCH64_CALL26 against an undefined
//                                                                  symbol, resolved by name in vmlinux)
//   __do_softirq --blr (80)--> net_rx_action                      (indirect: from the annotations)
//
// Names a module calls and no binary defines become external nodes with an unknown frame; indirect
// calls without annotated callees are counted per function. Both make a path's total a lower bound.
import { type Diagnostic, diag } from '../base/diag.ts';
import type { StackAnnotations } from '../formats/stack-annotations.ts';
import type { Binary, Callee } from './binary.ts';
import { ET_REL } from './elf-constants.ts';
import { SiteKind } from './frame-analysis.ts';

export const EdgeKind = {
  /** bl: the callee runs below the caller's frame. */
  CALL: 0,
  /** b to another function (a tail call, or a branch with part of the frame still allocated). */
  JUMP: 1,
  /** blr/br with callees from the annotations (calls or tables). */
  INDIRECT: 2,
} as const;
export type EdgeKind = (typeof EdgeKind)[keyof typeof EdgeKind];

export interface CallGraph {
  readonly size: number;
  /** Function name (an external node: the undefined symbol's name). */
  readonly name: readonly string[];
  /** Binary tag ("vmlinux", "af_key"); "" for external nodes. */
  readonly tag: readonly string[];
  /** Static frame in bytes (0 when unknown). */
  readonly frame: Float64Array;
  /** 1 when the frame is known: decoded, imported or annotated. */
  readonly frameKnown: Uint8Array;
  readonly dynamic: Uint8Array;
  /** Indirect call sites (blr) without annotated callees. */
  readonly unresolvedIndirect: Uint32Array;
  /** Indirect jumps (br): jump tables, or tail calls through pointers. */
  readonly indirectJumps: Uint32Array;
  /** 1 for functions the annotations say not to follow (`ignore:`): paths never enter them. */
  readonly ignored: Uint8Array;
  /** Index of the binary, -1 for external nodes. */
  readonly binary: Int32Array;
  /** Index in Binary.functions, -1 for external nodes. */
  readonly fn: Int32Array;
  /** Edges in CSR form: node v's edges are [edgeStart[v], edgeStart[v + 1]). */
  readonly edgeStart: Int32Array;
  readonly edgeTo: Int32Array;
  readonly edgeDepth: Float64Array;
  readonly edgeKind: Uint8Array;
}

/** Nodes named `name` ("name" or "tag:name"), in node order. */
export function findNodes(g: CallGraph, query: string): number[] {
  const colon = query.indexOf(':');
  const tag = colon > 0 ? query.slice(0, colon) : undefined;
  const name = colon > 0 ? query.slice(colon + 1) : query;
  const out: number[] = [];
  for (let v = 0; v < g.size; v++)
    if (g.name[v] === name && (tag === undefined || g.tag[v] === tag)) out.push(v);
  return out;
}

/** "name [tag]" as checkstack.pl and %pS print a module symbol. */
export function nodeLabel(g: CallGraph, v: number): string {
  const tag = g.tag[v];
  return tag === '' ? `${g.name[v]} [?]` : `${g.name[v]} [${tag}]`;
}

/**
 * One binary reduced to what the call graph needs, in typed arrays: a module tree has two million
 * call sites, too many to keep as objects until every module is read.
 */
export interface GraphPart {
  readonly tag: string;
  readonly e_type: number;
  readonly names: readonly string[];
  /** Aliases by function index, for the few functions that have them. */
  readonly aliases: ReadonlyMap<number, readonly string[]>;
  readonly global: Uint8Array;
  readonly frame: Float64Array;
  readonly dynamic: Uint8Array;
  /** Direct call sites: caller index, callee index (-1 = the external name in siteName), depth, EdgeKind. */
  readonly siteFrom: Int32Array;
  readonly siteTo: Int32Array;
  readonly siteName: ReadonlyMap<number, string>;
  readonly siteDepth: Float64Array;
  readonly siteKind: Uint8Array;
  /** Per function: indirect calls (blr), indirect jumps (br), and the deepest of their depths. */
  readonly indirectCalls: Uint32Array;
  readonly indirectJumps: Uint32Array;
  readonly indirectDepth: Float64Array;
  /** Function-pointer tables this binary defines. */
  readonly tables: ReadonlyMap<string, readonly Callee[]>;
  /** Branches to addresses that start no function. */
  readonly unknownTargets: number;
}

/** Reduces an analysed binary to its part of the call graph. */
export function graphPart(b: Binary): GraphPart {
  const n = b.functions.length;
  const aliases = new Map<number, readonly string[]>();
  const global = new Uint8Array(n);
  const frame = new Float64Array(n);
  const dynamic = new Uint8Array(n);
  const indirectCalls = new Uint32Array(n);
  const indirectJumps = new Uint32Array(n);
  const indirectDepth = new Float64Array(n);
  let sites = 0;
  for (const f of b.functions) sites += f.sites.length;
  const siteFrom = new Int32Array(sites);
  const siteTo = new Int32Array(sites);
  const siteDepth = new Float64Array(sites);
  const siteKind = new Uint8Array(sites);
  const siteName = new Map<number, string>();
  let k = 0;
  let unknownTargets = 0;
  b.functions.forEach((f, i) => {
    if (f.aliases.length > 0) aliases.set(i, f.aliases);
    global[i] = f.global ? 1 : 0;
    frame[i] = f.frameBytes;
    dynamic[i] = f.dynamic ? 1 : 0;
    for (const s of f.sites) {
      if (s.callee.kind === 'indirect') {
        if (s.kind === SiteKind.INDIRECT_CALL) indirectCalls[i]!++;
        else indirectJumps[i]!++;
        if (s.depth > indirectDepth[i]!) indirectDepth[i] = s.depth;
        continue;
      }
      if (s.callee.kind === 'unknown') {
        unknownTargets++;
        continue;
      }
      siteFrom[k] = i;
      siteDepth[k] = s.depth;
      siteKind[k] = s.kind === SiteKind.CALL ? EdgeKind.CALL : EdgeKind.JUMP;
      if (s.callee.kind === 'function') siteTo[k] = s.callee.index;
      else {
        siteTo[k] = -1;
        siteName.set(k, s.callee.name);
      }
      k++;
    }
  });
  return {
    tag: b.tag,
    e_type: b.e_type,
    names: b.functions.map((f) => f.name),
    aliases,
    global,
    frame,
    dynamic,
    siteFrom: siteFrom.subarray(0, k),
    siteTo: siteTo.subarray(0, k),
    siteName,
    siteDepth: siteDepth.subarray(0, k),
    siteKind: siteKind.subarray(0, k),
    indirectCalls,
    indirectJumps,
    indirectDepth,
    tables: b.pointerTables,
    unknownTargets,
  };
}

export function buildCallGraph(
  inputs: readonly (Binary | GraphPart)[],
  annotations: StackAnnotations,
): { graph: CallGraph; diagnostics: Diagnostic[] } {
  const parts = inputs.map((x) => ('functions' in x ? graphPart(x) : x));
  const diagnostics: Diagnostic[] = [];
  const base: number[] = [];
  let count = 0;
  for (const p of parts) {
    base.push(count);
    count += p.names.length;
  }
  const name: string[] = [];
  const tag: string[] = [];
  const binaryOf: number[] = [];
  const fnOf: number[] = [];
  const byName = new Map<string, number[]>();
  const addName = (n: string, v: number) => {
    const l = byName.get(n);
    if (l === undefined) byName.set(n, [v]);
    else l.push(v);
  };
  // Global symbols other binaries can call; a linked image (vmlinux) wins over a module on a clash.
  const globals = new Map<string, number>();
  parts.forEach((p, pi) => {
    p.names.forEach((fname, fi) => {
      const v = base[pi]! + fi;
      name.push(fname);
      tag.push(p.tag);
      binaryOf.push(pi);
      fnOf.push(fi);
      for (const n of [fname, ...(p.aliases.get(fi) ?? [])]) {
        addName(n, v);
        if (p.global[fi] !== 1) continue;
        const prev = globals.get(n);
        if (prev === undefined || (parts[binaryOf[prev]!]!.e_type === ET_REL && p.e_type !== ET_REL)) {
          globals.set(n, v);
        }
      }
    });
  });
  const externals = new Map<string, number>();
  const external = (n: string): number => {
    let v = externals.get(n);
    if (v === undefined) {
      v = name.length;
      externals.set(n, v);
      name.push(n);
      tag.push('');
      binaryOf.push(-1);
      fnOf.push(-1);
      addName(n, v);
    }
    return v;
  };
  // Edges as they come; collapsed per (from, to) to the deepest site when the CSR is built.
  const eFrom: number[] = [];
  const eTo: number[] = [];
  const eDepth: number[] = [];
  const eKind: number[] = [];
  const addEdge = (from: number, to: number, depth: number, kind: EdgeKind) => {
    eFrom.push(from);
    eTo.push(to);
    eDepth.push(depth);
    eKind.push(kind);
  };
  const resolve = (pi: number, c: Callee): number | undefined => {
    if (c.kind === 'function') return base[pi]! + c.index;
    if (c.kind === 'external') return globals.get(c.name) ?? external(c.name);
    return undefined;
  };
  const unresolvedIndirect = new Uint32Array(count);
  const indirectJumps = new Uint32Array(count);
  const indirectDepth = new Float64Array(count);
  let unknownTargets = 0;
  parts.forEach((p, pi) => {
    const b0 = base[pi]!;
    unresolvedIndirect.set(p.indirectCalls, b0);
    indirectJumps.set(p.indirectJumps, b0);
    indirectDepth.set(p.indirectDepth, b0);
    unknownTargets += p.unknownTargets;
    for (let k = 0; k < p.siteFrom.length; k++) {
      const local = p.siteTo[k]!;
      const to =
        local >= 0
          ? b0 + local
          : (() => {
              const n = p.siteName.get(k)!;
              return globals.get(n) ?? external(n);
            })();
      addEdge(b0 + p.siteFrom[k]!, to, p.siteDepth[k]!, p.siteKind[k] as EdgeKind);
    }
  });
  if (unknownTargets > 0) {
    diagnostics.push(
      diag(
        'call-graph/unknown-target',
        'notice',
        `${unknownTargets} branch(es) to addresses that start no function were left out`,
      ),
    );
  }
  // Annotated indirect callees: explicit lists and function-pointer tables.
  const named = (n: string, where: string): number[] => {
    const l = byName.get(n);
    if (l === undefined || l.length === 0) {
      diagnostics.push(
        diag('annotations/unknown-function', 'notice', `${where}: no function "${n}" in the binaries`),
      );
      return [];
    }
    return l;
  };
  const annotatedIndirect = new Map<number, number>();
  const addIndirect = (caller: number, callees: readonly number[]) => {
    const bi = binaryOf[caller]!;
    const depth =
      caller < count &&
      (indirectDepth[caller]! > 0 || unresolvedIndirect[caller]! > 0 || indirectJumps[caller]! > 0)
        ? indirectDepth[caller]!
        : bi >= 0
          ? parts[bi]!.frame[fnOf[caller]!]!
          : 0;
    for (const c of callees) addEdge(caller, c, depth, EdgeKind.INDIRECT);
    annotatedIndirect.set(caller, 0);
  };
  for (const [caller, callees] of Object.entries(annotations.calls)) {
    const targets = callees.flatMap((c) => named(c, `calls.${caller}`));
    for (const v of named(caller, 'calls')) addIndirect(v, targets);
  }
  for (const t of annotations.tables) {
    const targets: number[] = [];
    let found = false;
    parts.forEach((p, pi) => {
      const entries = p.tables.get(t.table);
      if (entries === undefined) return;
      found = true;
      for (const c of entries) {
        const to = resolve(pi, c);
        if (to !== undefined) targets.push(to);
      }
    });
    if (!found) {
      diagnostics.push(
        diag('annotations/unknown-table', 'notice', `tables: no object "${t.table}" in the binaries`),
      );
      continue;
    }
    for (const caller of t.callers)
      for (const v of named(caller, `tables.${t.table}`)) addIndirect(v, targets);
  }
  const size = name.length;
  const { edgeStart, edgeTo, edgeDepth, edgeKind } = toCsr(size, eFrom, eTo, eDepth, eKind);
  const frame = new Float64Array(size);
  const frameKnown = new Uint8Array(size);
  const dynamic = new Uint8Array(size);
  parts.forEach((p, pi) => {
    frame.set(p.frame, base[pi]!);
    frameKnown.fill(1, base[pi]!, base[pi]! + p.names.length);
    dynamic.set(p.dynamic, base[pi]!);
  });
  const ignored = new Uint8Array(size);
  for (const n of annotations.ignore) for (const v of named(n, 'ignore')) ignored[v] = 1;
  for (const [n, bytes] of Object.entries(annotations.frames)) {
    for (const v of named(n, 'frames')) {
      frame[v] = bytes;
      frameKnown[v] = 1;
    }
  }
  const unresolved = new Uint32Array(size);
  unresolved.set(unresolvedIndirect);
  for (const v of annotatedIndirect.keys()) unresolved[v] = 0;
  const jumps = new Uint32Array(size);
  jumps.set(indirectJumps);
  return {
    graph: {
      size,
      name,
      tag,
      frame,
      frameKnown,
      dynamic,
      ignored,
      unresolvedIndirect: unresolved,
      indirectJumps: jumps,
      binary: Int32Array.from(binaryOf),
      fn: Int32Array.from(fnOf),
      edgeStart,
      edgeTo,
      edgeDepth,
      edgeKind,
    },
    diagnostics,
  };
}

/**
 * Edge lists to CSR, parallel edges (same caller and callee) merged into one with the deepest site;
 * a plain call wins over a jump at the same depth. Linear: a counting sort on the caller, then a
 * stamp array to find repeats of a callee within one caller.
 */
function toCsr(
  size: number,
  from: readonly number[],
  to: readonly number[],
  depth: readonly number[],
  kind: readonly number[],
): { edgeStart: Int32Array; edgeTo: Int32Array; edgeDepth: Float64Array; edgeKind: Uint8Array } {
  const count = new Int32Array(size + 1);
  for (const f of from) count[f + 1]!++;
  for (let v = 0; v < size; v++) count[v + 1]! += count[v]!;
  const order = new Int32Array(from.length);
  const fill = count.slice(0, size);
  for (let e = 0; e < from.length; e++) order[fill[from[e]!]!++] = e;
  const stamp = new Int32Array(size).fill(-1);
  const slot = new Int32Array(size);
  const edgeStart = new Int32Array(size + 1);
  const outTo = new Int32Array(from.length);
  const outDepth = new Float64Array(from.length);
  const outKind = new Uint8Array(from.length);
  let n = 0;
  for (let v = 0; v < size; v++) {
    edgeStart[v] = n;
    for (let k = count[v]!; k < count[v + 1]!; k++) {
      const e = order[k]!;
      const w = to[e]!;
      if (stamp[w] === v) {
        const at = slot[w]!;
        if (depth[e]! > outDepth[at]!) {
          outDepth[at] = depth[e]!;
          if (outKind[at] !== EdgeKind.CALL) outKind[at] = kind[e]!;
        }
        continue;
      }
      stamp[w] = v;
      slot[w] = n;
      outTo[n] = w;
      outDepth[n] = depth[e]!;
      outKind[n] = kind[e]!;
      n++;
    }
  }
  edgeStart[size] = n;
  return {
    edgeStart,
    edgeTo: outTo.slice(0, n),
    edgeDepth: outDepth.slice(0, n),
    edgeKind: outKind.slice(0, n),
  };
}

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

export function buildCallGraph(
  binaries: readonly Binary[],
  annotations: StackAnnotations,
): { graph: CallGraph; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const base: number[] = [];
  let count = 0;
  for (const b of binaries) {
    base.push(count);
    count += b.functions.length;
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
  binaries.forEach((b, bi) => {
    b.functions.forEach((f, fi) => {
      const v = base[bi]! + fi;
      name.push(f.name);
      tag.push(b.tag);
      binaryOf.push(bi);
      fnOf.push(fi);
      for (const n of [f.name, ...f.aliases]) {
        addName(n, v);
        if (!f.global) continue;
        const prev = globals.get(n);
        if (prev === undefined || (binaries[binaryOf[prev]!]!.e_type === ET_REL && b.e_type !== ET_REL)) {
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
  // Edges, collapsed per (from, to) to the deepest site.
  const edges: Map<number, { depth: number; kind: EdgeKind }>[] = [];
  const addEdge = (from: number, to: number, depth: number, kind: EdgeKind) => {
    let m = edges[from];
    if (m === undefined) edges[from] = m = new Map();
    const e = m.get(to);
    if (e === undefined) m.set(to, { depth, kind });
    else if (depth > e.depth) m.set(to, { depth, kind: e.kind === EdgeKind.CALL ? EdgeKind.CALL : kind });
  };
  const resolve = (bi: number, c: Callee): number | undefined => {
    if (c.kind === 'function') return base[bi]! + c.index;
    if (c.kind === 'external') return globals.get(c.name) ?? external(c.name);
    return undefined;
  };
  const indirectDepth = new Map<number, number>();
  const unresolvedIndirect: number[] = [];
  const indirectJumps: number[] = [];
  let unknownTargets = 0;
  binaries.forEach((b, bi) => {
    b.functions.forEach((f, fi) => {
      const v = base[bi]! + fi;
      let blr = 0;
      let br = 0;
      for (const s of f.sites) {
        if (s.callee.kind === 'indirect') {
          if (s.kind === SiteKind.INDIRECT_CALL) blr++;
          else br++;
          indirectDepth.set(v, Math.max(indirectDepth.get(v) ?? 0, s.depth));
          continue;
        }
        const to = resolve(bi, s.callee);
        if (to === undefined) {
          unknownTargets++;
          continue;
        }
        addEdge(v, to, s.depth, s.kind === SiteKind.CALL ? EdgeKind.CALL : EdgeKind.JUMP);
      }
      unresolvedIndirect[v] = blr;
      indirectJumps[v] = br;
    });
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
  const addIndirect = (caller: number, callees: readonly number[]) => {
    const depth = indirectDepth.get(caller) ?? frameOf(binaries, binaryOf[caller]!, fnOf[caller]!);
    for (const c of callees) addEdge(caller, c, depth, EdgeKind.INDIRECT);
    unresolvedIndirect[caller] = 0;
  };
  for (const [caller, callees] of Object.entries(annotations.calls)) {
    const targets = callees.flatMap((c) => named(c, `calls.${caller}`));
    for (const v of named(caller, 'calls')) addIndirect(v, targets);
  }
  for (const t of annotations.tables) {
    const targets: number[] = [];
    let found = false;
    binaries.forEach((b, bi) => {
      const entries = b.pointerTables.get(t.table);
      if (entries === undefined) return;
      found = true;
      for (const c of entries) {
        const to = resolve(bi, c);
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
  // CSR.
  const size = name.length;
  const edgeStart = new Int32Array(size + 1);
  let total = 0;
  for (let v = 0; v < size; v++) {
    edgeStart[v] = total;
    total += edges[v]?.size ?? 0;
  }
  edgeStart[size] = total;
  const edgeTo = new Int32Array(total);
  const edgeDepth = new Float64Array(total);
  const edgeKind = new Uint8Array(total);
  for (let v = 0; v < size; v++) {
    let at = edgeStart[v]!;
    for (const [to, e] of edges[v] ?? []) {
      edgeTo[at] = to;
      edgeDepth[at] = e.depth;
      edgeKind[at] = e.kind;
      at++;
    }
  }
  const frame = new Float64Array(size);
  const frameKnown = new Uint8Array(size);
  const dynamic = new Uint8Array(size);
  for (let v = 0; v < size; v++) {
    if (binaryOf[v]! < 0) continue;
    const f = binaries[binaryOf[v]!]!.functions[fnOf[v]!]!;
    frame[v] = f.frameBytes;
    frameKnown[v] = 1;
    dynamic[v] = f.dynamic ? 1 : 0;
  }
  const ignored = new Uint8Array(size);
  for (const n of annotations.ignore) for (const v of named(n, 'ignore')) ignored[v] = 1;
  for (const [n, bytes] of Object.entries(annotations.frames)) {
    for (const v of named(n, 'frames')) {
      frame[v] = bytes;
      frameKnown[v] = 1;
    }
  }
  return {
    graph: {
      size,
      name,
      tag,
      frame,
      frameKnown,
      dynamic,
      ignored,
      unresolvedIndirect: Uint32Array.from({ length: size }, (_, v) => unresolvedIndirect[v] ?? 0),
      indirectJumps: Uint32Array.from({ length: size }, (_, v) => indirectJumps[v] ?? 0),
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

function frameOf(binaries: readonly Binary[], bi: number, fi: number): number {
  return bi < 0 ? 0 : (binaries[bi]?.functions[fi]?.frameBytes ?? 0);
}

// Strongly connected components of the call graph (Tarjan's algorithm, iterative: kernel call
// chains are deep enough to overflow a recursive walk). A component with more than one function,
// or one that calls itself, is recursion; its depth needs a bound from the user.
//
// Tarjan finishes a component only after every component it reaches, so component ids come out in
// reverse topological order: callees before callers. The worst-case pass relies on that.
import type { CallGraph } from './call-graph.ts';

export interface Components {
  /** Component id of each node (-1 for excluded nodes). */
  readonly comp: Int32Array;
  readonly count: number;
  /** Members of each component. */
  readonly members: readonly (readonly number[])[];
  /** 1 when the component is a cycle (several nodes, or a node calling itself). */
  readonly recursive: Uint8Array;
}

/**
 * Components of the graph restricted to nodes not marked in `excluded` (edges into excluded nodes
 * are ignored).
 */
export function stronglyConnected(g: CallGraph, excluded?: Uint8Array): Components {
  const n = g.size;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const comp = new Int32Array(n).fill(-1);
  const stack: number[] = [];
  const members: number[][] = [];
  const recursiveList: number[] = [];
  // Explicit DFS stack: node and the next edge to look at.
  const dfsNode = new Int32Array(n);
  const dfsEdge = new Int32Array(n);
  let next = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1 || excluded?.[root] === 1) continue;
    let depth = 0;
    dfsNode[0] = root;
    dfsEdge[0] = g.edgeStart[root]!;
    index[root] = low[root] = next++;
    stack.push(root);
    onStack[root] = 1;
    while (depth >= 0) {
      const v = dfsNode[depth]!;
      const e = dfsEdge[depth]!;
      if (e < g.edgeStart[v + 1]!) {
        dfsEdge[depth] = e + 1;
        const w = g.edgeTo[e]!;
        if (excluded?.[w] === 1) continue;
        if (index[w] === -1) {
          index[w] = low[w] = next++;
          stack.push(w);
          onStack[w] = 1;
          depth++;
          dfsNode[depth] = w;
          dfsEdge[depth] = g.edgeStart[w]!;
        } else if (onStack[w] === 1 && index[w]! < low[v]!) low[v] = index[w]!;
        continue;
      }
      if (low[v] === index[v]) {
        const id = members.length;
        const list: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          comp[w] = id;
          list.push(w);
        } while (w !== v);
        members.push(list);
        recursiveList.push(list.length > 1 || callsItself(g, v) ? 1 : 0);
      }
      depth--;
      if (depth >= 0) {
        const u = dfsNode[depth]!;
        if (low[v]! < low[u]!) low[u] = low[v]!;
      }
    }
  }
  return { comp, count: members.length, members, recursive: Uint8Array.from(recursiveList) };
}

function callsItself(g: CallGraph, v: number): boolean {
  for (let e = g.edgeStart[v]!; e < g.edgeStart[v + 1]!; e++) if (g.edgeTo[e] === v) return true;
  return false;
}

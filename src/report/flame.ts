// The flame view: an icicle (root on top, callees below) of the deepest stack on each stack kind,
// widths in bytes of stack, so the frames that cost the most are the widest. d3-hierarchy does the
// partition layout; this file turns it into SVG text, for the static page and for the page's script,
// which calls it again with another node in focus to zoom (the focused node spans the full width,
// its ancestors sit above it as full-width bars).

import { type HierarchyRectangularNode, hierarchy, partition } from 'd3-hierarchy';
import { readNumber } from '../base/number.ts';
import { esc } from './html.ts';
import type { LayoutFrame } from './stack-layout.ts';

export interface FlameNode {
  readonly name: string;
  /** Bytes of this node's own frame (0 for the grouping nodes: design, stack). */
  readonly self: number;
  /** `design`, `stack`, or the frame's context (task, softirq, hardirq), or `pt_regs` / `linkage`. */
  readonly tone: string;
  /** Depth of the frame's lowest byte on its stack, when it is a frame. */
  readonly depth?: number;
  readonly stack?: string;
  readonly children: FlameNode[];
}

const STACK_TITLE: Record<string, string> = {
  task: 'task stack',
  irq: 'IRQ stack',
  overflow: 'overflow stack',
};

/** One design's frames as chains per stack: design -> stack -> outermost frame -> ... -> deepest. */
export function flameOfFrames(title: string, frames: readonly LayoutFrame[]): FlameNode {
  const root: FlameNode = { name: title, self: 0, tone: 'design', children: [] };
  const tails = new Map<string, FlameNode>();
  for (const f of frames) {
    let tail = tails.get(f.stack);
    if (!tail) {
      tail = { name: STACK_TITLE[f.stack] ?? f.stack, self: 0, tone: 'stack', stack: f.stack, children: [] };
      root.children.push(tail);
    }
    const tone = f.kind === 'pt_regs' || f.kind === 'linkage' ? f.kind : f.context;
    const node: FlameNode = {
      name: f.name,
      self: f.size,
      tone,
      depth: f.depth,
      stack: f.stack,
      children: [],
    };
    tail.children.push(node);
    tails.set(f.stack, node);
  }
  return root;
}

/** Several designs under one root, so their widths compare. */
export function flameOfDesigns(title: string, designs: readonly FlameNode[]): FlameNode {
  return { name: title, self: 0, tone: 'design', children: [...designs] };
}

const TONE: Record<string, string> = {
  design: 'var(--flame-group)',
  stack: 'var(--flame-stack)',
  task: 'var(--task)',
  softirq: 'var(--softirq)',
  hardirq: 'var(--hardirq)',
  pt_regs: 'var(--ptregs)',
  linkage: 'var(--linkage)',
};

export const FLAME_WIDTH = 1060;
const ROW = 18;

type Laid = HierarchyRectangularNode<FlameNode>;

/** Node ids are child-index paths from the root: "" (root), "0", "0.2", ... */
function idOf(n: Laid): string {
  const path: number[] = [];
  let c: Laid | null = n;
  while (c?.parent) {
    path.unshift(c.parent.children!.indexOf(c));
    c = c.parent;
  }
  return path.join('.');
}

/**
 * The icicle as SVG, `focus` (a node id) spanning the full width. Every node is a focusable group
 * (one tab stop: the focused node; the page's script moves focus with the arrow keys).
 */
export function renderFlameSvg(tree: FlameNode, opts: { focus?: string; label: string }): string {
  const root = partition<FlameNode>().size([1, 1])(
    hierarchy(tree, (d) => d.children).sum((d) => d.self),
  ) as Laid;
  const all = root.descendants();
  const byId = new Map(all.map((n) => [idOf(n), n]));
  const focus = byId.get(opts.focus ?? '') ?? root;
  const span = focus.x1 - focus.x0 || 1;
  const rows = root.height + 1;
  const height = rows * ROW + 4;
  const total = root.value ?? 0;
  let body = '';
  for (const n of all) {
    const ancestor = n.depth < focus.depth && focus.ancestors().includes(n);
    if (!ancestor && (n.x1 <= focus.x0 || n.x0 >= focus.x1)) continue;
    const x0 = ancestor ? 0 : ((n.x0 - focus.x0) / span) * FLAME_WIDTH;
    const x1 = ancestor ? FLAME_WIDTH : ((n.x1 - focus.x0) / span) * FLAME_WIDTH;
    const w = x1 - x0;
    if (w < 0.3) continue;
    const d = n.data;
    const id = idOf(n);
    const bytes = n.value ?? 0;
    const share = total > 0 ? ` (${((100 * bytes) / total).toFixed(1)} % of all)` : '';
    const tip =
      d.tone === 'design' || d.tone === 'stack'
        ? `${d.name}: ${bytes} B${share}`
        : `${d.name}: frame ${d.self} B, ${bytes} B with what it called, ${d.depth} B deep on the ${STACK_TITLE[d.stack ?? ''] ?? d.stack} (${d.tone})`;
    const y = n.depth * ROW;
    const chars = Math.floor((w - 6) / 6.4);
    const text = chars < 3 ? '' : d.name.length > chars ? `${d.name.slice(0, chars - 1)}…` : d.name;
    body +=
      `<g class="fnode${ancestor ? ' anc' : ''}" data-id="${id}" tabindex="${n === focus ? 0 : -1}" role="button" aria-label="${esc(tip)}">` +
      `<rect x="${x0.toFixed(2)}" y="${y}" width="${Math.max(0.3, w - 0.6).toFixed(2)}" height="${ROW - 1}" rx="1.5" fill="${TONE[d.tone] ?? 'var(--task)'}"${ancestor ? ' opacity="0.55"' : ''}><title>${esc(tip)}</title></rect>` +
      (text ? `<text x="${(x0 + 3).toFixed(2)}" y="${y + 12.5}" font-size="11">${esc(text)}</text>` : '') +
      '</g>';
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" class="flame" viewBox="0 0 ${FLAME_WIDTH} ${height}" width="${FLAME_WIDTH}" height="${height}" role="group" aria-label="${esc(opts.label)}" data-focus="${esc(idOf(focus))}">${body}</svg>`;
}

/** Parent, first child, and siblings of a node id, for keyboard moves in the icicle. */
export function flameNeighbours(
  tree: FlameNode,
  id: string,
): { up?: string; down?: string; left?: string; right?: string } {
  const path =
    id === ''
      ? []
      : id.split('.').map((x) => {
          const r = readNumber(x, { code: 'flame/bad-id', what: 'frame index' }, { file: 'flame' });
          return r.ok ? r.value : -1;
        });
  let node: FlameNode | undefined = tree;
  for (const i of path) node = node?.children[i];
  if (!node) return {};
  const parentPath = path.slice(0, -1);
  const last = path[path.length - 1];
  let parent: FlameNode | undefined = tree;
  for (const i of parentPath) parent = parent?.children[i];
  const join = (p: number[]) => p.join('.');
  return {
    ...(path.length > 0 ? { up: join(parentPath) } : {}),
    ...(node.children.length > 0 ? { down: join([...path, 0]) } : {}),
    ...(last !== undefined && last > 0 ? { left: join([...parentPath, last - 1]) } : {}),
    ...(last !== undefined && parent && last < parent.children.length - 1
      ? { right: join([...parentPath, last + 1]) }
      : {}),
  };
}

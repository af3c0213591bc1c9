// Flame-graph zoom: click or Enter zooms a node to the full width (the SVG is drawn again by the
// same function the static page was drawn with), Escape zooms out one level, arrow keys move
// between frames (one tab stop per graph). Delegated on the document, so graphs the drop zone adds
// work too.
import { type FlameNode, flameNeighbours, renderFlameSvg } from '../src/report/flame.ts';
import { dropTitles } from './tooltip.ts';

const trees = new WeakMap<Element, FlameNode>();

function treeOf(box: Element): FlameNode | undefined {
  let t = trees.get(box);
  if (!t) {
    const src = box.querySelector('script.flame-tree');
    if (!src?.textContent) return undefined;
    t = JSON.parse(src.textContent) as FlameNode;
    trees.set(box, t);
  }
  return t;
}

function draw(box: Element, focus: string, focusNode?: string): void {
  const tree = treeOf(box);
  const svg = box.querySelector('svg.flame');
  if (!tree || !svg) return;
  const label = svg.getAttribute('aria-label') ?? 'flame graph';
  svg.outerHTML = renderFlameSvg(tree, { focus, label });
  dropTitles(box);
  const el = box.querySelector(`.fnode[data-id="${focusNode ?? focus}"]`);
  if (el instanceof SVGElement) {
    for (const n of box.querySelectorAll('.fnode[tabindex="0"]')) n.setAttribute('tabindex', '-1');
    el.setAttribute('tabindex', '0');
    el.focus();
  }
}

function parentId(id: string): string {
  const i = id.lastIndexOf('.');
  return i < 0 ? '' : id.slice(0, i);
}

export function initFlames(): void {
  document.addEventListener('click', (e) => {
    const t = e.target instanceof Element ? e.target : null;
    const reset = t?.closest('[data-flame-reset]');
    if (reset) {
      const scope = reset.closest('section, .drop-out') ?? document;
      for (const box of scope.querySelectorAll('.flame-box')) draw(box, '');
      return;
    }
    const node = t?.closest('.flame-box .fnode');
    const box = node?.closest('.flame-box');
    if (node && box) draw(box, node.getAttribute('data-id') ?? '');
  });
  document.addEventListener('keydown', (e) => {
    const node = e.target instanceof Element ? e.target.closest('.flame-box .fnode') : null;
    const box = node?.closest('.flame-box');
    const tree = box ? treeOf(box) : undefined;
    if (!node || !box || !tree) return;
    const id = node.getAttribute('data-id') ?? '';
    const svg = box.querySelector('svg.flame');
    const zoomed = svg?.getAttribute('data-focus') ?? '';
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      draw(box, id);
      return;
    }
    if (e.key === 'Escape') {
      e.preventDefault();
      if (zoomed !== '') draw(box, parentId(zoomed), zoomed);
      return;
    }
    const n = flameNeighbours(tree, id);
    const to = { ArrowUp: n.up, ArrowDown: n.down, ArrowLeft: n.left, ArrowRight: n.right }[e.key];
    if (e.key.startsWith('Arrow')) e.preventDefault();
    if (to === undefined) return;
    const el = box.querySelector(`.fnode[data-id="${to}"]`);
    if (el instanceof SVGElement) {
      node.setAttribute('tabindex', '-1');
      el.setAttribute('tabindex', '0');
      el.focus();
    } else {
      draw(box, parentId(to), to);
    }
  });
}

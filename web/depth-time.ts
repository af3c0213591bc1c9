// Depth-time zoom: drag across a chart (or use + / - and the arrow keys on a focused chart) to pick
// a time range; every chart of the view is drawn again for that range by the same function the
// static page used, so the CPUs and stack kinds stay on one time axis.
import { depthSeriesSvg } from '../src/report/depth-time-view.ts';
import type { RunReport, RunStackKind } from '../src/report/run-result.ts';

interface Window {
  fromNs: number;
  toNs: number;
}

function redraw(section: Element, r: RunReport, w: Window | undefined): void {
  for (const box of section.querySelectorAll('.depth-box')) {
    const stack = box.getAttribute('data-depth-stack') as RunStackKind;
    box.innerHTML = depthSeriesSvg(r, stack, w);
    box.querySelector('svg')?.setAttribute('tabindex', '0');
  }
}

function windowOf(svg: Element): Window & { left: number; width: number } {
  return {
    fromNs: Number(svg.getAttribute('data-from')),
    toNs: Number(svg.getAttribute('data-to')),
    left: Number(svg.getAttribute('data-left')),
    width: Number(svg.getAttribute('data-width')),
  };
}

export function initDepthTime(): void {
  for (const section of document.querySelectorAll<HTMLElement>('section[data-view="depth-time"]')) {
    const src = section.querySelector('script.run-report');
    if (!src?.textContent) continue;
    const r = JSON.parse(src.textContent) as RunReport;
    for (const svg of section.querySelectorAll('svg.depth-series')) svg.setAttribute('tabindex', '0');
    section
      .querySelector('[data-depth-reset]')
      ?.addEventListener('click', () => redraw(section, r, undefined));
    let start: { x: number; svg: SVGSVGElement } | null = null;
    const toNs = (svg: SVGSVGElement, clientX: number) => {
      const w = windowOf(svg);
      const box = svg.getBoundingClientRect();
      const scale = Number(svg.viewBox.baseVal.width) / box.width;
      const x = (clientX - box.left) * scale;
      const f = Math.max(0, Math.min(1, (x - w.left) / w.width));
      return w.fromNs + f * (w.toNs - w.fromNs);
    };
    section.addEventListener('pointerdown', (e) => {
      const svg = e.target instanceof Element ? e.target.closest('svg.depth-series') : null;
      if (svg instanceof SVGSVGElement) start = { x: e.clientX, svg };
    });
    section.addEventListener('pointerup', (e) => {
      if (!start) return;
      const a = toNs(start.svg, start.x);
      const b = toNs(start.svg, e.clientX);
      start = null;
      if (Math.abs(b - a) > 0) redraw(section, r, { fromNs: Math.min(a, b), toNs: Math.max(a, b) });
    });
    section.addEventListener('keydown', (e) => {
      const svg = e.target instanceof Element ? e.target.closest('svg.depth-series') : null;
      if (!svg) return;
      const w = windowOf(svg);
      const span = w.toNs - w.fromNs;
      const mid = (w.fromNs + w.toNs) / 2;
      const next: Record<string, Window> = {
        '+': { fromNs: mid - span / 4, toNs: mid + span / 4 },
        '=': { fromNs: mid - span / 4, toNs: mid + span / 4 },
        '-': { fromNs: mid - span, toNs: mid + span },
        ArrowLeft: { fromNs: w.fromNs - span / 4, toNs: w.toNs - span / 4 },
        ArrowRight: { fromNs: w.fromNs + span / 4, toNs: w.toNs + span / 4 },
      };
      const n = next[e.key];
      if (!n) return;
      e.preventDefault();
      const stack = svg.closest('.depth-box')?.getAttribute('data-depth-stack');
      redraw(section, r, n);
      (section.querySelector(`.depth-box[data-depth-stack="${stack}"] svg`) as SVGSVGElement | null)?.focus();
    });
  }
}

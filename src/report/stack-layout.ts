// The stack-layout view: each stack of a design drawn to scale as the address range it is, the
// frames stacked inside it from the top down, pt_regs and the IRQ-stack linkage marked, the bytes
// at the bottom that frames must not reach (thread_info, STACK_END_MAGIC), the guard below a
// vmalloc'ed stack and the deepest point. The same chain is drawn side by side under each design.
//
//   high ┬──────────┐ <- THREAD_START_SP gap, then the first pt_regs
//        │ frames   │    one rect per frame, coloured by the context it ran in
//        │ ...      │
//        ├ ─ ─ ─ ─ ─┤ <- deepest point (red), margin below it
//        │          │
//   low  ┴──────────┘ <- thread_info + STACK_END_MAGIC (2015 designs)
//        ░ guard ░░░░    unmapped (VMAP_STACK), or the neighbour's memory (no guard)
//
// Pure: data in, SVG text out, so the page's drop zone draws with the very same code.
import type { StackRangeData } from '../analyze/stack-ranges.ts';
import { esc } from './html.ts';

/** One frame as the layout draws it (ProfileReplayData.frames has these fields). */
export interface LayoutFrame {
  readonly name: string;
  readonly kind: string;
  readonly stack: string;
  readonly size: number;
  /** Depth of the frame's lowest byte from its stack's top. */
  readonly depth: number;
  readonly context: 'task' | 'softirq' | 'hardirq';
}

/** A mark on a stack at a depth from its top (an overflow report's SP, FAR ...). */
export interface LayoutMark {
  readonly stack: string;
  readonly depth: number;
  readonly label: string;
}

export interface LayoutColumn {
  readonly title: string;
  readonly subtitle: string;
  readonly stacks: readonly StackRangeData[];
  readonly frames: readonly LayoutFrame[];
  /** Deepest bytes in use per stack kind (the verdicts' `used`). */
  readonly used: Readonly<Partial<Record<string, number>>>;
  readonly marks?: readonly LayoutMark[];
}

const SCALE = 0.028; // px per byte: 16 KB = 459 px
const BAR = 44;
const SLOT = 168;
const TOP = 78;
const FONT = 'font-family="ui-sans-serif, system-ui, sans-serif"';
const MONO = 'font-family="ui-monospace, SFMono-Regular, Menlo, monospace"';

const FILL: Record<string, string> = {
  task: 'var(--task)',
  softirq: 'var(--softirq)',
  hardirq: 'var(--hardirq)',
};

function frameFill(f: LayoutFrame): string {
  if (f.kind === 'pt_regs') return 'var(--ptregs)';
  if (f.kind === 'linkage') return 'var(--linkage)';
  if (f.kind === 'gap' || f.kind === 'kstack-offset') return 'var(--gap)';
  return FILL[f.context] ?? 'var(--task)';
}

/** Runs of frames worth a label: pt_regs and linkage on their own, else one run per context. */
function segments(
  frames: readonly LayoutFrame[],
): { label: string; sub: string; top: number; bottom: number }[] {
  const out: { key: string; label: string; top: number; bottom: number; n: number; bytes: number }[] = [];
  for (const f of frames) {
    if (f.size === 0) continue;
    const own = f.kind === 'pt_regs' || f.kind === 'linkage';
    const key = own ? `${f.kind}:${f.name}:${f.depth}` : f.context;
    const last = out[out.length - 1];
    if (last && last.key === key && !own) {
      last.bottom = f.depth;
      last.n++;
      last.bytes += f.size;
    } else {
      out.push({
        key,
        label: own ? f.name : f.context,
        top: f.depth - f.size,
        bottom: f.depth,
        n: 1,
        bytes: f.size,
      });
    }
  }
  const ctxName: Record<string, string> = { task: 'task context', softirq: 'softirq', hardirq: 'hard IRQ' };
  const cut = (t: string) => (t.length > 19 ? `${t.slice(0, 18)}…` : t);
  return out.map((s) => {
    const regs = /^pt_regs\((.*)\)$/.exec(s.label);
    const [label, sub] = !s.key.includes(':')
      ? [`${ctxName[s.label] ?? s.label} ${s.bytes} B`, `${s.n} frame${s.n === 1 ? '' : 's'}`]
      : regs
        ? [`pt_regs ${s.bytes} B`, cut(regs[1] ?? '')]
        : [cut(s.label), `${s.bytes} B IRQ-stack linkage`];
    return { label, sub, top: s.top, bottom: s.bottom };
  });
}

/** Spreads labels wanting to sit at `want` y so that none is closer than `gap` to the one above. */
function spread(want: readonly number[], gap: number, min: number): number[] {
  const out: number[] = [];
  let last = min - gap;
  for (const y of want) {
    const v = Math.max(y, last + gap);
    out.push(v);
    last = v;
  }
  return out;
}

function stackSvg(col: LayoutColumn, s: StackRangeData, x: number, maxBelow: number): string {
  const h = s.size * SCALE;
  const y0 = TOP;
  const frames = col.frames.filter((f) => f.stack === s.kind);
  const kb = s.size % 1024 === 0 ? `${s.size / 1024} KB` : `${s.size} B`;
  const title = { task: 'task stack', irq: 'IRQ stack', overflow: 'overflow stack' }[s.kind];
  let g = `<g class="stack" data-stack="${esc(s.kind)}">`;
  g += `<text x="${x}" y="${y0 - 22}" font-size="12" font-weight="600" ${FONT} fill="var(--ink)">${esc(title)} · ${esc(kb)}</text>`;
  g += `<text x="${x}" y="${y0 - 8}" font-size="9.5" ${MONO} fill="var(--mute)">${esc(s.high)}</text>`;
  g += `<text x="${x}" y="${y0 + h + 12}" font-size="9.5" ${MONO} fill="var(--mute)">${esc(s.low)}</text>`;
  // The guard region (or the lack of one) below the low end, to scale.
  const gy = y0 + h + 16;
  if (s.below.guardBytes > 0) {
    g += `<rect x="${x}" y="${gy}" width="${BAR}" height="${(s.below.guardBytes * SCALE).toFixed(1)}" fill="url(#hatch)" stroke="var(--mute)" stroke-width="0.6"><title>${esc(`${s.below.guardBytes} B below ${s.low}: ${s.below.what}`)}</title></rect>`;
    g += `<text x="${x + BAR + 6}" y="${(gy + s.below.guardBytes * SCALE - 4).toFixed(1)}" font-size="10" ${FONT} fill="var(--mute)">guard page</text>`;
  } else if (maxBelow > 0) {
    g += `<text x="${x}" y="${gy + 10}" font-size="10" ${FONT} fill="var(--bad)"><title>${esc(s.below.what)}</title>no guard page below</text>`;
  }
  g += `<rect x="${x}" y="${y0}" width="${BAR}" height="${h.toFixed(1)}" fill="var(--panel)" stroke="var(--ink)" stroke-width="1"><title>${esc(`${s.name}: ${s.low}..${s.high}, ${s.size} B`)}</title></rect>`;
  if (s.reserved > 0) {
    const rh = Math.max(2, s.reserved * SCALE);
    g += `<rect x="${x}" y="${(y0 + h - rh).toFixed(1)}" width="${BAR}" height="${rh.toFixed(1)}" fill="var(--reserved)"><title>${esc(`${s.reservedWhat}: ${s.reserved} B at the bottom`)}</title></rect>`;
  }
  for (const f of frames) {
    if (f.size === 0) continue;
    const top = Math.min(f.depth - f.size, s.size);
    const fh = Math.max(0.6, Math.min(f.size, s.size - top) * SCALE);
    const tip = `${f.name}: ${f.size} B, ${f.depth} B deep on the ${title} (${f.context}${f.kind === 'function' ? '' : `, ${f.kind}`})`;
    g += `<rect class="frame" x="${x + 1}" y="${(y0 + top * SCALE).toFixed(2)}" width="${BAR - 2}" height="${fh.toFixed(2)}" fill="${frameFill(f)}" data-tip="${esc(tip)}"><title>${esc(tip)}</title></rect>`;
  }
  // Labels on the right: segments, the deepest point, the reserved bottom and the marks.
  const labels: { y: number; text: string; sub: string; tone: string; at: number }[] = [];
  for (const seg of segments(frames)) {
    const at = y0 + ((seg.top + seg.bottom) / 2) * SCALE;
    labels.push({ y: at - 4, at, text: seg.label, sub: seg.sub, tone: 'var(--ink)' });
  }
  const used = col.used[s.kind];
  if (used !== undefined && used > 0) {
    const uy = y0 + Math.min(used, s.size) * SCALE;
    g += `<line x1="${x - 4}" y1="${uy.toFixed(1)}" x2="${x + BAR + 4}" y2="${uy.toFixed(1)}" stroke="var(--bad)" stroke-width="1.5" stroke-dasharray="4 2"/>`;
    const left = s.size - s.reserved - used;
    labels.push({
      y: uy + 4,
      at: uy,
      text: `deepest ${used} B`,
      sub: left >= 0 ? `${left} B left` : `${-left} B too deep: OVERFLOW`,
      tone: 'var(--bad)',
    });
  }
  if (s.reserved > 0) {
    const [what, rest] = s.reservedWhat.split(' + ');
    labels.push({
      y: y0 + h - 14,
      at: y0 + h - 1,
      text: what ?? '',
      sub: rest ? `+ ${rest}` : '',
      tone: 'var(--mute)',
    });
  }
  for (const m of col.marks ?? []) {
    if (m.stack !== s.kind) continue;
    const my = y0 + Math.max(0, Math.min(m.depth, s.size + (s.below.guardBytes || 0))) * SCALE;
    g += `<line x1="${x - 4}" y1="${my.toFixed(1)}" x2="${x + BAR + 4}" y2="${my.toFixed(1)}" stroke="var(--bad)" stroke-width="1.5"/>`;
    const [first, ...more] = m.label.split(' ');
    labels.push({ y: my, at: my, text: first ?? '', sub: more.join(' '), tone: 'var(--bad)' });
  }
  labels.sort((a, b) => a.y - b.y);
  const ys = spread(
    labels.map((l) => l.y),
    24,
    y0 + 6,
  );
  labels.forEach((l, i) => {
    const ly = ys[i]!;
    g += `<path d="M${x + BAR + 1} ${l.at.toFixed(1)} L${x + BAR + 8} ${(ly - 3.5).toFixed(1)}" stroke="var(--mute)" stroke-width="0.6" fill="none"/>`;
    g += `<text x="${x + BAR + 10}" y="${ly.toFixed(1)}" font-size="10.5" ${FONT} fill="${l.tone}">${esc(l.text)}</text>`;
    if (l.sub)
      g += `<text x="${x + BAR + 10}" y="${(ly + 11).toFixed(1)}" font-size="9.5" ${FONT} fill="var(--mute)">${esc(l.sub)}</text>`;
  });
  return `${g}</g>`;
}

/** Greedy word wrap into at most `lines` lines of `width` characters (the last one cut with …). */
function wrap(text: string, width: number, lines: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (const w of text.split(/\s+/)) {
    if (cur && cur.length + 1 + w.length > width) {
      out.push(cur);
      cur = w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) out.push(cur);
  if (out.length > lines) {
    const last = out.slice(lines - 1).join(' ');
    out.length = lines - 1;
    out.push(last.length > width ? `${last.slice(0, width - 1)}…` : last);
  }
  return out.map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
}

/** The columns side by side in one SVG, every stack at the same scale (bytes per pixel). */
export function renderStackLayoutSvg(cols: readonly LayoutColumn[], label: string): string {
  const maxSize = Math.max(1, ...cols.flatMap((c) => c.stacks.map((s) => s.size)));
  const maxBelow = Math.max(0, ...cols.flatMap((c) => c.stacks.map((s) => s.below.guardBytes)));
  const height = TOP + maxSize * SCALE + 16 + Math.max(maxBelow * SCALE, 14) + 10;
  let x = 8;
  let body = '';
  for (const c of cols) {
    body += `<text x="${x}" y="16" font-size="14.5" font-weight="700" ${FONT} fill="var(--ink)">${esc(c.title)}</text>`;
    wrap(c.subtitle, Math.floor((c.stacks.length * SLOT - 12) / 5.6), 2).forEach((line, i) => {
      body += `<text x="${x}" y="${31 + i * 12}" font-size="10.5" ${FONT} fill="var(--mute)">${esc(line)}</text>`;
    });
    c.stacks.forEach((s, i) => {
      body += stackSvg(c, s, x + i * SLOT, maxBelow);
    });
    x += c.stacks.length * SLOT + 24;
  }
  const width = x - 16;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="stack-layout" viewBox="0 0 ${width} ${Math.ceil(height)}" width="${width}" height="${Math.ceil(height)}" role="img" aria-label="${esc(label)}">` +
    '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="var(--panel)"/><line x1="0" y1="0" x2="0" y2="6" stroke="var(--mute)" stroke-width="1.4"/></pattern></defs>' +
    `${body}</svg>`
  );
}

/** The legend under a layout (HTML). */
export const LAYOUT_LEGEND =
  '<p class="legend"><span class="sw" style="background:var(--task)"></span>task context' +
  '<span class="sw" style="background:var(--softirq)"></span>softirq' +
  '<span class="sw" style="background:var(--hardirq)"></span>hard IRQ' +
  '<span class="sw" style="background:var(--ptregs)"></span>pt_regs (exception entry)' +
  '<span class="sw" style="background:var(--linkage)"></span>IRQ-stack linkage' +
  '<span class="sw" style="background:var(--reserved)"></span>thread_info / STACK_END_MAGIC' +
  '<span class="sw hatch"></span>guard page' +
  '<span class="sw" style="background:none;border-top:2px dashed var(--bad);height:0"></span>deepest point. ' +
  'High addresses at the top; stacks grow down; all stacks at one scale.</p>';

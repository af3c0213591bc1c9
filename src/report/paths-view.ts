// The paths view of `stacklab paths`: the deepest call paths through a binary as a table whose rows
// open to their frames, and the interrupt overlay of each kernel profile drawn as the stacks it
// fills (task stack, IRQ stack) against their sizes.
import type { OverlayResult } from '../analyze/irq-overlay.ts';
import { esc, Html, html } from './html.ts';
import { placeholder, type View } from './report-page.ts';

/** What `stacklab paths --json` writes (the view reads these fields). */
export interface PathsReportData {
  readonly version: string;
  readonly kind: 'stacklab.paths';
  readonly files: readonly { readonly path: string; readonly tag: string; readonly functions: number }[];
  readonly graph: { readonly functions: number; readonly edges: number };
  readonly entries: readonly { readonly function: string | undefined; readonly tag: string | undefined }[];
  readonly paths: readonly PathData[];
  readonly overlay: readonly OverlayResult[];
}

export interface PathData {
  readonly totalBytes: number;
  readonly unbounded: boolean;
  readonly incomplete: boolean;
  readonly dynamic: boolean;
  readonly steps: readonly {
    readonly function: string | undefined;
    readonly tag: string | undefined;
    readonly depthBefore: number;
    readonly frameBytes: number;
    readonly via: string;
    readonly frameKnown?: boolean;
    readonly dynamic?: boolean;
    readonly unresolvedIndirectCalls?: number;
    readonly recursion?: {
      readonly size: number;
      readonly members: readonly (string | undefined)[];
      readonly bound: number | null;
    };
  }[];
}

const FONT = 'font-family="ui-sans-serif, system-ui, sans-serif"';

function stepNotes(s: PathData['steps'][number]): string {
  const n: string[] = [];
  if (s.via === 'jump') n.push('tail call');
  if (s.via === 'indirect') n.push('indirect');
  if (s.frameKnown === false) n.push('frame unknown');
  if (s.dynamic) n.push('+dynamic');
  if (s.unresolvedIndirectCalls) n.push(`${s.unresolvedIndirectCalls} indirect call(s) not followed`);
  if (s.recursion)
    n.push(
      s.recursion.bound === null
        ? `recursion of ${s.recursion.size}: UNBOUNDED`
        : `recursion of ${s.recursion.size} x${s.recursion.bound}`,
    );
  return n.join('; ');
}

function pathRow(p: PathData, rank: number): Html {
  const first = p.steps[0]?.function ?? '?';
  const last = p.steps[p.steps.length - 1]?.function ?? '?';
  const marks = [
    p.unbounded ? 'unbounded recursion' : '',
    p.incomplete ? 'lower bound' : '',
    p.dynamic ? '+ dynamic' : '',
  ]
    .filter(Boolean)
    .join(', ');
  return html`<details class="path"><summary><b>#${rank}</b> ${p.incomplete ? '≥' : ''}${p.totalBytes} B — <span class="name">${first}</span> → <span class="name">${last}</span> (${p.steps.length} functions)${marks ? ` [${marks}]` : ''}</summary>
<table><thead><tr><th>depth</th><th>frame</th><th class="l">function</th><th class="l">notes</th></tr></thead><tbody>
${p.steps.map((s) => html`<tr><td>${s.depthBefore}</td><td>${s.frameBytes}</td><td class="l name">${s.tag ? `${s.tag}:` : ''}${s.function ?? '?'}</td><td class="l">${stepNotes(s)}</td></tr>`)}
</tbody></table></details>`;
}

/** The overlay of every profile: one bar per stack, the worst scenario's segments, against its size. */
export function overlaySvg(os: readonly OverlayResult[]): string {
  const maxSize = Math.max(
    1,
    ...os.flatMap((o) => [
      o.worstTask.size,
      o.worstTask.bytes,
      o.worstIrq?.size ?? 0,
      o.worstIrq?.bytes ?? 0,
    ]),
  );
  const W = 760;
  const left = 120;
  const rowH = 22;
  const scale = W / maxSize;
  let y = 6;
  let g = '';
  const colors = ['var(--task)', 'var(--softirq)', 'var(--hardirq)', 'var(--ptregs)', 'var(--linkage)'];
  for (const o of os) {
    g += `<text x="0" y="${y + 14}" font-size="12" font-weight="600" ${FONT}>${esc(o.profile)}</text>`;
    for (const [stack, t] of [
      ['task', o.worstTask],
      ['irq', o.worstIrq],
    ] as const) {
      if (!t) continue;
      const sc = o.scenarios.find((s) => s.id === t.scenario);
      const segs = sc ? sc[stack] : [];
      g += `<text x="${left - 8}" y="${y + 14}" font-size="10.5" text-anchor="end" ${FONT} fill="var(--mute)">${stack === 'task' ? 'task stack' : 'IRQ stack'}</text>`;
      g += `<rect x="${left}" y="${y + 2}" width="${(t.size * scale).toFixed(1)}" height="16" fill="var(--panel)" stroke="var(--ink)" stroke-dasharray="3 2"/>`;
      let x = left;
      segs.forEach((s, i) => {
        const w = s.bytes * scale;
        if (w <= 0) return;
        const tip = `${s.what}: ${s.bytes} B${s.from === 'profile' ? ' (from the profile: the binary lacks it)' : ''}`;
        g += `<rect x="${x.toFixed(1)}" y="${y + 3}" width="${Math.max(0.5, w - 0.4).toFixed(1)}" height="14" fill="${colors[i % colors.length]}"${s.from === 'profile' ? ' fill-opacity="0.55"' : ''} data-tip="${esc(tip)}"><title>${esc(tip)}</title></rect>`;
        x += w;
      });
      const label = `${t.bytes} / ${t.size} B${t.margin < 0 ? `, ${-t.margin} B OVER` : `, margin ${t.margin}`}${sc ? ` — ${sc.title}` : ''}`;
      g += `<text x="${Math.min(left + W + 6, Math.max(x, left + t.size * scale) + 6).toFixed(1)}" y="${y + 14}" font-size="10.5" ${FONT} fill="${t.margin < 0 ? 'var(--bad)' : 'var(--ink)'}">${esc(label)}</text>`;
      y += rowH;
    }
    y += 8;
  }
  const width = left + W + 330;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="overlay" viewBox="0 0 ${width} ${y + 4}" width="${width}" height="${y + 4}" role="img" aria-label="interrupt overlay per kernel profile">${g}</svg>`;
}

export function pathsView(d: PathsReportData): View {
  const files = d.files.map((f) => f.path).join(', ');
  return {
    name: 'paths',
    title: 'Worst call paths',
    explain:
      'From ELF analysis: the deepest call paths (open a row for its frames) and, per kernel profile, what interrupts add on top and on which stack.',
    body: html`<p class="legend"><span class="filename">${files}</span>: ${d.graph.functions} functions, ${d.graph.edges} call edges${d.entries.length ? `; entry ${d.entries.map((e) => e.function ?? '?').join(', ')}` : ''}.</p>
${d.paths.length > 0 ? d.paths.map((p, i) => pathRow(p, i + 1)) : placeholder('No path.')}
${
  d.overlay.length > 0
    ? html`<h3>Interrupt overlay</h3>${new Html(overlaySvg(d.overlay))}
<p class="legend">Segments of the worst moment on each stack; pale ones come from the profile where the binary lacks the function. Dashed box: the stack's size.</p>
<table><thead><tr><th>profile</th><th>task stack</th><th>IRQ stack</th><th class="l">hard IRQ / softirq placement</th></tr></thead><tbody>
${d.overlay.map((o) => html`<tr><td>${o.profile}</td><td class="${o.worstTask.margin < 0 ? 'bad' : ''}">${o.worstTask.bytes} / ${o.worstTask.size}</td><td class="${(o.worstIrq?.margin ?? 0) < 0 ? 'bad' : ''}">${o.worstIrq ? `${o.worstIrq.bytes} / ${o.worstIrq.size}` : '-'}</td><td class="l">hard IRQ on ${o.placement.hardirq}, irq_exit softirq on ${o.placement.irqExitSoftirq}, bh softirq on ${o.placement.bhSoftirq}</td></tr>`)}
</tbody></table>`
    : placeholder(
        'Run `stacklab paths ... --profile linux-6.1 --profile rfc-2015` for the interrupt overlay.',
      )
}`,
  };
}

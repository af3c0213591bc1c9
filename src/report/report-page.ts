// The report page: one self-contained HTML file. Views are `<section data-view="NAME">` with a
// one-line explanation; everything static is inline SVG and tables (readable without JavaScript,
// printable); the page's script (web/, bundled by esbuild, passed in by the CLI with its hash)
// adds tooltips, zoom and the drop zone. The Content-Security-Policy allows no network access at
// all: no fetch, no images, fonts or frames from anywhere, only the one inline script by its hash.
import { assertTrue } from '../base/assert.ts';
import { esc, Html, html } from './html.ts';

export interface View {
  /** data-view name: stack-layout, flame, depth-time, memory, paths, drop, ... */
  readonly name: string;
  readonly title: string;
  /** One line: what this view shows. */
  readonly explain: string;
  readonly body: Html;
}

export interface PageScript {
  readonly code: string;
  /** base64 SHA-256 of `code`, for the CSP. */
  readonly sha256: string;
}

export interface ReportPage {
  readonly title: string;
  readonly heading: string;
  readonly subtitle: string;
  readonly views: readonly View[];
  /** Data the page's script reads (flame trees, series); embedded as JSON, never as script. */
  readonly data?: unknown;
  readonly script?: PageScript;
}

export const THEME_CSS = `
:root { color-scheme: light dark;
  --bg: #f4f5f7; --card: #ffffff; --panel: #f7f8fa; --ink: #1c2129; --mute: #68717d; --line: #dfe3e8;
  --task: #4a7fd4; --softirq: #2f9e6a; --hardirq: #e38a3c; --ptregs: #58606c; --linkage: #a64fc2;
  --reserved: #c5a059; --gap: #c9ced6; --bad: #c62f2f; --good: #1f7a3d; --accent: #2457a6;
  --flame-group: #9aa4b2; --flame-stack: #b9c1cc; --heat0: #f3f6fa; --heat1: #16457e; }
:root[data-theme="dark"] { --bg: #14171c; --card: #1c2027; --panel: #232831; --ink: #e4e7eb; --mute: #98a1ad;
  --line: #333a45; --task: #5b8fe6; --softirq: #3fb57f; --hardirq: #f09a4d; --ptregs: #8c96a4; --linkage: #c374dc;
  --reserved: #cfae6a; --gap: #4a515c; --bad: #ff6b6b; --good: #5fce82; --accent: #7fb0ff;
  --flame-group: #5d6673; --flame-stack: #4a525e; --heat0: #1f242c; --heat1: #8ec1ff; }
@media (prefers-color-scheme: dark) { :root:not([data-theme="light"]) { --bg: #14171c; --card: #1c2027;
  --panel: #232831; --ink: #e4e7eb; --mute: #98a1ad; --line: #333a45; --task: #5b8fe6; --softirq: #3fb57f;
  --hardirq: #f09a4d; --ptregs: #8c96a4; --linkage: #c374dc; --reserved: #cfae6a; --gap: #4a515c; --bad: #ff6b6b;
  --good: #5fce82; --accent: #7fb0ff; --flame-group: #5d6673; --flame-stack: #4a525e; --heat0: #1f242c; --heat1: #8ec1ff; } }
* { box-sizing: border-box; }
body { font: 14px/1.5 ui-sans-serif, system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink);
  background: var(--bg); margin: 0; }
main { max-width: 1180px; margin: 0 auto; padding: 20px 24px 60px; }
header.top { display: flex; align-items: baseline; gap: 16px; flex-wrap: wrap; }
header.top h1 { font-size: 22px; margin: 0; }
header.top .sub { color: var(--mute); margin: 0; flex: 1 1 480px; }
nav.views { margin: 10px 0 16px; display: flex; gap: 6px; flex-wrap: wrap; }
nav.views a { color: var(--accent); text-decoration: none; padding: 2px 10px; border: 1px solid var(--line);
  border-radius: 12px; font-size: 12.5px; background: var(--card); }
nav.views a:focus-visible, button:focus-visible, .fnode:focus-visible, summary:focus-visible, input:focus-visible,
label.drop:focus-within, [tabindex]:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
section[data-view] { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px 18px 16px;
  margin: 0 0 18px; overflow-x: auto; }
section[data-view] > h2 { font-size: 17px; margin: 0 0 2px; }
section[data-view] > p.explain { color: var(--mute); margin: 0 0 12px; }
h3 { font-size: 14.5px; margin: 16px 0 6px; }
table { border-collapse: collapse; margin: 6px 0 12px; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 10px; border-bottom: 1px solid var(--line); text-align: right; }
th { font-weight: 600; }
th:first-child, td:first-child, td.l, th.l { text-align: left; }
tr.group td { font-weight: 600; padding-top: 10px; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--panel); padding: 10px 12px; overflow-x: auto; font: 12px/1.35 ui-monospace, SFMono-Regular, Menlo, monospace; }
.ok { color: var(--good); font-weight: 600; } .bad { color: var(--bad); font-weight: 600; }
.legend { font-size: 12.5px; color: var(--mute); }
.legend .sw { display: inline-block; width: 12px; height: 12px; margin: 0 4px -2px 12px; border-radius: 2px; }
.legend .sw:first-child { margin-left: 0; }
.legend .sw.hatch { background: repeating-linear-gradient(45deg, var(--panel) 0 3px, var(--mute) 3px 4.5px); }
details > summary { cursor: pointer; color: var(--accent); margin: 6px 0; }

svg.flame .fnode { cursor: pointer; } svg.flame text { pointer-events: none; fill: #fff; }
svg.flame .fnode:hover rect, svg.flame .fnode:focus rect { stroke: var(--ink); stroke-width: 1.2; }
button { font: inherit; font-size: 12.5px; color: var(--ink); background: var(--panel); border: 1px solid var(--line);
  border-radius: 5px; padding: 2px 10px; cursor: pointer; }
.toolbar { display: flex; gap: 8px; align-items: center; margin: 4px 0 8px; flex-wrap: wrap; font-size: 12.5px; color: var(--mute); }
.needs-js { display: none; } .js .needs-js { display: revert; } .js .no-js { display: none; }
#tip { position: fixed; z-index: 10; pointer-events: none; max-width: 460px; background: var(--ink); color: var(--card);
  padding: 5px 8px; border-radius: 5px; font-size: 12px; line-height: 1.35; white-space: pre-wrap; overflow-wrap: anywhere; }
label.drop { display: block; border: 2px dashed var(--line); border-radius: 8px; padding: 22px; text-align: center; color: var(--mute);
  cursor: pointer; }
label.drop.over { border-color: var(--accent); color: var(--accent); }
.drop-out .name, .filename { overflow-wrap: anywhere; unicode-bidi: isolate; }
.theme { margin-left: auto; }
.placeholder { color: var(--mute); border-left: 3px solid var(--line); padding: 4px 12px; }
.cols { display: flex; gap: 18px; flex-wrap: wrap; align-items: flex-start; }
@media print {
  :root { --bg: #fff; --card: #fff; --panel: #f7f8fa; --ink: #000; --mute: #555; --line: #ccc; }
  nav.views, .toolbar, section[data-view="drop"], .theme, #tip { display: none !important; }
  section[data-view] { break-inside: avoid-page; border: none; padding: 0; overflow: visible; }
  main { max-width: none; padding: 0; }
  details { display: block; } details > summary { display: none; }
  details:not([open]) > *:not(summary) { display: block; }
}
`;

/** The Content-Security-Policy: nothing from the network, the one inline script by hash. */
export function contentSecurityPolicy(script?: PageScript): string {
  return [
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    `script-src ${script ? `'sha256-${script.sha256}'` : "'none'"}`,
    "img-src 'none'",
    "connect-src 'none'",
    "font-src 'none'",
    "frame-src 'none'",
    "worker-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** JSON that can sit inside <script type="application/json">: no "<" (so no "</script>") survives. */
export function jsonForHtml(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `0x${x.toString(16)}` : x))
    .replaceAll('<', '\\u003c')
    .replaceAll('\u2028', '\\u2028')
    .replaceAll('\u2029', '\\u2029');
}

export function viewSection(v: View, id = v.name): Html {
  return html`<section data-view="${v.name}" id="view-${id}" aria-labelledby="h-${id}">
<h2 id="h-${id}">${v.title}</h2><p class="explain">${v.explain}</p>
${v.body}</section>`;
}

/** Section ids, unique when a page holds a view twice (two results of one kind). */
function viewIds(views: readonly View[]): string[] {
  const seen = new Map<string, number>();
  return views.map((v) => {
    const n = (seen.get(v.name) ?? 0) + 1;
    seen.set(v.name, n);
    return n === 1 ? v.name : `${v.name}-${n}`;
  });
}

export function renderReportPage(p: ReportPage): string {
  const ids = viewIds(p.views);
  const nav = p.views.map((v, i) => html`<a href="#view-${ids[i]}">${v.title}</a>`);
  const data =
    p.data === undefined
      ? ''
      : `<script type="application/json" id="stacklab-data">${jsonForHtml(p.data)}</script>`;
  // The CLI hashes exactly the text it embeds, so the code is not rewritten here; it must not end the element.
  assertTrue(!p.script || !/<\/script/i.test(p.script.code), 'page script contains "</script"');
  const script = p.script ? `<script>${p.script.code}</script>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(contentSecurityPolicy(p.script))}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(p.title)}</title><style>${THEME_CSS}</style></head>
<body><main>
<header class="top"><h1>${esc(p.heading)}</h1><p class="sub">${esc(p.subtitle)}</p>
<button type="button" class="theme needs-js" id="theme-toggle" aria-label="switch between light and dark theme">theme: auto</button></header>
<nav class="views" aria-label="views">${nav.map((n) => n.value).join('')}</nav>
${p.views.map((v, i) => viewSection(v, ids[i]).value).join('\n')}
</main>${data}${script}</body></html>
`;
}

/** An explanation in place of a view whose data this report does not have. */
export function placeholder(text: string): Html {
  return new Html(`<p class="placeholder">${esc(text)}</p>`);
}

// Tiny HTML building blocks. Every string that came from input goes through esc(); the report is
// one self-contained file (inline CSS and SVG, no scripts from the network).

export function esc(s: string | number): string {
  return String(s)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** A raw HTML fragment (already escaped). */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Tagged template: interpolated strings are escaped, Html fragments and arrays of them are not. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

function render(v: unknown): string {
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  if (v === null || v === undefined || v === false) return '';
  return esc(String(v));
}

export const STYLE = `
:root { --task: #3b7dd8; --irq: #e0823d; --ovf: #c0392b; --ink: #1d232b; --mute: #6b7480; --line: #dde2e8; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); margin: 0; background: #f6f7f9; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 28px 60px; background: #fff; min-height: 100vh; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.sub { color: var(--mute); margin: 0 0 16px; }
table { border-collapse: collapse; margin: 6px 0 12px; }
th, td { padding: 3px 10px; border-bottom: 1px solid var(--line); text-align: right; font-variant-numeric: tabular-nums; }
th:first-child, td:first-child { text-align: left; }
pre { background: #f3f5f8; padding: 10px 12px; overflow-x: auto; font: 12px/1.35 ui-monospace, SFMono-Regular, Menlo, monospace; }
.ok { color: #1e7d3a; font-weight: 600; } .bad { color: #b3261e; font-weight: 600; }
.legend span { display: inline-block; width: 12px; height: 12px; margin: 0 4px -2px 12px; }
ul.reading li { margin: 3px 0; }
details > summary { cursor: pointer; color: #2457a6; margin: 6px 0; }
`;

export function page(title: string, body: Html): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${STYLE}</style></head>
<body><main>${body.value}</main></body></html>
`;
}

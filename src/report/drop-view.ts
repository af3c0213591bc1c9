// The drop view: a file input and drop target. The page's script reads the file in the browser and
// runs stacklab's own readers and analyses on it (the same src/formats and src/analyze code the CLI
// runs), then draws its stack layout and flame graph here. Nothing is uploaded: the page has no way
// to send anything anywhere (its Content-Security-Policy forbids every network request).
import { html } from './html.ts';
import type { View } from './report-page.ts';

export function dropView(): View {
  return {
    name: 'drop',
    title: 'Your own file',
    explain:
      'Drop a stack_trace table, a stack overflow report or a whole kernel log here (or choose one): it is read and drawn in this page, never uploaded.',
    body: html`<p class="no-js placeholder">This part needs JavaScript (the rest of the report does not).</p>
<div class="needs-js"><label class="drop" id="drop-zone" for="drop-input">Drop a file here, or <u>choose one</u>
<input type="file" id="drop-input" style="position:absolute;opacity:0;width:1px;height:1px"></label>
<div class="drop-out" id="drop-out" aria-live="polite"></div></div>`,
  };
}

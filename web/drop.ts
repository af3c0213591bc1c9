// The drop zone: a dropped or chosen file is read here, in the page, and given to stacklab's own
// readers and analyses (src/report/drop-analysis.ts, the same code the CLI runs). Nothing leaves
// the page: there is no request to make one, and the page's policy would refuse it.
import { analyzeDropped, DROP_MAX_BYTES } from '../src/report/drop-analysis.ts';
import { dropTitles } from './tooltip.ts';

async function show(file: File, out: HTMLElement): Promise<void> {
  out.textContent = `reading ${file.name} …`;
  try {
    const cut = file.size > DROP_MAX_BYTES;
    const text = await file.slice(0, DROP_MAX_BYTES).text();
    const r = analyzeDropped(text, file.name);
    // The renderers escape every string that came from the file: this HTML is stacklab's own.
    out.innerHTML = r.html;
    out.dataset.kind = r.kind;
    dropTitles(out);
    if (cut) {
      const p = document.createElement('p');
      p.className = 'bad';
      p.textContent = `only the first ${DROP_MAX_BYTES / 1024 / 1024} MB were read; \`stacklab analyze\` reads files of any size`;
      out.prepend(p);
    }
  } catch (e) {
    out.textContent = `could not read ${file.name}: ${e instanceof Error ? e.message : String(e)}`;
    out.dataset.kind = 'error';
  }
}

export function initDrop(): void {
  const zone = document.getElementById('drop-zone');
  const input = document.getElementById('drop-input');
  const out = document.getElementById('drop-out');
  if (!zone || !(input instanceof HTMLInputElement) || !out) return;
  input.addEventListener('change', () => {
    const f = input.files?.[0];
    if (f) void show(f, out);
  });
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const f = e.dataTransfer?.files[0];
    if (f) void show(f, out);
  });
}

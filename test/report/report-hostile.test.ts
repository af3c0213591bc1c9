// Hostile input through every road into a report: symbol and file names that are markup, script
// ends, quotes, 10 kB long and bidi controls, through `replay --report`, `analyze --report` and the
// drop zone. In Chromium no injected code may run (no dialog, no flag set, no injected element)
// and every name must show as the text it is.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { memoryIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { needs } from '../debian-packages.ts';
import { TestBrowser } from './browser.ts';

// biome-ignore lint/suspicious/noExplicitAny: page-side global, checked by running it
declare const document: any;
// biome-ignore lint/suspicious/noExplicitAny: as above
declare const window: any;

const IMG = '<img_src=x_onerror=window.__pwned=1>';
const SCRIPT_END = '</script><script>window.__pwned=2</script>';
const QUOTES = `q"'onmouseover=window.__pwned=3'"`;
const LONG = `long_${'x'.repeat(10_000)}`;
const BIDI = 'evil\u202Egnp.exe\u2066x\u2069';
/** Function names as a kernel could never print them, but a file can hold. */
const NAMES = [IMG, SCRIPT_END, QUOTES, LONG, BIDI];

function hostileTable(): string {
  const rows = NAMES.map((n, i) => ({ name: `${n}+0x10/0x40`, depth: 1200 - i * 200 }));
  rows.push({ name: 'el0_svc_naked+0x20/0x28', depth: 200 });
  let t = `        Depth    Size   Location    (${rows.length} entries)\n        -----    ----   --------\n`;
  rows.forEach((r, i) => {
    const next = rows[i + 1]?.depth ?? 0;
    t += `  ${i})     ${r.depth}     ${r.depth - next}   ${r.name}\n`;
  });
  return t;
}

const SEED = new URL('../../data/seed/stack_trace-rfc-2015.txt', import.meta.url);
const FILE_NAME = `<b onclick=window.__pwned=4>${BIDI}'".txt`;

describe('hostile names in Chromium', needs('chromium'), () => {
  let browser: TestBrowser;
  before(async () => {
    browser = await TestBrowser.launch();
  });
  after(async () => {
    await browser?.close();
  });

  async function check(html: string, name: string, where?: string) {
    const { page, problems } = await browser.open(html, name);
    // Hover and click what a user would, so handler attributes would fire if they were markup.
    for (const sel of ['svg.flame .fnode', 'rect.frame']) {
      const el = page.locator(sel).first();
      if ((await el.count()) > 0) await el.click({ force: true });
    }
    await page.locator('details > summary').evaluateAll((ss: { click(): void }[]) => {
      for (const s of ss) s.click();
    });
    const state = await page.evaluate((scope: string | undefined) => {
      const root = scope ? document.querySelector(scope) : document.body;
      return {
        pwned: window.__pwned ?? null,
        injected: root.querySelectorAll('img, b').length,
        text: root.textContent as string,
        scripts: document.querySelectorAll('script:not([type="application/json"])').length,
      };
    }, where);
    assert.equal(state.pwned, null, 'injected code ran');
    assert.equal(state.injected, 0, 'injected elements');
    assert.equal(state.scripts, 1, 'exactly the page script');
    for (const n of NAMES) assert.ok(state.text.includes(n), `${n.slice(0, 40)} not shown as text`);
    assert.deepEqual(problems, []);
    return page;
  }

  test('replay --report', async () => {
    const io = memoryIo({ '/t.txt': hostileTable() });
    assert.equal(
      await main(['replay', '/t.txt', '--report', '/r.html', '-p', 'linux-4.2', '-p', 'linux-6.1'], io),
      0,
      io.stderr,
    );
    const page = await check(String(io.written.get('/r.html')), 'hostile-replay.html');
    await page.close();
  });

  test('analyze --report', async () => {
    const io = memoryIo({ [`/${FILE_NAME}`]: hostileTable() });
    assert.equal(await main(['analyze', `/${FILE_NAME}`, '--report', '/a.html'], io), 0, io.stderr);
    const html = String(io.written.get('/a.html'));
    const page = await check(html, 'hostile-analyze.html');
    assert.ok(((await page.locator('.filename').first().textContent()) ?? '').includes(FILE_NAME));
    await page.close();
  });

  test('analyze --report on a log of several items: the summary and every distinct item', async () => {
    const table = hostileTable();
    const other = table.replace('el0_svc_naked+0x20/0x28', 'el0_svc+0x20/0x28');
    const log = [
      '[    1.000000] boot',
      table,
      `[    2.000000] ${IMG} used greatest stack depth: 9000 bytes left`,
      '[    3.000000] noise',
      table,
      '[    4.000000] more noise',
      other,
    ].join('\n');
    const io = memoryIo({ [`/${FILE_NAME}`]: log });
    assert.equal(await main(['analyze', `/${FILE_NAME}`, '--report', '/l.html'], io), 0, io.stderr);
    const html = String(io.written.get('/l.html'));
    const page = await check(html, 'hostile-log.html');
    const titles = await page.locator('section[data-view] > h2').allTextContents();
    assert.deepEqual(titles.slice(0, 4), [
      'Summary',
      'Item 1: stack-trace',
      'Item 2: stack-usage',
      'Item 4: stack-trace',
    ]);
    assert.match((await page.locator('#view-analysis').textContent()) ?? '', /the same table as item 3/);
    assert.equal(await page.locator('section[data-view="analysis"] svg.flame').count(), 2);
    await page.close();
  });

  test('the drop zone', async () => {
    // Every report has the drop zone; a replay report is the quickest to make.
    const io = memoryIo({ '/ok.txt': readFileSync(SEED, 'utf8') });
    assert.equal(
      await main(['replay', '/ok.txt', '-p', 'linux-6.1', '--report', '/s.html'], io),
      0,
      io.stderr,
    );
    const html = String(io.written.get('/s.html'));
    const { page: p2, problems } = await browser.open(html, 'hostile-drop.html');
    await p2
      .locator('#drop-input')
      .setInputFiles({ name: FILE_NAME, mimeType: 'text/plain', buffer: Buffer.from(hostileTable()) });
    await p2.locator('#drop-out svg.flame').waitFor();
    await p2.locator('#drop-out .fnode').first().click({ force: true });
    const state = await p2.evaluate(() => ({
      pwned: window.__pwned ?? null,
      injected: document.querySelectorAll('#drop-out img, #drop-out b, #drop-out script:not([type])').length,
      text: document.getElementById('drop-out').textContent as string,
    }));
    assert.equal(state.pwned, null);
    assert.equal(state.injected, 0);
    for (const n of [...NAMES, FILE_NAME])
      assert.ok(state.text.includes(n), `${n.slice(0, 40)} not shown as text`);
    await p2.close();
    assert.deepEqual(problems, []);
  });
});

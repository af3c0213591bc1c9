// The HTML report as a user sees it, in real headless Chromium: the seed report's views render,
// nothing errs, nothing leaves the page, the drop zone reads a file and draws it, the keyboard
// reaches every control, and a screenshot of each view lands in test-output/ for a reviewer.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { buildSeedReport } from '../../src/cli/commands/seed.ts';
import { memoryIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { reportScript } from '../../src/cli/report-script.ts';
import type { PageScript } from '../../src/report/report-page.ts';
import { renderSeedHtml } from '../../src/report/seed-html.ts';
import { needs } from '../debian-packages.ts';
import { screenshotPath, TestBrowser } from './browser.ts';

const SEED_TABLE = new URL('../../data/seed/stack_trace-rfc-2015.txt', import.meta.url);
// The committed sample binary and its annotations: no cross compiler needed for this test.
const MINI_KERNEL = new URL('../../examples/arm64/mini-kernel', import.meta.url).pathname;
const ANNOTATIONS = new URL('../../examples/arm64/mini-kernel.yaml', import.meta.url).pathname;
const OVERFLOW = new URL('../fixtures/published/ovf-arm64-001.txt', import.meta.url);
// Callbacks given to page.evaluate() run in the page. The test program has no DOM types (nothing
// below src/cli may use the DOM), so the few page globals they touch are declared here.
// biome-ignore lint/suspicious/noExplicitAny: page-side globals, checked by running them
declare const document: any;
// biome-ignore lint/suspicious/noExplicitAny: as above
declare const getComputedStyle: any;

/** Views the seed report draws as pictures (their SVG must have a size). */
const DRAWN = ['stack-layout', 'flame', 'memory'];

describe('the seed report in Chromium', needs('chromium'), () => {
  let browser: TestBrowser;
  let script: PageScript;
  let html: string;

  before(async () => {
    const io = memoryIo({});
    const s = reportScript(io);
    assert.ok(s, `the page script could not be built: ${io.stderr}`);
    script = s;
    html = renderSeedHtml(buildSeedReport(), script);
    browser = await TestBrowser.launch();
  });
  after(async () => {
    await browser?.close();
  });

  test('every view renders with a size, offline, without an error', async () => {
    const { page, problems } = await browser.open(html, 'seed.html');
    const views = await page
      .locator('section[data-view]')
      .evaluateAll((els) =>
        els.map((e) => ({ name: e.getAttribute('data-view') ?? '', h: e.getBoundingClientRect().height })),
      );
    assert.deepEqual(
      views.map((v) => v.name),
      ['stack-layout', 'checks', 'flame', 'memory', 'depth-time', 'designs', 'drop'],
    );
    for (const v of views) assert.ok(v.h > 40, `${v.name} has no height`);
    for (const name of DRAWN) {
      const box = await page.locator(`section[data-view="${name}"] svg`).first().boundingBox();
      assert.ok(box && box.width > 200 && box.height > 100, `${name}: svg ${JSON.stringify(box)}`);
    }
    // The headline: the seed under linux-4.2, rfc-2015 and linux-6.1, the deepest points marked.
    const layout = page.locator('section[data-view="stack-layout"] svg').first();
    const text = (await layout.textContent()) ?? '';
    for (const want of [
      'linux-4.2',
      'rfc-2015',
      'linux-6.1',
      'deepest 5264 B',
      'deepest 4320 B',
      'deepest 2288 B',
    ])
      assert.ok(text.includes(want), `headline lacks "${want}"`);
    assert.ok((await layout.locator('rect.frame').count()) > 100, 'one rect per frame per design');
    assert.equal(await page.locator('section[data-view="checks"] table').first().locator('td.ok').count(), 7);
    // The script ran (the CSP let exactly it run) and nothing went wrong.
    assert.equal(await page.evaluate(() => document.documentElement.classList.contains('js')), true);
    for (const v of await page.locator('section[data-view]').all())
      await v.screenshot({ path: screenshotPath(`seed-${await v.getAttribute('data-view')}`) });
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('the policy forbids the network: a fetch from the page is refused', async () => {
    const { page, problems } = await browser.open(html, 'seed-csp.html');
    const refused = await page.evaluate(async () => {
      const violations: string[] = [];
      document.addEventListener('securitypolicyviolation', (e: { effectiveDirective: string }) =>
        violations.push(e.effectiveDirective),
      );
      let failed = false;
      try {
        await fetch('http://127.0.0.1:9/x');
      } catch {
        failed = true;
      }
      await new Promise((r) => setTimeout(r, 50));
      return { failed, violations };
    });
    assert.deepEqual(refused, { failed: true, violations: ['connect-src'] });
    assert.ok(!problems.some((p) => p.startsWith('network:')), problems.join('\n'));
    await page.close();
  });

  test('the flame graph zooms on click and on the keyboard', async () => {
    const { page, problems } = await browser.open(html, 'seed-flame.html');
    const flame = page.locator('section[data-view="flame"] svg.flame');
    const before = await flame.locator('.fnode').count();
    await page.locator('section[data-view="flame"] .fnode[data-id="3"] rect').click();
    assert.equal(await flame.getAttribute('data-focus'), '3');
    assert.ok((await flame.locator('.fnode').count()) < before, 'zoomed in: fewer nodes drawn');
    await page.keyboard.press('ArrowDown');
    const focused = await page.evaluate(() => document.activeElement?.getAttribute('data-id'));
    assert.equal(focused, '3.0');
    await page.keyboard.press('Escape');
    assert.equal(await flame.getAttribute('data-focus'), '');
    await page.locator('section[data-view="flame"] [data-flame-reset]').click();
    assert.equal(await flame.locator('.fnode').count(), before);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('the drop zone reads a stack_trace table and an overflow report in the page and draws them', async () => {
    const { page, problems } = await browser.open(html, 'seed-drop.html');
    await page.locator('#drop-input').setInputFiles({
      name: 'my-stack_trace.txt',
      mimeType: 'text/plain',
      buffer: readFileSync(SEED_TABLE),
    });
    const out = page.locator('#drop-out');
    await out.locator('svg.stack-layout').waitFor();
    assert.equal(await out.getAttribute('data-kind'), 'stack-trace');
    assert.ok((await out.locator('svg.stack-layout rect.frame').count()) > 100);
    const box = await out.locator('svg.flame').boundingBox();
    assert.ok(box && box.width > 200 && box.height > 100);
    assert.match(
      (await out.textContent()) ?? '',
      /my-stack_trace\.txt: a stack_trace table, 51 entries, 5352 B deep/,
    );
    await out.screenshot({ path: screenshotPath('seed-drop-stack-trace') });
    // The zoom works on the dropped graph too.
    await out.locator('.fnode[data-id="0"] rect').click();
    assert.equal(await out.locator('svg.flame').getAttribute('data-focus'), '0');

    await page.locator('#drop-input').setInputFiles({
      name: 'oops.txt',
      mimeType: 'text/plain',
      buffer: readFileSync(OVERFLOW),
    });
    await page.waitForFunction(() => document.getElementById('drop-out')?.dataset.kind === 'overflow-report');
    assert.ok((await out.locator('svg.stack-layout').count()) === 1, 'the stacks the report names');
    assert.match((await out.textContent()) ?? '', /arm64 VMAP_STACK overflow/);
    await out.screenshot({ path: screenshotPath('seed-drop-overflow') });
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('the keyboard reaches every control, in order', async () => {
    const { page, problems } = await browser.open(html, 'seed-keys.html');
    // Every element a user can operate: links, buttons, inputs, summaries, and each graph's tab stop.
    const n = await page.evaluate(() => {
      const sel = 'a[href], button, input, summary, [tabindex="0"]';
      const els = [...document.querySelectorAll(sel)].filter(
        (e: { closest(s: string): unknown }) => !e.closest('[hidden]'),
      );
      els.forEach((e: { setAttribute(k: string, v: string): void }, i: number) => {
        e.setAttribute('data-k', String(i));
      });
      return els.length;
    });
    assert.ok(n > 15, `only ${n} interactive elements`);
    const reached = new Set<string>();
    for (let i = 0; i < n + 5 && reached.size < n; i++) {
      await page.keyboard.press('Tab');
      const k = await page.evaluate(() => document.activeElement?.getAttribute('data-k') ?? null);
      if (k !== null) reached.add(k);
    }
    const missed = await page.evaluate(
      (got) =>
        [...document.querySelectorAll('[data-k]')]
          .filter((e) => !got.includes(e.getAttribute('data-k')!))
          .map((e) => e.outerHTML.slice(0, 80)),
      [...reached],
    );
    assert.deepEqual(missed, []);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('dark theme and print layout render', async () => {
    const { page, problems } = await browser.open(html, 'seed-theme.html');
    await page.locator('#theme-toggle').click();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(bg, 'rgb(20, 23, 28)');
    await page
      .locator('section[data-view="stack-layout"]')
      .screenshot({ path: screenshotPath('seed-stack-layout-dark') });
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('section[data-view="drop"]').isVisible(), false);
    assert.equal(await page.locator('section[data-view="stack-layout"]').isVisible(), true);
    assert.deepEqual(problems, []);
    await page.close();
  });
});

describe('run and paths reports in Chromium', needs('chromium'), () => {
  let browser: TestBrowser;
  before(async () => {
    browser = await TestBrowser.launch();
  });
  after(async () => {
    await browser?.close();
  });

  test('a run result draws depth over time per CPU and stack, histograms, the overflow rate; drag zooms', async () => {
    const run = readFileSync(new URL('../fixtures/report/run-rfc-2015.json', import.meta.url), 'utf8');
    const io = memoryIo({ '/run.json': run });
    assert.equal(await main(['report', '/run.json', '-o', '/run.html'], io), 0, io.stderr);
    const { page, problems } = await browser.open(String(io.written.get('/run.html')), 'run.html');
    const view = page.locator('section[data-view="depth-time"]');
    for (const sel of ['svg.depth-series', 'svg.histogram', 'svg.overflow-rate']) {
      const box = await view.locator(sel).first().boundingBox();
      assert.ok(box && box.width > 200 && box.height > 40, `${sel}: ${JSON.stringify(box)}`);
    }
    const chart = view.locator('svg.depth-series').first();
    const b = (await chart.boundingBox())!;
    await page.mouse.move(b.x + b.width * 0.3, b.y + b.height / 2);
    await page.mouse.down();
    await page.mouse.move(b.x + b.width * 0.6, b.y + b.height / 2);
    await page.mouse.up();
    const from = Number(await view.locator('svg.depth-series').first().getAttribute('data-from'));
    const to = Number(await view.locator('svg.depth-series').first().getAttribute('data-to'));
    assert.ok(from > 0 && to < 1e9 && to > from, `zoomed to ${from}..${to}`);
    assert.equal(
      await view.locator('svg.depth-series').nth(1).getAttribute('data-from'),
      String(from),
      'one time axis',
    );
    await view.screenshot({ path: screenshotPath('run-depth-time') });
    await view.locator('[data-depth-reset]').click();
    assert.equal(await view.locator('svg.depth-series').first().getAttribute('data-from'), '0');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('paths --report: worst paths open to their frames, the overlay per profile is drawn', async () => {
    const io = memoryIo({});
    const argv = ['paths', MINI_KERNEL, '--entry', 'el0_svc', '-a', ANNOTATIONS];
    const code = await main([...argv, '-p', 'linux-6.1', '-p', 'rfc-2015', '--report', '/p.html'], io);
    assert.equal(code, 0, io.stderr);
    const { page, problems } = await browser.open(String(io.written.get('/p.html')), 'paths.html');
    const view = page.locator('section[data-view="paths"]');
    assert.ok((await view.locator('details.path').count()) >= 1);
    await view.locator('details.path summary').first().click();
    assert.match((await view.locator('details.path table').first().textContent()) ?? '', /udp_sendmsg/);
    const box = await view.locator('svg.overlay').boundingBox();
    assert.ok(box && box.width > 200 && box.height > 40);
    await view.screenshot({ path: screenshotPath('paths') });
    assert.deepEqual(problems, []);
    await page.close();
  });
});

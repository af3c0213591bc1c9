// The HTML reports as a user sees them: rendered by headless Chromium (Debian's, which .ci/run
// installs), with no script errors, no dialogs, and input strings shown as text, never run.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, chromium } from 'playwright-core';
import { replayStackTraceText } from '../../src/analyze/replay-table.ts';
import { buildSeedReport } from '../../src/cli/commands/seed.ts';
import { PROFILES } from '../../src/model/profiles.ts';
import { replayTableData } from '../../src/report/replay-report.ts';
import { renderReplayHtml, renderSeedHtml } from '../../src/report/seed-html.ts';
import { needs, tool } from '../debian-packages.ts';

const CHROMIUM = tool('chromium');

describe('HTML reports in Chromium', needs('chromium'), () => {
  let browser: Browser;
  const dir = mkdtempSync(join(tmpdir(), 'stacklab-html-'));

  before(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  });
  after(async () => {
    await browser?.close();
  });

  async function open(html: string, name: string) {
    const file = join(dir, name);
    writeFileSync(file, html);
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e}`));
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    page.on('dialog', async (d) => {
      problems.push(`dialog: ${d.message()}`);
      await d.dismiss();
    });
    page.on('request', (r) => !r.url().startsWith('file:') && problems.push(`network: ${r.url()}`));
    await page.goto(`file://${file}`);
    return { page, problems };
  }

  test('the seed report renders its chart, table and five passing checks, offline', async () => {
    const { page, problems } = await open(renderSeedHtml(buildSeedReport()), 'seed.html');
    assert.deepEqual(problems, []);
    assert.equal(await page.title(), 'stacklab seed report');
    assert.ok((await page.locator('svg rect').count()) > 100, 'one rect per frame per design');
    assert.equal(await page.locator('td.ok').count(), 7);
    const text = await page.locator('body').innerText();
    assert.match(text, /rfc-2015: the 8 KB task stack fits/);
    await page.close();
  });

  test('symbol names from the input are text, not markup', async () => {
    const table =
      '        Depth    Size   Location    (2 entries)\n        -----    ----   --------\n' +
      '  0)      600     240   <img src=x onerror=alert(1)>+0x8/0x10\n' +
      '  1)      360     360   el0_svc_naked+0x20/0x28\n';
    const r = replayStackTraceText(table, '<b>evil</b>.txt', PROFILES);
    assert.ok(r.ok);
    const { page, problems } = await open(
      renderReplayHtml(replayTableData('<b>evil</b>.txt', r.value)),
      'x.html',
    );
    assert.deepEqual(problems, []);
    assert.equal(await page.locator('img').count(), 0);
    assert.equal(await page.locator('b').count(), 0);
    assert.match(await page.locator('body').innerText(), /<img src=x onerror=alert\(1\)>/);
    await page.close();
  });
});

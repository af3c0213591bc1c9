// Real headless Chromium for the report tests: Debian's chromium from PATH (never a downloaded
// browser), a fresh profile per run, no network of its own. Each page records what must not happen:
// script errors, console errors, dialogs (an injected alert()), and any request that leaves the page.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { tool } from '../debian-packages.ts';

export const CHROMIUM = process.env.STACKLAB_CHROMIUM ?? tool('chromium');
/** Where screenshots go for a reviewer (git-ignored). */
export const TEST_OUTPUT = join(import.meta.dirname, '..', '..', 'test-output');

export interface OpenPage {
  readonly page: Page;
  /** Everything that went wrong: errors, dialogs, requests that left the page. */
  readonly problems: string[];
}

export class TestBrowser {
  private constructor(
    private readonly context: BrowserContext,
    private readonly dir: string,
  ) {}

  static async launch(): Promise<TestBrowser> {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
    const dir = mkdtempSync(join(tmpdir(), 'stacklab-chromium-'));
    const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1240, height: 900 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    return new TestBrowser(context, dir);
  }

  /** Opens HTML (written to a file, as a user opens a report) or a URL. */
  async open(htmlOrUrl: string, name: string, allowedOrigin?: string): Promise<OpenPage> {
    let url = htmlOrUrl;
    if (!/^https?:\/\//.test(htmlOrUrl)) {
      const file = join(this.dir, name);
      writeFileSync(file, htmlOrUrl);
      url = `file://${file}`;
    }
    const page = await this.context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e}`));
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    page.on('dialog', async (d) => {
      problems.push(`dialog: ${d.message()}`);
      await d.dismiss();
    });
    page.on('request', (r) => {
      const u = r.url();
      const local = u.startsWith('file:') || u.startsWith('data:') || u.startsWith('blob:');
      if (!local && !(allowedOrigin && u.startsWith(allowedOrigin))) problems.push(`network: ${u}`);
    });
    await page.goto(url);
    return { page, problems };
  }

  async close(): Promise<void> {
    await this.context.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function screenshotPath(name: string): string {
  mkdirSync(TEST_OUTPUT, { recursive: true });
  return join(TEST_OUTPUT, `${name}.png`);
}

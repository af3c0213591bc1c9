// `convert --to speedscope` against the real viewer: the export is validated with the JSON schema the
// speedscope npm package ships, then opened in the speedscope app (the same package's release
// build) served from 127.0.0.1, in headless Chromium; it must open without an import error.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { after, before, describe, test } from 'node:test';
import AjvModule from 'ajv';
import { memoryIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { needs } from '../debian-packages.ts';
import { screenshotPath, TestBrowser } from './browser.ts';

// biome-ignore lint/suspicious/noExplicitAny: page-side global, checked by running it
declare const document: any;

const RELEASE = join(import.meta.dirname, '..', '..', 'node_modules', 'speedscope', 'dist', 'release');
const SEED = new URL('../../data/seed/stack_trace-rfc-2015.txt', import.meta.url).pathname;
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
};

async function exportSeed(): Promise<string> {
  const io = memoryIo({});
  assert.equal(await main(['convert', SEED, '--to', 'speedscope'], io), 0, io.stderr);
  return io.stdout;
}

describe('convert --to speedscope in the speedscope app', needs('chromium'), () => {
  let profile: string;
  let server: Server;
  let origin: string;
  let browser: TestBrowser;

  before(async () => {
    profile = await exportSeed();
    server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/profile.json') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(profile);
        return;
      }
      const file = normalize(join(RELEASE, path === '/' ? 'index.html' : path));
      if (!file.startsWith(RELEASE)) return void res.writeHead(403).end();
      try {
        const ext = file.slice(file.lastIndexOf('.'));
        res
          .writeHead(200, { 'content-type': TYPES[ext] ?? 'application/octet-stream' })
          .end(readFileSync(file));
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await TestBrowser.launch();
  });
  after(async () => {
    await browser?.close();
    server?.close();
  });

  test("the export is valid against speedscope's file-format-schema.json", () => {
    const schema = JSON.parse(readFileSync(join(RELEASE, 'file-format-schema.json'), 'utf8'));
    // ajv is CommonJS: its class is the default export's `default` under ESM interop.
    const Ajv = (AjvModule as unknown as { default: typeof AjvModule }).default ?? AjvModule;
    const validate = new (
      Ajv as unknown as new (
        o: object,
      ) => { compile(s: unknown): ((d: unknown) => boolean) & { errors: unknown } }
    )({ strict: false }).compile(schema);
    const doc = JSON.parse(profile);
    assert.equal(validate(doc), true, JSON.stringify(validate.errors));
    // The seed's own design, its frames weighted by their bytes on the task stack.
    assert.equal(doc.profiles[0].name, 'linux-4.2');
    assert.equal(doc.profiles[0].endValue, 5248);
    // The schema must be able to say no: a weight of the wrong type is not valid.
    const bad = structuredClone(doc);
    bad.profiles[0].weights[0] = 'many';
    assert.equal(validate(bad), false);
  });

  test('the app opens the export without an import error', async () => {
    const { page, problems } = await browser.open(
      `${origin}/index.html#profileURL=${encodeURIComponent(`${origin}/profile.json`)}`,
      'speedscope',
      origin,
    );
    // speedscope names the window after the profile once it has imported it.
    await page.waitForFunction(() => document.title.includes('stack_trace-rfc-2015'), undefined, {
      timeout: 20_000,
    });
    const body = (await page.locator('body').textContent()) ?? '';
    assert.doesNotMatch(body, /Something went wrong|Failed to|Unrecognized format|Error/i);
    assert.match(body, /linux-4\.2/, 'the first design is the active profile');
    await page.screenshot({ path: screenshotPath('speedscope-seed') });
    assert.deepEqual(
      problems.filter((p) => !p.includes('favicon')),
      [],
    );
    await page.close();
  });
});

/**
 * End to end in a real browser: a Vite dev server serves test/e2e/page (which imports
 * shadergrad from src/), headless Chromium opens it on WebGPU (SwiftShader where there is
 * no GPU), and the page's own checks against the CPU backend are asserted here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageResult } from './page/main.js';
import { CHROMIUM, CHROMIUM_ARGS, NO_CHROMIUM } from '../../scripts/chromium.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../..');
const PAGE_TIMEOUT_MS = 45_000;



describe.skipIf(NO_CHROMIUM !== null)(NO_CHROMIUM ?? `shadergrad in headless Chromium (${CHROMIUM})`, () => {
  let server: ViteDevServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  let profile: string | undefined;
  let url = '';
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];
  const log: string[] = [];

  beforeAll(async () => {
    const t0 = Date.now();
    server = await createServer({
      configFile: false,
      root: join(HERE, 'page'),
      logLevel: 'warn',
      clearScreen: false,
      server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, fs: { allow: [REPO] } },
      optimizeDeps: { noDiscovery: true, include: [] },
    });
    await server.listen();
    const addr = server.httpServer?.address();
    if (!addr || typeof addr === 'string') throw new Error(`vite: no TCP address (${String(addr)})`);
    url = `http://127.0.0.1:${addr.port}/`;

    profile = mkdtempSync(join(tmpdir(), 'shadergrad-chromium-'));
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_ARGS, `--user-data-dir=${profile}`],
    });
    page = await browser.newPage();
    await page.setViewport({ width: 900, height: 700 });
    page.on('console', (m) => {
      log.push(`[${m.type()}] ${m.text()}`);
      if (m.type() === 'error') consoleErrors.push(`${m.text()} (${m.location().url ?? '?'})`);
    });
    page.on('response', (res) => {
      if (res.status() >= 400) consoleErrors.push(`HTTP ${res.status()} for ${res.url()}`);
    });
    page.on('requestfailed', (req) => consoleErrors.push(`request failed: ${req.url()} (${req.failure()?.errorText})`));
    page.on('pageerror', (e) => pageErrors.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e)));
    console.log(`e2e: vite at ${url} and chromium started in ${Date.now() - t0} ms`);
  });

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await server?.close().catch(() => {});
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('runs matmul and MLP training on WebGPU, matching the CPU backend, one submit per iteration', async () => {
    const t0 = Date.now();
    await page!.goto(url, { waitUntil: 'load' });
    try {
      await page!.waitForFunction(() => (window as { __shadergrad?: unknown }).__shadergrad !== undefined, { timeout: PAGE_TIMEOUT_MS, polling: 100 });
    } catch {
      expect.fail(`the page set no window.__shadergrad within ${PAGE_TIMEOUT_MS / 1000} s; page errors: ${JSON.stringify(pageErrors)}; console:\n${log.join('\n')}`);
    }
    const r = (await page!.evaluate(() => (window as { __shadergrad?: unknown }).__shadergrad)) as PageResult;
    const shot = join(tmpdir(), `shadergrad-e2e-${process.pid}.png`);
    await page!.screenshot({ path: shot, fullPage: true });
    console.log(`e2e: page done in ${Date.now() - t0} ms on ${r.adapter}; timings ${JSON.stringify(r.ms)}; screenshot ${shot}`);

    expect(pageErrors, 'uncaught page errors').toEqual([]);
    expect(r.error, `the page threw: ${r.error?.name}: ${r.error?.message}\n${r.error?.stack ?? ''}`).toBeNull();
    expect(r.adapter).toBeTruthy();

    expect(r.matmul?.ok, `(a) matmul: ${r.matmul?.detail}`).toBe(true);
    expect(r.matmul!.maxErr).toBeLessThan(1e-3);

    const t = r.training!;
    expect(t.gpu).toHaveLength(10);
    expect(t.cpu).toHaveLength(10);
    for (let i = 0; i < 10; i++) {
      expect(Math.abs(t.gpu[i]! - t.cpu[i]!) / Math.abs(t.cpu[i]!), `(b) step ${i}: webgpu ${t.gpu[i]} vs cpu ${t.cpu[i]}`).toBeLessThan(1e-3);
    }
    expect(t.cpu[9]!).toBeLessThan(t.cpu[0]!);
    expect(t.ok, t.detail).toBe(true);

    expect(r.submits!.perIteration, '(c) submits per training iteration').toEqual(Array(10).fill(1));

    expect(consoleErrors, 'console errors').toEqual([]);
    expect(await page!.$eval('#status', (e) => e.textContent)).toBe('PASS');
  });
});

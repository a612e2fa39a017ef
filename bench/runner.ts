/**
 * Serves the benchmark page with Vite, opens it in headless Chromium (WebGPU; SwiftShader
 * where there is no GPU) and returns what the page leaves on `window.__bench`, with every
 * console error, page error and failed request seen meanwhile. Used by bench/run.ts and
 * test/e2e/bench.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser } from 'puppeteer-core';
import { createServer, type ViteDevServer } from 'vite';
import type { BenchResult } from './page/types.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../scripts/chromium.js';

/** Full-precision timestamps (Chrome otherwise rounds them to 100 µs). */
const PROFILE_ARGS = ['--enable-webgpu-developer-features'];

export interface RunOptions {
  quick: boolean;
  profile: boolean;
  /** Only the rows whose id or name matches this regular expression. */
  rows?: string;
  /** How long the page may take, ms. */
  timeoutMs: number;
  /** Called with each progress line of the page. */
  onLog?: (line: string) => void;
}

export interface RunOutcome {
  result: BenchResult;
  /** Console errors, failed requests and HTTP errors. */
  consoleErrors: string[];
  pageErrors: string[];
  /** Milliseconds from the start to the result, server and browser start-up included. */
  wallMs: number;
}

/** Runs the benchmark page once and returns its result. */
export async function runBenchPage(o: RunOptions): Promise<RunOutcome> {
  const t0 = Date.now();
  let server: ViteDevServer | undefined;
  let browser: Browser | undefined;
  const profile = mkdtempSync(join(tmpdir(), 'shadergrad-bench-chromium-'));
  // Puppeteer kills the browser on SIGINT/SIGTERM, but `finally` below never runs then.
  const removeProfile = (): void => rmSync(profile, { recursive: true, force: true });
  process.once('exit', removeProfile);
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];
  try {
    server = await createServer({
      configFile: fileURLToPath(new URL('./vite.config.ts', import.meta.url)),
      server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false },
    });
    await server.listen();
    const addr = server.httpServer?.address();
    if (!addr || typeof addr === 'string') throw new Error(`vite: no TCP address (${String(addr)})`);
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_ARGS, ...(o.profile ? PROFILE_ARGS : []), `--user-data-dir=${profile}`],
      protocolTimeout: o.timeoutMs + 60_000,
    });
    const page = await browser.newPage();
    page.on('console', (m) => {
      const text = m.text();
      if (m.type() === 'error') consoleErrors.push(`${text} (${m.location().url ?? '?'})`);
      else if (text.startsWith('[bench] ')) o.onLog?.(text.slice(8));
    });
    page.on('response', (res) => {
      if (res.status() >= 400) consoleErrors.push(`HTTP ${res.status()} for ${res.url()}`);
    });
    page.on('requestfailed', (req) => consoleErrors.push(`request failed: ${req.url()} (${req.failure()?.errorText})`));
    page.on('pageerror', (e) => pageErrors.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e)));
    const query = new URLSearchParams({ ...(o.quick ? { quick: '1' } : {}), ...(o.profile ? { profile: '1' } : {}), ...(o.rows ? { rows: o.rows } : {}) });
    await page.goto(`http://127.0.0.1:${addr.port}/?${query}`, { waitUntil: 'load' });
    try {
      await page.waitForFunction(() => window.__bench !== undefined, { timeout: o.timeoutMs, polling: 500 });
    } catch {
      // Keep the rows measured so far, marked as cut short.
      const partial = (await page.evaluate(() => window.__benchPartial).catch(() => undefined)) as BenchResult | undefined;
      if (!partial) throw new Error(`the bench page left no result within ${o.timeoutMs / 1000} s; page errors: ${JSON.stringify(pageErrors)}; console errors: ${JSON.stringify(consoleErrors)}`);
      const error = { name: 'TimeoutError', message: `the page was still running after ${o.timeoutMs / 1000} s; the rows measured until then are kept` };
      return { result: { ...partial, error }, consoleErrors, pageErrors, wallMs: Date.now() - t0 };
    }
    const result = (await page.evaluate(() => window.__bench)) as BenchResult;
    return { result, consoleErrors, pageErrors, wallMs: Date.now() - t0 };
  } finally {
    await browser?.close().catch(() => {});
    await server?.close().catch(() => {});
    removeProfile();
    process.off('exit', removeProfile);
  }
}

/**
 * The wasm backend's threads in a browser, from a Vite production build (minified, one
 * bundle): headless Chromium opens the page once cross-origin isolated (COOP + COEP
 * headers), where the backend starts Blob-URL workers on a shared memory and they take
 * part in a matmul; once isolated but with a CSP that forbids workers, where it warns and
 * runs on one thread; and once without those headers, where it runs on one thread too.
 * Every time the product matches the CPU backend, and two threads match one bit for bit.
 */
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser } from 'puppeteer-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS, NO_CHROMIUM } from '../scripts/chromium.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** What the page reports on window.__result. */
interface PageResult {
  isolated: boolean;
  threads: number;
  workerTasks: number;
  /** Largest |wasm - cpu| over the product. */
  maxErr: number;
  /** Elements where two threads and one differ in any bit. */
  differ: number;
  error?: string;
}

const PAGE = `
import { init, matmul, tensor } from 'shadergrad';
const [M, K, N] = [96, 256, 200];
const a = Float32Array.from({ length: M * K }, (_, i) => Math.sin(i));
const b = Float32Array.from({ length: N * K }, (_, i) => Math.cos(i * 0.7));
const product = async (opts) => {
  const be = await init(opts);
  let out;
  for (let r = 0; r < 20; r++) out = await matmul(tensor(a, [M, K]), tensor(b, [N, K]), { transB: true }).data();
  return { out, be };
};
try {
  const two = await product({ backend: 'wasm', threads: 2 });
  const info = { isolated: self.crossOriginIsolated === true, threads: two.be.threads, workerTasks: two.be.workerTasks };
  const one = await product({ backend: 'wasm', threads: 1 });
  const cpu = await product({ backend: 'cpu' });
  let maxErr = 0, differ = 0;
  const bits2 = new Uint32Array(two.out.buffer), bits1 = new Uint32Array(one.out.buffer);
  for (let i = 0; i < cpu.out.length; i++) {
    maxErr = Math.max(maxErr, Math.abs(two.out[i] - cpu.out[i]));
    if (bits2[i] !== bits1[i]) differ++;
  }
  window.__result = { ...info, maxErr, differ };
} catch (e) {
  window.__result = { error: String(e && e.stack || e) };
}
`;

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript' };

describe.skipIf(NO_CHROMIUM !== null)(NO_CHROMIUM ?? 'wasm threads in headless Chromium, from a Vite build', () => {
  let dir = '';
  let server: Server | undefined;
  let browser: Browser | undefined;
  let origin = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shadergrad-wasm-browser-'));
    const src = join(dir, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'index.html'), '<!doctype html><script type="module" src="./main.js"></script>');
    writeFileSync(join(src, 'main.js'), PAGE);
    await build({
      configFile: false,
      root: src,
      base: './',
      logLevel: 'warn',
      resolve: { alias: { shadergrad: join(REPO, 'src', 'index.ts') } },
      build: { outDir: join(dir, 'dist'), target: 'es2022', emptyOutDir: true },
    });
    // /isolated/... is served with the two headers that make a page cross-origin isolated,
    // /no-workers/... with them and a CSP that forbids workers, /plain/... with neither.
    server = createServer((req, res) => {
      const [, mode, ...rest] = (req.url ?? '/').split('?')[0]!.split('/');
      const file = join(dir, 'dist', ...(rest.join('/') ? rest : ['index.html']));
      try {
        const body = readFileSync(file);
        if (mode === 'isolated' || mode === 'no-workers') {
          res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
          res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
        }
        if (mode === 'no-workers') res.setHeader('Content-Security-Policy', "worker-src 'none'");
        res.setHeader('Content-Type', TYPES[extname(file)] ?? 'application/octet-stream');
        res.end(body);
      } catch {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((ok) => server!.listen(0, '127.0.0.1', ok));
    const addr = server.address();
    if (!addr || typeof addr === 'string') throw new Error(`no TCP address (${String(addr)})`);
    origin = `http://127.0.0.1:${addr.port}`;
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, `--user-data-dir=${join(dir, 'profile')}`] });
  });

  afterAll(async () => {
    await browser?.close().catch(() => {});
    server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function open(mode: 'isolated' | 'plain' | 'no-workers', warnings: string[] = []): Promise<PageResult> {
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'warn') warnings.push(m.text());
    });
    try {
      await page.goto(`${origin}/${mode}/`, { waitUntil: 'load' });
      await page.waitForFunction(() => (window as { __result?: unknown }).__result !== undefined, { timeout: 60_000, polling: 100 });
      const r = await page.evaluate(() => (window as unknown as { __result: PageResult }).__result);
      expect(r.error ?? null, `page error (${errors.join('; ')})`).toBeNull();
      return r;
    } finally {
      await page.close();
    }
  }

  it('runs matmul on two threads when the page is cross-origin isolated', async () => {
    const r = await open('isolated');
    expect(r.isolated).toBe(true);
    expect(r.threads).toBe(2);
    expect(r.workerTasks, 'tasks the worker took').toBeGreaterThan(0);
    expect(r.maxErr).toBeLessThan(1e-3);
    expect(r.differ, 'elements where two threads and one differ').toBe(0);
  });

  it('warns and runs on one thread when the page forbids workers', async () => {
    const warnings: string[] = [];
    const r = await open('no-workers', warnings);
    expect(r.isolated).toBe(true);
    expect(r.threads).toBe(1);
    expect(r.maxErr).toBeLessThan(1e-3);
    expect(r.differ).toBe(0);
    expect(warnings.join('\n')).toContain('the wasm backend runs on one thread');
  });

  it('falls back to one thread when it is not', async () => {
    const r = await open('plain');
    expect(r.isolated).toBe(false);
    expect(r.threads).toBe(1);
    expect(r.workerTasks).toBe(0);
    expect(r.maxErr).toBeLessThan(1e-3);
    expect(r.differ).toBe(0);
  });
});

/**
 * The demo page (demo/) end to end: a Vite dev server with the demo's own config (which
 * maps `shadergrad`, `shadergrad/gan` and `shadergrad/data` to the sources), headless
 * Chromium on WebGPU (SwiftShader where there is no GPU). The page trains the MLP GAN and
 * the DCGAN for 20 steps each, its checkpoints download and load back through its file
 * input, and without navigator.gpu it says so and trains on the wasm backend. The page's
 * state is read from `window.__demo` (demo/src/state.ts), never from its text.
 *
 * SHADERGRAD_SCREENSHOT=1 also trains the default MLP GAN (batch 64) for a few hundred steps
 * and writes a screenshot of the page mid-run to docs/demo.png.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type ElementHandle, type Page } from 'puppeteer-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS, PRESET_TRAINING, readCheckpoint } from '../../src/gan/index.js';
import type { DemoState, DemoStatus } from '../../demo/src/state.js';
import { CHROMIUM, CHROMIUM_ARGS, NO_CHROMIUM } from '../../scripts/chromium.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../..');
const SCREENSHOT = process.env.SHADERGRAD_SCREENSHOT === '1';

/** A page and what went wrong on it: console errors, failed requests, uncaught exceptions. */
interface Opened { page: Page; errors: string[]; log: string[] }

describe.skipIf(NO_CHROMIUM !== null)(NO_CHROMIUM ?? `the demo page in headless Chromium (${CHROMIUM})`, () => {
  let server: ViteDevServer | undefined;
  let browser: Browser | undefined;
  let profile: string | undefined;
  let downloads = '';
  let url = '';
  let main: Opened | undefined;

  beforeAll(async () => {
    const t0 = Date.now();
    // The digits the page fetches: written by `npm run demo`, or here when missing.
    const made = spawnSync(process.execPath, [join(REPO, 'scripts/make-digits.mjs')], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`scripts/make-digits.mjs failed:\n${made.stdout}${made.stderr}`);
    server = await createServer({
      configFile: join(REPO, 'demo/vite.config.ts'),
      logLevel: 'warn',
      clearScreen: false,
      server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false },
      // No dependency pre-bundling: a late discovery would reload the page mid-test.
      optimizeDeps: { noDiscovery: true, include: [] },
    });
    await server.listen();
    const addr = server.httpServer?.address();
    if (!addr || typeof addr === 'string') throw new Error(`vite: no TCP address (${String(addr)})`);
    url = `http://127.0.0.1:${addr.port}/`;
    profile = mkdtempSync(join(tmpdir(), 'shadergrad-demo-chromium-'));
    downloads = mkdtempSync(join(tmpdir(), 'shadergrad-demo-downloads-'));
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, `--user-data-dir=${profile}`] });
    const cdp = await browser.target().createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
    console.log(`demo e2e: vite at ${url} and chromium started in ${Date.now() - t0} ms`);
  });

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await server?.close().catch(() => {});
    for (const dir of [profile, downloads]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function open(opts: { noWebGpu?: boolean; width?: number; height?: number } = {}): Promise<Opened> {
    const page = await browser!.newPage();
    await page.setViewport({ width: opts.width ?? 1280, height: opts.height ?? 900 });
    const errors: string[] = [];
    const log: string[] = [];
    page.on('console', (m) => {
      log.push(`[${m.type()}] ${m.text()}`);
      if (m.type() === 'error') errors.push(`console: ${m.text()} (${m.location().url ?? '?'})`);
    });
    page.on('pageerror', (e) => errors.push(`uncaught: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`));
    page.on('response', (r) => { if (r.status() >= 400) errors.push(`HTTP ${r.status()} for ${r.url()}`); });
    page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
    if (opts.noWebGpu) {
      // As in a browser without WebGPU: navigator.gpu is not there at all.
      await page.evaluateOnNewDocument(() => { delete (Navigator.prototype as { gpu?: unknown }).gpu; });
    }
    await page.goto(url, { waitUntil: 'load' });
    return { page, errors, log };
  }

  const demo = (o: Opened): Promise<DemoState> => o.page.evaluate(() => window.__demo);

  /**
   * Waits until `window.__demo` satisfies `test` (an expression in `s`, evaluated in the
   * page). Polled from here: one long waitForFunction would outlast puppeteer's protocol timeout.
   */
  async function until(o: Opened, test: string, timeoutMs: number): Promise<DemoState> {
    const check = `(() => { const s = window.__demo; return s !== undefined && (${test}); })()`;
    const deadline = Date.now() + timeoutMs;
    while (!(await o.page.evaluate(check))) {
      if (Date.now() > deadline) {
        const s = await demo(o).catch(() => undefined);
        expect.fail(`the page did not reach \`${test}\` in ${timeoutMs / 1000} s; state ${JSON.stringify({ ...s, grids: s?.grids.length })}; errors ${JSON.stringify(o.errors)}\n${o.log.slice(-20).join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return demo(o);
  }

  const untilStatus = (o: Opened, status: DemoStatus, timeoutMs: number) => until(o, `s.status === ${JSON.stringify(status)} || s.status === 'error'`, timeoutMs)
    .then((s) => { expect(s.error, `page error while waiting for ${status}`).toBeNull(); expect(s.status).toBe(status); return s; });

  /** Waits for the end of a run of `steps` steps and for its last grid to be on the canvas (drawn on a later frame). */
  const untilDone = (o: Opened, steps: number, timeoutMs: number) => until(o, `s.status === 'error' || (s.status === 'done' && s.grids.length > 0 && s.grids[s.grids.length - 1].step === ${steps})`, timeoutMs)
    .then((s) => { expect(s.error, 'page error during the run').toBeNull(); expect(s.status).toBe('done'); return s; });

  /** Sets form fields by id; a <select>'s change event fires, as when a person picks. */
  async function fill(o: Opened, values: Record<string, string>): Promise<void> {
    await o.page.evaluate((v: Record<string, string>) => {
      for (const [id, value] of Object.entries(v)) {
        const el = document.getElementById(id) as HTMLInputElement | HTMLSelectElement;
        el.value = value;
        el.dispatchEvent(new Event('change', { bubbles: true }));
      }
    }, values);
  }

  const values = (o: Opened, ids: string[]): Promise<string[]> =>
    o.page.evaluate((list: string[]) => list.map((id) => (document.getElementById(id) as HTMLInputElement).value), ids);

  /** Clicks a download button and returns the file the browser saved. */
  async function download(o: Opened, button: string, timeoutMs: number): Promise<{ name: string; bytes: Uint8Array }> {
    const before = (await demo(o)).downloads.length;
    await o.page.click(`#${button}`);
    const s = await until(o, `s.downloads.length > ${before}`, timeoutMs);
    const name = s.downloads[before]!;
    const path = join(downloads, name);
    const t0 = Date.now();
    // Chromium writes NAME.crdownload and renames it when the download is complete.
    while (!existsSync(path)) {
      if (Date.now() - t0 > 10_000) expect.fail(`${name} did not arrive in ${downloads}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return { name, bytes: new Uint8Array(readFileSync(path)) };
  }

  /** Distinct gray levels on a canvas: a drawn grid of samples has many, a blank one one. */
  const levels = (o: Opened, id: string): Promise<number> => o.page.evaluate((canvasId: string) => {
    const c = document.getElementById(canvasId) as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const seen = new Set<number>();
    for (let i = 0; i < d.length; i += 4) seen.add(d[i]!);
    return seen.size;
  }, id);

  it('trains the MLP GAN for 20 steps; its checkpoint, GIF and loss plot download; the checkpoint loads back and samples', async () => {
    const t0 = Date.now();
    main = await open();
    let s = await untilStatus(main, 'ready', 60_000);
    console.log(`demo e2e: page ready in ${Date.now() - t0} ms on ${s.adapter}`);
    expect(s.backend).toBe('webgpu');
    expect(s.adapter).toBeTruthy();
    expect(s.digits).toBe(10_000);
    expect(await values(main, ['lr', 'lr-d', 'd-warmup'])).toEqual([String({ ...DEFAULT_OPTIONS, ...PRESET_TRAINING['mlp-small'] }.lr), '', '0']);

    const t1 = Date.now();
    await fill(main, { model: 'mlp-small', digits: '3', batch: '8', steps: '20', every: '50' });
    await main.page.click('#start');
    s = await untilDone(main, 20, 90_000);
    console.log(`demo e2e: MLP GAN, 20 steps at batch 8 in ${Date.now() - t1} ms`);
    expect(s.step).toBe(20);
    expect(s.model).toBe('mlp-small');
    // A grid of the fixed noise at step 0 and the last at step 20, both as drawn on the canvas.
    expect(s.grids[0]?.step).toBe(0);
    expect(s.grids.at(-1)?.step).toBe(20);
    expect(s.grids.at(-1)!.hash, 'the grid after 20 steps is the grid before them').not.toBe(s.grids[0]!.hash);
    expect(await levels(main, 'grid')).toBeGreaterThan(20);

    const ck = await download(main, 'save-checkpoint', 20_000);
    expect(ck.name).toBe('mlp-small-digits-3-step20.safetensors');
    const parsed = readCheckpoint(ck.bytes);
    expect(parsed.state.step).toBe(20);
    expect(parsed.metadata).toMatchObject({ model: 'mlp-small', digits: '3', data: 'mnist' });
    expect(parsed.options).toMatchObject({ batchSize: 8, lr: 1e-3, optimizer: 'adam', dWarmup: 0 });
    expect(parsed.options.lrD, 'an empty D learning rate is G\'s').toBeUndefined();
    const gif = await download(main, 'save-gif', 10_000);
    expect(new TextDecoder().decode(gif.bytes.subarray(0, 6))).toBe('GIF89a');
    const svg = await download(main, 'save-svg', 10_000);
    expect(new TextDecoder().decode(svg.bytes)).toMatch(/^<svg[^>]*>[\s\S]*D loss[\s\S]*<\/svg>\s*$/);

    const input = (await main.page.$('#ck-file')) as ElementHandle<HTMLInputElement> | null;
    await input!.uploadFile(join(downloads, ck.name));
    s = await until(main, `s.sampled !== null && s.sampled.file === ${JSON.stringify(ck.name)}`, 30_000);
    expect(s.sampled).toMatchObject({ model: 'mlp-small', step: 20 });
    expect(await levels(main, 'ck-grid')).toBeGreaterThan(20);
    await main.page.click('#resample');
    const first = s.sampled!.hash;
    s = await until(main, `s.sampled.hash !== ${first}`, 30_000);
    expect(s.error).toBeNull();
    expect(main.errors, 'errors on the page').toEqual([]);
  }, 180_000);

  it('trains the DCGAN for 20 steps, saving a checkpoint mid-run (pause, save, resume)', async () => {
    const o = main!;
    await o.page.click('#reset');
    await untilStatus(o, 'ready', 10_000);
    await fill(o, { model: 'dcgan' });
    const preset = { ...DEFAULT_OPTIONS, ...PRESET_TRAINING.dcgan };
    expect(await values(o, ['lr', 'lr-d', 'd-warmup', 'steps'])).toEqual([preset.lr, preset.lrD ?? '', preset.dWarmup, preset.steps].map(String));

    const t0 = Date.now();
    // No warm-up: its D-only steps all run in the first step, minutes on SwiftShader.
    await fill(o, { digits: '3', batch: '8', steps: '20', every: '20', 'd-warmup': '0' });
    await o.page.click('#start');
    await until(o, `s.step >= 3`, 120_000);
    const ck = await download(o, 'save-checkpoint', 60_000);
    const parsed = readCheckpoint(ck.bytes);
    const step = parsed.state.step;
    expect(parsed.options).toMatchObject({ batchSize: 8, lr: preset.lr, lrD: preset.lrD, dWarmup: 0 });
    console.log(`demo e2e: DCGAN checkpoint at step ${step} after ${Date.now() - t0} ms`);
    expect(step).toBeGreaterThanOrEqual(3);
    expect(step).toBeLessThan(20);
    expect(ck.name).toBe(`dcgan-digits-3-step${step}.safetensors`);
    expect((await demo(o)).status, 'the run resumes after the save').toBe('training');
    const svg = await download(o, 'save-svg', 10_000);
    expect(new TextDecoder().decode(svg.bytes)).toMatch(/^<svg/);

    const s = await untilDone(o, 20, 150_000);
    console.log(`demo e2e: DCGAN, 20 steps at batch 8 in ${Date.now() - t0} ms`);
    expect(s.step).toBe(20);
    expect(s.grids[0]?.step).toBe(0);
    expect(s.grids.at(-1)?.step).toBe(20);
    expect(s.grids.at(-1)!.hash).not.toBe(s.grids[0]!.hash);
    expect(o.errors, 'errors on the page').toEqual([]);
    await o.page.close();
  }, 240_000);

  it('without WebGPU says so and trains on WebAssembly SIMD on several threads (the page is cross-origin isolated)', async () => {
    const o = await open({ noWebGpu: true });
    let s = await untilStatus(o, 'ready', 30_000);
    expect(s.backend).toBe('wasm');
    const notice = await o.page.$eval('#notice', (e) => ({ hidden: (e as HTMLElement).hidden, text: e.textContent ?? '' }));
    expect(notice.hidden).toBe(false);
    expect(notice.text).toMatch(/no WebGPU \(navigator\.gpu is missing\)\. Training on WebAssembly SIMD/);
    expect(await o.page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(s.adapter).toMatch(/^WebAssembly SIMD \([2-9] threads\)$/);
    await fill(o, { batch: '8', steps: '5' });
    await o.page.click('#start');
    s = await untilDone(o, 5, 30_000);
    expect(s.step).toBe(5);
    expect(s.grids.at(-1)?.step).toBe(5);
    expect(o.errors, 'errors on the page').toEqual([]);
    await o.page.close();
  }, 60_000);

  it.runIf(SCREENSHOT)('writes docs/demo.png: the default MLP GAN mid-run', async () => {
    const o = await open({ width: 1280, height: 900 });
    await untilStatus(o, 'ready', 60_000);
    await fill(o, { every: '25' });
    await o.page.click('#start');
    const steps = Number(process.env.SHADERGRAD_SCREENSHOT_STEPS ?? 400);
    await until(o, `s.step >= ${steps}`, 570_000);
    await o.page.screenshot({ path: join(REPO, 'docs/demo.png') });
    expect(o.errors, 'errors on the page').toEqual([]);
    await o.page.close();
  }, 600_000);
});

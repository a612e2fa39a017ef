import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readCheckpoint } from '../src/gan/checkpoint.js';
import { decodeNpy } from '../src/io/npy.js';
import { CLASSIFIER_PATH } from '../src/cli/common.js';
import { PRESETS, PRESET_TRAINING } from '../src/gan/models.js';
import { DEFAULT_OPTIONS } from '../src/gan/trainer.js';
import { gifFrames } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'shadergrad-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI from source (tsx), as `npx shadergrad` runs the built copy. */
function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const TINY = ['--steps', '6', '--batch', '16', '--sample-every', '2', '--eval-samples', '0', '--backend', 'cpu', '--quiet'];
/** A run that goes on until it is stopped, checkpointing every 5 steps. */
const ENDLESS = ['--steps', '10000000', '--batch', '16', '--sample-every', '1000', '--checkpoint-every', '5', '--log-every', '1', '--eval-samples', '0', '--backend', 'cpu', '--quiet'];

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Starts the CLI without waiting: `exited` gives its exit code or signal and when it ended. */
function startCli(...args: string[]): { child: ChildProcess; exited: Promise<{ code: number | null; signal: string | null; at: number }>; stderr: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((r) => child.on('exit', (code, signal) => r({ code, signal, at: performance.now() })));
  return { child, exited, stderr: () => err };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, cond: () => boolean, ms = 90_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** The steps of a log.jsonl, each line parsed (a cut last line would throw). */
function logOf(folder: string): { step: number; dLoss: number; gLoss: number; lr: number }[] {
  return readFileSync(join(folder, 'log.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
const checkpointStep = (folder: string) => readCheckpoint(new Uint8Array(readFileSync(join(folder, 'checkpoint.safetensors')))).state.step;

describe('shadergrad CLI', () => {
  const run1 = join(dir, 'run1');

  it('--backend wasm logs the losses --backend cpu logs, within float tolerance, for 20 steps; auto takes wasm where the only adapter is software', () => {
    const logOf = (out: string): Record<string, number>[] => readFileSync(join(out, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const runs: Record<string, Record<string, number>[]> = {};
    for (const bk of ['cpu', 'wasm', 'auto']) {
      const out = join(dir, `backend-${bk}`);
      const r = cli('train', ...TINY, '--steps', '20', '--sample-every', '100', '--backend', bk, '--out', out);
      expect(r.code, r.err).toBe(0);
      if (bk === 'auto') expect(r.err).toMatch(/using the WebAssembly SIMD backend|WebGPU on/);
      runs[bk] = logOf(out);
    }
    expect(runs.wasm!.length).toBe(20);
    runs.cpu!.forEach((c, i) => {
      for (const k of ['dLoss', 'gLoss', 'dReal', 'dFake']) {
        expect(Math.abs(runs.wasm![i]![k]! - c[k]!), `step ${i + 1} ${k}: wasm ${runs.wasm![i]![k]} vs cpu ${c[k]}`).toBeLessThan(1e-3 * Math.max(1, Math.abs(c[k]!)));
      }
    });
  });

  it('train writes samples.png, progress.gif, loss.svg, log.jsonl and a checkpoint', () => {
    const r = cli('train', ...TINY, '--out', run1);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/trained 6 steps in [\d.]+ s \([\d.]+ steps\/s\)/);
    const png = readFileSync(join(run1, 'samples.png'));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    // 8x8 grid of 28x28 digits scaled 2x, with 2 px (unscaled) padding around each.
    expect(png.readUInt32BE(16)).toBe(8 * 28 * 2 + 9 * 2);
    const gif = new Uint8Array(readFileSync(join(run1, 'progress.gif')));
    expect(new TextDecoder().decode(gif.subarray(0, 6))).toBe('GIF89a');
    expect(gifFrames(gif)).toBe(4); // before training and after steps 2, 4, 6
    const log = readFileSync(join(run1, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(log.map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const l of log) for (const k of ['dLoss', 'gLoss', 'dReal', 'dFake']) expect(Number.isFinite(l[k])).toBe(true);
    expect(readFileSync(join(run1, 'loss.svg'), 'utf8')).toMatch(/^<svg[^>]*>[\s\S]*D loss[\s\S]*<\/svg>\s*$/);
    const ck = readCheckpoint(new Uint8Array(readFileSync(join(run1, 'checkpoint.safetensors'))));
    expect(ck.state.step).toBe(6);
    expect(ck.metadata.digits).toBe('3');
    expect(ck.tensors['generator.0.weight']!.shape).toEqual([128, 100]);
    // D is Flatten, Linear(784, 128), LeakyReLU, Linear(128, 1).
    expect(ck.tensors['discriminator.1.weight']!.shape).toEqual([128, 784]);
    expect(ck.tensors['discriminator.3.weight']!.shape).toEqual([1, 128]);
    expect(ck.config.imageShape).toEqual([1, 28, 28]);
  });

  it('train --resume continues the same run: its steps equal an uninterrupted run', () => {
    const whole = join(dir, 'whole');
    const resumed = join(dir, 'resumed');
    expect(cli('train', ...TINY, '--steps', '8', '--out', whole).code).toBe(0);
    const r = cli('train', ...TINY, '--steps', '8', '--resume', join(run1, 'checkpoint.safetensors'), '--out', resumed);
    expect(r.code, r.err).toBe(0);
    const tail = (p: string) => readFileSync(join(p, 'log.jsonl'), 'utf8').trim().split('\n').slice(-2);
    expect(tail(resumed)).toEqual(tail(whole));
  });

  it('sample writes float32 .npy [n, 1, 28, 28] in [-1, 1] and a .png grid', () => {
    const npy = join(dir, 's.npy');
    const r = cli('sample', '--checkpoint', join(run1, 'checkpoint.safetensors'), '--n', '10', '--out', npy, '--backend', 'cpu');
    expect(r.code, r.err).toBe(0);
    const { shape, data } = decodeNpy(new Uint8Array(readFileSync(npy)));
    expect(shape).toEqual([10, 1, 28, 28]);
    expect(data.every((v) => v >= -1 && v <= 1)).toBe(true);
    expect(cli('sample', '--checkpoint', join(run1, 'checkpoint.safetensors'), '--n', '9', '--out', join(dir, 's.png'), '--backend', 'cpu').code).toBe(0);
    expect(existsSync(join(dir, 's.png'))).toBe(true);
  });

  it.skipIf(!existsSync(CLASSIFIER_PATH))('eval prints the metrics as a table and JSON', () => {
    const r = cli('eval', '--checkpoint', join(run1, 'checkpoint.safetensors'), '--n', '200', '--backend', 'cpu');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/classified as target/);
    const json = JSON.parse(r.out.slice(r.out.indexOf('{')));
    expect(json.digits).toEqual([3]);
    expect(json.histogram).toHaveLength(10);
    expect(json.frechetFloor).toBeGreaterThan(0);
  });

  it('a run killed with SIGKILL leaves a whole log and checkpoint; resuming in its folder equals an uninterrupted run', async () => {
    const out = join(dir, 'killed');
    const p = startCli('train', ...ENDLESS, '--out', out);
    await waitFor('the first checkpoint', () => existsSync(join(out, 'checkpoint.safetensors')) || p.child.exitCode !== null);
    await sleep(200);
    p.child.kill('SIGKILL');
    expect((await p.exited).signal, p.stderr()).toBe('SIGKILL');
    const log = logOf(out);
    const s = checkpointStep(out);
    expect(log.map((l) => l.step)).toEqual(oneTo(log.length));
    // The log is written before each checkpoint: it reaches at least the checkpoint's step.
    expect(s % 5).toBe(0);
    expect(s).toBeGreaterThanOrEqual(5);
    expect(log.length).toBeGreaterThanOrEqual(s);

    const flags = ['--batch', '16', '--eval-samples', '0', '--backend', 'cpu', '--quiet'];
    const r = cli('train', ...flags, '--steps', String(s + 2), '--resume', join(out, 'checkpoint.safetensors'), '--out', out);
    expect(r.code, r.err).toBe(0);
    const whole = join(dir, 'uninterrupted');
    expect(cli('train', ...flags, '--steps', String(s + 2), '--out', whole).code).toBe(0);
    // Steps after the checkpoint are trained again, not duplicated; every line equals the uninterrupted run's.
    expect(logOf(out)).toEqual(logOf(whole));
    const k = Math.min(log.length, s + 2);
    expect(logOf(out).slice(0, k)).toEqual(log.slice(0, k));
  });

  it.each([['SIGTERM', 143], ['SIGINT', 130]] as const)('%s stops the run within 2 s with exit code %i, writing the final checkpoint and pictures', async (signal, code) => {
    const out = join(dir, `signal-${signal}`);
    const p = startCli('train', ...ENDLESS, '--out', out);
    await waitFor('the first checkpoint', () => existsSync(join(out, 'checkpoint.safetensors')) || p.child.exitCode !== null);
    const sent = performance.now();
    p.child.kill(signal);
    const ex = await p.exited;
    expect(ex.code, p.stderr()).toBe(code);
    expect(ex.at - sent).toBeLessThan(2000);
    const log = logOf(out);
    expect(log.map((l) => l.step)).toEqual(oneTo(log.length));
    // The final checkpoint holds the last logged step, not the last periodic one.
    expect(checkpointStep(out)).toBe(log.length);
    expect(p.stderr()).toMatch(new RegExp(`stopped at step ${log.length};`));
    for (const f of ['samples.png', 'progress.gif', 'loss.svg']) expect(existsSync(join(out, f)), f).toBe(true);
  });

  it('--checkpoint-every writes each checkpoint through a temp file renamed into place, leaving none behind', async () => {
    const out = join(dir, 'atomic');
    mkdirSync(out, { recursive: true });
    const seen = new Set<string>();
    const watcher = watch(out, (_event, name) => name && seen.add(String(name)));
    try {
      const p = startCli('train', ...TINY, '--checkpoint-every', '2', '--out', out);
      expect((await p.exited).code, p.stderr()).toBe(0);
      await sleep(100); // let the last watch events arrive
    } finally {
      watcher.close();
    }
    // Steps 2 and 4, and the final one at 6: three temp files, each a hidden name in the same folder.
    const temps = [...seen].filter((n) => n.startsWith('.checkpoint.safetensors.'));
    expect(temps).toHaveLength(3);
    for (const t of temps) expect(t).toMatch(/^\.checkpoint\.safetensors\.\d+\.[0-9a-f]{8}\.tmp$/);
    expect(readdirSync(out).sort()).toEqual(['checkpoint.safetensors', 'log.jsonl', 'loss.svg', 'progress.gif', 'samples.png']);
    expect(checkpointStep(out)).toBe(6);
  });

  it.each([
    [['train', '--steps', 'abc'], /--steps must be an integer in \[1, 10000000\], got "abc"/],
    [['train', '--digits', '3,3'], /--digits repeats a digit: 3,3/],
    [['train', '--digits', '12'], /--digits must be digits 0-9/],
    [['train', '--lr=-1'], /--lr must be a number in \(0, 10\), got "-1"/],
    [['train', '--model', 'huge'], /--model must be one of mlp-small, mlp-large, dcgan, got "huge"/],
    [['train', '--loss', 'wasserstein'], /--loss must be one of nonsaturating, minimax/],
    [['train', '--bogus', '1'], /Unknown option '--bogus'/],
    [['sample', '--checkpoint', '/nonexistent.safetensors', '--out', 'x.npy'], /cannot read \/nonexistent.safetensors: no such file/],
    [['sample', '--checkpoint', 'package.json', '--out', 'x.npy'], /safetensors/],
    [['sample', '--checkpoint', 'x', '--out', 'x.txt'], /--out must end in .npy or .png/],
    [['fly'], /unknown command "fly"/],
  ])('refuses %j with a clear message', (args, message) => {
    const r = cli(...(args as string[]));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message as RegExp);
  });

  it('--help describes every command', () => {
    for (const c of ['train', 'sample', 'eval']) {
      const r = cli(c, '--help');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`shadergrad ${c}:`));
      expect(r.out).toMatch(/--verbose\s+print the stack trace/);
    }
    const train = cli('train', '--help').out;
    expect(train).toMatch(/--images <value>\s+train on this IDX images file/);
    expect(train).toMatch(/The sample metrics are then skipped/);
    expect(train).toMatch(/--labels <value>\s+the IDX labels file/);
    // Each preset's own defaults are named, from PRESET_TRAINING.
    expect(train).toMatch(new RegExp(`--steps <value>.*default ${PRESET_TRAINING['mlp-small'].steps}; dcgan: ${PRESET_TRAINING.dcgan.steps}`));
    expect(train).toMatch(new RegExp(`--lr <value>.*default ${DEFAULT_OPTIONS.lr}; dcgan: ${PRESET_TRAINING.dcgan.lr}`));
  });

  it('--model dcgan trains with its own rates and D warm-up unless told otherwise; the mlp models keep the common ones', () => {
    const out = join(dir, 'dcgan');
    // wasm: the preset's 100 D warm-up steps take seconds there, minutes on the CPU reference.
    const base = ['train', '--model', 'dcgan', '--steps', '1', '--batch', '2', '--eval-samples', '0', '--backend', 'wasm', '--quiet', '--out', out];
    const ck = () => readCheckpoint(new Uint8Array(readFileSync(join(out, 'checkpoint.safetensors'))));
    let r = cli(...base);
    expect(r.code, r.err).toBe(0);
    const p = PRESET_TRAINING.dcgan;
    expect(logOf(out)[0]!.lr).toBeCloseTo(p.lr!, 12);
    expect(ck().options).toMatchObject({ lr: p.lr, lrD: p.lrD, dWarmup: p.dWarmup, modeSeeking: p.modeSeeking });
    expect(p.modeSeeking).toBeGreaterThan(0);
    expect(ck().config).toMatchObject({ kind: 'dcgan', dDropout: PRESETS.dcgan.dDropout });
    // The warm-up's D steps and the first step's own: D has taken dWarmup + 1 Adam steps, G one.
    expect([ck().state.optD.t, ck().state.optG.t]).toEqual([p.dWarmup! + 1, 1]);
    expect(ck().state.optD.lr).toBeCloseTo(p.lrD!, 12);
    // --lr alone sets both rates; --lr-d sets D's.
    r = cli(...base, '--lr', '3e-4', '--d-warmup', '0');
    expect(r.code, r.err).toBe(0);
    expect([ck().state.optG.lr, ck().state.optD.lr, ck().state.optD.t]).toEqual([3e-4, 3e-4, 1]);
    r = cli(...base, '--lr', '3e-4', '--lr-d', '5e-4', '--d-warmup', '0', '--dropout', '0', '--mode-seeking', '0');
    expect(r.code, r.err).toBe(0);
    expect(ck().config).toMatchObject({ dDropout: 0 });
    expect(ck().options).toMatchObject({ modeSeeking: 0 });
    expect([ck().state.optG.lr, ck().state.optD.lr]).toEqual([3e-4, 5e-4]);
    expect(logOf(run1)[0]!.lr).toBe(DEFAULT_OPTIONS.lr);
    expect(readCheckpoint(new Uint8Array(readFileSync(join(run1, 'checkpoint.safetensors')))).options).toMatchObject({ dWarmup: 0, modeSeeking: 0 });
  });

  it('resuming an mlp-large checkpoint without --model keeps mlp-large: printed and in the new checkpoint', () => {
    const large = join(dir, 'large');
    const first = cli('train', ...TINY, '--steps', '2', '--model', 'mlp-large', '--out', large);
    expect(first.code, first.err).toBe(0);
    const again = join(dir, 'large-resumed');
    const r = cli('train', ...TINY, '--steps', '4', '--resume', join(large, 'checkpoint.safetensors'), '--out', again);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(`training mlp-large on digits 3 (822 real images) for 2 steps (resuming at step 2) -> ${again}`);
    const ck = readCheckpoint(new Uint8Array(readFileSync(join(again, 'checkpoint.safetensors'))));
    expect(ck.metadata.model).toBe('mlp-large');
    expect(ck.state.step).toBe(4);
    expect(ck.config).toEqual(PRESETS['mlp-large']);
    expect(ck.tensors['generator.2.weight']!.shape).toEqual([560, 200]);
    // A --model that disagrees with the checkpoint is named and ignored.
    const other = cli('train', ...TINY, '--steps', '4', '--model', 'mlp-small', '--resume', join(large, 'checkpoint.safetensors'), '--out', join(dir, 'large-other'));
    expect(other.code, other.err).toBe(0);
    expect(other.err).toContain("train: --model mlp-small is ignored: the checkpoint's model is mlp-large\n");
  });

  it('a run started in a folder removes the temporary files a killed run left there, and only those', () => {
    const out = join(dir, 'stale');
    mkdirSync(out, { recursive: true });
    // pid 2^30 is above Linux's pid_max: no such process. Our own pid is alive.
    const dead = `.checkpoint.safetensors.${2 ** 30}.deadbeef.tmp`;
    const live = `.checkpoint.safetensors.${process.pid}.0badf00d.tmp`;
    const foreign = `.notes.txt.${2 ** 30}.deadbeef.tmp`;
    for (const f of [dead, live, foreign]) writeFileSync(join(out, f), 'x');
    expect(cli('train', ...TINY, '--out', out).code).toBe(0);
    const left = readdirSync(out).filter((f) => f.endsWith('.tmp')).sort();
    expect(left).toEqual([live, foreign].sort());
  });
});

/** An IDX file: type 0x08 (u8), these dimensions and bytes. */
function idx(dims: number[], body: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = 0x08;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(body)]);
}

describe('shadergrad train --images --labels (IDX files of your own)', () => {
  // 60 images of 28x28 with labels 0..9 (six of each), pixels a fixed pattern; images gzipped, labels raw.
  const images = join(dir, 'my-images-idx3-ubyte.gz');
  const labels = join(dir, 'my-labels-idx1-ubyte');
  writeFileSync(images, gzipSync(idx([60, 28, 28], new Uint8Array(60 * 784).map((_, i) => (i * 31 + (i >> 9)) % 256))));
  writeFileSync(labels, idx([60], new Uint8Array(60).map((_, i) => i % 10)));
  const files = ['--images', images, '--labels', labels];
  const RUN = ['--batch', '8', '--sample-every', '2', '--backend', 'cpu', '--quiet'];

  it('trains on the files, filtered by --digits, records them, and skips the digit metrics saying why', () => {
    const out = join(dir, 'idx-run');
    const r = cli('train', ...RUN, '--steps', '3', ...files, '--digits', '1,2', '--out', out);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(`training mlp-small on labels 1,2 of ${images} (12 images) for 3 steps -> ${out}\n`);
    const ckPath = join(out, 'checkpoint.safetensors');
    expect(r.err).toContain(`not scoring the samples: the classifier's metrics compare them with the built-in MNIST digits, and this run trained on ${images} (if those are MNIST digits, \`shadergrad eval --checkpoint ${ckPath}\` scores them)\n`);
    expect(r.out).toBe('');
    expect(existsSync(join(out, 'metrics.json'))).toBe(false);
    const ck = readCheckpoint(new Uint8Array(readFileSync(ckPath)));
    expect(ck.metadata).toMatchObject({ data: 'idx', images, labels, digits: '1,2', model: 'mlp-small' });
    expect(logOf(out).map((l) => l.step)).toEqual([1, 2, 3]);
  });

  it('a resumed run finds the files in the checkpoint, and equals an uninterrupted run', () => {
    const whole = join(dir, 'idx-whole');
    const part = join(dir, 'idx-part');
    expect(cli('train', ...RUN, '--eval-samples', '0', '--steps', '6', ...files, '--digits', 'all', '--out', whole).code).toBe(0);
    expect(cli('train', ...RUN, '--eval-samples', '0', '--steps', '3', ...files, '--digits', 'all', '--out', part).code).toBe(0);
    const r = cli('train', ...RUN, '--eval-samples', '0', '--steps', '6', '--resume', join(part, 'checkpoint.safetensors'), '--out', part);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(`training mlp-small on labels 0,1,2,3,4,5,6,7,8,9 of ${images} (60 images) for 3 steps (resuming at step 3) -> ${part}`);
    expect(logOf(part)).toEqual(logOf(whole));
  });

  // Debian's dataset-fashion-mnist package installs the original gzipped IDX files here.
  const FASHION = process.env.FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';
  const hasFashion = existsSync(join(FASHION, 'train-images-idx3-ubyte.gz'));
  it.skipIf(!hasFashion)(`Fashion-MNIST from ${FASHION}${hasFashion ? '' : ' (skipped: dataset-fashion-mnist is not installed)'}: class 7 is 6000 of the 60,000 images`, () => {
    const out = join(dir, 'fashion');
    const fi = join(FASHION, 'train-images-idx3-ubyte.gz');
    const r = cli('train', ...RUN, '--steps', '2', '--images', fi, '--labels', join(FASHION, 'train-labels-idx1-ubyte.gz'), '--digits', '7', '--out', out);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(`training mlp-small on labels 7 of ${fi} (6000 images) for 2 steps -> ${out}\n`);
    expect(readCheckpoint(new Uint8Array(readFileSync(join(out, 'checkpoint.safetensors')))).metadata.images).toBe(fi);
  });
});

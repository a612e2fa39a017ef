/** `shadergrad sample`: draws samples from a checkpoint's generator into .npy or a .png grid. */
import { readCheckpoint, loadGenerator } from '../gan/checkpoint.js';
import { imageGrid } from '../gan/grid.js';
import { encodePng } from '../gan/png.js';
import { encodeNpy } from '../io/npy.js';
import { noGrad } from '../autograd/tape.js';
import { Generator, randn } from '../ops/random.js';
import { scope } from '../scope.js';
import { ValueError } from '../errors.js';
import type { Sequential } from '../nn/layers.js';
import { choice, int, parse, usage, type Flags } from './args.js';
import { initBackend, readIn, writeOut } from './common.js';

export const SAMPLE_FLAGS: Flags = {
  checkpoint: { type: 'string', help: 'checkpoint.safetensors written by train (required)' },
  n: { type: 'string', default: '64', help: 'number of samples' },
  out: { type: 'string', help: 'output file: .npy (float32 [n, 784] in [-1,1]) or .png (a grid, n <= 1024) (required)' },
  seed: { type: 'string', default: '0', help: 'seed of the noise' },
  backend: { type: 'string', default: 'auto', help: 'auto, webgpu or cpu' },
};

/** n generator samples in [-1, 1], drawn in batches of 500 from Generator(seed). */
export async function drawSamples(G: Sequential, zDim: number, n: number, seed: number): Promise<Float32Array> {
  const gen = new Generator(seed);
  const out = new Float32Array(n * 784);
  for (let at = 0; at < n; at += 500) {
    const m = Math.min(500, n - at);
    const t = noGrad(() => scope(() => G.forward(randn([m, zDim], { generator: gen }))));
    out.set(await t.data(), at * 784);
    t.dispose();
  }
  return out;
}

export async function sampleCommand(argv: string[]): Promise<void> {
  const a = parse('sample', argv, SAMPLE_FLAGS);
  if (a.help) return void console.log(usage('sample', 'draw samples from a trained generator', SAMPLE_FLAGS));
  if (typeof a.checkpoint !== 'string') throw new ValueError('sample: --checkpoint is required');
  if (typeof a.out !== 'string' || !/\.(npy|png)$/.test(a.out)) throw new ValueError(`sample: --out must end in .npy or .png, got ${JSON.stringify(a.out)}`);
  const png = a.out.endsWith('.png');
  const n = int('sample', 'n', a.n, 1, png ? 1024 : 1_000_000);
  const seed = int('sample', 'seed', a.seed, 0, 2 ** 32 - 1);
  const ck = readCheckpoint(await readIn('sample', a.checkpoint));
  await initBackend(choice('sample', 'backend', a.backend, ['auto', 'webgpu', 'cpu'] as const), (s) => console.error(s));
  const samples = await drawSamples(loadGenerator(ck), ck.config.zDim, n, seed);
  if (png) {
    const g = imageGrid(samples, n, 28, 28, { scale: 2 });
    await writeOut(a.out, encodePng(g.pixels, g.width, g.height));
  } else {
    await writeOut(a.out, encodeNpy(samples, [n, 784]));
  }
  console.error(`wrote ${n} samples to ${a.out}`);
}

/** `shadergrad sample`: draws samples from a checkpoint's generator into .npy or a .png grid. */
import { drawSamples, loadGenerator } from '../gan/checkpoint.js';
import { grayImages, imageGrid } from '../gan/grid.js';
import { encodePng } from '../gan/png.js';
import { encodeNpy } from '../io/npy.js';
import { ValueError } from '../errors.js';
import { choice, int, parse, usage, type Flags } from './args.js';
import { initBackend, readCheckpointFile, writeOut } from './common.js';
import { checkOutputFile } from './fs-errors.js';

export const SAMPLE_FLAGS: Flags = {
  checkpoint: { type: 'string', help: 'checkpoint.safetensors written by train (required)', required: 'the checkpoint.safetensors that train wrote' },
  n: { type: 'string', default: '64', help: 'number of samples' },
  out: { type: 'string', help: 'output file: .npy (float32 [n, C, H, W] in [-1,1], [n, 1, 28, 28] for the MLP) or .png (a grid, n <= 1024) (required)', required: 'the output file, .npy or .png' },
  seed: { type: 'string', default: '0', help: 'seed of the noise' },
  backend: { type: 'string', default: 'auto', help: 'auto, webgpu, wasm or cpu' },
};

export async function sampleCommand(argv: string[]): Promise<void> {
  const a = parse('sample', argv, SAMPLE_FLAGS);
  if (a.help) return void console.log(usage('sample', 'draw samples from a trained generator', SAMPLE_FLAGS));
  const checkpoint = String(a.checkpoint);
  if (typeof a.out !== 'string' || !/\.(npy|png)$/.test(a.out)) throw new ValueError(`sample: --out must end in .npy or .png, got ${JSON.stringify(a.out)}`);
  const png = a.out.endsWith('.png');
  const n = int('sample', 'n', a.n, 1, png ? 1024 : 1_000_000);
  const seed = int('sample', 'seed', a.seed, 0, 2 ** 32 - 1);
  const backend = choice('sample', 'backend', a.backend, ['auto', 'webgpu', 'wasm', 'cpu'] as const);
  // The output path is checked before any work: a bad one fails at once.
  checkOutputFile('sample', '--out', a.out);
  const ck = await readCheckpointFile('sample', checkpoint);
  await initBackend(backend, (s) => console.error(s));
  const samples = await drawSamples(loadGenerator(ck), ck.config, n, seed);
  const [, h, w] = ck.config.imageShape;
  if (png) {
    const g = imageGrid(grayImages(samples, n, ck.config.imageShape), n, h, w, { scale: 2 });
    await writeOut('sample', a.out, encodePng(g.pixels, g.width, g.height));
  } else {
    await writeOut('sample', a.out, encodeNpy(samples, [n, ...ck.config.imageShape]));
  }
  console.error(`wrote ${n} samples to ${a.out}`);
}

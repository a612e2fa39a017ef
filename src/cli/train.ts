/**
 * `shadergrad train`: trains an MLP GAN on real MNIST digits and writes samples.png,
 * progress.gif, loss.svg, log.jsonl and checkpoint.safetensors (plus metrics.json when the
 * classifier is available). Ctrl-C stops early and still writes everything.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { filterDigits, toSigned } from '../data/dataset.js';
import { mnistSplit } from '../data/standard-split.js';
import { ValueError } from '../errors.js';
import { readCheckpoint, resumeTrainer, saveCheckpoint } from '../gan/checkpoint.js';
import { encodeGif } from '../gan/gif.js';
import { imageGrid, type GrayImage } from '../gan/grid.js';
import { PRESETS, type PresetName } from '../gan/models.js';
import { linePlotSvg } from '../gan/plot.js';
import { encodePng } from '../gan/png.js';
import { GanTrainer, DEFAULT_OPTIONS, type StepLog } from '../gan/trainer.js';
import { choice, digits as parseDigits, int, num, parse, usage, type Flags } from './args.js';
import { CLASSIFIER_PATH, initBackend, readIn, writeOut } from './common.js';
import { evaluateCheckpoint } from './eval.js';
import { Progress } from './progress.js';

export const TRAIN_FLAGS: Flags = {
  model: { type: 'string', default: 'mlp-small', help: 'mlp-small (G 100-128-784, D 784-128-1) or mlp-large (two hidden layers)' },
  digits: { type: 'string', default: '3', help: 'digits to learn: "3", "0,1,7" or "all"' },
  steps: { type: 'string', default: '3000', help: 'generator steps (total, when resuming)' },
  batch: { type: 'string', default: String(DEFAULT_OPTIONS.batchSize), help: 'batch size' },
  seed: { type: 'string', default: '1', help: 'seed of weights, noise, dropout and data order' },
  out: { type: 'string', default: 'runs/default', help: 'output folder' },
  k: { type: 'string', default: '1', help: 'discriminator steps per generator step' },
  loss: { type: 'string', default: DEFAULT_OPTIONS.loss, help: 'generator loss: nonsaturating (-log D(G(z))) or minimax (log(1-D(G(z))))' },
  optimizer: { type: 'string', default: DEFAULT_OPTIONS.optimizer, help: 'adam or sgd' },
  lr: { type: 'string', default: String(DEFAULT_OPTIONS.lr), help: 'learning rate of both networks' },
  beta1: { type: 'string', default: String(DEFAULT_OPTIONS.betas[0]), help: "Adam's beta1" },
  beta2: { type: 'string', default: String(DEFAULT_OPTIONS.betas[1]), help: "Adam's beta2" },
  momentum: { type: 'string', default: String(DEFAULT_OPTIONS.momentum), help: "SGD's momentum" },
  decay: { type: 'string', default: '0', help: 'step decay per epoch: lr_e = lr_{e-1} / (1 + decay * e)' },
  dropout: { type: 'string', default: '0', help: 'dropout probability in the discriminator' },
  backend: { type: 'string', default: 'auto', help: 'auto (WebGPU on a hardware adapter, else CPU), webgpu or cpu' },
  'sample-every': { type: 'string', default: '100', help: 'steps between progress grids (GIF frames)' },
  'eval-samples': { type: 'string', default: '1000', help: 'samples scored by the classifier at the end (0 to skip)' },
  resume: { type: 'string', help: 'continue from this checkpoint (its model and options win)' },
  quiet: { type: 'boolean', default: false, help: 'no progress bar' },
};

export async function trainCommand(argv: string[]): Promise<void> {
  const a = parse('train', argv, TRAIN_FLAGS);
  if (a.help) return void console.log(usage('train', 'train an MLP GAN on real MNIST digits', TRAIN_FLAGS));
  const model = choice('train', 'model', a.model, Object.keys(PRESETS) as PresetName[]);
  const digitList = parseDigits('train', a.digits);
  const steps = int('train', 'steps', a.steps, 1, 10_000_000);
  const opts = {
    batchSize: int('train', 'batch', a.batch, 1, 4096),
    seed: int('train', 'seed', a.seed, 0, 2 ** 32 - 1),
    k: int('train', 'k', a.k, 1, 100),
    loss: choice('train', 'loss', a.loss, ['nonsaturating', 'minimax'] as const),
    optimizer: choice('train', 'optimizer', a.optimizer, ['adam', 'sgd'] as const),
    lr: num('train', 'lr', a.lr, 0, 10, true),
    betas: [num('train', 'beta1', a.beta1, 0, 0.999999), num('train', 'beta2', a.beta2, 0, 0.999999)] as [number, number],
    momentum: num('train', 'momentum', a.momentum, 0, 0.999999),
    decay: num('train', 'decay', a.decay, 0, 1000),
    fixedSamples: 64,
  };
  const dropout = num('train', 'dropout', a.dropout, 0, 0.95);
  const sampleEvery = int('train', 'sample-every', a['sample-every'], 1, 1_000_000);
  const evalN = int('train', 'eval-samples', a['eval-samples'], 0, 100_000);
  const out = String(a.out);
  const quiet = a.quiet === true;
  const resumeBytes = typeof a.resume === 'string' ? await readIn('train', a.resume) : null;
  const ck = resumeBytes ? readCheckpoint(resumeBytes) : null;
  const trainDigits = ck?.metadata.digits ? parseDigits('train', ck.metadata.digits) : digitList;

  await initBackend(choice('train', 'backend', a.backend, ['auto', 'webgpu', 'cpu'] as const), (s) => console.error(s));
  const data = toSigned(filterDigits(mnistSplit().train, trainDigits));
  const trainer = ck ? resumeTrainer(ck, data) : new GanTrainer({ ...PRESETS[model], dDropout: dropout }, opts, data);
  if (trainer.step >= steps) throw new ValueError(`train: the checkpoint is already at step ${trainer.step}; ask for more --steps`);
  await mkdir(out, { recursive: true });
  const log = createWriteStream(join(out, 'log.jsonl'), { flags: ck ? 'a' : 'w' });
  console.error(`training ${model} on digits ${trainDigits.join(',')} (${data.n} real images) for ${steps - trainer.step} steps -> ${out}`);

  let stop = false;
  const onInt = () => {
    stop = true;
  };
  process.once('SIGINT', onInt);
  const bar = new Progress(steps - trainer.step, process.stderr, quiet);
  const start = trainer.step;
  const frames: Uint8Array[] = [];
  const history: StepLog[] = [];
  let grid: GrayImage = { pixels: new Uint8Array(0), width: 0, height: 0 };
  const snapshot = async () => {
    const s = await trainer.sample();
    grid = imageGrid(s, 64, 28, 28, { cols: 8 });
    frames.push(grid.pixels);
    const w = trainer.monitor.samples(s, 64, 784, trainer.step);
    if (w) bar.note(`warning: ${w}`);
  };
  await snapshot();
  try {
    while (trainer.step < steps && !stop) {
      const l = await trainer.trainStep();
      history.push(l);
      log.write(`${JSON.stringify(l)}\n`);
      if (l.warning) bar.note(`warning: ${l.warning}`);
      if (l.step % sampleEvery === 0) await snapshot();
      bar.update(l.step - start, `D ${l.dLoss.toFixed(3)}  G ${l.gLoss.toFixed(3)}  D(x) ${l.dReal.toFixed(2)}  D(G(z)) ${l.dFake.toFixed(2)}`);
    }
  } finally {
    process.off('SIGINT', onInt);
    await new Promise<void>((r) => log.end(r));
  }
  if (stop) bar.note(`interrupted at step ${trainer.step}; writing what was trained`);
  if (trainer.step % sampleEvery !== 0) await snapshot();
  const seconds = bar.elapsed;
  const big = imageGrid(await trainer.sample(), 64, 28, 28, { cols: 8, scale: 2 });
  await writeOut(join(out, 'samples.png'), encodePng(big.pixels, big.width, big.height));
  await writeOut(join(out, 'progress.gif'), encodeGif(frames, grid.width, grid.height, { delayMs: 150 }));
  await writeOut(join(out, 'loss.svg'), linePlotSvg([
    { name: 'D loss', values: history.map((h) => h.dLoss) },
    { name: 'G loss', values: history.map((h) => h.gLoss) },
    { name: 'mean D(x)', values: history.map((h) => h.dReal) },
    { name: 'mean D(G(z))', values: history.map((h) => h.dFake) },
  ], { title: `${model} on digits ${trainDigits.join(',')}`, xLabel: 'step', smooth: 0.95 }));
  const ckPath = join(out, 'checkpoint.safetensors');
  await writeOut(ckPath, await saveCheckpoint(trainer, { digits: trainDigits.join(','), model }));
  const done = trainer.step - start;
  console.error(`trained ${done} steps in ${seconds.toFixed(1)} s (${(done / seconds).toFixed(2)} steps/s); wrote samples.png, progress.gif, loss.svg, log.jsonl, checkpoint.safetensors to ${out}`);
  if (evalN > 0 && !existsSync(CLASSIFIER_PATH)) console.error(`no classifier at ${CLASSIFIER_PATH}; skipping the sample metrics`);
  else if (evalN > 0) {
    const m = await evaluateCheckpoint(ckPath, trainDigits, evalN, 0);
    await writeOut(join(out, 'metrics.json'), `${JSON.stringify({ ...m.json, steps: trainer.step, seconds, stepsPerSecond: done / seconds }, null, 2)}\n`);
    console.log(m.table);
  }
  if (stop) process.exitCode = 130;
}

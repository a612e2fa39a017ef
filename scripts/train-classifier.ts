/**
 * Trains the digit classifier of the sample-quality metrics (src/eval/classifier.ts) with
 * shadergrad, on the training side of `mnistSplit()` only, and writes
 * assets/classifier.safetensors with its recipe and its held-out accuracy.
 *
 *   npx tsx scripts/train-classifier.ts [--epochs 40] [--aug affine|shift|none]
 *     [--dropout 0.2] [--lr 0.001] [--batch 64] [--seed 1] [--backend cpu|webgpu]
 *     [--no-deskew] [--no-save] [--out assets/classifier.safetensors]
 *
 * Epochs are chosen on a validation slice of `train` (10%, by `split` with its own
 * seed); the saved model is trained on the rest of `train` (the validation slice is never
 * trained on), and the held-out set is scored once, at the end. Everything random (init,
 * batch order, augmentation) comes from seeded counter-based generators, so a run is
 * reproducible bit for bit on the cpu backend. `--no-deskew` is an ablation only: such a
 * model does not match the classifier's preprocessing and is never saved.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  Adam, Generator, init, noGrad, scope, sub, sum, mul, tensor, type Sequential, type Tensor,
} from '../src/node.js'; // the Node entry: its init loads Dawn
import { batches, split } from '../src/data/dataset.js';
import { randomUnit } from '../src/data/random.js';
import { mnistSplit, STANDARD_SPLIT } from '../src/data/standard-split.js';
import type { Digits } from '../src/data/types.js';
import {
  CLASSIFIER_WIDTHS, PIXELS, PREPROCESS, SIDE, classify, createClassifier, preprocess, warpAffine,
} from '../src/eval/classifier.js';
import { encodeSafetensors } from '../src/io/safetensors.js';

type Aug = 'none' | 'shift' | 'affine';

interface Recipe {
  epochs: number;
  aug: Aug;
  dropout: number;
  lr: number;
  /** Cosine decay of the learning rate from lr to lrMin*lr over the epochs. */
  lrMin: number;
  batch: number;
  seed: number;
  deskew: boolean;
  backend: 'cpu' | 'webgpu';
  save: boolean;
  out: string;
}

/** The validation slice of `train`: 10%, by `split`'s hash with a seed of its own. */
const VALIDATION = { heldOutFraction: 0.1, seed: 77 } as const;

/** Augmentation draws come from this stream family (plus the epoch), apart from the batch order's. */
const AUG_STREAM = 0xa0_60_00_00;

function parseArgs(argv: string[]): Recipe {
  const r: Recipe = {
    epochs: 40, aug: 'affine', dropout: 0.2, lr: 1e-3, lrMin: 0.02, batch: 64, seed: 1,
    deskew: true, backend: 'cpu', save: true, out: 'assets/classifier.safetensors',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`train-classifier: ${a} needs a value`);
      return x;
    };
    switch (a) {
      case '--epochs': r.epochs = Number(v()); break;
      case '--aug': r.aug = v() as Aug; break;
      case '--dropout': r.dropout = Number(v()); break;
      case '--lr': r.lr = Number(v()); break;
      case '--lr-min': r.lrMin = Number(v()); break;
      case '--batch': r.batch = Number(v()); break;
      case '--seed': r.seed = Number(v()); break;
      case '--backend': r.backend = v() as 'cpu' | 'webgpu'; break;
      case '--out': r.out = v(); break;
      case '--no-deskew': r.deskew = false; r.save = false; break;
      case '--no-save': r.save = false; break;
      default: throw new Error(`train-classifier: unknown argument ${a}`);
    }
  }
  if (!['none', 'shift', 'affine'].includes(r.aug)) throw new Error(`train-classifier: --aug must be none, shift or affine, got ${r.aug}`);
  return r;
}

/**
 * Augments one [0,1] image in place of `out` from the stream (seed, AUG_STREAM + epoch) at
 * the sample's identity `id`: 'shift' moves it by whole pixels in [-2, 2] each way;
 * 'affine' rotates by U(-10, 10) degrees, scales by U(0.9, 1.1) and moves by U(-2, 2)
 * pixels each way, about the centre, with bilinear sampling. Deskewing follows, which
 * recentres the digit, so what survives of the affine is mostly rotation and scale.
 */
function augment(src: Float32Array, off: number, out: Float32Array, aug: Aug, seed: number, epoch: number, id: number): void {
  const u = (j: number) => randomUnit(seed, AUG_STREAM + epoch, id * 4 + j);
  const mid = (SIDE - 1) / 2;
  if (aug === 'shift') {
    const dy = Math.floor(u(0) * 5) - 2;
    const dx = Math.floor(u(1) * 5) - 2;
    warpAffine(src, off, out, off, [1, 0, -dy, 0, 1, -dx]);
    return;
  }
  const th = ((u(0) * 2 - 1) * 10 * Math.PI) / 180;
  const s = 0.9 + 0.2 * u(1);
  const ty = (u(2) * 2 - 1) * 2;
  const tx = (u(3) * 2 - 1) * 2;
  // Output (r, c) reads the input at mid + R(-th) ((r, c) - mid) / s - t.
  const a = Math.cos(th) / s;
  const b = Math.sin(th) / s;
  warpAffine(src, off, out, off, [a, b, mid - a * mid - b * mid - ty, -b, a, mid + b * mid - a * mid - tx]);
}

/** The network's input: deskewed (the classifier's `preprocess`), or only the [0,1] pixels for the ablation. */
function input(images: Float32Array, n: number, deskew: boolean): Float32Array {
  return deskew ? preprocess(images, n, 'unit') : images;
}

/**
 * Mean softmax cross-entropy of logits z [b,10] against one-hot y, written as
 * `log sum_j exp(z_j - z_y)`: shift-invariant like log-softmax, and its exponents stay
 * small for every sample the network gets right, so nothing overflows.
 */
function crossEntropy(z: Tensor, y: Tensor): Tensor {
  const zy = sum(mul(z, y), 1, true);
  return sub(z, zy).exp().sum(1).log().mean();
}

function oneHot(labels: Uint8Array): Float32Array {
  const y = new Float32Array(labels.length * 10);
  labels.forEach((l, i) => { y[i * 10 + l] = 1; });
  return y;
}

/** Accuracy of the model on already-prepared inputs. */
async function accuracy(model: Sequential, x: Float32Array, labels: Uint8Array): Promise<number> {
  const n = labels.length;
  let right = 0;
  model.eval();
  for (let at = 0; at < n; at += 500) {
    const b = Math.min(500, n - at);
    const z = scope(() => noGrad(() => model.forward(tensor(x.subarray(at * PIXELS, (at + b) * PIXELS), [b, PIXELS]))));
    const v = await z.data();
    z.dispose();
    for (let i = 0; i < b; i++) {
      let best = 0;
      for (let j = 1; j < 10; j++) if (v[i * 10 + j]! > v[i * 10 + best]!) best = j;
      if (best === labels[at + i]) right++;
    }
  }
  model.train();
  return right / n;
}

async function main(): Promise<void> {
  const r = parseArgs(process.argv.slice(2));
  await init({ backend: r.backend, verbose: false });
  const { train, heldOut } = mnistSplit();
  const { train: fit, heldOut: val } = split(train, VALIDATION);
  console.log(`train-classifier on ${r.backend}: ${fit.n} training, ${val.n} validation (slices of mnistSplit().train), ${heldOut.n} held out; recipe ${JSON.stringify(r)}`);

  const model = createClassifier({ dropout: r.dropout, generator: new Generator(r.seed) });
  const opt = new Adam(model.parameters(), { lr: r.lr });
  const valX = input(val.images, val.n, r.deskew);
  const work = new Float32Array(r.batch * PIXELS);
  const t0 = performance.now();
  const history: string[] = [];

  for (let epoch = 0; epoch < r.epochs; epoch++) {
    opt.lr = r.lr * (r.lrMin + (1 - r.lrMin) * 0.5 * (1 + Math.cos((Math.PI * epoch) / r.epochs)));
    let lossSum = 0;
    let steps = 0;
    const pending: Tensor[] = [];
    for (const b of batches(fit, r.batch, { seed: r.seed, epoch })) {
      let imgs = b.images;
      if (r.aug !== 'none') {
        for (let k = 0; k < r.batch; k++) augment(b.images, k * PIXELS, work, r.aug, r.seed, epoch, b.index[k]!);
        imgs = work;
      }
      const x = input(imgs, r.batch, r.deskew);
      const loss = scope(() => {
        opt.zeroGrad();
        const l = crossEntropy(model.forward(tensor(x, [r.batch, PIXELS])), tensor(oneHot(b.labels), [r.batch, 10]));
        l.backward();
        opt.step();
        return l;
      });
      pending.push(loss);
      steps++;
    }
    for (const l of pending) {
      lossSum += await l.item();
      l.dispose();
    }
    const acc = await accuracy(model, valX, val.labels);
    const secs = (performance.now() - t0) / 1000;
    const line = `epoch ${epoch + 1}/${r.epochs}  lr ${opt.lr.toExponential(2)}  train loss ${(lossSum / steps).toFixed(4)}  validation acc ${(acc * 100).toFixed(2)}%  ${secs.toFixed(1)} s`;
    history.push(`${epoch + 1}:${acc.toFixed(4)}`);
    console.log(line);
  }
  const seconds = (performance.now() - t0) / 1000;

  // The held-out set, scored once, through the same path the metrics use.
  let heldOutAcc: number;
  if (r.deskew) {
    const { labels } = await classify(model, heldOut.images, heldOut.n, 'unit');
    heldOutAcc = labels.reduce((a, l, i) => a + (l === heldOut.labels[i] ? 1 : 0), 0) / heldOut.n;
  } else {
    heldOutAcc = await accuracy(model, heldOut.images, heldOut.labels);
  }
  const valAcc = await accuracy(model, valX, val.labels);
  console.log(`held-out accuracy ${(heldOutAcc * 100).toFixed(2)}% on ${heldOut.n} digits; validation ${(valAcc * 100).toFixed(2)}%; trained in ${seconds.toFixed(0)} s on ${r.backend}`);

  if (!r.save) return;
  await save(model, r, { fit, val, heldOut, heldOutAcc, valAcc, seconds, history });
}

async function save(
  model: Sequential, r: Recipe,
  s: { fit: Digits; val: Digits; heldOut: Digits; heldOutAcc: number; valAcc: number; seconds: number; history: string[] },
): Promise<void> {
  const tensors: Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }> = {};
  for (const [name, p] of model.namedParameters()) tensors[name] = { dtype: 'F32', shape: [...p.shape], data: await p.data() };
  const metadata: Record<string, string> = {
    architecture: `MLP ${CLASSIFIER_WIDTHS.join('-')}: nn.Sequential(Linear, ReLU, Dropout, Linear, ReLU, Dropout, Linear); features = the ${CLASSIFIER_WIDTHS[2]} ReLU activations before the last Linear`,
    widths: JSON.stringify(CLASSIFIER_WIDTHS),
    preprocess: PREPROCESS,
    recipe: `Adam(lr ${r.lr}, betas 0.9/0.999), cosine decay to ${r.lrMin}x over ${r.epochs} epochs, batch ${r.batch}, softmax cross-entropy, dropout ${r.dropout}, augmentation ${r.aug === 'affine' ? 'random affine (rotation U(-10,10) deg, scale U(0.9,1.1), shift U(-2,2) px, bilinear) before deskewing' : r.aug}, PyTorch default Linear init`,
    seed: String(r.seed),
    epochs: String(r.epochs),
    backend: r.backend,
    data: `mnistSplit() (split(mnist(), ${JSON.stringify(STANDARD_SPLIT)})): trained on ${s.fit.n} of its ${s.fit.n + s.val.n} train digits; the other ${s.val.n} (split(train, ${JSON.stringify(VALIDATION)}).heldOut) were the validation slice`,
    validationAccuracy: s.valAcc.toFixed(6),
    validationHistory: s.history.join(' '),
    heldOutAccuracy: s.heldOutAcc.toFixed(6),
    heldOutN: String(s.heldOut.n),
    trainingSeconds: s.seconds.toFixed(1),
  };
  const bytes = encodeSafetensors(tensors, metadata);
  mkdirSync(dirname(r.out), { recursive: true });
  writeFileSync(r.out, bytes);
  console.log(`wrote ${r.out} (${bytes.length} bytes, ${model.numParameters()} parameters)`);
}

await main();

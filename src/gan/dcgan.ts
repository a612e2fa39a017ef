/**
 * The DCGAN of the TensorFlow MNIST tutorial, NCHW:
 *   G: z [B, 100] -> reshape [B, 25, 2, 2], ReLU -> convT 5x5 s2 -> [B, 256, 3, 3], BN, ReLU
 *      -> [B, 128, 6, 6], BN, ReLU -> [B, 64, 12, 12], BN, ReLU -> [B, 1, 28, 28], tanh
 *      (the last with a 6x6 kernel: a 5x5 one reaches only 27 rows, see transposedLayer)
 *   D: conv 5x5 'same' 1->8 + ReLU, avg-pool 2; conv 5x5 'same' 8->16 + ReLU, avg-pool 2;
 *      flatten 784 -> dense 32 ReLU -> dense 1 (a logit)
 * Weights start from truncated normals (std 0.02 in D, 0.1 in G), biases at zero. The
 * transposed convs that feed a batchnorm have no bias: the batchnorm's mean subtraction
 * would cancel it (the tutorial declares those biases and never adds them).
 */
import { ValueError } from '../errors.js';
import { AvgPool2d, BatchNorm2d, Conv2d, ConvTranspose2d } from '../nn/conv.js';
import { Dropout, Flatten, LeakyReLU, Linear, ReLU, Reshape, Sequential, Tanh } from '../nn/layers.js';
import type { Module } from '../nn/module.js';
import { MinibatchStd } from '../nn/minibatch.js';
import type { Generator } from '../ops/random.js';
import type { GanModels, ImageShape } from './models.js';

export interface DcganConfig {
  kind: 'dcgan';
  zDim: number;
  /** [C, H, W] of G's output and D's input. */
  imageShape: ImageShape;
  /** G's channels from the reshaped noise to the image: [25, 256, 128, 64, 1]; the first times the first size squared is zDim. */
  gChannels: number[];
  /** G's square sizes along the same path: [2, 3, 6, 12, 28]; the last is the image's. */
  gSizes: number[];
  /** D's conv channels after the input's: [8, 16]; each conv is followed by a 2x2 average pool. */
  dChannels: number[];
  /** Units of D's hidden dense layer (32). */
  dDense: number;
  /**
   * Dropout probability after D's hidden dense layer (0: none; configs saved before the
   * field existed have none). Each sample then gets its own dropout mask, so D's gradient
   * differs from sample to sample and cannot drag every sample of G the same way.
   */
  dDropout: number;
  /** The tutorial's ReLU on the reshaped noise (true when absent); false feeds z as drawn. */
  gNoiseRelu?: boolean;
  /**
   * Slope for x < 0 of D's activations: 0 (absent in older configs) is the tutorial's ReLU,
   * 0.2 Radford et al.'s LeakyReLU, which keeps a unit that went negative learning.
   */
  dLeak?: number;
  /** A batchnorm after each of D's convs but the first, as in Radford et al. (false in configs saved before the field existed). */
  dBatchnorm?: boolean;
  /**
   * A minibatch-stddev feature in D (Karras et al. 2018): 'input' appends it to the image as a
   * second channel, 'dense' to the flattened features before the dense layer; absent: none.
   */
  dMinibatchStd?: 'input' | 'dense';
  /** Square kernel of every conv (5). */
  kernel: number;
  /** Stride of G's transposed convs (2). */
  stride: number;
  /** std of the truncated-normal initial weights of G (0.1) and D (0.02). */
  gStd: number;
  dStd: number;
  /** Batchnorm momentum in PyTorch's sense (TensorFlow's 0.99 is 0.01) and eps (TensorFlow's 1e-3). */
  bnMomentum: number;
  bnEps: number;
}

/**
 * The kernel, padding and output padding (PyTorch's) that take a transposed conv from size
 * `h` to `t` with stride `s`: t = (h - 1) s - 2p + k + op, 0 <= op < s. The kernel is `k`,
 * grown where the full output, (h - 1) s + k, would be shorter than `t`: a row no kernel tap
 * reaches would be the bias alone, a border G cannot draw and D spots at once (12 -> 28 at
 * stride 2 takes a 6x6 kernel). Null when `t` is out of reach.
 */
export function transposedLayer(h: number, t: number, k: number, s: number): { kernel: number; padding: number; outputPadding: number } | null {
  const kernel = Math.max(k, t - (h - 1) * s);
  const d = (h - 1) * s + kernel - t; // = 2p - op >= 0
  const padding = Math.ceil(d / 2);
  const outputPadding = 2 * padding - d;
  return outputPadding < s && kernel <= 2 * k ? { kernel, padding, outputPadding } : null;
}

const positiveInts = (v: unknown, n?: number): boolean =>
  Array.isArray(v) && (n === undefined || v.length === n) && v.length > 0 && v.every((x) => Number.isInteger(x) && x > 0 && x <= 4096);

/** Validates a DCGAN config: every layer's size must be reachable and the shapes must chain. */
export function checkDcgan(c: DcganConfig): DcganConfig {
  const bad = (what: string): never => {
    throw new ValueError(`DCGAN config: ${what}`);
  };
  if (!positiveInts(c.gChannels) || c.gChannels.length < 2) bad(`gChannels must be at least 2 positive channel counts, got ${JSON.stringify(c.gChannels)}`);
  if (!positiveInts(c.gSizes, c.gChannels.length)) bad(`gSizes must give one positive size per entry of gChannels, got ${JSON.stringify(c.gSizes)}`);
  if (!positiveInts(c.dChannels)) bad(`dChannels must be positive channel counts, got ${JSON.stringify(c.dChannels)}`);
  for (const [n, v] of [['dDense', c.dDense], ['kernel', c.kernel], ['stride', c.stride]] as const) if (!positiveInts([v])) bad(`${n} must be a positive integer, got ${v}`);
  for (const [n, v] of [['gStd', c.gStd], ['dStd', c.dStd], ['bnEps', c.bnEps]] as const) if (!(v > 0 && v < 10)) bad(`${n} must be in (0, 10), got ${v}`);
  if (!(c.bnMomentum >= 0 && c.bnMomentum <= 1)) bad(`bnMomentum must be in [0, 1], got ${c.bnMomentum}`);
  const dDropout = c.dDropout ?? 0;
  if (c.dLeak !== undefined && !(c.dLeak >= 0 && c.dLeak < 1)) bad(`dLeak must be in [0, 1), got ${c.dLeak}`);
  if (!(dDropout >= 0 && dDropout < 1)) bad(`dDropout must be in [0, 1), got ${dDropout}`);
  const [C, H, W] = c.imageShape;
  if (c.gChannels[0]! * c.gSizes[0]! ** 2 !== c.zDim) bad(`zDim ${c.zDim} must equal gChannels[0] x gSizes[0]^2 = ${c.gChannels[0]! * c.gSizes[0]! ** 2}`);
  if (H !== W || c.gSizes.at(-1) !== H || c.gChannels.at(-1) !== C) bad(`G ends at ${c.gChannels.at(-1)}x${c.gSizes.at(-1)}x${c.gSizes.at(-1)} but imageShape is ${c.imageShape.join('x')}`);
  for (let i = 1; i < c.gSizes.length; i++) {
    if (!transposedLayer(c.gSizes[i - 1]!, c.gSizes[i]!, c.kernel, c.stride)) bad(`a ${c.kernel}x${c.kernel} stride-${c.stride} transposed conv cannot go from size ${c.gSizes[i - 1]} to ${c.gSizes[i]}`);
  }
  const pooled = H / 2 ** c.dChannels.length;
  if (!Number.isInteger(pooled)) bad(`image size ${H} is not divisible by 2^${c.dChannels.length} (one 2x2 pool per conv of D)`);
  return { ...c, dDropout, imageShape: [...c.imageShape] as ImageShape, gChannels: [...c.gChannels], gSizes: [...c.gSizes], dChannels: [...c.dChannels] };
}

function generator(c: DcganConfig, init: Generator): Sequential {
  const { gChannels: ch, gSizes: size, kernel: k, stride: s } = c;
  const layers: Module[] = [new Reshape(ch[0]!, size[0]!, size[0]!)];
  if (c.gNoiseRelu !== false) layers.push(new ReLU());
  for (let i = 1; i < ch.length; i++) {
    const last = i === ch.length - 1;
    const { kernel, ...pad } = transposedLayer(size[i - 1]!, size[i]!, k, s)!;
    layers.push(new ConvTranspose2d(ch[i - 1]!, ch[i]!, kernel, { stride: s, ...pad, bias: last, init: { truncatedNormal: c.gStd }, generator: init }));
    if (last) layers.push(new Tanh());
    else layers.push(new BatchNorm2d(ch[i]!, { momentum: c.bnMomentum, eps: c.bnEps }), new ReLU());
  }
  return new Sequential(...layers);
}

function discriminator(c: DcganConfig, init: Generator, dropout?: Generator): Sequential {
  const layers: Module[] = [];
  const act = (): Module => (c.dLeak ? new LeakyReLU(c.dLeak) : new ReLU());
  let prev = c.imageShape[0];
  if (c.dMinibatchStd === 'input') {
    layers.push(new MinibatchStd());
    prev++;
  }
  c.dChannels.forEach((ch, i) => {
    const bn = c.dBatchnorm === true && i > 0;
    layers.push(new Conv2d(prev, ch, c.kernel, { padding: 'same', bias: !bn, init: { truncatedNormal: c.dStd }, generator: init }));
    if (bn) layers.push(new BatchNorm2d(ch, { momentum: c.bnMomentum, eps: c.bnEps }));
    layers.push(act(), new AvgPool2d(2));
    prev = ch;
  });
  const flat = prev * (c.imageShape[1] / 2 ** c.dChannels.length) ** 2;
  const dense = { init: 'truncated' as const, std: c.dStd, generator: init };
  layers.push(new Flatten());
  if (c.dMinibatchStd === 'dense') layers.push(new MinibatchStd());
  layers.push(new Linear(flat + (c.dMinibatchStd === 'dense' ? 1 : 0), c.dDense, dense), act());
  if (c.dDropout > 0) layers.push(new Dropout(c.dDropout, dropout));
  layers.push(new Linear(c.dDense, 1, dense));
  return new Sequential(...layers);
}

/** G then D, drawing their initial weights from `init` in that order; D's dropout draws from `dropout`. */
export function buildDcgan(c: DcganConfig, init: Generator, dropout?: Generator): GanModels {
  const G = generator(c, init);
  return { G, D: discriminator(c, init, dropout) };
}

/** The tutorial's DCGAN for 28x28 MNIST digits. */
export const DCGAN_MNIST: DcganConfig = {
  kind: 'dcgan', zDim: 100, imageShape: [1, 28, 28], gChannels: [25, 256, 128, 64, 1], gSizes: [2, 3, 6, 12, 28],
  dChannels: [8, 16], dDense: 32, dDropout: 0.3, kernel: 5, stride: 2, gStd: 0.1, dStd: 0.02, bnMomentum: 0.01, bnEps: 1e-3,
};

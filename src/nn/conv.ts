/**
 * Convolutional layers in PyTorch's shape: Conv2d (weight [out, in, kh, kw]),
 * ConvTranspose2d (weight [in, out, kh, kw]), BatchNorm2d (weight, bias, running_mean,
 * running_var), AvgPool2d and MaxPool2d. Inputs are NCHW. Conv layers fuse a following
 * activation in Sequential, as Linear does.
 */
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { batchNorm2d } from '../ops/batchnorm.js';
import { conv2d, convTranspose2d, type Pair } from '../ops/conv.js';
import { full } from '../ops/create.js';
import type { Activation } from '../ops/matmul.js';
import { avgPool2d, maxPool2d, type Size2 } from '../ops/pool.js';
import { rand, truncatedNormal, type Generator } from '../ops/random.js';
import type { Tensor } from '../tensor.js';
import { FusingLayer } from './layers.js';
import { Module, buffer, parameter } from './module.js';

/**
 * How a conv weight starts: 'pytorch' is U(-1/sqrt(fanIn), 1/sqrt(fanIn)) for weight and
 * bias (torch.nn.Conv2d's default); `{ truncatedNormal: std }` draws the weight from
 * N(0, std^2) cut at 2 std (TensorFlow's TruncatedNormal) and zeros the bias.
 */
export type ConvInit = 'pytorch' | { truncatedNormal: number };

export interface ConvLayerOptions {
  stride?: Pair;
  dilation?: Pair;
  bias?: boolean;
  init?: ConvInit;
  generator?: Generator;
}

function positive(layer: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) throw new ValueError(`${layer}: ${name} must be a positive integer, got ${v}`);
}

function kernelPair(layer: string, k: Pair): [number, number] {
  const [kh, kw] = typeof k === 'number' ? [k, k] : k;
  positive(layer, 'kernel height', kh);
  positive(layer, 'kernel width', kw);
  return [kh, kw];
}

/** A weight of `shape` and a bias of `n`, initialised as `init` says for fan-in `fanIn`. */
function initConv(shape: number[], n: number, fanIn: number, opts: ConvLayerOptions): { weight: Tensor; bias: Tensor | null } {
  const init = opts.init ?? 'pytorch';
  const g = opts.generator ? { generator: opts.generator } : {};
  const a = 1 / Math.sqrt(fanIn);
  const weight = init === 'pytorch' ? rand(shape, { low: -a, high: a, ...g }) : truncatedNormal(shape, { std: init.truncatedNormal, ...g });
  if (opts.bias === false) return { weight: parameter(weight), bias: null };
  const bias = init === 'pytorch' ? rand([n], { low: -a, high: a, ...g }) : full([n], 0);
  return { weight: parameter(weight), bias: parameter(bias) };
}

function checkInput(layer: string, x: Tensor, channels: number): void {
  if (x.rank !== 4 || x.shape[1] !== channels) throw new ShapeError(`${layer}: expected input [N, ${channels}, H, W], got ${fmtShape(x.shape)}`);
}

/** What Conv2d and ConvTranspose2d share: channels, the weight and bias, the input check. */
abstract class ConvLayer extends FusingLayer {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  protected readonly name: string;

  /** `transposed`: the weight is [in, out, kh, kw] and its fan-in counts out channels (PyTorch's rule). */
  protected constructor(layer: string, readonly inChannels: number, readonly outChannels: number, kernelSize: Pair, transposed: boolean, opts: ConvLayerOptions) {
    super();
    this.name = `${layer}(${inChannels}, ${outChannels})`;
    positive(this.name, 'inChannels', inChannels);
    positive(this.name, 'outChannels', outChannels);
    const [kh, kw] = kernelPair(this.name, kernelSize);
    const shape = transposed ? [inChannels, outChannels, kh, kw] : [outChannels, inChannels, kh, kw];
    ({ weight: this.weight, bias: this.bias } = initConv(shape, outChannels, shape[1]! * kh * kw, opts));
  }

  protected check(x: Tensor): void {
    checkInput(this.name, x, this.inChannels);
  }
}

export interface Conv2dLayerOptions extends ConvLayerOptions {
  /** Numbers, [ph, pw], or TensorFlow's 'same' / 'valid'. */
  padding?: Pair | 'same' | 'valid';
}

/** y = act(conv(x, W) + b), W [out, in, kh, kw] (torch.nn.Conv2d). */
export class Conv2d extends ConvLayer {
  constructor(inChannels: number, outChannels: number, kernelSize: Pair, readonly opts: Conv2dLayerOptions = {}) {
    super('Conv2d', inChannels, outChannels, kernelSize, false, opts);
  }

  forward(x: Tensor, activation: Activation = 'none', alpha = 0): Tensor {
    this.check(x);
    const { stride, padding, dilation } = this.opts;
    return conv2d(x, this.weight, { stride, padding, dilation, bias: this.bias, activation, alpha });
  }
}

export interface ConvTranspose2dLayerOptions extends ConvLayerOptions {
  /** Numbers or [ph, pw] (PyTorch's), or TensorFlow's 'same' / 'valid'. */
  padding?: Pair | 'same' | 'valid';
  outputPadding?: Pair;
}

/** The transpose (gradient) of a convolution, W [in, out, kh, kw] (torch.nn.ConvTranspose2d). */
export class ConvTranspose2d extends ConvLayer {
  constructor(inChannels: number, outChannels: number, kernelSize: Pair, readonly opts: ConvTranspose2dLayerOptions = {}) {
    super('ConvTranspose2d', inChannels, outChannels, kernelSize, true, opts);
  }

  forward(x: Tensor, activation: Activation = 'none', alpha = 0): Tensor {
    this.check(x);
    const { stride, padding, outputPadding, dilation } = this.opts;
    return convTranspose2d(x, this.weight, { stride, padding, outputPadding, dilation, bias: this.bias, activation, alpha });
  }
}

export interface BatchNormLayerOptions {
  /** running = (1 - momentum) running + momentum batch statistic; default 0.1 (TensorFlow's 0.99 is 0.01 here). */
  momentum?: number;
  eps?: number;
  /** Learn a per-channel scale and shift (weight, bias); default true. */
  affine?: boolean;
}

/**
 * Per-channel batch normalisation of NCHW input (torch.nn.BatchNorm2d). Training mode uses
 * the batch's statistics and moves `running_mean` / `running_var` (buffers: saved in
 * checkpoints, never trained) toward them; eval mode normalises with the running ones.
 */
export class BatchNorm2d extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  // PyTorch's names, so state dicts and checkpoints line up with a PyTorch model's.
  readonly running_mean: Tensor;
  readonly running_var: Tensor;
  readonly momentum: number;
  readonly eps: number;

  constructor(readonly numFeatures: number, opts: BatchNormLayerOptions = {}) {
    super();
    positive('BatchNorm2d', 'numFeatures', numFeatures);
    const { momentum = 0.1, eps = 1e-5, affine = true } = opts;
    if (!(momentum >= 0 && momentum <= 1)) throw new ValueError(`BatchNorm2d: momentum must be in [0, 1], got ${momentum}`);
    if (!(eps > 0 && Number.isFinite(eps))) throw new ValueError(`BatchNorm2d: eps must be a positive number, got ${eps}`);
    this.momentum = momentum;
    this.eps = eps;
    this.weight = affine ? parameter(full([numFeatures], 1)) : null;
    this.bias = affine ? parameter(full([numFeatures], 0)) : null;
    this.running_mean = buffer(full([numFeatures], 0));
    this.running_var = buffer(full([numFeatures], 1));
  }

  forward(x: Tensor): Tensor {
    checkInput(`BatchNorm2d(${this.numFeatures})`, x, this.numFeatures);
    return batchNorm2d(x, this.weight, this.bias, {
      training: this.training, runningMean: this.running_mean, runningVar: this.running_var, momentum: this.momentum, eps: this.eps,
    });
  }
}

/** Average over kernel windows (torch.nn.AvgPool2d, no padding). */
export class AvgPool2d extends Module {
  constructor(readonly kernelSize: Size2, readonly stride: Size2 = kernelSize) {
    super();
  }
  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.stride);
  }
}

/** Maximum over kernel windows (torch.nn.MaxPool2d, no padding). */
export class MaxPool2d extends Module {
  constructor(readonly kernelSize: Size2, readonly stride: Size2 = kernelSize) {
    super();
  }
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.stride);
  }
}

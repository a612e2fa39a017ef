/**
 * The MLP GAN and the DCGAN in TensorFlow.js ops, with shadergrad's layer shapes (the
 * presets of src/gan/models.ts; the DCGAN's convolutions from CONV_LAYERS, explicit
 * PyTorch paddings, which tf.layers cannot express), and the trainer's iteration: a D step
 * on a real and a generated batch, then a G step through a frozen D, non-saturating loss,
 * Adam (lr 2e-4, betas 0.5 and 0.999) for each. Bias + ReLU are fused where TF.js fuses
 * them (tf.fused), as tf.layers does; the DCGAN's batchnorms keep no running statistics.
 */
import * as tf from '@tensorflow/tfjs';
import { PRESETS } from 'shadergrad/gan';
import { CONV_LAYERS, type ConvLayer, type ModelName, type TrainSpec } from './cases.js';
import { syntheticDigits, type Impl } from './impl.js';

interface Gan {
  zDim: number;
  G: (z: tf.Tensor) => tf.Tensor;
  D: (x: tf.Tensor) => tf.Tensor;
  gVars: tf.Variable[];
  dVars: tf.Variable[];
}

const truncated = (shape: number[], std: number): tf.Variable => tf.variable(tf.truncatedNormal(shape, 0, std));
const glorot = (fanIn: number, fanOut: number): tf.Variable =>
  tf.variable(tf.randomUniform([fanIn, fanOut], -Math.sqrt(6 / (fanIn + fanOut)), Math.sqrt(6 / (fanIn + fanOut))));
const zerosVar = (n: number): tf.Variable => tf.variable(tf.zeros([n]));

type MlpPreset = Extract<ModelName, 'mlp-small' | 'mlp-large'>;

/** The layer sizes of G (z -> ... -> 784) and D (784 -> ... -> 1) of an MLP preset. */
function mlpSizes(model: MlpPreset): { g: number[]; d: number[]; alpha: number; zDim: number } {
  const c = PRESETS[model];
  return { g: [c.zDim, ...c.gHidden, 784], d: [784, ...c.dHidden, 1], alpha: c.dAlpha, zDim: c.zDim };
}

/** The shapes of G's then D's weights and biases. */
export function mlpParamShapes(model: MlpPreset): number[][] {
  const { g, d } = mlpSizes(model);
  return [g, d].flatMap((sizes) => sizes.slice(1).flatMap((n, i) => [[sizes[i]!, n], [n]]));
}

function mlpGan(model: MlpPreset): Gan {
  const { g, d, alpha, zDim } = mlpSizes(model);
  const layers = (sizes: number[]) => sizes.slice(1).map((n, i) => ({ w: glorot(sizes[i]!, n), b: zerosVar(n) }));
  const gl = layers(g);
  const dl = layers(d);
  const G = (z: tf.Tensor): tf.Tensor => {
    let h = z as tf.Tensor2D;
    gl.forEach((l, i) => {
      const last = i === gl.length - 1;
      h = tf.fused.matMul({ a: h, b: l.w as tf.Tensor2D, bias: l.b, activation: last ? 'linear' : 'relu' }) as tf.Tensor2D;
      if (last) h = tf.tanh(h) as tf.Tensor2D;
    });
    return h.reshape([-1, 28, 28, 1]);
  };
  const D = (x: tf.Tensor): tf.Tensor => {
    let h = x.reshape([-1, 784]) as tf.Tensor2D;
    dl.forEach((l, i) => {
      h = tf.fused.matMul({ a: h, b: l.w as tf.Tensor2D, bias: l.b }) as tf.Tensor2D;
      // TF.js has no gradient for a fused leaky ReLU.
      if (i < dl.length - 1) h = tf.leakyRelu(h, alpha) as tf.Tensor2D;
    });
    return h;
  };
  return { zDim, G, D, gVars: gl.flatMap((l) => [l.w, l.b]), dVars: dl.flatMap((l) => [l.w, l.b]) };
}

const explicitPad = (l: ConvLayer): [[number, number], [number, number], [number, number], [number, number]] =>
  [[0, 0], [l.pad[0], l.pad[1]], [l.pad[0], l.pad[1]], [0, 0]];

function dcgan(): Gan {
  const c = PRESETS.dcgan;
  const [dConvs, gConvs] = [CONV_LAYERS.filter((l) => !l.transposed), CONV_LAYERS.filter((l) => l.transposed)];
  const g = gConvs.map((l, i) => ({
    l, f: truncated([l.k, l.k, l.C, l.O], c.gStd),
    bn: i < gConvs.length - 1 ? { gamma: tf.variable(tf.ones([l.C])), beta: zerosVar(l.C) } : null,
    bias: i === gConvs.length - 1 ? zerosVar(l.C) : null,
  }));
  const d = dConvs.map((l) => ({ f: truncated([l.k, l.k, l.C, l.O], c.dStd), b: zerosVar(l.O) }));
  const flat = c.dChannels.at(-1)! * (28 / 2 ** c.dChannels.length) ** 2;
  const dense = [{ w: truncated([flat, c.dDense], c.dStd), b: zerosVar(c.dDense) }, { w: truncated([c.dDense, 1], c.dStd), b: zerosVar(1) }];
  const G = (z: tf.Tensor): tf.Tensor => {
    const B = z.shape[0]!;
    let h = tf.relu(z.reshape([B, c.gSizes[0]!, c.gSizes[0]!, c.gChannels[0]!])) as tf.Tensor4D;
    for (const { l, f, bn, bias } of g) {
      h = tf.conv2dTranspose(h, f as tf.Tensor4D, [B, l.H, l.H, l.C], l.stride, explicitPad(l));
      if (bn) {
        const { mean, variance } = tf.moments(h, [0, 1, 2]);
        h = tf.relu(tf.batchNorm(h, mean, variance, bn.beta, bn.gamma, c.bnEps)) as tf.Tensor4D;
      } else {
        h = tf.tanh(tf.add(h, bias!)) as tf.Tensor4D;
      }
    }
    return h;
  };
  const D = (x: tf.Tensor): tf.Tensor => {
    let h = x as tf.Tensor4D;
    for (const { f, b } of d) {
      h = tf.fused.conv2d({ x: h, filter: f as tf.Tensor4D, strides: 1, pad: 'same', bias: b, activation: 'relu' });
      h = tf.avgPool(h, 2, 2, 'valid');
    }
    const flatH = h.reshape([h.shape[0], flat]) as tf.Tensor2D;
    const hidden = tf.fused.matMul({ a: flatH, b: dense[0]!.w as tf.Tensor2D, bias: dense[0]!.b, activation: 'relu' });
    return tf.fused.matMul({ a: hidden, b: dense[1]!.w as tf.Tensor2D, bias: dense[1]!.b });
  };
  return { zDim: c.zDim, G, D, gVars: g.flatMap((x) => [x.f, ...(x.bn ? [x.bn.gamma, x.bn.beta] : []), ...(x.bias ? [x.bias] : [])]), dVars: [...d.flatMap((x) => [x.f, x.b]), ...dense.flatMap((x) => [x.w, x.b])] };
}

const bce = (logits: tf.Tensor, labels: tf.Tensor): tf.Scalar => tf.losses.sigmoidCrossEntropy(labels, logits) as tf.Scalar;

/** A training row in TF.js: `s.iterations` D steps and G steps per run, the last losses read back after the timer stops. */
export function tfTrainImpl(s: TrainSpec, settle: () => Promise<void>): Impl {
  const gan = s.model === 'dcgan' ? dcgan() : mlpGan(s.model);
  const B = s.batch;
  const data = syntheticDigits(B);
  const batches = Math.floor(data.n / B);
  const optD = tf.train.adam(2e-4, 0.5, 0.999, 1e-8);
  const optG = tf.train.adam(2e-4, 0.5, 0.999, 1e-8);
  const ones = tf.ones([B, 1]);
  const zeros = tf.zeros([B, 1]);
  let i = 0;
  let losses: tf.Scalar[] = [];
  return {
    async run() {
      for (let it = 0; it < s.iterations; it++) {
        const at = (i++ % batches) * B * 784;
        const real = tf.tensor4d(data.images.subarray(at, at + B * 784), [B, 28, 28, 1]);
        const fake = tf.tidy(() => gan.G(tf.randomNormal([B, gan.zDim])));
        const dLoss = optD.minimize(() => tf.add(bce(gan.D(real), ones), bce(gan.D(fake), zeros)) as tf.Scalar, true, gan.dVars)!;
        const z = tf.randomNormal([B, gan.zDim]);
        const gLoss = optG.minimize(() => bce(gan.D(gan.G(z)), ones), true, gan.gVars)!;
        tf.dispose([real, fake, z, ...losses]);
        losses = [dLoss, gLoss];
      }
      await settle();
    },
    async after() {
      const [d, g] = await Promise.all(losses.map((l) => l.data()));
      tf.dispose(losses);
      losses = [];
      if (!Number.isFinite(d![0]) || !Number.isFinite(g![0])) throw new Error(`TF.js ${s.model}: loss ${d![0]}/${g![0]}`);
    },
    dispose: () => {
      optD.dispose();
      optG.dispose();
      tf.dispose([ones, zeros, ...gan.gVars, ...gan.dVars]);
    },
  };
}

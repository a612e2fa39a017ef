/**
 * conv2d and convTranspose2d in PyTorch's layouts (NCHW inputs, OIHW / IOHW weights), with
 * bias and activation fused into the write as in matmul. Both are built from the three
 * implicit-GEMM passes of conv-gemm.ts through the duality of the two ops: the transposed
 * convolution's forward is conv2d's input gradient, its input gradient is conv2d's forward,
 * and its weight gradient is conv2d's with the roles of input and output gradient swapped.
 */
import { record } from '../autograd/tape.js';
import type { ConvGeometry } from '../cpu/conv.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { convForward, convInputGrad, convWeightGrad } from './conv-gemm.js';
import { checkActivation, type Activation } from './matmul.js';
import { sum } from './reduce.js';
import { unaryGrad } from './unary.js';
import { backendOf } from './util.js';

export type { ConvGeometry } from '../cpu/conv.js';

/** One size for both spatial axes, or [height, width]. */
export type Pair = number | readonly [number, number];

/** Options common to conv2d and convTranspose2d. */
export interface ConvOptions {
  /** Step between the kernel's positions: a number or [sh, sw]; 1 when omitted. */
  stride?: Pair;
  /** Spacing of the kernel's taps: a number or [dh, dw]; 1 when omitted. */
  dilation?: Pair;
  /** Added per output channel before the activation: shape [out channels]. */
  bias?: Tensor | null;
  /** Applied in the same write; its derivative is read from the output in backward. */
  activation?: Activation;
  /** Slope of leakyRelu for x < 0, in [0, 1). */
  alpha?: number;
}

export interface Conv2dOptions extends ConvOptions {
  /**
   * Zeros around the input: a number or [ph, pw] (on both sides), 'valid' (none) or
   * 'same' (TensorFlow's: ceil(H / stride) outputs, the padding split with the odd pixel
   * at the bottom/right). 0 when omitted.
   */
  padding?: Pair | 'same' | 'valid';
}

export interface ConvTranspose2dOptions extends ConvOptions {
  /**
   * A number or [ph, pw]: PyTorch's, cropping that many pixels from each side of the full
   * output; 'valid' (= 0) or 'same' (TensorFlow's Conv2DTranspose: H * stride outputs,
   * cropping floor((dilated kernel - stride) / 2) at the top/left, the rest at the
   * bottom/right). 0 when omitted.
   */
  padding?: Pair | 'same' | 'valid';
  /** Extra rows/columns at the bottom/right (PyTorch's output_padding): in [0, max(stride, dilation)). 0 when omitted. */
  outputPadding?: Pair;
}

/** A [h, w] pair of integers >= `min`, or a ValueError naming the option. */
function pair(op: string, name: string, v: Pair | undefined, dflt: number, min: number): [number, number] {
  const p = v ?? dflt;
  const ok = (n: unknown): boolean => Number.isInteger(n) && (n as number) >= min;
  if (typeof p === 'number' && ok(p)) return [p, p];
  if (Array.isArray(p) && p.length === 2 && p.every(ok)) return [p[0] as number, p[1] as number];
  const kind = min === 0 ? 'non-negative' : 'positive';
  throw new ValueError(`${op}: ${name} must be a ${kind} integer or a [height, width] pair of them, got ${JSON.stringify(p)}`);
}

/** The padding option as 'same', 'valid' or a [ph, pw] pair. */
function paddingOf(op: string, p: Pair | 'same' | 'valid' | undefined): 'same' | 'valid' | [number, number] {
  if (p === 'same' || p === 'valid') return p;
  if (typeof p === 'string') throw new ValueError(`${op}: padding must be 'same', 'valid', a non-negative integer or a [height, width] pair, got ${JSON.stringify(p)}`);
  return pair(op, 'padding', p, 0, 0);
}

type ConvName = 'conv2d' | 'convTranspose2d';
type Shape4 = [number, number, number, number];

/**
 * The checks and options both ops share: 4-D operands whose input channels agree (the
 * weight's dim 1 for conv2d, dim 0 for convTranspose2d), stride, dilation and padding.
 */
function operands(op: ConvName, x: Tensor, w: Tensor, opts: Conv2dOptions | ConvTranspose2dOptions) {
  const [xDims, wDims, cin] = op === 'conv2d' ? ['[N, C, H, W]', '[O, C, KH, KW]', 1] : ['[N, Cin, H, W]', '[Cin, Cout, KH, KW]', 0];
  if (x.rank !== 4) throw new ShapeError(`${op}: expected a 4-D input ${xDims}, got ${fmtShape(x.shape)}`);
  if (w.rank !== 4) throw new ShapeError(`${op}: expected a 4-D weight ${wDims}, got ${fmtShape(w.shape)}`);
  const c = w.shape[cin]!;
  if (x.shape[1] !== c) throw new ShapeError(`${op}: expected input [N, ${c}, H, W] for weight ${fmtShape(w.shape)}, got ${fmtShape(x.shape)}`);
  return {
    xs: x.shape as Shape4, ws: w.shape as Shape4,
    s: pair(op, 'stride', opts.stride, 1, 1), d: pair(op, 'dilation', opts.dilation, 1, 1), padding: paddingOf(op, opts.padding),
  };
}

function checkBias(op: string, bias: Tensor | null, channels: number): void {
  if (bias && (bias.rank !== 1 || bias.shape[0] !== channels)) throw new ShapeError(`${op}: bias must have shape [${channels}], got ${fmtShape(bias.shape)}`);
}

/**
 * conv2d's geometry for input x [N, C, H, W] and weight w [O, C, KH, KW]: with E = d(K-1)+1
 * the dilated kernel, OH = floor((H + pt + pb - E) / s) + 1, where pt = pb = p for a number,
 * 0 for 'valid', and for 'same' OH = ceil(H / s), pt = floor(max((OH-1)s + E - H, 0) / 2).
 */
export function conv2dGeometry(x: Tensor, w: Tensor, opts: Conv2dOptions = {}): ConvGeometry {
  const { xs: [N, C, H, W], ws: [O, , KH, KW], s: [sh, sw], d: [dh, dw], padding } = operands('conv2d', x, w, opts);
  const axis = (size: number, k: number, s: number, d: number, i: 0 | 1): { out: number; before: number; total: number } => {
    const e = d * (k - 1) + 1;
    if (padding === 'valid') return { out: Math.floor((size - e) / s) + 1, before: 0, total: 0 };
    if (padding === 'same') {
      const out = Math.ceil(size / s);
      const total = Math.max((out - 1) * s + e - size, 0);
      return { out, before: Math.floor(total / 2), total };
    }
    return { out: Math.floor((size + 2 * padding[i] - e) / s) + 1, before: padding[i], total: 2 * padding[i] };
  };
  const ah = axis(H, KH, sh, dh, 0);
  const aw = axis(W, KW, sw, dw, 1);
  if (ah.out < 1 || aw.out < 1) {
    throw new ShapeError(`conv2d: input ${fmtShape(x.shape)} padded to ${H + ah.total}x${W + aw.total} is smaller than the dilated kernel ${dh * (KH - 1) + 1}x${dw * (KW - 1) + 1} of weight ${fmtShape(w.shape)}: output size would be ${ah.out}x${aw.out}`);
  }
  return { N, C, H, W, O, OH: ah.out, OW: aw.out, KH, KW, sh, sw, dh, dw, pt: ah.before, pl: aw.before };
}

/**
 * convTranspose2d's geometry for input x [N, Cin, H, W] and weight w [Cin, Cout, KH, KW],
 * as the conv2d whose input gradient it is (that conv2d's input is this op's output, its
 * output this op's input). With E = d(K-1)+1 and op the output padding:
 *   a number p:  H_out = (H-1)s - 2p + E + op, cropping p at the top   (PyTorch)
 *   'valid':     H_out = (H-1)s + E + op                                 (p = 0)
 *   'same':      H_out = H s + op, cropping floor(max(E - s, 0) / 2) at the top (TensorFlow)
 */
export function convTranspose2dGeometry(x: Tensor, w: Tensor, opts: ConvTranspose2dOptions = {}): ConvGeometry {
  const op = 'convTranspose2d';
  const { xs: [N, Cin, H, W], ws: [, Cout, KH, KW], s, d, padding } = operands(op, x, w, opts);
  const opad = pair(op, 'outputPadding', opts.outputPadding, 0, 0);
  if (opad.some((v, i) => v >= Math.max(s[i]!, d[i]!))) {
    throw new ValueError(`${op}: outputPadding must be smaller than stride or dilation, got outputPadding ${fmtShape(opad)} with stride ${fmtShape(s)} and dilation ${fmtShape(d)}`);
  }
  const axis = (size: number, k: number, i: 0 | 1): { out: number; before: number } => {
    const e = d[i] * (k - 1) + 1;
    if (padding === 'same') return { out: size * s[i] + opad[i], before: Math.floor(Math.max(e - s[i], 0) / 2) };
    const p = padding === 'valid' ? 0 : padding[i];
    return { out: (size - 1) * s[i] - 2 * p + e + opad[i], before: p };
  };
  const ah = axis(H, KH, 0);
  const aw = axis(W, KW, 1);
  if (ah.out < 1 || aw.out < 1) {
    throw new ShapeError(`${op}: output size would be ${ah.out}x${aw.out} for input ${fmtShape(x.shape)}, weight ${fmtShape(w.shape)} and padding ${JSON.stringify(opts.padding ?? 0)}`);
  }
  return { N, C: Cout, H: ah.out, W: aw.out, O: Cin, OH: H, OW: W, KH, KW, sh: s[0], sw: s[1], dh: d[0], dw: d[1], pt: ah.before, pl: aw.before };
}

/** An op of the pair: its geometry, its output's channel count, and its three passes. */
interface ConvRow {
  geometry: (x: Tensor, w: Tensor, opts: Conv2dOptions & ConvTranspose2dOptions) => ConvGeometry;
  channels: (g: ConvGeometry) => number;
  forward: (x: Tensor, w: Tensor, g: ConvGeometry, bias: Tensor | null, act: Activation, alpha: number) => Tensor;
  /** The input's and the weight's gradient from gp, the output's gradient through the activation. */
  dIn: (gp: Tensor, w: Tensor, g: ConvGeometry) => Tensor;
  dW: (x: Tensor, gp: Tensor, g: ConvGeometry) => Tensor;
}

/** The duality: convTranspose2d runs conv2d's passes in another order. */
const CONV: { [K in ConvName]: ConvRow } = {
  conv2d: {
    geometry: conv2dGeometry, channels: (g) => g.O, forward: convForward,
    dIn: (gp, w, g) => convInputGrad(gp, w, g, null, 'none', 0), dW: (x, gp, g) => convWeightGrad(x, gp, g),
  },
  convTranspose2d: {
    geometry: convTranspose2dGeometry, channels: (g) => g.C, forward: convInputGrad,
    dIn: (gp, w, g) => convForward(gp, w, g, null, 'none', 0), dW: (x, gp, g) => convWeightGrad(gp, x, g),
  },
};

/** Validates, runs the forward pass and records the backward rule of `op`. */
function convolve(op: ConvName, x: Tensor, w: Tensor, opts: Conv2dOptions & ConvTranspose2dOptions): Tensor {
  const row = CONV[op];
  const { bias = null, activation = 'none', alpha = 0 } = opts;
  backendOf(op, x, w, ...(bias ? [bias] : []));
  const g = row.geometry(x, w, opts);
  checkBias(op, bias, row.channels(g));
  checkActivation(op, activation, alpha);
  const out = row.forward(x, w, g, bias, activation, alpha);
  return record(out, op, bias ? [x, w, bias] : [x, w], (gy) => {
    // The activation's derivative is read from the output, so the pre-activation is never stored.
    const gp = activation === 'none' ? gy : unaryGrad(activation, null, out, gy, alpha);
    const dx = x.requiresGrad ? row.dIn(gp, w, g) : null;
    const dw = w.requiresGrad ? row.dW(x, gp, g) : null;
    const db = bias?.requiresGrad ? sum(gp, [0, 2, 3]) : null;
    if (gp !== gy) gp.dispose();
    return bias ? [dx, dw, db] : [dx, dw];
  });
}

/**
 * 2-D convolution (cross-correlation, as PyTorch's conv2d) of x [N, C, H, W] with
 * w [O, C, KH, KW], giving [N, O, OH, OW]:
 *   y[n,o,oh,ow] = act(bias[o] + sum_{c,kh,kw} w[o,c,kh,kw] x[n, c, oh*sh - pt + kh*dh, ow*sw - pl + kw*dw])
 * with x read as 0 in the padding; OH and pt as in conv2dGeometry. Differentiable in x, w, bias.
 */
export function conv2d(x: Tensor, w: Tensor, opts: Conv2dOptions = {}): Tensor {
  return convolve('conv2d', x, w, opts);
}

/**
 * Transposed 2-D convolution (PyTorch's conv_transpose2d) of x [N, Cin, H, W] with
 * w [Cin, Cout, KH, KW], giving [N, Cout, H_out, W_out]: each input pixel scatters its
 * kernel-weighted copy at stride s,
 *   y[n,co,h,w] = act(bias[co] + sum_{ci,kh,kw} x[n,ci,ih,iw] w[ci,co,kh,kw])  over
 *   ih = (h + pt - kh*dh) / sh and iw = (w + pl - kw*dw) / sw integers inside x,
 * i.e. the input gradient of conv2d with weight w; H_out and pt as in convTranspose2dGeometry.
 * The TensorFlow DCGAN generator's layers (kernel 5, stride 2) are:
 *   2x2 -> 3x3:   padding 2                       ((2-1)2 - 4 + 5 = 3)
 *   3x3 -> 6x6:   padding 'same'                  (3 * 2; PyTorch's padding 2 + outputPadding 1 gives the size too, shifted one pixel)
 *   6x6 -> 12x12: padding 'same'
 *   12x12 -> 28x28: padding 'valid', outputPadding 1  ((12-1)2 + 5 + 1 = 28)
 */
export function convTranspose2d(x: Tensor, w: Tensor, opts: ConvTranspose2dOptions = {}): Tensor {
  return convolve('convTranspose2d', x, w, opts);
}

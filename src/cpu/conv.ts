/**
 * CPU reference of the three passes of a 2-D convolution (see src/shaders/conv2d*.wgsl),
 * in NCHW / OIHW, float32 or float64. Every loop nest ends in a run along a row of the
 * output position `ow`, whose valid range is worked out once per pass (segments), so the
 * inner loop reads and writes memory with no branch and a fixed stride.
 */
import { activate, type Activation } from './activations.js';
import type { Arr } from './matmul.js';

/**
 * A convolution as conv2d sees it: input x [N, C, H, W], weight w [O, C, KH, KW], output
 * y [N, O, OH, OW] with
 *   y[n,o,oh,ow] = sum_{c,kh,kw} w[o,c,kh,kw] x[n, c, oh*sh - pt + kh*dh, ow*sw - pl + kw*dw]
 * (x read as 0 outside [0,H) x [0,W)). The bottom and right padding are implied by OH and
 * OW, so asymmetric padding is just pt != pb. convTranspose2d is this geometry's input
 * gradient, with its input as y and its output as x.
 */
export interface ConvGeometry {
  N: number; C: number; H: number; W: number;
  O: number; OH: number; OW: number; KH: number; KW: number;
  sh: number; sw: number; dh: number; dw: number; pt: number; pl: number;
}

/** The run of output positions o in [0, size_out) whose input o*s - pad + k*d is in [0, size_in): [lo, hi). */
export function validRange(k: number, s: number, d: number, pad: number, sizeIn: number, sizeOut: number): [number, number] {
  const off = k * d - pad;
  const lo = Math.max(0, Math.ceil(-off / s));
  const hi = Math.min(sizeOut, Math.floor((sizeIn - 1 - off) / s) + 1);
  return [lo, Math.max(lo, hi)];
}

/**
 * Every (tap, output row) pair that reads inside x, as 5 numbers: the tap kh*KW + kw, the
 * offset ih*W + iw0 in an x plane (iw = iw0 + ow*sw), the offset oh*OW in an output plane,
 * and the run [lo, hi) of ow. They depend on the geometry alone, so each pass works them
 * out once and its loops over images and channels only read them.
 */
function segments(g: ConvGeometry): Int32Array {
  const out: number[] = [];
  for (let kh = 0; kh < g.KH; kh++) {
    const [ohLo, ohHi] = validRange(kh, g.sh, g.dh, g.pt, g.H, g.OH);
    for (let kw = 0; kw < g.KW; kw++) {
      const [lo, hi] = validRange(kw, g.sw, g.dw, g.pl, g.W, g.OW);
      if (lo >= hi) continue;
      for (let oh = ohLo; oh < ohHi; oh++) out.push(kh * g.KW + kw, (oh * g.sh - g.pt + kh * g.dh) * g.W + kw * g.dw - g.pl, oh * g.OW, lo, hi);
    }
  }
  return Int32Array.from(out);
}

/**
 * For each image n and output channel a (of A): a float64 plane of `size` zeros, `add(acc,
 * n, a, b)` for each input channel b (of B), then act(acc + bias[a]) written to out.
 */
function planes(N: number, A: number, B: number, size: number, out: Arr, bias: Arr | null, act: Activation, alpha: number,
  add: (acc: Float64Array, n: number, a: number, b: number) => void): void {
  const acc = new Float64Array(size);
  for (let n = 0; n < N; n++) {
    for (let a = 0; a < A; a++) {
      acc.fill(0);
      for (let b = 0; b < B; b++) add(acc, n, a, b);
      const at = (n * A + a) * size;
      const bv = bias ? bias[a]! : 0;
      for (let i = 0; i < size; i++) out[at + i] = activate(act, acc[i]! + bv, alpha);
    }
  }
}

/** y = act(conv2d(x, w) + bias[o]): loops n, o, c, tap and output row, then a run along ow. */
export function convForward(x: Arr, w: Arr, y: Arr, g: ConvGeometry, bias: Arr | null, act: Activation, alpha: number): void {
  const { C, H, W, KH, KW, sw } = g;
  const seg = segments(g);
  planes(g.N, g.O, C, g.OH * g.OW, y, bias, act, alpha, (acc, n, o, c) => {
    const xo = (n * C + c) * H * W;
    const wo = (o * C + c) * KH * KW;
    for (let j = 0; j < seg.length; j += 5) {
      const wv = w[wo + seg[j]!]!;
      const xr = xo + seg[j + 1]!;
      const ar = seg[j + 2]!;
      for (let ow = seg[j + 3]!, hi = seg[j + 4]!; ow < hi; ow++) acc[ar + ow]! += wv * x[xr + ow * sw]!;
    }
  });
}

/**
 * dx = act(conv2d's input gradient of gy + bias[c]) (convTranspose2d's forward): loops n,
 * c, o, tap and output row, then a run along ow adding into dx's row: a scatter, with no
 * zeros inserted for the stride.
 */
export function convInputGrad(gy: Arr, w: Arr, dx: Arr, g: ConvGeometry, bias: Arr | null, act: Activation, alpha: number): void {
  const { C, O, OH, OW, KH, KW, sw } = g;
  const seg = segments(g);
  planes(g.N, C, O, g.H * g.W, dx, bias, act, alpha, (acc, n, c, o) => {
    const go = (n * O + o) * OH * OW;
    const wo = (o * C + c) * KH * KW;
    for (let j = 0; j < seg.length; j += 5) {
      const wv = w[wo + seg[j]!]!;
      const ar = seg[j + 1]!;
      const gr = go + seg[j + 2]!;
      for (let ow = seg[j + 3]!, hi = seg[j + 4]!; ow < hi; ow++) acc[ar + ow * sw]! += wv * gy[gr + ow]!;
    }
  });
}

/** dw[o,c,kh,kw] = sum_{n,oh,ow} gy[n,o,oh,ow] x[n,c,ih,iw]: loops n, o, c, tap and output row, then a dot product along ow. */
export function convWeightGrad(x: Arr, gy: Arr, dw: Arr, g: ConvGeometry): void {
  const { N, C, H, W, O, OH, OW, KH, KW, sw } = g;
  const seg = segments(g);
  const acc = new Float64Array(O * C * KH * KW);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      const go = (n * O + o) * OH * OW;
      for (let c = 0; c < C; c++) {
        const xo = (n * C + c) * H * W;
        const ao = (o * C + c) * KH * KW;
        for (let j = 0; j < seg.length; j += 5) {
          const xr = xo + seg[j + 1]!;
          const gr = go + seg[j + 2]!;
          let s = 0;
          for (let ow = seg[j + 3]!, hi = seg[j + 4]!; ow < hi; ow++) s += gy[gr + ow]! * x[xr + ow * sw]!;
          acc[ao + seg[j]!]! += s;
        }
      }
    }
  }
  dw.set(acc);
}

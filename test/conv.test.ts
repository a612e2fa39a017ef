/**
 * conv2d and convTranspose2d: forward and both gradients on both backends against direct
 * loops written here (a 7-loop convolution, a scatter loop for the transposed one, a 7-loop
 * weight gradient), independent of src/cpu; the GPU also against the CPU reference. Odd
 * sizes, strides 1-3, every padding mode (asymmetric 'same' included), dilation, kernels
 * 1, 3 and 5, channels not multiples of 4, split batches and split K, the DCGAN's layer
 * shapes, gradcheck of x, w and bias, and the error messages.
 */
import { describe, expect, it } from 'vitest';
import {
  ShapeError, ValueError, backward, conv2d, conv2dGeometry, convTranspose2d, convTranspose2dGeometry, gradcheck, tensor,
  type Activation, type ConvGeometry, type Tensor,
} from '../src/index.js';
import { activate } from '../src/cpu/activations.js';
import * as ref from '../src/cpu/conv.js';
import { CONV_LIMITS } from '../src/ops/conv-gemm.js';
import { BACKENDS, expectClose, randomArray, run, skipReason, type BackendName } from './helpers.js';

type Shape4 = [number, number, number, number];
type Op = 'conv2d' | 'convTranspose2d';
/** Strides, dilations and the top/left padding, as the oracles take them. */
interface Geo { s: [number, number]; d: [number, number]; pt: number; pl: number }

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** y[n,o,oh,ow] = sum_{c,kh,kw} w[o,c,kh,kw] x[n,c,oh*sh-pt+kh*dh, ow*sw-pl+kw*dw], 0 outside: seven loops. */
function directConv(x: ArrayLike<number>, [N, C, H, W]: Shape4, w: ArrayLike<number>, [O, , KH, KW]: Shape4, OH: number, OW: number, g: Geo): Float64Array {
  const y = new Float64Array(N * O * OH * OW);
  for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    let s = 0;
    for (let c = 0; c < C; c++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
      const ih = oh * g.s[0] - g.pt + kh * g.d[0];
      const iw = ow * g.s[1] - g.pl + kw * g.d[1];
      if (ih >= 0 && ih < H && iw >= 0 && iw < W) s += w[((o * C + c) * KH + kh) * KW + kw]! * x[((n * C + c) * H + ih) * W + iw]!;
    }
    y[((n * O + o) * OH + oh) * OW + ow] = s;
  }
  return y;
}

/** The transposed convolution as a scatter: x[n,ci,ih,iw] w[ci,co,kh,kw] lands at (ih*sh-pt+kh*dh, iw*sw-pl+kw*dw). */
function directScatter(x: ArrayLike<number>, [N, CI, H, W]: Shape4, w: ArrayLike<number>, [, CO, KH, KW]: Shape4, HO: number, WO: number, g: Geo): Float64Array {
  const y = new Float64Array(N * CO * HO * WO);
  for (let n = 0; n < N; n++) for (let ci = 0; ci < CI; ci++) for (let ih = 0; ih < H; ih++) for (let iw = 0; iw < W; iw++) {
    const v = x[((n * CI + ci) * H + ih) * W + iw]!;
    for (let co = 0; co < CO; co++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
      const h = ih * g.s[0] - g.pt + kh * g.d[0];
      const wo = iw * g.s[1] - g.pl + kw * g.d[1];
      if (h >= 0 && h < HO && wo >= 0 && wo < WO) y[((n * CO + co) * HO + h) * WO + wo]! += v * w[((ci * CO + co) * KH + kh) * KW + kw]!;
    }
  }
  return y;
}

/** conv2d's weight gradient: dw[o,c,kh,kw] = sum_{n,oh,ow} gy[n,o,oh,ow] x[n,c,ih,iw]. */
function directDw(x: ArrayLike<number>, [N, C, H, W]: Shape4, gy: ArrayLike<number>, [, O, OH, OW]: Shape4, KH: number, KW: number, g: Geo): Float64Array {
  const dw = new Float64Array(O * C * KH * KW);
  for (let o = 0; o < O; o++) for (let c = 0; c < C; c++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
    let s = 0;
    for (let n = 0; n < N; n++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
      const ih = oh * g.s[0] - g.pt + kh * g.d[0];
      const iw = ow * g.s[1] - g.pl + kw * g.d[1];
      if (ih >= 0 && ih < H && iw >= 0 && iw < W) s += gy[((n * O + o) * OH + oh) * OW + ow]! * x[((n * C + c) * H + ih) * W + iw]!;
    }
    dw[((o * C + c) * KH + kh) * KW + kw] = s;
  }
  return dw;
}

/** act(y + bias[channel]) over y [N, Ch, H, W]. */
function epilogue(y: Float64Array, [, ch, H, W]: Shape4, bias: Float32Array | null, act: Activation, alpha: number): Float64Array {
  return y.map((v, i) => activate(act, v + (bias ? bias[Math.floor(i / (H * W)) % ch]! : 0), alpha));
}

/** sum of gy over N, H, W per channel. */
function channelSums(gy: Float32Array, [N, Ch, H, W]: Shape4): Float64Array {
  const out = new Float64Array(Ch);
  gy.forEach((v, i) => (out[Math.floor(i / (H * W)) % Ch]! += v));
  return out;
}

interface Case {
  name: string;
  op: Op;
  x: Shape4;
  w: Shape4;
  opts: Record<string, unknown>;
  /** The output's spatial size and the top/left padding it implies. */
  out: [number, number];
  pad: [number, number];
}

const c2 = (name: string, x: Shape4, w: Shape4, opts: Record<string, unknown>, out: [number, number], pad: [number, number]): Case => ({ name, op: 'conv2d', x, w, opts, out, pad });
const ct = (name: string, x: Shape4, w: Shape4, opts: Record<string, unknown>, out: [number, number], pad: [number, number]): Case => ({ name, op: 'convTranspose2d', x, w, opts, out, pad });

const CASES: Case[] = [
  c2('3x3 padding 1, odd 7x9', [1, 3, 7, 9], [5, 3, 3, 3], { padding: 1 }, [7, 9], [1, 1]),
  c2('3x3 stride 2 padding [1, 2], batch 3', [3, 3, 7, 9], [5, 3, 3, 3], { stride: 2, padding: [1, 2] }, [4, 6], [1, 2]),
  c2("5x5 stride 2 'same', asymmetric along H", [2, 3, 8, 9], [5, 3, 5, 5], { stride: 2, padding: 'same' }, [4, 5], [1, 2]),
  c2("3x3 stride 2 'valid'", [1, 3, 7, 9], [5, 3, 3, 3], { stride: 2, padding: 'valid' }, [3, 4], [0, 0]),
  // 120 x 70 GEMMs (forward; transposed: its forward): gemmTile's tall 128 x 32 tile.
  c2('3x3 padding 1, 120 channels out', [2, 3, 5, 7], [120, 3, 3, 3], { padding: 1 }, [5, 7], [1, 1]),
  c2('3x3 dilation 2 padding 2, batch 3', [3, 3, 9, 7], [5, 3, 3, 3], { dilation: 2, padding: 2 }, [9, 7], [2, 2]),
  c2("dilation 2 stride [2, 1] 'same'", [1, 3, 7, 9], [5, 3, 3, 3], { dilation: 2, stride: [2, 1], padding: 'same' }, [4, 9], [2, 2]),
  c2('1x1 stride 2, batch 3', [3, 3, 7, 9], [5, 3, 1, 1], { stride: 2 }, [4, 5], [0, 0]),
  c2('3x3 padding 1, K = 675 split', [3, 2, 15, 15], [3, 2, 3, 3], { padding: 1 }, [15, 15], [1, 1]),
  // 16 channels and 16 images, so each GEMM's tiles skip the taps (pixels) that fall in the
  // padding (gemmRuns), over tiles that span one, two or three rows.
  c2('5x3 stride 2 padding [2, 1], 16 channels, batch 16', [16, 16, 7, 5], [32, 16, 5, 3], { stride: 2, padding: [2, 1] }, [4, 3], [2, 1]),
  c2('3x3 dilation 2 padding 2, 16 channels, batch 16', [16, 16, 6, 9], [16, 16, 3, 3], { dilation: 2, padding: 2 }, [6, 9], [2, 2]),
  // K = 480 is one split, where the weight gradient skips pixels too.
  c2('3x3 padding 1, 32 channels, batch 16', [16, 32, 5, 6], [16, 32, 3, 3], { padding: 1 }, [5, 6], [1, 1]),
  ct('5x5 stride 2 padding 2', [1, 3, 2, 2], [3, 5, 5, 5], { stride: 2, padding: 2 }, [3, 3], [2, 2]),
  ct("5x5 stride 2 'same', batch 3", [3, 3, 3, 4], [3, 5, 5, 5], { stride: 2, padding: 'same' }, [6, 8], [1, 1]),
  ct("3x3 stride 2 'valid' outputPadding 1", [2, 3, 5, 4], [3, 5, 3, 3], { stride: 2, padding: 'valid', outputPadding: 1 }, [12, 10], [0, 0]),
  ct('3x3 dilation 2 padding 1', [2, 3, 4, 5], [3, 5, 3, 3], { dilation: 2, padding: 1 }, [6, 7], [1, 1]),
  ct('3x3 stride 2 dilation 2 padding 1 outputPadding 1', [2, 3, 3, 4], [3, 5, 3, 3], { stride: 2, dilation: 2, padding: 1, outputPadding: 1 }, [8, 10], [1, 1]),
  ct('3x3 stride 3 dilation 2 outputPadding [1, 0]', [1, 4, 3, 3], [4, 2, 3, 3], { stride: 3, dilation: 2, outputPadding: [1, 0] }, [12, 11], [0, 0]),
  ct('1x1 stride 2, batch 3', [3, 3, 4, 5], [3, 5, 1, 1], { stride: 2 }, [7, 9], [0, 0]),
  ct('3x3 padding 1, 120 channels out', [2, 3, 5, 7], [3, 120, 3, 3], { padding: 1 }, [5, 7], [1, 1]),
  ct('5x5 stride 2 padding 2 outputPadding 1, 32 channels, batch 16', [16, 32, 3, 5], [32, 16, 5, 5], { stride: 2, padding: 2, outputPadding: 1 }, [6, 10], [2, 2]),
  // Phases of 4, 2, 2 and 1 pixels per image: 128 columns in 64-wide tiles for the
  // largest, so the second column tile of the other three lies outside their GEMMs (gemmRuns
  // returns at once).
  ct('5x5 stride 2 padding 2, 2x2 -> 3x3, 16 channels, batch 32', [32, 4, 2, 2], [4, 16, 5, 5], { stride: 2, padding: 2 }, [3, 3], [2, 2]),
];
/** A conv2d and a convTranspose2d case for the fused bias and activation checks. */
const STRIDED = CASES.find((c) => c.name === "5x5 stride 2 'same', asymmetric along H")!;
const STRIDED_T = CASES.find((c) => c.name === '5x5 stride 2 padding 2')!;

/** The DCGAN's layers at batch 2: the discriminator's two convolutions, the generator's four transposed ones. */
const DCGAN: Case[] = [
  c2('D conv1 1->8 28x28', [2, 1, 28, 28], [8, 1, 5, 5], { stride: 2, padding: 'same' }, [14, 14], [1, 1]),
  c2('D conv2 8->16 14x14', [2, 8, 14, 14], [16, 8, 5, 5], { stride: 2, padding: 'same' }, [7, 7], [1, 1]),
  ct('G 25->256 2->3', [2, 25, 2, 2], [25, 256, 5, 5], { stride: 2, padding: 2 }, [3, 3], [2, 2]),
  ct('G 256->128 3->6', [2, 256, 3, 3], [256, 128, 5, 5], { stride: 2, padding: 'same' }, [6, 6], [1, 1]),
  ct('G 128->64 6->12', [2, 128, 6, 6], [128, 64, 5, 5], { stride: 2, padding: 'same' }, [12, 12], [1, 1]),
  ct('G 64->1 12->28', [2, 64, 12, 12], [64, 1, 5, 5], { stride: 2, padding: 'valid', outputPadding: 1 }, [28, 28], [0, 0]),
];

const geoOf = (c: Case): Geo => {
  const pair = (v: unknown, d: number): [number, number] => (v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : (v as [number, number]));
  return { s: pair(c.opts.stride, 1), d: pair(c.opts.dilation, 1), pt: c.pad[0], pl: c.pad[1] };
};

/** The output, dx and dw the oracles give for `c`; gy is the output's gradient. */
function oracle(c: Case, xv: Float32Array, wv: Float32Array, gy: Float32Array): { out: Shape4; y: Float64Array; dx: Float64Array; dw: Float64Array } {
  const g = geoOf(c);
  const [N, , H, W] = c.x;
  const [OH, OW] = c.out;
  if (c.op === 'conv2d') {
    const out: Shape4 = [N, c.w[0], OH, OW];
    return { out, y: directConv(xv, c.x, wv, c.w, OH, OW, g), dx: directScatter(gy, out, wv, c.w, H, W, g), dw: directDw(xv, c.x, gy, out, c.w[2], c.w[3], g) };
  }
  const out: Shape4 = [N, c.w[1], OH, OW];
  return { out, y: directScatter(xv, c.x, wv, c.w, OH, OW, g), dx: directConv(gy, out, wv, c.w, H, W, g), dw: directDw(gy, out, xv, c.x, c.w[2], c.w[3], g) };
}

/** The same three results from src/cpu/conv.ts (the CPU reference), in float64. */
function reference(c: Case, g: ConvGeometry, xv: Float32Array, wv: Float32Array, gy: Float32Array): { y: Float64Array; dx: Float64Array; dw: Float64Array } {
  const [x, w, gyd] = [Float64Array.from(xv), Float64Array.from(wv), Float64Array.from(gy)];
  const conv = new Float64Array(g.N * g.O * g.OH * g.OW);
  const input = new Float64Array(g.N * g.C * g.H * g.W);
  const dw = new Float64Array(size(c.w));
  if (c.op === 'conv2d') {
    ref.convForward(x, w, conv, g, null, 'none', 0);
    ref.convInputGrad(gyd, w, input, g, null, 'none', 0);
    ref.convWeightGrad(x, gyd, dw, g);
    return { y: conv, dx: input, dw };
  }
  ref.convInputGrad(x, w, input, g, null, 'none', 0);
  ref.convForward(gyd, w, conv, g, null, 'none', 0);
  ref.convWeightGrad(gyd, x, dw, g);
  return { y: input, dx: conv, dw };
}

const apply = (c: Case, x: Tensor, w: Tensor, opts: Record<string, unknown>): Tensor => (c.op === 'conv2d' ? conv2d(x, w, { ...c.opts, ...opts }) : convTranspose2d(x, w, { ...c.opts, ...opts }));

/** Forward with bias, then backward of a random output gradient: output and all three gradients against the oracles. */
async function checkCase(bk: BackendName, c: Case, tol: number): Promise<void> {
  await run(bk, async () => {
    const seed = size(c.x) + size(c.w);
    const xv = randomArray(size(c.x), seed);
    const wv = randomArray(size(c.w), seed + 1);
    const oc = c.op === 'conv2d' ? c.w[0] : c.w[1];
    const bv = randomArray(oc, seed + 2);
    const [x, w, bias] = [tensor(xv, c.x).requireGrad(), tensor(wv, c.w).requireGrad(), tensor(bv, [oc]).requireGrad()];
    const y = apply(c, x, w, { bias });
    const gy = randomArray(y.size, seed + 3);
    const o = oracle(c, xv, wv, gy);
    expect(y.shape, `${c.name}: output shape`).toEqual(o.out);
    expectClose(await y.data(), epilogue(o.y, o.out, bv, 'none', 0), tol, tol, `${c.name}: output`);
    backward(y, tensor(gy, o.out));
    expectClose(await x.grad!.data(), o.dx, tol, tol, `${c.name}: dx`);
    expectClose(await w.grad!.data(), o.dw, tol, tol, `${c.name}: dw`);
    expectClose(await bias.grad!.data(), channelSums(gy, o.out), tol, tol, `${c.name}: dbias`);
    if (bk === 'webgpu') {
      const g = c.op === 'conv2d' ? conv2dGeometry(x, w, c.opts) : convTranspose2dGeometry(x, w, c.opts);
      const r = reference(c, g, xv, wv, gy);
      expectClose(await y.data(), epilogue(r.y, o.out, bv, 'none', 0), tol, tol, `${c.name}: output vs CPU reference`);
      expectClose(await x.grad!.data(), r.dx, tol, tol, `${c.name}: dx vs CPU reference`);
      expectClose(await w.grad!.data(), r.dw, tol, tol, `${c.name}: dw vs CPU reference`);
    }
  });
}

const ACTS: Activation[] = ['none', 'relu', 'leakyRelu', 'tanh', 'sigmoid'];

describe.each(BACKENDS)('convolutions on %s', (bk) => {
  describe.skipIf(skipReason(bk))('', () => {
    it.each(CASES.map((c) => [`${c.op} ${c.name}`, c] as const))('%s: output and all gradients', async (_, c) => {
      await checkCase(bk, c, 1e-4);
    });

    it.each(DCGAN.map((c) => [c.name, c] as const))('DCGAN layer %s at batch 2', async (_, c) => {
      await checkCase(bk, c, 2e-3);
    });

    it.each(ACTS)('bias + %s fused into both ops', async (act) => {
      await run(bk, async () => {
        for (const c of [STRIDED, STRIDED_T]) {
          const xv = randomArray(size(c.x), 7);
          const wv = randomArray(size(c.w), 8);
          const oc = c.op === 'conv2d' ? c.w[0] : c.w[1];
          const bv = randomArray(oc, 9);
          const y = apply(c, tensor(xv, c.x), tensor(wv, c.w), { bias: tensor(bv, [oc]), activation: act, alpha: 0.2 });
          const o = oracle(c, xv, wv, new Float32Array(y.size));
          expectClose(await y.data(), epilogue(o.y, o.out, bv, act, 0.2), 1e-4, 1e-4, `${c.name} ${act}`);
        }
      });
    });

    it.skipIf(bk !== 'webgpu')('splits a batch whose column tiles pass the dispatch limit', async () => {
      const saved = { ...CONV_LIMITS };
      // Their 2-channel input gradients through the GEMM too, which is what splits.
      Object.assign(CONV_LIMITS, { maxGroups: 1, directMaxC: 0 });
      try {
        await checkCase(bk, c2('batch split', [3, 2, 5, 5], [3, 2, 3, 3], { padding: 1 }, [5, 5], [1, 1]), 1e-4);
        await checkCase(bk, ct('batch split', [3, 2, 5, 5], [2, 3, 3, 3], { padding: 1 }, [5, 5], [1, 1]), 1e-4);
      } finally {
        Object.assign(CONV_LIMITS, saved);
      }
    });

    // conv2d_dx_direct.wgsl takes input gradients (transposed forwards) of at most
    // CONV_LIMITS.directMaxC channels, the GEMM the rest: here each takes every case.
    it.skipIf(bk !== 'webgpu')('every input gradient through the direct kernel, and the few-channel ones through the GEMM', async () => {
      const saved = CONV_LIMITS.directMaxC;
      try {
        CONV_LIMITS.directMaxC = Infinity;
        for (const c of CASES) await checkCase(bk, c, 1e-4);
        for (const c of DCGAN.filter((d) => d.name.includes('->1 ') || d.name.includes('1->8'))) await checkCase(bk, c, 2e-3);
        await run(bk, async () => {
          for (const act of ACTS) {
            const c = STRIDED_T;
            const [xv, wv, bv] = [randomArray(size(c.x), 7), randomArray(size(c.w), 8), randomArray(c.w[1], 9)];
            const y = apply(c, tensor(xv, c.x), tensor(wv, c.w), { bias: tensor(bv, [c.w[1]]), activation: act, alpha: 0.2 });
            const o = oracle(c, xv, wv, new Float32Array(y.size));
            expectClose(await y.data(), epilogue(o.y, o.out, bv, act, 0.2), 1e-4, 1e-4, `${c.name} ${act}, direct`);
          }
        });
        CONV_LIMITS.directMaxC = 0;
        const few = [...CASES, ...DCGAN].filter((c) => (c.op === 'conv2d' ? c.x[1] : c.w[1]) <= saved);
        expect(few.length).toBeGreaterThanOrEqual(4);
        for (const c of few) await checkCase(bk, c, c.name.includes('->') ? 2e-3 : 1e-4);
      } finally {
        CONV_LIMITS.directMaxC = saved;
      }
    });

    // conv2d_dw_direct.wgsl takes weight gradients of at most CONV_LIMITS.dwDirectMaxO
    // output channels (conv2d's O; a transposed conv's input channels), the GEMM the rest.
    // With every case, O runs past its 8-channel blocks (120: 15 blocks) and the batch-16
    // cases give chunks of many rows, the last one short; the cases cover sw = 1, sw = 2 and
    // the window read whole (dilation 2, stride 3), kernels of 1 to 5 taps, padding rows.
    it.skipIf(bk !== 'webgpu')('every weight gradient through the direct kernel, and the few-channel ones through the GEMM', async () => {
      const saved = CONV_LIMITS.dwDirectMaxO;
      const outChannels = (c: Case): number => (c.op === 'conv2d' ? c.w[0] : c.x[1]);
      try {
        CONV_LIMITS.dwDirectMaxO = Infinity;
        for (const c of CASES) await checkCase(bk, c, 1e-4);
        for (const c of DCGAN.filter((d) => d.name.includes('->1 ') || d.name.includes('1->8'))) await checkCase(bk, c, 2e-3);
        CONV_LIMITS.dwDirectMaxO = 0;
        const few = [...CASES, ...DCGAN].filter((c) => outChannels(c) <= saved);
        expect(few.length).toBeGreaterThanOrEqual(4);
        for (const c of few) await checkCase(bk, c, c.name.includes('->') ? 2e-3 : 1e-4);
      } finally {
        CONV_LIMITS.dwDirectMaxO = saved;
      }
    });

    const TOL = { atol: 1e-3, rtol: 1e-2 };
    it.each([
      ['conv2d stride 2 padding 2 dilation 2', conv2d, [2, 3, 6, 7], [4, 3, 3, 3], { stride: 2, padding: 2, dilation: 2 }],
      ["conv2d stride 2 'same' (asymmetric) + tanh", conv2d, [1, 2, 6, 5], [3, 2, 3, 3], { stride: 2, padding: 'same', activation: 'tanh' }],
      ['convTranspose2d stride 2 padding 1 dilation 2 outputPadding 1', convTranspose2d, [2, 3, 3, 4], [3, 4, 3, 3], { stride: 2, padding: 1, dilation: 2, outputPadding: 1 }],
      ["convTranspose2d stride 2 'same' + sigmoid", convTranspose2d, [1, 2, 3, 3], [2, 3, 5, 5], { stride: 2, padding: 'same', activation: 'sigmoid' }],
    ] as const)('gradcheck of x, w and bias: %s', async (what, op, xs, ws, opts) => {
      await run(bk, async () => {
        const oc = op === conv2d ? ws[0] : ws[1];
        const inputs = [tensor(randomArray(size(xs), 11), [...xs]), tensor(randomArray(size(ws), 12), [...ws]), tensor(randomArray(oc, 13), [oc])];
        const r = await gradcheck((x, w, bias) => op(x!, w!, { ...(opts as object), bias }), inputs, TOL);
        expect(r.ok, `${what}: worst ${r.worst}`).toBe(true);
        r.numeric.forEach((g, i) => expect(g.some((v) => Math.abs(v) > 1e-3), `${what}: input ${i} gradient all zero`).toBe(true));
      });
    });

    it('rejects bad shapes with the op and the shapes named', async () => {
      await run(bk, () => {
        const t = (s: number[]): Tensor => tensor(new Float32Array(size(s)), s);
        expect(() => conv2d(t([2, 4, 28, 28]), t([8, 3, 5, 5]))).toThrow(new ShapeError('conv2d: expected input [N, 3, H, W] for weight [8,3,5,5], got [2,4,28,28]'));
        expect(() => conv2d(t([4, 28, 28]), t([8, 4, 5, 5]))).toThrow(/conv2d: expected a 4-D input \[N, C, H, W\], got \[4,28,28\]/);
        expect(() => conv2d(t([1, 4, 28, 28]), t([8, 4, 5]))).toThrow(/conv2d: expected a 4-D weight \[O, C, KH, KW\], got \[8,4,5\]/);
        expect(() => conv2d(t([1, 1, 3, 3]), t([1, 1, 5, 5]))).toThrow(/conv2d: input \[1,1,3,3\] padded to 3x3 is smaller than the dilated kernel 5x5 .*output size would be -1x-1/);
        expect(() => conv2d(t([1, 1, 7, 7]), t([1, 1, 3, 3]), { dilation: 4, padding: 'valid' })).toThrow(ShapeError);
        expect(() => conv2d(t([1, 2, 5, 5]), t([3, 2, 3, 3]), { bias: t([2]) })).toThrow(/conv2d: bias must have shape \[3\], got \[2\]/);
        expect(() => convTranspose2d(t([2, 4, 2, 2]), t([25, 256, 5, 5]))).toThrow(new ShapeError('convTranspose2d: expected input [N, 25, H, W] for weight [25,256,5,5], got [2,4,2,2]'));
        expect(() => convTranspose2d(t([1, 1, 1, 1]), t([1, 1, 3, 3]), { padding: 2 })).toThrow(/convTranspose2d: output size would be -1x-1/);
        expect(() => convTranspose2d(t([1, 2, 3, 3]), t([2, 3, 3, 3]), { bias: t([2]) })).toThrow(/convTranspose2d: bias must have shape \[3\]/);
      });
    });

    it('rejects bad stride, padding, dilation, outputPadding and activation values', async () => {
      await run(bk, () => {
        const x = tensor(new Float32Array(2 * 25), [1, 2, 5, 5]);
        const w = tensor(new Float32Array(2 * 2 * 9), [2, 2, 3, 3]);
        const bad: [Record<string, unknown>, RegExp][] = [
          [{ stride: 0 }, /stride must be a positive integer or a \[height, width\] pair of them, got 0/],
          [{ stride: [1] }, /stride must be a positive integer .* got \[1\]/],
          [{ stride: 1.5 }, /stride must be/],
          [{ dilation: -1 }, /dilation must be a positive integer/],
          [{ padding: -1 }, /padding must be a non-negative integer/],
          [{ padding: [1, 2, 3] }, /padding must be a non-negative integer/],
          [{ padding: 'full' }, /padding must be 'same', 'valid'/],
          [{ activation: 'gelu' }, /unknown activation "gelu"/],
          [{ activation: 'leakyRelu', alpha: 1 }, /leakyRelu alpha must be in \[0, 1\)/],
        ];
        for (const [opts, re] of bad) {
          expect(() => conv2d(x, w, opts), JSON.stringify(opts)).toThrow(ValueError);
          expect(() => conv2d(x, w, opts), JSON.stringify(opts)).toThrow(re);
          expect(() => convTranspose2d(x, w, opts), JSON.stringify(opts)).toThrow(ValueError);
        }
        expect(() => convTranspose2d(x, w, { stride: 2, outputPadding: 2 })).toThrow(/convTranspose2d: outputPadding must be smaller than stride or dilation, got outputPadding \[2,2\] with stride \[2,2\] and dilation \[1,1\]/);
        expect(() => convTranspose2d(x, w, { outputPadding: -1 })).toThrow(ValueError);
      });
    });
  });
});

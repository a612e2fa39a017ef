/**
 * matmul and the three convolution passes on the wasm backend: operands packed where a
 * layout needs it, then the SIMD GEMM of kernels.ts; bias and activation applied after
 * in one pass over the output. The convolutions go image by image through im2col (the
 * forward and the weight gradient) and col2im (the input gradient), with the patch
 * matrix in scratch memory freed after the call.
 */
import { activate, type Activation } from '../cpu/activations.js';
import type { ConvGeometry } from '../cpu/conv.js';
import type { WasmBackend } from './backend.js';
import type { WasmStorage } from './heap.js';

/** c[rows, cols] = act(c + bias[column or row]) in place; `perRow` adds bias[r] to row r (the convolutions' channels). */
function epilogue(c: Float32Array, rows: number, cols: number, bias: Float32Array | null, act: Activation, alpha: number, perRow: boolean): void {
  if (!bias && act === 'none') return;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let j = 0; j < cols; j++) c[o + j] = activate(act, c[o + j]! + (bias ? bias[perRow ? r : j]! : 0), alpha);
  }
}

/** c [M, N] = act(op(a) op(b) + bias[N]), a stored [K, M] when transA, b stored [N, K] when transB. */
export function matmul(w: WasmBackend, a: WasmStorage, b: WasmStorage, c: WasmStorage, M: number, N: number, K: number,
  transA: boolean, transB: boolean, bias: WasmStorage | null, act: Activation, alpha: number): void {
  w.scratch([transA ? M * K : 0, transB ? K * N : 0], (ta, tb) => {
    if (transA) w.k.transpose(K, M, a.ptr, ta!);
    if (transB) w.k.transpose(N, K, b.ptr, tb!);
    w.k.gemm(M, N, K, transA ? ta! : a.ptr, transB ? tb! : b.ptr, c.ptr, false);
  });
  epilogue(c.data, M, N, bias?.data ?? null, act, alpha, false);
}

const geom = (g: ConvGeometry): [number, number, number, number, number, number, number, number, number, number, number, number, number] =>
  [g.C, g.H, g.W, g.KH, g.KW, g.OH, g.OW, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl];

/** y [N, O, OH, OW] = act(conv2d(x, w) + bias[o]): per image, W [O, CKK] times its patches [CKK, OH OW]. */
export function convForward(k: WasmBackend, x: WasmStorage, wt: WasmStorage, y: WasmStorage, g: ConvGeometry, bias: WasmStorage | null, act: Activation, alpha: number): void {
  const P = g.OH * g.OW;
  const CKK = g.C * g.KH * g.KW;
  k.scratch([CKK * P], (col) => {
    for (let n = 0; n < g.N; n++) {
      k.k.im2col(...geom(g), x.ptr + n * g.C * g.H * g.W * 4, col!);
      k.k.gemm(g.O, P, CKK, wt.ptr, col!, y.ptr + n * g.O * P * 4, false);
    }
  });
  const out = y.data;
  for (let n = 0; n < g.N; n++) epilogue(out.subarray(n * g.O * P, (n + 1) * g.O * P), g.O, P, bias?.data ?? null, act, alpha, true);
}

/** dx [N, C, H, W] = act(conv2d's input gradient of gy + bias[c]): per image, Wᵀ [CKK, O] times gy [O, OH OW], then col2im. */
export function convInputGrad(k: WasmBackend, gy: WasmStorage, wt: WasmStorage, dx: WasmStorage, g: ConvGeometry, bias: WasmStorage | null, act: Activation, alpha: number): void {
  const P = g.OH * g.OW;
  const CKK = g.C * g.KH * g.KW;
  const HW = g.H * g.W;
  dx.data.fill(0);
  k.scratch([CKK * g.O, CKK * P], (wT, col) => {
    k.k.transpose(g.O, CKK, wt.ptr, wT!);
    for (let n = 0; n < g.N; n++) {
      k.k.gemm(CKK, P, g.O, wT!, gy.ptr + n * g.O * P * 4, col!, false);
      k.k.col2im(...geom(g), col!, dx.ptr + n * g.C * HW * 4);
    }
  });
  const out = dx.data;
  for (let n = 0; n < g.N; n++) epilogue(out.subarray(n * g.C * HW, (n + 1) * g.C * HW), g.C, HW, bias?.data ?? null, act, alpha, true);
}

/** dw [O, C, KH, KW] = sum over images of gy [O, OH OW] times the patches transposed [OH OW, CKK]. */
export function convWeightGrad(k: WasmBackend, x: WasmStorage, gy: WasmStorage, dw: WasmStorage, g: ConvGeometry): void {
  const P = g.OH * g.OW;
  const CKK = g.C * g.KH * g.KW;
  dw.data.fill(0);
  k.scratch([CKK * P, CKK * P], (col, colT) => {
    for (let n = 0; n < g.N; n++) {
      k.k.im2col(...geom(g), x.ptr + n * g.C * g.H * g.W * 4, col!);
      k.k.transpose(CKK, P, col!, colT!);
      k.k.gemm(g.O, CKK, P, gy.ptr + n * g.O * P * 4, colT!, dw.ptr, true);
    }
  });
}

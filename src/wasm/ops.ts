/**
 * matmul and the three convolution passes on the wasm backend: each one kernel of
 * src/wasm/assembly/ (the GEMM reads transposed operands where they lie and applies bias
 * and activation as it writes C).
 */
import { ACTIVATIONS, type Activation } from '../cpu/activations.js';
import type { ConvGeometry } from '../cpu/conv.js';
import type { WasmBackend } from './backend.js';
import type { WasmStorage } from './heap.js';

/** The activation's code in the kernels: its position in ACTIVATIONS (simd.ts's ACT_ constants). */
const actCode = (act: Activation): number => ACTIVATIONS.indexOf(act);

/** c [M, N] = act(op(a) op(b) + bias[N]), a stored [K, M] when transA, b stored [N, K] when transB. */
export function matmul(w: WasmBackend, a: WasmStorage, b: WasmStorage, c: WasmStorage, M: number, N: number, K: number,
  transA: boolean, transB: boolean, bias: WasmStorage | null, act: Activation, alpha: number): void {
  w.run('gemm', [M, N, K, a.ptr, transA ? M : K, +transA, b.ptr, transB ? K : N, +transB, c.ptr, N, 0,
    bias?.ptr ?? 0, 0, actCode(act), alpha, 0]);
}

const geom = (g: ConvGeometry): number[] => [g.N, g.C, g.H, g.W, g.O, g.KH, g.KW, g.OH, g.OW, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl];

/** y [N, O, OH, OW] = act(conv2d(x, w) + bias[o]): per image, W [O, CKK] times its patches [CKK, OH OW]. */
export function convForward(k: WasmBackend, x: WasmStorage, wt: WasmStorage, y: WasmStorage, g: ConvGeometry, bias: WasmStorage | null, act: Activation, alpha: number): void {
  const P = g.OH * g.OW;
  const CKK = g.C * g.KH * g.KW;
  k.run('convForward', [...geom(g), x.ptr, wt.ptr, y.ptr, bias?.ptr ?? 0, actCode(act), alpha], CKK * P * 4);
}

/** dx [N, C, H, W] = act(conv2d's input gradient of gy + bias[c]): per image, Wᵀ [CKK, O] times gy [O, OH OW], then col2im. */
export function convInputGrad(k: WasmBackend, gy: WasmStorage, wt: WasmStorage, dx: WasmStorage, g: ConvGeometry, bias: WasmStorage | null, act: Activation, alpha: number): void {
  const P = g.OH * g.OW;
  const CKK = g.C * g.KH * g.KW;
  k.run('convInputGrad', [...geom(g), gy.ptr, wt.ptr, dx.ptr, bias?.ptr ?? 0, actCode(act), alpha], CKK * P * 4);
}

/** dw [O, C, KH, KW] = sum over images of gy [O, OH OW] times the patches transposed [OH OW, CKK]. */
export function convWeightGrad(k: WasmBackend, x: WasmStorage, gy: WasmStorage, dw: WasmStorage, g: ConvGeometry): void {
  if (g.N === 0) {
    dw.data.fill(0);
    return;
  }
  const CKK = g.C * g.KH * g.KW;
  k.run('convWeightGrad', [...geom(g), x.ptr, gy.ptr, dw.ptr], CKK * g.OH * g.OW * 4);
}

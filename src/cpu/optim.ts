/** CPU references of the fused optimizer kernels (adam.wgsl, sgd.wgsl). */
import type { Arr } from './matmul.js';

export interface AdamArgs { lr: number; beta1: number; beta2: number; eps: number; wd: number; bc1: number; bc2: number }

export function adam(p: Arr, grad: Arr, m: Arr, v: Arr, n: number, a: AdamArgs): void {
  for (let i = 0; i < n; i++) {
    const g = grad[i]! + a.wd * p[i]!;
    const mi = a.beta1 * m[i]! + (1 - a.beta1) * g;
    const vi = a.beta2 * v[i]! + (1 - a.beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i]! - (a.lr * (mi / a.bc1)) / (Math.sqrt(vi / a.bc2) + a.eps);
  }
}

export interface SgdArgs { lr: number; momentum: number; wd: number; first: boolean }

export function sgd(p: Arr, grad: Arr, buf: Arr | null, n: number, a: SgdArgs): void {
  for (let i = 0; i < n; i++) {
    let g = grad[i]! + a.wd * p[i]!;
    if (buf) {
      g = a.first ? g : a.momentum * buf[i]! + g;
      buf[i] = g;
    }
    p[i] = p[i]! - a.lr * g;
  }
}

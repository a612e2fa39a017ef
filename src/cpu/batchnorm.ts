/**
 * CPU reference of batchnorm.wgsl and batchnorm_grad.wgsl, entry for entry, on float32 or
 * float64 arrays (the float64 backend is gradcheck's oracle). `stat` is the [3, C] tensor
 * the forward pass saves: rows mean, invStd = 1 / sqrt(var + eps), biased variance var.
 */
import type { Arr } from './matmul.js';

/** NCHW sizes: c channels of hw = H * W positions; m = N * H * W elements per channel. */
export interface BnGeom {
  c: number;
  hw: number;
  m: number;
}

/** Calls fn(i) for the index in x of each element of channel c: batch by batch, then position. */
function eachInChannel(geom: BnGeom, c: number, fn: (i: number) => void): void {
  for (let b = 0; b < geom.m / geom.hw; b++) {
    const base = (b * geom.c + c) * geom.hw;
    for (let s = 0; s < geom.hw; s++) fn(base + s);
  }
}

/**
 * Per-channel batch statistics by the corrected two-pass algorithm: mean m0 = sum(x) / M,
 * then var = (sum(d^2) - sum(d)^2 / M) / M over d = x - m0, mean = m0 + sum(d) / M.
 */
export function stats(x: Arr, stat: Arr, geom: BnGeom, eps: number): void {
  const { c: C, m } = geom;
  for (let c = 0; c < C; c++) {
    let s = 0;
    eachInChannel(geom, c, (i) => { s += x[i]!; });
    const m0 = s / m;
    let d1 = 0;
    let d2 = 0;
    eachInChannel(geom, c, (i) => {
      const d = x[i]! - m0;
      d1 += d;
      d2 += d * d;
    });
    const v = Math.max((d2 - (d1 * d1) / m) / m, 0);
    stat[c] = m0 + d1 / m;
    stat[C + c] = 1 / Math.sqrt(v + eps);
    stat[2 * C + c] = v;
  }
}

/** run = (1 - momentum) * run + momentum * scale * stat[row], in place. */
export function running(run: Arr, stat: Arr, row: number, C: number, momentum: number, scale: number): void {
  for (let c = 0; c < C; c++) run[c] = (1 - momentum) * run[c]! + momentum * scale * stat[row * C + c]!;
}

/** stat from the running statistics (eval mode). */
export function frozen(runMean: Arr, runVar: Arr, stat: Arr, C: number, eps: number): void {
  for (let c = 0; c < C; c++) {
    stat[c] = runMean[c]!;
    stat[C + c] = 1 / Math.sqrt(runVar[c]! + eps);
    stat[2 * C + c] = runVar[c]!;
  }
}

/** y = (x - mean) * invStd * gamma + beta (gamma 1 and beta 0 where null). */
export function apply(x: Arr, stat: Arr, gamma: Arr | null, beta: Arr | null, out: Arr, geom: BnGeom): void {
  const C = geom.c;
  for (let c = 0; c < C; c++) {
    const k = stat[C + c]! * (gamma ? gamma[c]! : 1);
    const b = beta ? beta[c]! : 0;
    eachInChannel(geom, c, (i) => { out[i] = (x[i]! - stat[c]!) * k + b; });
  }
}

/** sums [2, C]: rows sum(g) and sum(g * xhat) per channel. */
export function gradSums(x: Arr, g: Arr, stat: Arr, sums: Arr, geom: BnGeom): void {
  const C = geom.c;
  for (let c = 0; c < C; c++) {
    let s0 = 0;
    let s1 = 0;
    eachInChannel(geom, c, (i) => {
      s0 += g[i]!;
      s1 += g[i]! * (x[i]! - stat[c]!) * stat[C + c]!;
    });
    sums[c] = s0;
    sums[C + c] = s1;
  }
}

/**
 * dx = gamma * invStd * (g - (sum(g) + xhat * sum(g * xhat)) / M) in training (sums given);
 * dx = gamma * invStd * g in eval (sums null).
 */
export function gradInput(x: Arr, g: Arr, stat: Arr, gamma: Arr | null, sums: Arr | null, out: Arr, geom: BnGeom): void {
  const { c: C, m } = geom;
  for (let c = 0; c < C; c++) {
    const k = stat[C + c]! * (gamma ? gamma[c]! : 1);
    eachInChannel(geom, c, (i) => {
      const d = sums ? g[i]! - (sums[c]! + (x[i]! - stat[c]!) * stat[C + c]! * sums[C + c]!) / m : g[i]!;
      out[i] = k * d;
    });
  }
}

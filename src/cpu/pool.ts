/**
 * CPU reference of pool.wgsl: forward with the same scan order (the first maximum in a
 * window, row by row, wins), and backward as a scatter from each output into its window:
 * a different route from the kernel's gather, so the two check each other.
 */
import type { Arr } from './matmul.js';

/** planes = N * C input planes of h x w, windows kh x kw at strides sh, sw, output oh x ow. */
export interface PoolGeom {
  planes: number;
  h: number;
  w: number;
  oh: number;
  ow: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
}

/** The index in the input of output o's window corner. */
function corner(p: PoolGeom, o: number): number {
  const per = p.oh * p.ow;
  const r = o % per;
  return Math.floor(o / per) * p.h * p.w + Math.floor(r / p.ow) * p.sh * p.w + (r % p.ow) * p.sw;
}

/** out = window mean, or window max with its position ky * kw + kx in `arg` (max when arg is given). */
export function poolForward(x: Arr, out: Arr, arg: Arr | null, p: PoolGeom): void {
  const n = p.planes * p.oh * p.ow;
  for (let o = 0; o < n; o++) {
    const base = corner(p, o);
    let best = x[base]!;
    let at = 0;
    let acc = 0;
    for (let ky = 0; ky < p.kh; ky++) {
      for (let kx = 0; kx < p.kw; kx++) {
        const v = x[base + ky * p.w + kx]!;
        acc += v;
        if (v > best) {
          best = v;
          at = ky * p.kw + kx;
        }
      }
    }
    if (arg) {
      out[o] = best;
      arg[o] = at;
    } else {
      out[o] = acc / (p.kh * p.kw);
    }
  }
}

/** dx: each output's g goes to its argmax (max, arg given) or g / (kh * kw) to every window element. */
export function poolBackward(g: Arr, dx: Arr, arg: Arr | null, p: PoolGeom): void {
  dx.fill(0);
  const n = p.planes * p.oh * p.ow;
  const share = 1 / (p.kh * p.kw);
  for (let o = 0; o < n; o++) {
    const base = corner(p, o);
    if (arg) {
      const at = arg[o]!;
      dx[base + Math.floor(at / p.kw) * p.w + (at % p.kw)]! += g[o]!;
      continue;
    }
    for (let ky = 0; ky < p.kh; ky++) {
      for (let kx = 0; kx < p.kw; kx++) dx[base + ky * p.w + kx]! += g[o]! * share;
    }
  }
}

/** CPU reference of reduce.wgsl: sums over merged kept and reduced dims, times scale. */
import type { Arr } from './matmul.js';

export interface ReducePlan {
  outSize: number;
  redSize: number;
  kshape: number[];
  kstride: number[];
  rshape: number[];
  rstride: number[];
}

function offsetOf(i: number, shape: number[], stride: number[]): number {
  let off = 0;
  for (let d = shape.length - 1; d >= 0; d--) {
    off += (i % shape[d]!) * stride[d]!;
    i = Math.floor(i / shape[d]!);
  }
  return off;
}

export function reduce(x: Arr, out: Arr, plan: ReducePlan, scale: number): void {
  const roff = new Int32Array(plan.redSize);
  for (let r = 0; r < plan.redSize; r++) roff[r] = offsetOf(r, plan.rshape, plan.rstride);
  for (let o = 0; o < plan.outSize; o++) {
    const base = offsetOf(o, plan.kshape, plan.kstride);
    let s = 0;
    for (let r = 0; r < plan.redSize; r++) s += x[base + roff[r]!]!;
    out[o] = s * scale;
  }
}

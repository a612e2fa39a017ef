/** CPU reference of the elementwise kernels (unary.wgsl, binary.wgsl) and strided copies. */
import type { Arr } from './matmul.js';

/** out[i] = f(x[i]). */
export function unary(f: (x: number) => number, x: Arr, out: Arr, n: number): void {
  for (let i = 0; i < n; i++) out[i] = f(x[i]!);
}

/** out[i] = g[i] * df(x[i], y[i]); x or y may be null when the rule does not read it. */
export function unaryGrad(df: (x: number, y: number) => number, x: Arr | null, y: Arr | null, g: Arr, out: Arr, n: number): void {
  for (let i = 0; i < n; i++) out[i] = g[i]! * df(x ? x[i]! : 0, y ? y[i]! : 0);
}

/** Element offsets into a and b of every output element, for broadcasting. */
export interface Broadcast {
  shape: number[];
  sa: number[];
  sb: number[];
}

function walk(bc: Broadcast | null, n: number, fn: (i: number, ia: number, ib: number) => void): void {
  if (!bc) {
    for (let i = 0; i < n; i++) fn(i, i, i);
    return;
  }
  const { shape, sa, sb } = bc;
  const r = shape.length;
  const idx = new Array<number>(r).fill(0);
  let ia = 0;
  let ib = 0;
  for (let i = 0; i < n; i++) {
    fn(i, ia, ib);
    for (let d = r - 1; d >= 0; d--) {
      idx[d]!++;
      ia += sa[d]!;
      ib += sb[d]!;
      if (idx[d]! < shape[d]!) break;
      ia -= sa[d]! * shape[d]!;
      ib -= sb[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}

/** out[i] = f(a[ia], b[ib]) over the broadcast output. */
export function binary(f: (a: number, b: number) => number, a: Arr, b: Arr, out: Arr, n: number, bc: Broadcast | null): void {
  walk(bc, n, (i, ia, ib) => {
    out[i] = f(a[ia]!, b[ib]!);
  });
}

/** out[i] = g[i] * d(a[ia], b[ib]) over the broadcast output. */
export function binaryGrad(d: (a: number, b: number) => number, a: Arr, b: Arr, g: Arr, out: Arr, n: number, bc: Broadcast | null): void {
  walk(bc, n, (i, ia, ib) => {
    out[i] = g[i]! * d(a[ia]!, b[ib]!);
  });
}

/** dst[r*dstStride + dstOff + c] = src[r*srcStride + srcOff + c] (copy.wgsl). */
export function copy2d(src: Arr, dst: Arr, rows: number, cols: number, srcStride: number, dstStride: number, srcOff: number, dstOff: number): void {
  for (let r = 0; r < rows; r++) {
    const s = r * srcStride + srcOff;
    dst.set(src.subarray(s, s + cols), r * dstStride + dstOff);
  }
}

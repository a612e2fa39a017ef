/**
 * CPU reference of random.wgsl: the same counter-based PCG hash, so a seed gives the same
 * numbers on both backends (to float32 rounding of log and cos).
 */
import type { Arr } from './matmul.js';

/** PCG-RXS-M-XS 32-bit hash (Jarzynski & Olano 2020), in u32 arithmetic. */
export function pcg(v: number): number {
  const s = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
  const w = Math.imul(((s >>> ((s >>> 28) + 4)) ^ s) >>> 0, 277803737) >>> 0;
  return ((w >>> 22) ^ w) >>> 0;
}

function bits(key: number, ctr: number): number {
  return pcg((pcg(ctr >>> 0) ^ key) >>> 0);
}

function unit(key: number, ctr: number): number {
  return (bits(key, ctr) >>> 8) / 16777216;
}

export function rand(out: Arr, n: number, key: number, offset: number, lo: number, hi: number): void {
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * Math.fround(unit(key, offset + i));
}

export function randn(out: Arr, n: number, key: number, offset: number, mean: number, std: number): void {
  for (let i = 0; i < n; i++) {
    const c = (offset + 2 * i) >>> 0;
    const u1 = ((bits(key, c) >>> 8) + 1) / 16777216;
    const u2 = unit(key, (c + 1) >>> 0);
    out[i] = mean + std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}

export function dropout(x: Arr, out: Arr, n: number, key: number, offset: number, p: number, scale: number): void {
  for (let i = 0; i < n; i++) out[i] = unit(key, offset + i) < p ? 0 : x[i]! * scale;
}

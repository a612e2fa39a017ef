/**
 * The data layer's seeded randomness: a counter-based generator built on the PCG hash
 * (Jarzynski & Olano, "Hash Functions for GPU Rendering", JCGT 2020). The k-th number of
 * a stream is a pure function of (seed, stream, k), so there is no generator state to
 * carry, any element can be computed on its own, and the same function is one line of
 * WGSL should the GPU ever need it. Not cryptographic; plenty for shuffles and splits.
 */
import { ValueError } from '../errors.js';

const TWO_32 = 4294967296;

/**
 * The PCG-RXS-M-XS 32-bit hash: one step of a 32-bit LCG followed by PCG's output
 * permutation. It is a bijection on u32 with good avalanche, the hash the paper above
 * recommends. `Math.imul` gives the wrapping 32-bit multiply that WGSL's `u32 *` does.
 */
export function pcgHash(v: number): number {
  const state = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/**
 * The k-th u32 of the stream `(seed, stream)`: `pcg(k + pcg(stream + pcg(seed)))`, the
 * paper's nested construction for hashing several inputs. Every argument is taken mod 2^32.
 */
export function randomU32(seed: number, stream: number, k: number): number {
  const inner = pcgHash(((stream >>> 0) + pcgHash(seed)) >>> 0);
  return pcgHash(((k >>> 0) + inner) >>> 0);
}

/** The k-th number of the stream `(seed, stream)` as a float in [0, 1): `randomU32 / 2^32`. */
export function randomUnit(seed: number, stream: number, k: number): number {
  return randomU32(seed, stream, k) / TWO_32;
}

/**
 * A uniformly random permutation of `0..n-1`, reproducible from `(seed, stream)`:
 * Fisher-Yates where step i draws `j = floor(u * (i+1))` from the stream's i-th number.
 * The multiply-floor mapping has a bias below `n / 2^32`, invisible at data-set sizes.
 */
export function permutation(n: number, seed: number, stream = 0): Uint32Array {
  checkCount('permutation', 'n', n);
  checkSeed('permutation', 'seed', seed);
  checkSeed('permutation', 'stream', stream);
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.min(i, Math.floor(randomUnit(seed, stream, i) * (i + 1)));
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  return perm;
}

/** Refuse a seed (or stream, epoch) that is not an integer in [0, 2^32). */
export function checkSeed(op: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v >= TWO_32) {
    throw new ValueError(`${op}: ${name} must be an integer in [0, 2^32), got ${v}`);
  }
}

function checkCount(op: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) {
    throw new ValueError(`${op}: ${name} must be a non-negative integer, got ${v}`);
  }
}

/**
 * Transforms of `Digits` for training: choose classes, scale to the GAN's tanh range,
 * split off a held-out set, shuffle, and cut into mini-batches. All of them are pure
 * (they return new arrays) and reproducible from explicit seeds.
 */
import { ShapeError, ValueError } from '../errors.js';
import { checkSeed, permutation, randomUnit } from './random.js';
import type { Batch, Digits } from './types.js';

/** The stream id of the split's hash, kept apart from the shuffle's streams (epochs). */
const SPLIT_STREAM = 0x5b1d_7e57;

/**
 * Keep only the samples whose label is in `digits` (the `numbers` list of the NumPy GAN
 * tutorial, e.g. `[0, 1]`), in their original order. `digits` must be a non-empty list
 * of distinct integers 0..9; a `ValueError` is thrown when it is not, or when no sample
 * remains. The result carries `index` (set from positions when `d` has none).
 */
export function filterDigits(d: Digits, digits: number[]): Digits {
  checkDigits('filterDigits', d);
  if (!Array.isArray(digits) || digits.length === 0) {
    throw new ValueError('filterDigits: digits must be a non-empty list of integers 0..9, got []');
  }
  const wanted = new Set<number>();
  for (const v of digits) {
    if (!Number.isInteger(v) || v < 0 || v > 9) {
      throw new ValueError(`filterDigits: digits must be integers 0..9, got ${v} in [${digits.join(',')}]`);
    }
    if (wanted.has(v)) throw new ValueError(`filterDigits: digit ${v} appears twice in [${digits.join(',')}]`);
    wanted.add(v);
  }
  const keep: number[] = [];
  for (let i = 0; i < d.n; i++) if (wanted.has(d.labels[i])) keep.push(i);
  if (keep.length === 0) {
    throw new ValueError(`filterDigits: no sample of the ${d.n} has a label in [${digits.join(',')}]`);
  }
  return take(d, keep);
}

/**
 * Scale pixels from [0,1] to [-1,1], `x' = 2x - 1`, the range of the generator's tanh
 * output. Throws a `ValueError` if a pixel is outside [0,1], which catches scaling twice.
 */
export function toSigned(d: Digits): Digits {
  checkDigits('toSigned', d);
  const src = d.images;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    // Written as a negated range test so that NaN is refused too.
    if (!(v >= 0 && v <= 1)) {
      throw new ValueError(`toSigned: pixel ${i} is ${v}, expected [0,1] (already scaled to [-1,1]?)`);
    }
    out[i] = 2 * v - 1;
  }
  return { ...copyMeta(d), images: out };
}

/**
 * THE train/held-out split of the project: 20% held out, chosen per sample by `split`'s
 * counter-based hash of (index, seed). The GAN and the digit classifier train on the
 * training part only; every held-out number (classifier accuracy, the Frechet distance of
 * samples against real digits, its real-vs-real floor) is measured on the rest. Change
 * it and every stored model and reported number is invalidated.
 */
export const STANDARD_SPLIT = { heldOutFraction: 0.2, seed: 2014 } as const;

/**
 * Split into a training set and a held-out set that never share a sample. Sample i goes
 * to held-out when `u(index_i, seed) < heldOutFraction`, with `u` the counter-based hash
 * of `random.ts` mapped to [0,1) and `index_i` its `Digits.index` (its position when
 * absent). Membership depends only on (original index, seed), so filtering before or
 * after splitting gives the same sets, and sizes are about `heldOutFraction * n`.
 * `heldOutFraction` must be in (0,1) and `seed` an integer in [0, 2^32).
 */
export function split(
  d: Digits,
  opts: { heldOutFraction: number; seed: number },
): { train: Digits; heldOut: Digits } {
  checkDigits('split', d);
  const { heldOutFraction: f, seed } = opts;
  if (!(f > 0 && f < 1)) throw new ValueError(`split: heldOutFraction must be in (0,1), got ${f}`);
  checkSeed('split', 'seed', seed);
  const train: number[] = [];
  const heldOut: number[] = [];
  for (let i = 0; i < d.n; i++) {
    const id = d.index ? d.index[i] : i;
    (randomUnit(seed, SPLIT_STREAM, id) < f ? heldOut : train).push(i);
  }
  return { train: take(d, train), heldOut: take(d, heldOut) };
}

/**
 * Reorder the samples by `permutation(n, seed, stream)` of `random.ts`: a Fisher-Yates
 * shuffle driven by the counter-based PCG hash, so the same (seed, stream) always gives
 * the same order. `index` travels with each sample.
 */
export function shuffle(d: Digits, opts: { seed: number; stream?: number }): Digits {
  checkDigits('shuffle', d);
  return take(d, permutation(d.n, opts.seed, opts.stream ?? 0));
}

/**
 * Yield the epoch's mini-batches: the samples in the order `permutation(n, seed, epoch)`,
 * cut into `floor(n / batchSize)` full batches; the last `n mod batchSize` samples of that
 * order are dropped (a different few each epoch). Each batch has fresh arrays. Throws a
 * `ValueError` if `batchSize` is not a positive integer no larger than `n`, or the seed
 * or epoch is not an integer in [0, 2^32).
 */
export function* batches(
  d: Digits,
  batchSize: number,
  opts: { seed: number; epoch: number },
): Generator<Batch, void, undefined> {
  checkDigits('batches', d);
  if (!Number.isInteger(batchSize) || batchSize <= 0) {
    throw new ValueError(`batches: batchSize must be a positive integer, got ${batchSize}`);
  }
  if (batchSize > d.n) throw new ValueError(`batches: batchSize ${batchSize} is larger than the ${d.n} samples`);
  checkSeed('batches', 'seed', opts.seed);
  checkSeed('batches', 'epoch', opts.epoch);
  const order = permutation(d.n, opts.seed, opts.epoch);
  const pix = d.height * d.width;
  const count = Math.floor(d.n / batchSize);
  for (let b = 0; b < count; b++) {
    const images = new Float32Array(batchSize * pix);
    const labels = new Uint8Array(batchSize);
    const index = new Uint32Array(batchSize);
    for (let k = 0; k < batchSize; k++) {
      const i = order[b * batchSize + k];
      images.set(d.images.subarray(i * pix, (i + 1) * pix), k * pix);
      labels[k] = d.labels[i];
      index[k] = d.index ? d.index[i] : i;
    }
    yield { images, labels, index };
  }
}

/** The samples at positions `rows` (in that order) as new `Digits`, `index` carried along. */
function take(d: Digits, rows: ArrayLike<number>): Digits {
  const pix = d.height * d.width;
  const n = rows.length;
  const images = new Float32Array(n * pix);
  const labels = new Uint8Array(n);
  const index = new Uint32Array(n);
  for (let k = 0; k < n; k++) {
    const i = rows[k];
    images.set(d.images.subarray(i * pix, (i + 1) * pix), k * pix);
    labels[k] = d.labels[i];
    index[k] = d.index ? d.index[i] : i;
  }
  return { images, labels, n, height: d.height, width: d.width, index };
}

function copyMeta(d: Digits): Digits {
  return {
    images: d.images,
    labels: d.labels.slice(),
    n: d.n,
    height: d.height,
    width: d.width,
    ...(d.index ? { index: d.index.slice() } : {}),
  };
}

/** Refuse `Digits` whose arrays do not agree with n, height and width. */
function checkDigits(op: string, d: Digits): void {
  const { n, height, width } = d;
  if (![n, height, width].every((v) => Number.isInteger(v) && v >= 0)) {
    throw new ShapeError(`${op}: n, height and width must be non-negative integers, got [${n},${height},${width}]`);
  }
  if (d.images.length !== n * height * width) {
    throw new ShapeError(`${op}: images has ${d.images.length} values, expected n*h*w = ${n}*${height}*${width}`);
  }
  if (d.labels.length !== n) throw new ShapeError(`${op}: labels has ${d.labels.length} values, expected n = ${n}`);
  if (d.index && d.index.length !== n) {
    throw new ShapeError(`${op}: index has ${d.index.length} values, expected n = ${n}`);
  }
}

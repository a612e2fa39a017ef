/**
 * THE train/held-out split of the project. The GAN and the digit classifier train on
 * `train` only; every held-out number (classifier accuracy, the Fréchet distance of
 * samples against real digits, its real-vs-real floor) is measured on `heldOut`.
 * Change these constants and every stored model and reported number is invalidated.
 */
import { split } from './dataset.js';
import { mnist } from './mnist.js';
import type { Digits } from './types.js';

/** 20% held out, chosen per sample by `split`'s counter-based hash of (index, seed). */
export const STANDARD_SPLIT = { heldOutFraction: 0.2, seed: 2014 } as const;

/**
 * `split(mnist(), STANDARD_SPLIT)`: the 10,000 digits of the `mnist` package cut into
 * about 8,000 training and 2,000 held-out digits that never share a sample. Pixels stay
 * in [0,1]. Each call returns fresh arrays.
 */
export function mnistSplit(): { train: Digits; heldOut: Digits } {
  return split(mnist(), STANDARD_SPLIT);
}

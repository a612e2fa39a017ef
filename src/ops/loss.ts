/** Losses built from primitives. */
import { ShapeError, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { binary } from './binary.js';
import { mean } from './reduce.js';
import { backendOf, sameShape } from './util.js';

/**
 * Mean binary cross-entropy of logits x against targets y in [0, 1], computed stably as
 * mean(max(x,0) - x*y + log(1 + exp(-|x|))); its gradient is (sigmoid(x) - y) / n.
 */
export function bceWithLogits(logits: Tensor, target: Tensor): Tensor {
  backendOf('bceWithLogits', logits, target);
  if (!sameShape(logits.shape, target.shape)) {
    throw new ShapeError(`bceWithLogits: target size ${fmtShape(target.shape)} must be the same as input size ${fmtShape(logits.shape)}`);
  }
  const per = binary('bceLogits', logits, target);
  const m = mean(per);
  per.dispose();
  return m;
}

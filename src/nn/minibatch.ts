/**
 * Minibatch standard deviation (Karras et al. 2018, section 3): appends to each sample one
 * feature, the same for the whole batch, the mean over features of the batch's standard
 * deviation. A discriminator then sees how alike a batch's samples are, so a generator that
 * draws one image for every noise vector is told apart from real data at once.
 */
import { ShapeError, fmtShape } from '../errors.js';
import { add, mul } from '../ops/binary.js';
import { full } from '../ops/create.js';
import { mean } from '../ops/reduce.js';
import { concat, reshape } from '../ops/shape.js';
import { sqrt, square } from '../ops/unary.js';
import { sub } from '../ops/binary.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/**
 * [B, F] -> [B, F + 1], or [B, C, H, W] -> [B, C + 1, H, W]: the extra column (channel) holds,
 * everywhere, mean_f sqrt(var_b(x[b, f]) + eps) over every feature f (population variance).
 */
export class MinibatchStd extends Module {
  constructor(readonly eps = 1e-8) {
    super();
  }

  forward(x: Tensor): Tensor {
    if (x.rank !== 2 && x.rank !== 4) throw new ShapeError(`MinibatchStd: expected input [batch, features] or [batch, C, H, W], got ${fmtShape(x.shape)}`);
    const centred = sub(x, mean(x, 0, true));
    const std = sqrt(add(mean(square(centred), 0, true), this.eps));
    const extra = [x.shape[0]!, 1, ...x.shape.slice(2)];
    const s = reshape(mean(std), extra.map(() => 1));
    return concat([x, mul(full(extra, 1), s)], 1);
  }
}

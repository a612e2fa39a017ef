/**
 * Weight initialisation from the seeded generator (torch.nn.init). fanIn/fanOut of a
 * Linear weight [out, in] are in and out.
 */
import { ValueError } from '../errors.js';
import { rand, randn, truncatedNormal, type Generator } from '../ops/random.js';
import { zeros } from '../ops/create.js';
import type { Tensor } from '../tensor.js';

export type InitScheme = 'xavier' | 'he' | 'pytorch' | 'normal' | 'truncated';

export interface InitOptions {
  generator?: Generator;
  /** Negative slope of the leaky ReLU that follows (He init's gain). */
  alpha?: number;
  /** std of the 'normal' and 'truncated' schemes (DCGAN uses 0.02). */
  std?: number;
}

/**
 * A [out, in] weight: 'xavier' U(-a, a) with a = sqrt(6 / (in + out)) (Glorot & Bengio 2010);
 * 'he' N(0, 2 / ((1 + alpha^2) in)) (He et al. 2015); 'pytorch' U(-1/sqrt(in), 1/sqrt(in))
 * (nn.Linear's default); 'normal' N(0, std^2); 'truncated' N(0, std^2) cut at 2 std
 * (TensorFlow's TruncatedNormal).
 */
export function initWeight(shape: [number, number], scheme: InitScheme, opts: InitOptions = {}): Tensor {
  const [fanOut, fanIn] = shape;
  const g = opts.generator ? { generator: opts.generator } : {};
  switch (scheme) {
    case 'xavier': {
      const a = Math.sqrt(6 / (fanIn + fanOut));
      return rand(shape, { low: -a, high: a, ...g });
    }
    case 'he': {
      const alpha = opts.alpha ?? 0;
      return randn(shape, { std: Math.sqrt(2 / ((1 + alpha * alpha) * fanIn)), ...g });
    }
    case 'pytorch': {
      const a = 1 / Math.sqrt(fanIn);
      return rand(shape, { low: -a, high: a, ...g });
    }
    case 'normal':
      return randn(shape, { std: opts.std ?? 0.02, ...g });
    case 'truncated':
      return truncatedNormal(shape, { std: opts.std ?? 0.02, ...g });
    default:
      throw new ValueError(`init: unknown scheme ${JSON.stringify(scheme)}; use xavier, he, pytorch, normal or truncated`);
  }
}

/** A bias: zeros, except PyTorch's default U(-1/sqrt(in), 1/sqrt(in)). */
export function initBias(n: number, fanIn: number, scheme: InitScheme, opts: InitOptions = {}): Tensor {
  if (scheme !== 'pytorch') return zeros([n]);
  const a = 1 / Math.sqrt(fanIn);
  return rand([n], { low: -a, high: a, ...(opts.generator ? { generator: opts.generator } : {}) });
}

/** Layers: Linear, the activations, Dropout, Flatten, Reshape and Sequential (which fuses Linear + activation). */
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { matmul, type Activation } from '../ops/matmul.js';
import { dropout, type Generator } from '../ops/random.js';
import { flatten, reshape } from '../ops/shape.js';
import { unary } from '../ops/unary.js';
import type { Tensor } from '../tensor.js';
import { initBias, initWeight, type InitScheme } from './init.js';
import { Module, parameter } from './module.js';

export interface LinearOptions {
  bias?: boolean;
  init?: InitScheme;
  generator?: Generator;
  /** Slope of the leaky ReLU that follows, for He init. */
  alpha?: number;
  /** std of the 'normal' and 'truncated' schemes. */
  std?: number;
}

/**
 * A layer whose op can apply an activation in its own write (matmul, conv): Sequential
 * fuses it with an activation module that follows.
 */
export abstract class FusingLayer extends Module {
  abstract override forward(x: Tensor, activation?: Activation, alpha?: number): Tensor;
}

/** y = x W^T + b with W of shape [out, in] (torch.nn.Linear). */
export class Linear extends FusingLayer {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, opts: LinearOptions = {}) {
    super();
    for (const [n, v] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new ValueError(`Linear: ${n} must be a positive integer, got ${v}`);
    }
    const scheme = opts.init ?? 'pytorch';
    const io = { generator: opts.generator, alpha: opts.alpha, std: opts.std };
    this.weight = parameter(initWeight([outFeatures, inFeatures], scheme, io));
    this.bias = opts.bias === false ? null : parameter(initBias(outFeatures, inFeatures, scheme, io));
  }

  /** Applies the layer, optionally with an activation fused into the matmul's epilogue. */
  forward(x: Tensor, activation: Activation = 'none', alpha = 0): Tensor {
    if (x.rank !== 2 || x.shape[1] !== this.inFeatures) {
      throw new ShapeError(`Linear(${this.inFeatures}, ${this.outFeatures}): expected input [batch, ${this.inFeatures}], got ${fmtShape(x.shape)}`);
    }
    return matmul(x, this.weight, { transB: true, bias: this.bias, activation, alpha });
  }
}

/** An activation module that a preceding Linear can fuse into its epilogue. */
export abstract class ActivationModule extends Module {
  abstract readonly epilogue: Exclude<Activation, 'none'>;
  readonly alpha: number = 0;

  /** The activation as its own elementwise op (the unary row of the same name). */
  forward(x: Tensor): Tensor {
    return unary(this.epilogue, x, this.alpha);
  }
}

export class ReLU extends ActivationModule {
  readonly epilogue = 'relu' as const;
}

export class LeakyReLU extends ActivationModule {
  readonly epilogue = 'leakyRelu' as const;
  override readonly alpha: number;
  constructor(alpha = 0.01) {
    super();
    if (!(alpha >= 0 && alpha < 1)) throw new ValueError(`LeakyReLU: alpha must be in [0, 1), got ${alpha}`);
    this.alpha = alpha;
  }
}

export class Tanh extends ActivationModule {
  readonly epilogue = 'tanh' as const;
}

export class Sigmoid extends ActivationModule {
  readonly epilogue = 'sigmoid' as const;
}

/** Inverted dropout while training, identity in eval mode (torch.nn.Dropout). */
export class Dropout extends Module {
  constructor(readonly p = 0.5, readonly generator?: Generator) {
    super();
    if (!(p >= 0 && p < 1)) throw new ValueError(`Dropout: p must be in [0, 1), got ${p}`);
  }
  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    return dropout(x, this.p, this.generator ? { generator: this.generator } : {});
  }
}

/** Flattens every dim from `startDim` on into one: [B, C, H, W] -> [B, C*H*W] (torch.nn.Flatten). */
export class Flatten extends Module {
  constructor(readonly startDim = 1) {
    super();
    if (!Number.isInteger(startDim) || startDim < 0) throw new ValueError(`Flatten: startDim must be an integer >= 0, got ${startDim}`);
  }
  forward(x: Tensor): Tensor {
    return flatten(x, this.startDim);
  }
}

/**
 * Reshapes each sample, keeping the batch dim: `new Reshape(1, 28, 28)` maps [B, 784] to
 * [B, 1, 28, 28] (Keras' Reshape; a view, no copy).
 */
export class Reshape extends Module {
  readonly shape: readonly number[];
  constructor(...shape: number[]) {
    super();
    if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d <= 0)) throw new ValueError(`Reshape: the per-sample shape must be positive integers, got [${shape.join(', ')}]`);
    this.shape = shape;
  }
  forward(x: Tensor): Tensor {
    const per = this.shape.reduce((a, b) => a * b, 1);
    if (x.rank < 1 || x.size !== x.shape[0]! * per) throw new ShapeError(`Reshape: cannot reshape ${fmtShape(x.shape)} to [batch, ${this.shape.join(', ')}]`);
    return reshape(x, [x.shape[0]!, ...this.shape]);
  }
}

/** Modules applied in order; a Linear or conv followed by an activation runs as one fused op. */
export class Sequential extends Module {
  readonly layers: Module[];

  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
  }

  override namedChildren(): [string, Module][] {
    return this.layers.map((m, i) => [String(i), m]);
  }

  forward(x: Tensor): Tensor {
    let h = x;
    for (let i = 0; i < this.layers.length; i++) {
      const layer = this.layers[i]!;
      const next = this.layers[i + 1];
      let out: Tensor;
      if (layer instanceof FusingLayer && next instanceof ActivationModule) {
        out = layer.forward(h, next.epilogue, next.alpha);
        i++;
      } else {
        out = layer.forward(h);
      }
      h = out;
    }
    return h;
  }
}

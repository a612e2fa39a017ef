/**
 * Module, in PyTorch's shape: parameters, buffers and submodules are discovered from the
 * instance's own fields (in declaration order), so `namedParameters()` gives PyTorch's
 * names (`0.weight`, `net.2.bias`) and checkpoints line up with a PyTorch state_dict.
 * A parameter is trained by optimizers; a buffer (batchnorm's running statistics) is
 * saved and loaded with the weights but never trained (PyTorch's register_buffer).
 */
import { Tensor } from '../tensor.js';

const PARAMETERS = new WeakSet<Tensor>();
const BUFFERS = new WeakSet<Tensor>();

export abstract class Module {
  training = true;

  abstract forward(x: Tensor): Tensor;

  /** Submodules by field name (Sequential overrides this with '0', '1', ...). */
  namedChildren(): [string, Module][] {
    return Object.entries(this).filter((e): e is [string, Module] => e[1] instanceof Module);
  }

  /** Tensors of `set` in this module's fields and its children's, by dotted path, in a stable order. */
  private named(set: WeakSet<Tensor>, prefix: string): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, v] of Object.entries(this)) if (v instanceof Tensor && set.has(v)) out.push([prefix + n, v]);
    for (const [name, child] of this.namedChildren()) out.push(...child.named(set, `${prefix}${name}.`));
    return out;
  }

  /** Every buffer with its dotted path (`1.running_mean`). */
  namedBuffers(prefix = ''): [string, Tensor][] {
    return this.named(BUFFERS, prefix);
  }

  buffers(): Tensor[] {
    return this.namedBuffers().map(([, b]) => b);
  }

  /** Every parameter with its dotted path (`0.weight`). */
  namedParameters(prefix = ''): [string, Tensor][] {
    return this.named(PARAMETERS, prefix);
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Zeroes every parameter's gradient (the optimizer's zeroGrad does it in one clear). */
  zeroGrad(): void {
    for (const p of this.parameters()) {
      if (!p.grad) continue;
      if (p.grad.storage.pooled) {
        p.grad.dispose();
        p.grad = null;
      } else {
        p.backend.zero(p.grad.storage, p.size);
        p.gradIsZero = true;
      }
    }
  }

  /** Turns gradient recording for every parameter on or off (PyTorch's requires_grad_). */
  requiresGrad(on: boolean): this {
    for (const p of this.parameters()) p.requiresGrad = on;
    return this;
  }

  train(on = true): this {
    this.training = on;
    for (const [, c] of this.namedChildren()) c.train(on);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Number of scalar parameters. */
  numParameters(): number {
    return this.parameters().reduce((a, p) => a + p.size, 0);
  }
}

/** Makes `t` a parameter: a kept leaf that requires grad, found by `parameters()`. */
export function parameter(t: Tensor): Tensor {
  t.requiresGrad = true;
  PARAMETERS.add(t);
  return t.keep();
}

/**
 * Makes `t` a module buffer: kept, never requiring grad, saved in state dicts and
 * checkpoints but invisible to `parameters()` and so to optimizers. Update it in place
 * with `assign()`.
 */
export function buffer(t: Tensor): Tensor {
  t.requiresGrad = false;
  BUFFERS.add(t);
  return t.keep();
}

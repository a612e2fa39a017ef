/** The optimizers: Adam and SGD, each one fused dispatch over its parameter arena. */
import { ValueError } from '../errors.js';
import { adamUpdate, sgdUpdate } from '../ops/optim.js';
import type { Tensor } from '../tensor.js';
import { ParamArena } from './arena.js';

function check(op: string, name: string, v: number, ok: (v: number) => boolean, range: string): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw new ValueError(`${op}: ${name} must be ${range}, got ${v}`);
}

export abstract class Optimizer {
  readonly arena: ParamArena;
  /** Steps taken. */
  t = 0;
  /**
   * Whether `step()` submits the GPU work encoded so far (true: PyTorch's loop of forward,
   * backward, step then sees its work start at each step). A caller that ends a larger unit
   * of work itself, as the GAN trainer ends an iteration of a D step and a G step, sets it
   * false and calls `flush()` once.
   */
  autoSubmit = true;
  private _lr: number;

  protected constructor(params: Tensor[], lr: number, slots: number, readonly name: string) {
    check(name, 'lr', lr, (v) => v >= 0, 'a finite number >= 0');
    this.arena = new ParamArena([...params], slots, name);
    this._lr = lr;
  }

  get lr(): number {
    return this._lr;
  }

  set lr(v: number) {
    check(this.name, 'lr', v, (x) => x >= 0, 'a finite number >= 0');
    this._lr = v;
  }

  get params(): Tensor[] {
    return this.arena.params;
  }

  /** Zeroes every gradient: one clearBuffer on WebGPU. */
  zeroGrad(): void {
    this.arena.zeroGrad();
  }

  /** Applies one update to every parameter, then (with `autoSubmit`) submits the step's GPU work. */
  step(): void {
    this.t++;
    this.update();
    if (this.autoSubmit) this.arena.backend.flush();
  }

  protected abstract update(): void;
}

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

/** Adam (Kingma & Ba 2015) with PyTorch's defaults and L2 weight decay. */
export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;

  constructor(params: Tensor[], opts: AdamOptions = {}) {
    const { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0 } = opts;
    if (!Array.isArray(betas) || betas.length !== 2) throw new ValueError(`Adam: betas must be a pair [beta1, beta2], got ${JSON.stringify(betas)}`);
    check('Adam', 'beta1', betas[0], (v) => v >= 0 && v < 1, 'in [0, 1)');
    check('Adam', 'beta2', betas[1], (v) => v >= 0 && v < 1, 'in [0, 1)');
    check('Adam', 'eps', eps, (v) => v >= 0, 'a finite number >= 0');
    check('Adam', 'weightDecay', weightDecay, (v) => v >= 0, 'a finite number >= 0');
    super(params, lr, 2, 'Adam');
    [this.beta1, this.beta2] = betas;
    this.eps = eps;
    this.weightDecay = weightDecay;
  }

  protected update(): void {
    const a = this.arena;
    const args = {
      lr: this.lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps, wd: this.weightDecay,
      bc1: 1 - this.beta1 ** this.t, bc2: 1 - this.beta2 ** this.t,
    };
    adamUpdate(a.weights, a.grads, a.slots[0]!, a.slots[1]!, args);
  }
}

export interface SgdOptions {
  lr?: number;
  momentum?: number;
  weightDecay?: number;
}

/** SGD with PyTorch's momentum (buf = mu buf + g; p -= lr buf) and L2 weight decay. */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly weightDecay: number;

  constructor(params: Tensor[], opts: SgdOptions = {}) {
    const { lr = 0.01, momentum = 0, weightDecay = 0 } = opts;
    check('SGD', 'momentum', momentum, (v) => v >= 0 && v < 1, 'in [0, 1)');
    check('SGD', 'weightDecay', weightDecay, (v) => v >= 0, 'a finite number >= 0');
    super(params, lr, momentum > 0 ? 1 : 0, 'SGD');
    this.momentum = momentum;
    this.weightDecay = weightDecay;
  }

  protected update(): void {
    const a = this.arena;
    const args = { lr: this.lr, momentum: this.momentum, wd: this.weightDecay };
    sgdUpdate(a.weights, a.grads, this.momentum > 0 ? a.slots[0]! : null, { ...args, first: this.t === 1 });
  }
}

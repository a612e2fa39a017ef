/**
 * Tensor: a shape, a reference-counted storage on one backend, and autograd state.
 * Reshape views and `detach()` share storage; `dispose()` returns it to the pool when the
 * last user lets go. The chainable math methods (`x.matmul(w).add(b).relu()`) are thin
 * aliases of the op functions in src/ops.
 *
 * This file and src/ops import each other: ops construct Tensors, and the methods here
 * call ops. Neither side touches the other at module-evaluation time (only inside
 * functions), so ES modules resolve the cycle in any import order, and the methods exist
 * for code that imports nothing but this file.
 */
import type { Backend, Storage } from './backend.js';
import { StateError, fmtShape } from './errors.js';
import { track, untrack } from './scope.js';
import type { OpName } from './autograd/tape.js';
import { backward } from './autograd/backward.js';
import { add, div, maximum, mul, sub } from './ops/binary.js';
import { matmul, type MatmulOptions } from './ops/matmul.js';
import { mean, sum } from './ops/reduce.js';
import { flatten, reshape } from './ops/shape.js';
import { abs, exp, leakyRelu, log, neg, relu, sigmoid, sqrt, square, tanh } from './ops/unary.js';

/** One recorded op: the inputs it read and how to turn its output gradient into theirs. */
export interface GradNode {
  op: OpName;
  inputs: Tensor[];
  backward: (grad: Tensor) => (Tensor | null)[];
}

let nextId = 1;

export class Tensor {
  readonly id = nextId++;
  readonly shape: readonly number[];
  readonly size: number;
  readonly backend: Backend;
  private _storage: Storage | null;
  requiresGrad = false;
  /** Accumulated gradient of a leaf after `backward()`; a view into the arena for parameters. */
  grad: Tensor | null = null;
  /** The op that produced this tensor, while the graph is alive. */
  node: GradNode | null = null;
  /** True once an op recorded this tensor: it is not a leaf, even after backward frees its node. */
  computed = false;
  /** Kept tensors survive `scope()` (parameters, gradients, optimizer state). */
  kept = false;
  /** True while the arena gradient of this parameter holds zeros: backward copies instead of adding. */
  gradIsZero = false;

  constructor(shape: readonly number[], storage: Storage, backend: Backend) {
    this.shape = Object.freeze([...shape]);
    this.size = shape.reduce((a, b) => a * b, 1);
    this._storage = storage;
    this.backend = backend;
    track(this);
  }

  get storage(): Storage {
    if (!this._storage) throw new StateError(`tensor ${fmtShape(this.shape)} (#${this.id}) was used after dispose()`);
    return this._storage;
  }

  get disposed(): boolean {
    return this._storage === null;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Points this tensor at new storage (the optimizer arena moves parameters this way). */
  rebind(storage: Storage): void {
    const old = this.storage;
    if (--old.refs === 0) this.backend.release(old);
    this._storage = storage;
  }

  /** Returns the storage to the pool once no view uses it; later use throws StateError. */
  dispose(): void {
    const s = this._storage;
    if (!s) return;
    this._storage = null;
    if (--s.refs === 0) this.backend.release(s);
  }

  /** A tensor with this one's storage and a new shape of the same size (no copy). */
  viewAs(shape: readonly number[]): Tensor {
    const s = this.storage;
    s.refs++;
    return new Tensor(shape, s, this.backend);
  }

  /** The same values, cut from the graph: no gradient flows through the result. */
  detach(): Tensor {
    return this.viewAs(this.shape);
  }

  /** Marks this tensor as a leaf that collects a gradient in `.grad` (PyTorch's requires_grad_). */
  requireGrad(on = true): this {
    this.requiresGrad = on;
    return this;
  }

  /** Excludes this tensor from every open scope. */
  keep(): this {
    this.kept = true;
    untrack(this);
    return this;
  }

  /** Copies the values to the CPU; on WebGPU this submits pending work and waits for it. */
  async data(): Promise<Float32Array> {
    return this.backend.read(this.storage, this.size);
  }

  /** The single value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new StateError(`item: tensor has ${this.size} elements ${fmtShape(this.shape)}, expected 1`);
    return (await this.data())[0]!;
  }

  add(b: Tensor | number): Tensor { return add(this, b); }
  sub(b: Tensor | number): Tensor { return sub(this, b); }
  mul(b: Tensor | number): Tensor { return mul(this, b); }
  div(b: Tensor | number): Tensor { return div(this, b); }
  maximum(b: Tensor | number): Tensor { return maximum(this, b); }
  matmul(b: Tensor, opts?: MatmulOptions): Tensor { return matmul(this, b, opts); }
  sum(axes?: number | readonly number[], keepDims?: boolean): Tensor { return sum(this, axes, keepDims); }
  mean(axes?: number | readonly number[], keepDims?: boolean): Tensor { return mean(this, axes, keepDims); }
  reshape(shape: readonly number[]): Tensor { return reshape(this, shape); }
  flatten(startDim?: number): Tensor { return flatten(this, startDim); }
  neg(): Tensor { return neg(this); }
  exp(): Tensor { return exp(this); }
  log(): Tensor { return log(this); }
  sqrt(): Tensor { return sqrt(this); }
  abs(): Tensor { return abs(this); }
  square(): Tensor { return square(this); }
  relu(): Tensor { return relu(this); }
  leakyRelu(alpha?: number): Tensor { return leakyRelu(this, alpha); }
  tanh(): Tensor { return tanh(this); }
  sigmoid(): Tensor { return sigmoid(this); }

  /** Backpropagates from this tensor (a scalar, or pass `grad`) into every leaf's `.grad`. */
  backward(grad?: Tensor): void {
    backward(this, grad);
  }

  toString(): string {
    return `Tensor(${fmtShape(this.shape)}, ${this.backend.kind}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }
}

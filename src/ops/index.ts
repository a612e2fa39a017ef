/**
 * The op set, and the chainable Tensor methods (`x.matmul(w).add(b).relu()`), which are
 * thin aliases of the functions here.
 */
import { Tensor } from '../tensor.js';
import { backward } from '../autograd/backward.js';
import { add, div, maximum, mul, sub } from './binary.js';
import { matmul, type MatmulOptions } from './matmul.js';
import { mean, sum } from './reduce.js';
import { flatten, reshape } from './shape.js';
import { abs, exp, leakyRelu, log, neg, relu, sigmoid, sqrt, square, tanh } from './unary.js';
import type { Shape } from './util.js';

export { add, sub, mul, div, maximum, broadcastShapes } from './binary.js';
export { matmul, type MatmulOptions, type Activation } from './matmul.js';
export { sum, mean } from './reduce.js';
export { reshape, flatten, concat, slice } from './shape.js';
export { neg, exp, log, sqrt, relu, leakyRelu, tanh, sigmoid, abs, square, UNARY, type UnaryName } from './unary.js';
export { tensor, zeros, ones, full } from './create.js';
export { rand, randn, dropout, manualSeed, Generator, defaultGenerator } from './random.js';
export { bceWithLogits } from './loss.js';

declare module '../tensor.js' {
  interface Tensor {
    add(b: Tensor | number): Tensor;
    sub(b: Tensor | number): Tensor;
    mul(b: Tensor | number): Tensor;
    div(b: Tensor | number): Tensor;
    maximum(b: Tensor | number): Tensor;
    matmul(b: Tensor, opts?: MatmulOptions): Tensor;
    sum(axes?: number | readonly number[], keepDims?: boolean): Tensor;
    mean(axes?: number | readonly number[], keepDims?: boolean): Tensor;
    reshape(shape: Shape): Tensor;
    flatten(startDim?: number): Tensor;
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    abs(): Tensor;
    square(): Tensor;
    relu(): Tensor;
    leakyRelu(alpha?: number): Tensor;
    tanh(): Tensor;
    sigmoid(): Tensor;
    /** Backpropagates from this tensor (a scalar, or pass `grad`) into every leaf's `.grad`. */
    backward(grad?: Tensor): void;
  }
}

const methods: Partial<Record<keyof Tensor, (this: Tensor, ...args: never[]) => unknown>> = {
  add(this: Tensor, b: Tensor | number) { return add(this, b); },
  sub(this: Tensor, b: Tensor | number) { return sub(this, b); },
  mul(this: Tensor, b: Tensor | number) { return mul(this, b); },
  div(this: Tensor, b: Tensor | number) { return div(this, b); },
  maximum(this: Tensor, b: Tensor | number) { return maximum(this, b); },
  matmul(this: Tensor, b: Tensor, opts?: MatmulOptions) { return matmul(this, b, opts); },
  sum(this: Tensor, axes?: number | readonly number[], keepDims?: boolean) { return sum(this, axes, keepDims); },
  mean(this: Tensor, axes?: number | readonly number[], keepDims?: boolean) { return mean(this, axes, keepDims); },
  reshape(this: Tensor, shape: Shape) { return reshape(this, shape); },
  flatten(this: Tensor, startDim?: number) { return flatten(this, startDim); },
  neg(this: Tensor) { return neg(this); },
  exp(this: Tensor) { return exp(this); },
  log(this: Tensor) { return log(this); },
  sqrt(this: Tensor) { return sqrt(this); },
  abs(this: Tensor) { return abs(this); },
  square(this: Tensor) { return square(this); },
  relu(this: Tensor) { return relu(this); },
  leakyRelu(this: Tensor, alpha?: number) { return leakyRelu(this, alpha); },
  tanh(this: Tensor) { return tanh(this); },
  sigmoid(this: Tensor) { return sigmoid(this); },
  backward(this: Tensor, grad?: Tensor) { backward(this, grad); },
};
Object.assign(Tensor.prototype, methods);

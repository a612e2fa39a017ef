/**
 * Elementwise unary ops as rows of one table: the WGSL case (OP code in unary.wgsl), the
 * CPU reference and the derivative. A new activation is one row here and one case there.
 */
import { sigmoid as sigmoidRef } from '../cpu/activations.js';
import * as cpu from '../cpu/elementwise.js';
import { ValueError } from '../errors.js';
import { grid } from '../gpu/runtime.js';
import { kernel } from '../gpu/kernel.js';
import { record } from '../autograd/tape.js';
import type { Tensor } from '../tensor.js';
import { arr, backendOf, empty, gs, isGpu } from './util.js';

export type UnaryName =
  | 'neg' | 'exp' | 'log' | 'sqrt' | 'relu' | 'leakyRelu' | 'tanh' | 'sigmoid'
  | 'addScalar' | 'mulScalar' | 'maxScalar' | 'abs' | 'square';

interface UnaryRow {
  code: number;
  f: (x: number, a: number) => number;
  /** Which of x (input) and y (output) the derivative reads. */
  uses: 'x' | 'y' | 'none';
  df: (x: number, y: number, a: number) => number;
}

export const UNARY: { [K in UnaryName]: UnaryRow } = {
  neg: { code: 0, f: (x) => -x, uses: 'none', df: () => -1 },
  exp: { code: 1, f: (x) => Math.exp(x), uses: 'y', df: (_x, y) => y },
  log: { code: 2, f: (x) => Math.log(x), uses: 'x', df: (x) => 1 / x },
  sqrt: { code: 3, f: (x) => Math.sqrt(x), uses: 'y', df: (_x, y) => 0.5 / y },
  relu: { code: 4, f: (x) => (x > 0 ? x : 0), uses: 'y', df: (_x, y) => (y > 0 ? 1 : 0) },
  leakyRelu: { code: 5, f: (x, a) => (x > 0 ? x : a * x), uses: 'y', df: (_x, y, a) => (y > 0 ? 1 : a) },
  tanh: { code: 6, f: (x) => Math.tanh(x), uses: 'y', df: (_x, y) => 1 - y * y },
  sigmoid: { code: 7, f: (x) => sigmoidRef(x), uses: 'y', df: (_x, y) => y * (1 - y) },
  addScalar: { code: 8, f: (x, a) => x + a, uses: 'none', df: () => 1 },
  mulScalar: { code: 9, f: (x, a) => x * a, uses: 'none', df: (_x, _y, a) => a },
  maxScalar: { code: 10, f: (x, a) => Math.max(x, a), uses: 'x', df: (x, _y, a) => (x >= a ? 1 : 0) },
  abs: { code: 11, f: (x) => Math.abs(x), uses: 'x', df: (x) => Math.sign(x) },
  square: { code: 12, f: (x) => x * x, uses: 'x', df: (x) => 2 * x },
};

const forwardK = kernel({ shader: 'unary', entry: 'forward' });
const gradK = kernel({ shader: 'unary', entry: 'grad' });

/** Applies the unary op `name` to `x` (with scalar `a` where the row uses one). */
export function unary(name: UnaryName, x: Tensor, a = 0): Tensor {
  const b = backendOf(name, x);
  if (!Number.isFinite(a)) throw new ValueError(`${name}: scalar must be finite, got ${a}`);
  const row = UNARY[name];
  const out = empty(x.shape, b);
  if (isGpu(b)) {
    b.dispatch(forwardK, {
      bindings: { x: gs(x), y: null, g: null, out: gs(out) },
      params: { n: x.size, alpha: a },
      constants: { OP: row.code },
      workgroups: grid(Math.ceil(x.size / 256)),
    });
  } else {
    cpu.unary((v) => row.f(v, a), arr(x), arr(out), x.size);
  }
  return record(out, name, [x], (g) => [unaryGrad(name, row.uses === 'x' ? x : null, row.uses === 'y' ? out : null, g, a)]);
}

/** g * f'(x) for the row `name`, reading x or y = f(x) as the row says. Not differentiable. */
export function unaryGrad(name: UnaryName, x: Tensor | null, y: Tensor | null, g: Tensor, a = 0): Tensor {
  const b = backendOf(`${name} backward`, g, ...(x ? [x] : []), ...(y ? [y] : []));
  const row = UNARY[name];
  const out = empty(g.shape, b);
  if (isGpu(b)) {
    b.dispatch(gradK, {
      bindings: { x: x && gs(x), y: y && gs(y), g: gs(g), out: gs(out) },
      params: { n: g.size, alpha: a },
      constants: { OP: row.code },
      workgroups: grid(Math.ceil(g.size / 256)),
    });
  } else {
    cpu.unaryGrad((xv, yv) => row.df(xv, yv, a), x && arr(x), y && arr(y), arr(g), arr(out), g.size);
  }
  return out;
}

export const neg = (x: Tensor): Tensor => unary('neg', x);
export const exp = (x: Tensor): Tensor => unary('exp', x);
export const log = (x: Tensor): Tensor => unary('log', x);
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
export const relu = (x: Tensor): Tensor => unary('relu', x);
export const tanh = (x: Tensor): Tensor => unary('tanh', x);
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
export const abs = (x: Tensor): Tensor => unary('abs', x);
export const square = (x: Tensor): Tensor => unary('square', x);

/** max(x, 0) + alpha * min(x, 0); alpha in [0, 1) so the gradient can be read from the output. */
export function leakyRelu(x: Tensor, alpha = 0.01): Tensor {
  if (!(alpha >= 0 && alpha < 1)) throw new ValueError(`leakyRelu: alpha must be in [0, 1), got ${alpha}`);
  return unary('leakyRelu', x, alpha);
}

/**
 * Elementwise unary ops as rows of one table: the CPU reference and the derivative; a
 * row's position is its OP code, the arm of the switches in unary.wgsl and in the wasm
 * kernel src/wasm/assembly/unary.ts. A new op is one row here and one arm (named after
 * the row) in each switch there. The activation rows come from the activation list that
 * matmul's epilogue uses too.
 */
import { ACTIVATION_FNS, type Activation } from '../cpu/activations.js';
import * as cpu from '../cpu/elementwise.js';
import { ValueError } from '../errors.js';
import { kernel, opCodes } from '../gpu/kernel.js';
import { record } from '../autograd/tape.js';
import type { Tensor } from '../tensor.js';
import { arr, backendOf, empty, gs, isGpu, isWasm, ws } from './util.js';

type ActivationName = Exclude<Activation, 'none'>;

export type UnaryName =
  | 'neg' | 'exp' | 'log' | 'sqrt' | ActivationName
  | 'addScalar' | 'mulScalar' | 'maxScalar' | 'abs' | 'square';

interface UnaryRow {
  f: (x: number, a: number) => number;
  /** Which of x (input) and y (output) the derivative reads. */
  uses: 'x' | 'y' | 'none';
  df: (x: number, y: number, a: number) => number;
}

/** An activation's row: its derivative reads the output, as matmul's backward does. */
function activation(name: ActivationName): UnaryRow {
  const { f, dy } = ACTIVATION_FNS[name];
  return { f, uses: 'y', df: (_x, y, a) => dy(y, a) };
}

/** The rows in OP-code order (see opCodes). */
export const UNARY: { [K in UnaryName]: UnaryRow } = {
  neg: { f: (x) => -x, uses: 'none', df: () => -1 },
  exp: { f: (x) => Math.exp(x), uses: 'y', df: (_x, y) => y },
  log: { f: (x) => Math.log(x), uses: 'x', df: (x) => 1 / x },
  sqrt: { f: (x) => Math.sqrt(x), uses: 'y', df: (_x, y) => 0.5 / y },
  relu: activation('relu'),
  leakyRelu: activation('leakyRelu'),
  tanh: activation('tanh'),
  sigmoid: activation('sigmoid'),
  addScalar: { f: (x, a) => x + a, uses: 'none', df: () => 1 },
  mulScalar: { f: (x, a) => x * a, uses: 'none', df: (_x, _y, a) => a },
  maxScalar: { f: (x, a) => Math.max(x, a), uses: 'x', df: (x, _y, a) => (x >= a ? 1 : 0) },
  abs: { f: (x) => Math.abs(x), uses: 'x', df: (x) => Math.sign(x) },
  square: { f: (x) => x * x, uses: 'x', df: (x) => 2 * x },
};

export const UNARY_CODE = opCodes(UNARY);

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
      bindings: { a: gs(x), b: null, g: null, out: gs(out) },
      params: { n: x.size, alpha: a },
      constants: { OP: UNARY_CODE[name] },
      threads: x.size,
    });
  } else if (isWasm(b)) {
    b.k.unary(UNARY_CODE[name], x.size, ws(x).ptr, ws(out).ptr, a);
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
      bindings: { a: x && gs(x), b: y && gs(y), g: gs(g), out: gs(out) },
      params: { n: g.size, alpha: a },
      constants: { OP: UNARY_CODE[name] },
      threads: g.size,
    });
  } else if (isWasm(b)) {
    b.k.unaryGrad(UNARY_CODE[name], g.size, x ? ws(x).ptr : 0, y ? ws(y).ptr : 0, ws(g).ptr, ws(out).ptr, a);
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

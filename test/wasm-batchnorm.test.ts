/**
 * The wasm backend's batchnorm kernels against the CPU reference in float32: they compute
 * in float64 in the reference's order, so the output and the gradients of x, gamma and
 * beta must equal it bit for bit, in training and eval, with H W odd (the f64x2 loop's
 * tail) and 1 (an MLP's [N, C, 1, 1]).
 */
import { describe, expect, it } from 'vitest';
import { backward, batchNorm2d, mul, sum, tensor, type Tensor } from '../src/index.js';
import { CpuBackend } from '../src/cpu/backend.js';
import { withBackend } from '../src/context.js';
import type { Backend } from '../src/backend.js';
import { WasmBackend } from '../src/wasm/backend.js';
import { randomArray } from './helpers.js';

const wasm = await WasmBackend.create({ threads: 1 });
const cpu = new CpuBackend('float32');
const size = (s: number[]): number => s.reduce((a, b) => a * b, 1);

/** y, dx, dgamma, dbeta of sum(g * batchNorm2d(x)) on backend `b`. */
async function bnOn(b: Backend, shape: number[], training: boolean): Promise<Float32Array[]> {
  const C = shape[1]!;
  const ts = withBackend(b, () => {
    const x = tensor(randomArray(size(shape), 1, -2, 3), shape).requireGrad();
    const gamma = tensor(randomArray(C, 2, 0.5, 1.5), [C]).requireGrad();
    const beta = tensor(randomArray(C, 3), [C]).requireGrad();
    const runningMean = tensor(randomArray(C, 4), [C]);
    const runningVar = tensor(randomArray(C, 5, 0.5, 2), [C]);
    const y = batchNorm2d(x, gamma, beta, { training, runningMean, runningVar });
    backward(sum(mul(y, tensor(randomArray(size(shape), 6), shape))));
    return [y, x.grad!, gamma.grad!, beta.grad!, runningMean, runningVar] as Tensor[];
  });
  return Promise.all(ts.map((t) => t.data()));
}

describe('wasm batchnorm kernels', () => {
  for (const shape of [[3, 5, 3, 3], [7, 4, 1, 1], [2, 3, 4, 4]]) {
    for (const training of [true, false]) {
      it(`${JSON.stringify(shape)} ${training ? 'training' : 'eval'}: output, gradients and running statistics equal the CPU reference`, async () => {
        const got = await bnOn(wasm, shape, training);
        const want = await bnOn(cpu, shape, training);
        ['y', 'dx', 'dgamma', 'dbeta', 'runningMean', 'runningVar'].forEach((what, i) => expect(Array.from(got[i]!), what).toEqual(Array.from(want[i]!)));
      });
    }
  }
});

/**
 * The wasm backend's elementwise kernels against the CPU reference in float32, on sizes
 * that exercise the vector body and the one-lane tail (1, 3, 1027): every unary row
 * forward and backward.
 */
import { describe, it } from 'vitest';
import { UNARY, tensor, type Tensor, type UnaryName } from '../src/index.js';
import { unary, unaryGrad } from '../src/ops/unary.js';
import { CpuBackend } from '../src/cpu/backend.js';
import { withBackend } from '../src/context.js';
import type { Backend } from '../src/backend.js';
import { WasmBackend } from '../src/wasm/backend.js';
import { expectClose, randomArray } from './helpers.js';

const SIZES = [1, 3, 1027];
const wasm = await WasmBackend.create({ threads: 1 });
const cpu = new CpuBackend('float32');

/** Inputs in the op's domain: positive for log and sqrt, spread over [-3, 3] elsewhere. */
function input(name: UnaryName, n: number): Float32Array {
  const x = randomArray(n, n, -3, 3);
  return name === 'log' || name === 'sqrt' ? x.map((v) => Math.abs(v) + 0.1) : x;
}

/**
 * f(x) of the unary op `name` on backend `b`, and g f'(x) from x and `y0`, the reference's
 * f(x) (near |y| = 1 tanh's derivative 1 - y² would magnify the forward pass's last-bit differences).
 */
async function unaryOn(b: Backend, name: UnaryName, n: number, y0?: Float32Array): Promise<Float32Array[]> {
  const a = name === 'leakyRelu' ? 0.2 : 0.5;
  const [y, dx] = withBackend(b, () => {
    const x = tensor(input(name, n), [n]);
    const y = unary(name, x, a);
    return [y, unaryGrad(name, x, y0 ? tensor(y0, [n]) : y, tensor(randomArray(n, 7), [n]), a)] as Tensor[];
  });
  return Promise.all([y!.data(), dx!.data()]);
}

describe('wasm unary kernels', () => {
  for (const name of Object.keys(UNARY) as UnaryName[]) {
    it(`${name} matches the CPU reference forward and backward on ${SIZES.join(', ')} elements`, async () => {
      for (const n of SIZES) {
        const [wy, wdx] = await unaryOn(cpu, name, n);
        const [y, dx] = await unaryOn(wasm, name, n, wy);
        expectClose(y!, wy!, 1e-6, 1e-7, `${name} forward, n=${n}`);
        expectClose(dx!, wdx!, 1e-6, 1e-7, `${name} backward, n=${n}`);
      }
    });
  }
});

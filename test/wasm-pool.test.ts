/**
 * The wasm backend's pooling kernels against the CPU reference in float32: the same scan
 * order and float64 sums, so outputs and gradients must equal it bit for bit, with
 * overlapping windows (stride 1), ties (max over a constant run) and a dropped border.
 */
import { describe, expect, it } from 'vitest';
import { avgPool2d, backward, maxPool2d, mul, sum, tensor, type Tensor } from '../src/index.js';
import { CpuBackend } from '../src/cpu/backend.js';
import { withBackend } from '../src/context.js';
import type { Backend } from '../src/backend.js';
import { WasmBackend } from '../src/wasm/backend.js';
import { randomArray } from './helpers.js';

const wasm = await WasmBackend.create({ threads: 1 });
const cpu = new CpuBackend('float32');
const SHAPE = [2, 3, 7, 6];
const N = 2 * 3 * 7 * 6;

async function poolOn(b: Backend, pool: typeof maxPool2d, k: number | [number, number], s: number): Promise<Float32Array[]> {
  const ts = withBackend(b, () => {
    // Rounded to tenths: many ties for max pooling.
    const x = tensor(randomArray(N, 1, -1, 1).map((v) => Math.round(v * 10) / 10), SHAPE).requireGrad();
    const y = pool(x, k, s);
    backward(sum(mul(y, tensor(randomArray(y.size, 2), y.shape))));
    return [y, x.grad!] as Tensor[];
  });
  return Promise.all(ts.map((t) => t.data()));
}

describe('wasm pooling kernels', () => {
  for (const [name, pool] of [['maxPool2d', maxPool2d], ['avgPool2d', avgPool2d]] as const) {
    for (const [k, s] of [[2, 2], [3, 1], [[2, 3], 2]] as const) {
      it(`${name} kernel ${JSON.stringify(k)} stride ${s}: output and gradient equal the CPU reference`, async () => {
        const got = await poolOn(wasm, pool, k as number | [number, number], s);
        const want = await poolOn(cpu, pool, k as number | [number, number], s);
        expect(Array.from(got[0]!), 'y').toEqual(Array.from(want[0]!));
        expect(Array.from(got[1]!), 'dx').toEqual(Array.from(want[1]!));
      });
    }
  }
});

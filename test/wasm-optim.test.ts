/**
 * The wasm backend's Adam kernel (float32, four lanes at a time and a scalar tail) against
 * the CPU reference's float64 formula, on a count that is not a multiple of 4, with weight
 * decay, over three steps with bias corrections.
 */
import { describe, it } from 'vitest';
import { adamUpdate, tensor, type Tensor } from '../src/index.js';
import { CpuBackend } from '../src/cpu/backend.js';
import { withBackend } from '../src/context.js';
import type { Backend } from '../src/backend.js';
import { WasmBackend } from '../src/wasm/backend.js';
import { expectClose, randomArray } from './helpers.js';

const N = 1003;

/** Three Adam steps from the same start on backend `b`: the parameters and both moments. */
async function steps(b: Backend): Promise<Float32Array[]> {
  const [p, m, v] = withBackend(b, () => [tensor(randomArray(N, 1), [N]), tensor(new Float32Array(N), [N]), tensor(new Float32Array(N), [N])]) as Tensor[];
  for (let t = 1; t <= 3; t++) {
    withBackend(b, () => {
      const g = tensor(randomArray(N, 10 + t), [N]);
      adamUpdate(p!, g, m!, v!, { lr: 0.01, beta1: 0.8, beta2: 0.99, eps: 1e-6, wd: 0.1, bc1: 1 - 0.8 ** t, bc2: 1 - 0.99 ** t });
      g.dispose();
    });
  }
  return Promise.all([p!, m!, v!].map((x) => x.data()));
}

describe('wasm Adam', () => {
  it('matches the CPU reference on 1003 parameters over 3 steps', async () => {
    const got = await steps(await WasmBackend.create({ threads: 1 }));
    const want = await steps(new CpuBackend('float32'));
    ['parameters', 'm', 'v'].forEach((what, i) => expectClose(got[i]!, want[i]!, 1e-5, 1e-7, what));
  });
});

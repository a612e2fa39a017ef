/**
 * The wasm backend's sum kernels against the CPU reference in float32: row sums (trailing
 * axes, the whole array) and column sums (leading axes: a bias gradient), on sizes with a
 * vector tail, and sums over offset tables (a middle axis; batchnorm's over all but C).
 * Column sums and the gathered sums add in the reference's order in float64, so they must
 * equal it exactly.
 */
import { describe, expect, it } from 'vitest';
import { mean, sum, tensor } from '../src/index.js';
import { CpuBackend } from '../src/cpu/backend.js';
import { withBackend } from '../src/context.js';
import type { Backend } from '../src/backend.js';
import { WasmBackend } from '../src/wasm/backend.js';
import { expectClose, randomArray } from './helpers.js';

const wasm = await WasmBackend.create({ threads: 1 });
const cpu = new CpuBackend('float32');

const CASES: { shape: number[]; axes?: number[]; mean?: boolean; exact?: boolean }[] = [
  { shape: [1] },
  { shape: [1027] },
  { shape: [3, 1027], axes: [1] },
  { shape: [2, 3, 7], axes: [1, 2], mean: true },
  { shape: [64, 3], axes: [0], exact: true },
  { shape: [5, 1027], axes: [0], mean: true, exact: true },
  { shape: [4, 2, 9], axes: [0, 1], exact: true },
  { shape: [2, 3, 5], axes: [1], exact: true },
  { shape: [4, 3, 6, 5], axes: [0, 2, 3], mean: true, exact: true },
  { shape: [3, 1, 4, 7], axes: [0, 3], exact: true },
];

async function reduceOn(b: Backend, c: (typeof CASES)[number]): Promise<Float32Array> {
  const n = c.shape.reduce((x, y) => x * y, 1);
  const out = withBackend(b, () => (c.mean ? mean : sum)(tensor(randomArray(n, n), c.shape), c.axes));
  return out.data();
}

describe('wasm sum and mean kernels', () => {
  for (const c of CASES) {
    it(`${c.mean ? 'mean' : 'sum'} of ${JSON.stringify(c.shape)} over ${c.axes ? JSON.stringify(c.axes) : 'all axes'} matches the CPU reference`, async () => {
      const got = await reduceOn(wasm, c);
      const want = await reduceOn(cpu, c);
      if (c.exact) expect(Array.from(got)).toEqual(Array.from(want));
      else expectClose(got, want, 1e-6, 1e-7, 'sum');
    });
  }
});

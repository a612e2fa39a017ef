/**
 * The WebGPU runtime under long steps: more dispatches than the uniform arena holds and
 * more upload bytes than the staging arena holds, all without a readback, must flush
 * transparently and give the values a plain loop computes.
 */
import { describe, expect, it } from 'vitest';
import { add, gpu, mul, tensor, type Tensor } from '../src/index.js';
import { expectClose, randomArray, run, skipReason } from './helpers.js';

describe.skipIf(skipReason('webgpu'))('the WebGPU runtime in long steps', () => {
  it('10,000 dispatches without a readback', async () => {
    await run('webgpu', async () => {
      const x0 = randomArray(37, 5);
      const step = tensor(randomArray(37, 6, 0, 1e-3), [37]);
      let y: Tensor = tensor(x0, [37]);
      const submits0 = gpu().stats.submits;
      for (let i = 0; i < 10_000; i++) {
        const next = add(y, step);
        y.dispose();
        y = next;
      }
      // 10,000 uniform slots of 256 bytes fill the 1 MiB arena twice: two flushes mid-chain.
      expect(gpu().stats.submits - submits0).toBe(2);
      const s = await step.data();
      // float32 accumulation, element by element, in the same order as the GPU.
      const want = Float32Array.from(x0);
      for (let i = 0; i < 10_000; i++) for (let j = 0; j < 37; j++) want[j] = Math.fround(want[j]! + s[j]!);
      expectClose(await y.data(), want, 1e-6, 1e-6, 'chained adds');
    });
  });

  it('uploads larger than the 4 MiB upload arena, alone and in total, inside a long step', async () => {
    await run('webgpu', async () => {
      const big = randomArray(1_300_000, 7); // 5.2 MB: one upload past the arena
      const parts = Array.from({ length: 6 }, (_, i) => randomArray(262_144, 20 + i)); // 6 MiB in total
      let acc = tensor(big.subarray(0, 262_144), [262_144]);
      const bigT = tensor(big, [1_300_000]);
      for (const p of parts) {
        const next = mul(add(acc, tensor(p, [262_144])), 0.5);
        acc.dispose();
        acc = next;
      }
      const want = Float32Array.from(big.subarray(0, 262_144));
      for (const p of parts) for (let i = 0; i < want.length; i++) want[i] = Math.fround(Math.fround(want[i]! + p[i]!) * 0.5);
      expectClose(await acc.data(), want, 0, 0, 'uploads in stream order');
      expectClose(await bigT.data(), big, 0, 0, 'the big upload');
    });
  });
});

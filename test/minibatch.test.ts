/**
 * MinibatchStd (the DCGAN discriminator's optional batch-diversity feature) against a
 * float64 computation written here, its gradient by gradcheck, and its input check.
 */
import { describe, expect, it } from 'vitest';
import { MinibatchStd } from '../src/nn/minibatch.js';
import { ShapeError, gradcheck, tensor } from '../src/index.js';
import { BACKENDS, expectClose, randomArray, run, skipReason } from './helpers.js';

/**
 * Each sample's F values, then `hw` copies of mean_f sqrt(var_b + eps) with the population
 * variance ([B, F] -> [B, F + 1] with hw = 1; [B, C, H, W] -> [B, C + 1, H, W] with hw = H W).
 */
function reference(x: ArrayLike<number>, B: number, F: number, hw = 1, eps = 1e-8): Float64Array {
  let s = 0;
  for (let f = 0; f < F; f++) {
    let m = 0;
    for (let b = 0; b < B; b++) m += x[b * F + f]!;
    m /= B;
    let v = 0;
    for (let b = 0; b < B; b++) v += (x[b * F + f]! - m) ** 2;
    s += Math.sqrt(v / B + eps);
  }
  s /= F;
  const out = new Float64Array(B * (F + hw));
  for (let b = 0; b < B; b++) {
    for (let f = 0; f < F; f++) out[b * (F + hw) + f] = x[b * F + f]!;
    for (let i = 0; i < hw; i++) out[b * (F + hw) + F + i] = s;
  }
  return out;
}

describe.each(BACKENDS)('MinibatchStd on %s', (bk) => {
  describe.skipIf(skipReason(bk))('', () => {
    it.each([[1, 5], [3, 7], [16, 33]])('[%i, %i] matches the float64 formula', async (B, F) => {
      await run(bk, async () => {
        const x = randomArray(B * F, 7 + B * F);
        const y = new MinibatchStd().forward(tensor(x, [B, F]));
        expect(y.shape).toEqual([B, F + 1]);
        expectClose(await y.data(), reference(x, B, F), 1e-5, 1e-6, 'minibatch std');
      });
    });

    it.each([[1, 1, 3, 5], [3, 2, 5, 7], [16, 1, 28, 28]])('[%i, %i, %i, %i] gains a constant channel', async (B, C, H, W) => {
      await run(bk, async () => {
        const x = randomArray(B * C * H * W, 5 + B * C);
        const y = new MinibatchStd().forward(tensor(x, [B, C, H, W]));
        expect(y.shape).toEqual([B, C + 1, H, W]);
        expectClose(await y.data(), reference(x, B, C * H * W, H * W), 1e-5, 1e-6, 'minibatch std (4-D)');
      });
    });

    it('gradcheck: the gradient reaches every sample through the shared feature', async () => {
      await run(bk, async () => {
        const x = tensor(randomArray(4 * 6, 3), [4, 6]);
        const m = new MinibatchStd();
        // gradcheck weights the output at random, so the extra column's gradient differs from row to row.
        const r = await gradcheck((t) => m.forward(t), [x], { atol: 1e-4, rtol: 1e-3 });
        expect(r.ok, `worst ${r.worst}`).toBe(true);
        const r4 = await gradcheck((t) => m.forward(t), [tensor(randomArray(3 * 2 * 3 * 2, 4), [3, 2, 3, 2])], { atol: 1e-4, rtol: 1e-3 });
        expect(r4.ok, `4-D: worst ${r4.worst}`).toBe(true);
      });
    });
  });
});

it('MinibatchStd rejects an input that is neither [batch, features] nor [batch, C, H, W]', () => {
  expect(() => new MinibatchStd().forward(tensor(new Float32Array(8), [2, 2, 2]))).toThrow(ShapeError);
});

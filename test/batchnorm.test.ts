/**
 * batchNorm2d against the formula computed in float64 here: training and eval forward on
 * odd shapes (H = 7, W = 9; batch 1 and 3; C = 3 and 5), with and without gamma and beta;
 * the running statistics over several steps (momentum, unbiased variance); a channel whose
 * mean is 1e4 and spread 1e-1, where E[x^2] - E[x]^2 in float32 fails; gradcheck of every
 * backward path; and the error messages.
 */
import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError, backward, batchNorm2d, gradcheck, mul, noGrad, sum, tensor, type Tensor } from '../src/index.js';
import { TREE_SIZES, treeSize } from '../src/ops/tree-size.js';
import { BACKENDS, expectClose, randomArray, run, skipReason, type BackendName } from './helpers.js';

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Per-channel mean and biased variance of NCHW data, in float64. */
function channelStats(x: ArrayLike<number>, shape: number[]): { mean: Float64Array; v: Float64Array } {
  const [N, C, H, W] = shape as [number, number, number, number];
  const mean = new Float64Array(C);
  const v = new Float64Array(C);
  const M = N * H * W;
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let n = 0; n < N; n++) for (let i = 0; i < H * W; i++) s += x[(n * C + c) * H * W + i]!;
    mean[c] = s / M;
    let q = 0;
    for (let n = 0; n < N; n++) for (let i = 0; i < H * W; i++) q += (x[(n * C + c) * H * W + i]! - mean[c]!) ** 2;
    v[c] = q / M;
  }
  return { mean, v };
}

/** y = (x - mean) / sqrt(var + eps) * gamma + beta, in float64. */
function normalise(x: ArrayLike<number>, shape: number[], mean: ArrayLike<number>, v: ArrayLike<number>, gamma: ArrayLike<number> | null, beta: ArrayLike<number> | null, eps = 1e-5): Float64Array {
  const [, C, H, W] = shape as [number, number, number, number];
  return Float64Array.from({ length: size(shape) }, (_, i) => {
    const c = Math.floor(i / (H * W)) % C;
    return ((x[i]! - mean[c]!) / Math.sqrt(v[c]! + eps)) * (gamma ? gamma[c]! : 1) + (beta ? beta[c]! : 0);
  });
}

// [3, 5, 7, 9] is the odd shape of the rest; the larger ones reach each workgroup size of
// the per-channel reductions (src/ops/tree-size.ts), with M far from a multiple of it.
const CLOSED_FORM_SHAPES: number[][] = [[3, 5, 7, 9], [2, 3, 67, 71], [3, 2, 97, 113], [2, 1, 263, 257]];

it('the closed-form shapes reach every workgroup size of the per-channel reductions', () => {
  const used = CLOSED_FORM_SHAPES.map(([N, , H, W]) => treeSize(N! * H! * W!));
  expect(used).toEqual([...TREE_SIZES]);
});

const SHAPES: number[][] = [[1, 3, 7, 9], [3, 5, 7, 9], [3, 3, 4, 4], [2, 5, 1, 1], [1, 5, 3, 1]];

async function check(bk: BackendName, what: string, fn: (...xs: Tensor[]) => Tensor, inputs: { x: ArrayLike<number>; shape: number[] }[]): Promise<void> {
  await run(bk, async () => {
    const tol = { atol: 1e-3, rtol: 1e-2 };
    const r = await gradcheck(fn, inputs.map((i) => tensor(i.x, i.shape)), tol);
    expect(r.ok, `${what}: worst ${r.worst}`).toBe(true);
    for (const [k, g] of r.numeric.entries()) expect(g.some((v) => Math.abs(v) > 1e-3), `${what}: numeric gradient ${k} is all zero`).toBe(true);
  });
}

describe.each(BACKENDS)('batchNorm2d on %s', (bk) => {
  describe.skipIf(skipReason(bk))('', () => {
    describe.each(SHAPES)('shape [%i, %i, %i, %i]', (...shape) => {
      const C = shape[1]!;
      const x = randomArray(size(shape), 3 + size(shape), -2, 3);
      const gamma = randomArray(C, 5, 0.5, 2);
      const beta = randomArray(C, 6, -1, 1);

      it.each([
        { affine: 'gamma and beta', g: true, b: true },
        { affine: 'neither', g: false, b: false },
        { affine: 'gamma only', g: true, b: false },
        { affine: 'beta only', g: false, b: true },
      ])('training forward with $affine against the float64 formula', async ({ g, b }) => {
        await run(bk, async () => {
          const { mean, v } = channelStats(x, shape);
          const y = batchNorm2d(tensor(x, shape), g ? tensor(gamma, [C]) : null, b ? tensor(beta, [C]) : null, { training: true });
          expect(y.shape).toEqual(shape);
          expectClose(await y.data(), normalise(x, shape, mean, v, g ? gamma : null, b ? beta : null), 1e-4, 1e-4, 'y');
        });
      });

      it('eval forward normalises with the running statistics and leaves them alone', async () => {
        await run(bk, async () => {
          const rm = randomArray(C, 7, -1, 1);
          const rv = randomArray(C, 8, 0.2, 3);
          const runningMean = tensor(rm, [C]);
          const runningVar = tensor(rv, [C]);
          const y = batchNorm2d(tensor(x, shape), tensor(gamma, [C]), tensor(beta, [C]), { training: false, runningMean, runningVar, eps: 1e-3 });
          expectClose(await y.data(), normalise(x, shape, rm, rv, gamma, beta, 1e-3), 1e-5, 1e-5, 'eval y');
          expect(await runningMean.data()).toEqual(rm);
          expect(await runningVar.data()).toEqual(rv);
        });
      });
    });

    it('running statistics after 4 training steps: momentum blend of the mean and the unbiased variance', async () => {
      await run(bk, async () => {
        const shape = [3, 5, 7, 9];
        const C = 5;
        const M = 3 * 7 * 9;
        const momentum = 0.3;
        const runningMean = tensor(new Float32Array(C), [C]);
        const runningVar = tensor(new Float32Array(C).fill(1), [C]);
        const wantMean = new Float64Array(C);
        const wantVar = new Float64Array(C).fill(1);
        for (let step = 0; step < 4; step++) {
          const x = randomArray(size(shape), 40 + step, -1 + step, 2 + 2 * step);
          // Running statistics move under noGrad too, as in PyTorch.
          noGrad(() => batchNorm2d(tensor(x, shape), null, null, { training: true, runningMean, runningVar, momentum }));
          const { mean, v } = channelStats(x, shape);
          for (let c = 0; c < C; c++) {
            wantMean[c] = (1 - momentum) * wantMean[c]! + momentum * mean[c]!;
            wantVar[c] = (1 - momentum) * wantVar[c]! + momentum * v[c]! * (M / (M - 1));
          }
        }
        expectClose(await runningMean.data(), wantMean, 1e-5, 1e-5, 'runningMean');
        expectClose(await runningVar.data(), wantVar, 1e-5, 1e-5, 'runningVar');
      });
    });

    it('a channel with mean 1e4 and spread 1e-1: the stable variance holds where E[x^2] - E[x]^2 fails', async () => {
      await run(bk, async () => {
        const shape = [3, 2, 7, 9];
        const x = randomArray(size(shape), 77, 1e4 - 0.1, 1e4 + 0.1);
        const { mean, v } = channelStats(x, shape);
        // The naive formula in float32, as a GPU kernel would accumulate it: wrong by far more than v.
        const M = 3 * 7 * 9;
        let s = 0;
        let q = 0;
        for (let n = 0; n < 3; n++) for (let i = 0; i < 63; i++) {
          const xv = x[n * 2 * 63 + i]!;
          s = Math.fround(s + xv);
          q = Math.fround(q + Math.fround(xv * xv));
        }
        const naive = Math.fround(q / M) - Math.fround(s / M) ** 2;
        expect(Math.abs(naive - v[0]!), `naive ${naive} vs ${v[0]}`).toBeGreaterThan(v[0]!);
        // momentum 1: the running statistics are this batch's mean and unbiased variance.
        const runningMean = tensor(new Float32Array(2), [2]);
        const runningVar = tensor(new Float32Array(2), [2]);
        const y = batchNorm2d(tensor(x, shape), null, null, { training: true, runningMean, runningVar, momentum: 1 });
        expectClose(await runningVar.data(), v.map((d) => (d * M) / (M - 1)), 1e-3, 0, 'runningVar');
        expectClose(await runningMean.data(), mean, 1e-7, 0, 'runningMean');
        // y inherits the float32 rounding of the stored mean (ulp(1e4) / 2 = 5e-4) times invStd.
        const invStd = 1 / Math.sqrt(v[0]! + 1e-5);
        expectClose(await y.data(), normalise(x, shape, mean, v, null, null), 0, 1e-3 * invStd, 'y');
      });
    });

    it.each(CLOSED_FORM_SHAPES)('training forward and backward on [%i, %i, %i, %i] match the closed form for y, x, gamma and beta', async (...shape) => {
      await run(bk, async () => {
        const [N, C, H, W] = shape as [number, number, number, number];
        const M = N * H * W;
        const xv = randomArray(size(shape), 21, -2, 2);
        const gv = randomArray(size(shape), 22, -1, 1);
        const gm = randomArray(C, 23, 0.5, 2);
        const bt = randomArray(C, 24);
        const [x, gamma, beta] = [tensor(xv, shape).requireGrad(), tensor(gm, [C]).requireGrad(), tensor(bt, [C]).requireGrad()];
        const y = batchNorm2d(x, gamma, beta, { training: true });
        backward(sum(mul(y, tensor(gv, shape))));
        const { mean, v } = channelStats(xv, shape);
        expectClose(await y.data(), normalise(xv, shape, mean, v, gm, bt), 1e-4, 1e-4, 'y');
        const xhat = normalise(xv, shape, mean, v, null, null);
        const sg = new Float64Array(C);
        const sgx = new Float64Array(C);
        xv.forEach((_, i) => {
          const c = Math.floor(i / (H * W)) % C;
          sg[c] += gv[i]!;
          sgx[c] += gv[i]! * xhat[i]!;
        });
        const dx = xhat.map((xh, i) => {
          const c = Math.floor(i / (H * W)) % C;
          return (gm[c]! / Math.sqrt(v[c]! + 1e-5)) * (gv[i]! - (sg[c]! + xh * sgx[c]!) / M);
        });
        // float32 sums of M terms: their error grows with sqrt(M).
        const sumTol = 1e-4 * Math.max(1, Math.sqrt(M / 189));
        expectClose(await x.grad!.data(), dx, 1e-3, 1e-4, 'dx');
        expectClose(await gamma.grad!.data(), sgx, sumTol, 1e-4, 'dgamma');
        expectClose(await beta.grad!.data(), sg, sumTol, 1e-4, 'dbeta');
      });
    });

    const X = { x: randomArray(2 * 3 * 3 * 3, 31, -2, 2), shape: [2, 3, 3, 3] };
    const G = { x: randomArray(3, 32, 0.5, 2), shape: [3] };
    const B = { x: randomArray(3, 33, -1, 1), shape: [3] };
    const RM = randomArray(3, 34, -1, 1);
    const RV = randomArray(3, 35, 0.5, 2);

    it('gradcheck, training: x, gamma and beta; x alone with affine off', async () => {
      await check(bk, 'training', (x, g, b) => batchNorm2d(x, g, b, { training: true }), [X, G, B]);
      await check(bk, 'training, affine off', (x) => batchNorm2d(x, null, null, { training: true }), [X]);
      // Running statistics given: updated along the way, no effect on the gradient.
      await check(bk, 'training with running stats', (x, g) => batchNorm2d(x, g, null, { training: true, runningMean: tensor(RM, [3]), runningVar: tensor(RV, [3]) }), [X, G]);
    });

    it('gradcheck, eval: x, gamma and beta with the running statistics as constants', async () => {
      const opts = (): { training: false; runningMean: Tensor; runningVar: Tensor } => ({ training: false, runningMean: tensor(RM, [3]), runningVar: tensor(RV, [3]) });
      await check(bk, 'eval', (x, g, b) => batchNorm2d(x, g, b, opts()), [X, G, B]);
      await check(bk, 'eval, affine off', (x) => batchNorm2d(x, null, null, opts()), [X]);
    });

    it('refuses bad shapes and options, naming them', async () => {
      await run(bk, () => {
        const x = tensor(randomArray(24), [2, 3, 2, 2]);
        const c3 = tensor([1, 1, 1], [3]);
        expect(() => batchNorm2d(tensor(randomArray(12), [2, 3, 2]), null, null, { training: true })).toThrow(new ShapeError('batchNorm2d: expected input [N, C, H, W], got [2,3,2]'));
        expect(() => batchNorm2d(x, tensor([1, 1], [2]), null, { training: true })).toThrow(new ShapeError('batchNorm2d: gamma must be [3] for input [2,3,2,2], got [2]'));
        expect(() => batchNorm2d(x, null, tensor([1, 1, 1], [1, 3]), { training: true })).toThrow(/beta must be \[3\] for input \[2,3,2,2\], got \[1,3\]/);
        expect(() => batchNorm2d(x, null, null, { training: false })).toThrow(ValueError);
        expect(() => batchNorm2d(x, null, null, { training: false })).toThrow(/eval mode .* runningMean and runningVar/);
        expect(() => batchNorm2d(x, null, null, { training: true, runningMean: c3 })).toThrow(/give both runningMean and runningVar, or neither/);
        expect(() => batchNorm2d(x, null, null, { training: true, runningMean: c3, runningVar: tensor([1, 1], [2]) })).toThrow(/runningVar must be \[3\]/);
        expect(() => batchNorm2d(x, null, null, { training: true, momentum: 1.5 })).toThrow(new ValueError('batchNorm2d: momentum must be in [0, 1], got 1.5'));
        expect(() => batchNorm2d(x, null, null, { training: true, eps: 0 })).toThrow(/eps must be positive and finite, got 0/);
        expect(() => batchNorm2d(tensor([1, 2, 3], [1, 3, 1, 1]), null, null, { training: true })).toThrow(/more than 1 value per channel when training, got input size \[1,3,1,1\]/);
        expect(() => batchNorm2d(x, null, null, {} as { training: boolean })).toThrow(/options.training must be true or false/);
        // A single value per channel is fine in eval mode.
        expect(batchNorm2d(tensor([1, 2, 3], [1, 3, 1, 1]), null, null, { training: false, runningMean: c3, runningVar: c3 }).shape).toEqual([1, 3, 1, 1]);
      });
    });
  });
});

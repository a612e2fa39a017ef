/**
 * Every backward rule against float64 central differences (gradcheck): each unary row,
 * each binary op with and without broadcasting, matmul in all transpose modes with bias
 * and each activation, the reductions, the shape ops, dropout, BCE and a 2-layer MLP.
 * The analytic gradient runs on the backend under test (float32 on the GPU).
 */
import { describe, expect, it } from 'vitest';
import {
  Generator, UNARY, add, bceWithLogits, concat, div, dropout, flatten, gradcheck, matmul, maximum, mean, mul, relu, reshape, slice, sub, sum, tanh, tensor,
  type Activation, type Tensor, type UnaryName,
} from '../src/index.js';
import { unary } from '../src/ops/unary.js';
import { BACKENDS, randomArray, run, skipReason, type BackendName } from './helpers.js';

const TOL = { atol: 1e-3, rtol: 1e-2 };
const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Values in +-[gap, gap + 1): at least `gap` away from a kink at `at`. */
function awayFrom(n: number, seed: number, at = 0, gap = 0.1): Float32Array {
  return randomArray(n, seed, -1, 1).map((v) => at + (v >= 0 ? gap + v : -gap + v));
}

/** Runs gradcheck on `bk` and asserts it passed, printing the worst error on failure. */
async function check(bk: BackendName, what: string, fn: (...xs: Tensor[]) => Tensor, inputs: { x: ArrayLike<number>; shape: number[] }[]): Promise<void> {
  await run(bk, async () => {
    const ts = inputs.map((i) => tensor(i.x, i.shape));
    const r = await gradcheck(fn, ts, TOL);
    expect(r.ok, `${what}: worst ${r.worst} (atol ${TOL.atol}, rtol ${TOL.rtol})`).toBe(true);
    // Not vacuous: some gradient entry is nonzero.
    expect(r.numeric.some((g) => g.some((v) => Math.abs(v) > 1e-3)), `${what}: numeric gradient is all zero`).toBe(true);
  });
}

/** Domain, scalar and input values for each unary row, away from kinks and poles. */
const UNARY_INPUTS: { [K in UnaryName]: { a: number; x: (n: number, seed: number) => Float32Array } } = {
  neg: { a: 0, x: (n, s) => randomArray(n, s, -2, 2) },
  exp: { a: 0, x: (n, s) => randomArray(n, s, -2, 2) },
  log: { a: 0, x: (n, s) => randomArray(n, s, 0.3, 3) },
  sqrt: { a: 0, x: (n, s) => randomArray(n, s, 0.3, 3) },
  relu: { a: 0, x: (n, s) => awayFrom(n, s) },
  leakyRelu: { a: 0.2, x: (n, s) => awayFrom(n, s) },
  tanh: { a: 0, x: (n, s) => randomArray(n, s, -2, 2) },
  sigmoid: { a: 0, x: (n, s) => randomArray(n, s, -4, 4) },
  addScalar: { a: 1.5, x: (n, s) => randomArray(n, s, -2, 2) },
  mulScalar: { a: -2.5, x: (n, s) => randomArray(n, s, -2, 2) },
  maxScalar: { a: 0.3, x: (n, s) => awayFrom(n, s, 0.3) },
  abs: { a: 0, x: (n, s) => awayFrom(n, s) },
  square: { a: 0, x: (n, s) => randomArray(n, s, -2, 2) },
};

type BinName = 'add' | 'sub' | 'mul' | 'div' | 'maximum';
const BINARY: { [K in BinName]: (a: Tensor, b: Tensor) => Tensor } = { add, sub, mul, div, maximum };
const BIN_SHAPES: [number[], number[]][] = [[[3, 5], [3, 5]], [[3, 4], [4]], [[3, 1], [1, 4]], [[2, 1, 3], [4, 1]], [[3, 4], []], [[5], [2, 3, 5]]];

/** Input values for a binary op: divisors away from 0, maximum's operands away from ties. */
function binaryInputs(name: BinName, sa: number[], sb: number[]): { x: Float32Array; shape: number[] }[] {
  const a = randomArray(size(sa), 3 + size(sa), -2, 2);
  let b = randomArray(size(sb), 5 + size(sb), -2, 2);
  if (name === 'div') b = awayFrom(size(sb), 7, 0, 0.5);
  // maximum: b on a coarse grid, a on a grid shifted by half a step, so |a - b| >= 0.125.
  if (name === 'maximum') {
    b = b.map((v) => Math.round(v * 4) / 4);
    return [{ x: a.map((v) => Math.round(v * 4) / 4 + 0.125), shape: sa }, { x: b, shape: sb }];
  }
  return [{ x: a, shape: sa }, { x: b, shape: sb }];
}

const TRANS: [boolean, boolean][] = [[false, false], [true, false], [false, true], [true, true]];
const ACTS: Activation[] = ['none', 'relu', 'leakyRelu', 'tanh', 'sigmoid'];

describe.each(BACKENDS)('gradcheck on %s', (bk) => {
  describe.skipIf(skipReason(bk))('', () => {
    it('the unary table is fully covered', () => {
      expect(Object.keys(UNARY_INPUTS).sort()).toEqual(Object.keys(UNARY).sort());
    });

    it('gradcheck itself fails a wrong gradient: mul(x.detach(), x) hides one of the two paths', async () => {
      await run(bk, async () => {
        const xv = randomArray(12, 8, 0.5, 2);
        const r = await gradcheck((x) => mul(x.detach(), x), [tensor(xv, [3, 4])], TOL);
        expect(r.ok, `worst ${r.worst}`).toBe(false);
        // Numeric d(sum(w x^2))/dx = 2 w x; the analytic one sees only w x.
        r.numeric[0]!.forEach((n, i) => expect(r.analytic[0]![i]!).toBeCloseTo(n / 2, 4));
      });
    });

    it.each(Object.keys(UNARY_INPUTS) as UnaryName[])('unary %s', async (name) => {
      const { a, x } = UNARY_INPUTS[name];
      await check(bk, name, (t) => unary(name, t, a), [{ x: x(15, 101), shape: [3, 5] }]);
    });

    describe.each(Object.keys(BINARY) as BinName[])('binary %s', (name) => {
      it.each(BIN_SHAPES)('%j with %j', async (sa, sb) => {
        await check(bk, `${name} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`, BINARY[name], binaryInputs(name, sa, sb));
      });
    });

    it('the same tensor on both sides: mul(x, x) and sub(x, x) add both gradients', async () => {
      await check(bk, 'mul(x, x)', (x) => mul(x, x), [{ x: randomArray(12, 9, -2, 2), shape: [3, 4] }]);
      await check(bk, 'x*x - x', (x) => sub(mul(x, x), x), [{ x: randomArray(12, 9, -2, 2), shape: [3, 4] }]);
    });

    it.each(TRANS)('matmul transA=%s transB=%s', async (tA, tB) => {
      const [M, K, N] = [3, 4, 5];
      await check(bk, `matmul ${tA} ${tB}`, (a, b) => matmul(a, b, { transA: tA, transB: tB }), [
        { x: randomArray(M * K, 11), shape: tA ? [K, M] : [M, K] },
        { x: randomArray(K * N, 12), shape: tB ? [N, K] : [K, N] },
      ]);
    });

    describe.each(ACTS)('matmul with bias and activation %s', (act) => {
      it.each(TRANS)('transA=%s transB=%s', async (tA, tB) => {
        const [M, K, N] = [4, 3, 5];
        await check(bk, `matmul ${act} ${tA} ${tB}`, (a, b, bias) => matmul(a, b, { transA: tA, transB: tB, bias, activation: act, alpha: 0.1 }), [
          { x: randomArray(M * K, 21), shape: tA ? [K, M] : [M, K] },
          { x: randomArray(K * N, 22), shape: tB ? [N, K] : [K, N] },
          { x: randomArray(N, 23), shape: [N] },
        ]);
      });
    });

    it.each([
      { shape: [3, 4, 5], axes: undefined, keepDims: false },
      { shape: [3, 4, 5], axes: [0, 2], keepDims: false },
      { shape: [3, 4, 5], axes: [-1], keepDims: true },
      { shape: [3, 4, 5], axes: [1], keepDims: false },
      { shape: [7], axes: [0], keepDims: true },
      { shape: [2, 1, 3], axes: [1], keepDims: false },
    ])('sum and mean of $shape over $axes, keepDims $keepDims', async ({ shape, axes, keepDims }) => {
      const x = [{ x: randomArray(size(shape), 31), shape }];
      await check(bk, 'sum', (t) => sum(t, axes, keepDims), x);
      await check(bk, 'mean', (t) => mean(t, axes, keepDims), x);
    });

    it('reshape (with -1) and flatten', async () => {
      await check(bk, 'reshape', (t) => reshape(t, [-1, 2]), [{ x: randomArray(12, 41), shape: [3, 4] }]);
      await check(bk, 'reshape then square', (t) => mul(reshape(t, [4, 3]), reshape(t, [4, 3])), [{ x: randomArray(12, 42), shape: [3, 4] }]);
      await check(bk, 'flatten', (t) => tanh(flatten(t)), [{ x: randomArray(24, 43), shape: [2, 3, 4] }]);
    });

    it('concat along axes 0, 1 and -1', async () => {
      await check(bk, 'concat 0', (a, b) => concat([a, b], 0), [{ x: randomArray(6, 51), shape: [2, 3] }, { x: randomArray(9, 52), shape: [3, 3] }]);
      await check(bk, 'concat 1', (a, b, c) => concat([a, b, c], 1), [
        { x: randomArray(6, 53), shape: [2, 3] }, { x: randomArray(8, 54), shape: [2, 4] }, { x: randomArray(2, 55), shape: [2, 1] },
      ]);
      await check(bk, 'concat -1 of x with itself', (a) => concat([a, mul(a, a)], -1), [{ x: randomArray(12, 56), shape: [2, 3, 2] }]);
    });

    it('slice along axes 0, 1 and -1', async () => {
      await check(bk, 'slice 0', (t) => slice(t, 0, 1, 2), [{ x: randomArray(20, 61), shape: [4, 5] }]);
      await check(bk, 'slice 1', (t) => slice(t, 1, 1, 3), [{ x: randomArray(20, 62), shape: [4, 5] }]);
      await check(bk, 'slice -1 twice', (t) => add(slice(t, -1, 0, 2), slice(t, -1, 2, 2)), [{ x: randomArray(24, 63), shape: [2, 3, 4] }]);
    });

    it('dropout with a fresh Generator(5) per evaluation', async () => {
      await check(bk, 'dropout', (t) => dropout(t, 0.3, { generator: new Generator(5) }), [{ x: randomArray(40, 71), shape: [5, 8] }]);
      await check(bk, 'dropout then square', (t) => mul(dropout(t, 0.5, { generator: new Generator(5) }), t), [{ x: randomArray(40, 72), shape: [5, 8] }]);
    });

    it('bceWithLogits, gradient with respect to the logits', async () => {
      const y = randomArray(12, 82, 0, 1);
      await check(bk, 'bce', (x) => bceWithLogits(x, tensor(y, [3, 4])), [{ x: randomArray(12, 81, -4, 4), shape: [3, 4] }]);
      const hard = Float32Array.from(y, (v) => (v > 0.5 ? 1 : 0));
      await check(bk, 'bce hard targets', (x) => bceWithLogits(x, tensor(hard, [3, 4])), [{ x: randomArray(12, 83, -4, 4), shape: [3, 4] }]);
    });

    it('a 2-layer MLP: fused matmul+bias+activation, then a composed layer and BCE', async () => {
      const [B, I, H, O] = [4, 3, 5, 2];
      const target = Float32Array.from(randomArray(B * O, 99, 0, 1), (v) => (v > 0.5 ? 1 : 0));
      const mlp = (x: Tensor, w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor): Tensor => {
        const h = matmul(x, w1, { transB: true, bias: b1, activation: 'tanh' });
        const logits = add(matmul(h, w2, { transB: true }), b2);
        return bceWithLogits(logits, tensor(target, [B, O]));
      };
      await check(bk, 'mlp', mlp, [
        { x: randomArray(B * I, 91), shape: [B, I] },
        { x: randomArray(H * I, 92), shape: [H, I] },
        { x: randomArray(H, 93), shape: [H] },
        { x: randomArray(O * H, 94), shape: [O, H] },
        { x: randomArray(O, 95), shape: [O] },
      ]);
      // The same network without fusion, with relu and a mean-squared error.
      const mse = (x: Tensor, w1: Tensor, b1: Tensor, w2: Tensor): Tensor => {
        const h = relu(add(matmul(x, w1), b1));
        const d = sub(matmul(h, w2), tensor(target, [B, O]));
        return mean(mul(d, d));
      };
      await check(bk, 'mlp mse', mse, [
        { x: randomArray(B * I, 96), shape: [B, I] },
        { x: randomArray(I * H, 97), shape: [I, H] },
        { x: randomArray(H, 98, 0.2, 1), shape: [H] },
        { x: randomArray(H * O, 99), shape: [H, O] },
      ]);
    });
  });
});

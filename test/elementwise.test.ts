/**
 * Elementwise ops against formulas written here: every row of UNARY, the binary ops with
 * and without broadcasting (oracle: a naive multi-index broadcast loop in float64), the
 * scalar variants, and bceWithLogits including logits where a naive log(sigmoid) overflows.
 */
import { describe, expect, it } from 'vitest';
import {
  UNARY, abs, add, bceWithLogits, div, exp, leakyRelu, log, maximum, mul, neg, relu, sigmoid, sqrt, square, sub, sum, tanh, tensor,
  type Tensor, type UnaryName,
} from '../src/index.js';
import { scaledBceWithLogits } from '../src/ops/loss.js';
import { BACKENDS, expectClose, randomArray, run, skipReason } from './helpers.js';

interface UnaryCase {
  /** The public call under test. */
  call: (t: Tensor) => Tensor;
  /** The formula, in float64. */
  ref: (x: number) => number;
  /** Input domain. */
  lo: number;
  hi: number;
}

const UNARY_CASES: { [K in UnaryName]: UnaryCase } = {
  neg: { call: neg, ref: (x) => -x, lo: -3, hi: 3 },
  exp: { call: exp, ref: Math.exp, lo: -4, hi: 4 },
  log: { call: log, ref: Math.log, lo: 0.01, hi: 20 },
  sqrt: { call: sqrt, ref: Math.sqrt, lo: 0, hi: 20 },
  relu: { call: relu, ref: (x) => (x > 0 ? x : 0), lo: -2, hi: 2 },
  leakyRelu: { call: (t) => leakyRelu(t, 0.2), ref: (x) => (x > 0 ? x : 0.2 * x), lo: -2, hi: 2 },
  tanh: { call: tanh, ref: Math.tanh, lo: -6, hi: 6 },
  sigmoid: { call: sigmoid, ref: (x) => 1 / (1 + Math.exp(-x)), lo: -30, hi: 30 },
  addScalar: { call: (t) => add(t, 2.5), ref: (x) => x + 2.5, lo: -3, hi: 3 },
  mulScalar: { call: (t) => mul(t, -1.75), ref: (x) => x * -1.75, lo: -3, hi: 3 },
  maxScalar: { call: (t) => maximum(t, 0.3), ref: (x) => Math.max(x, 0.3), lo: -1, hi: 1 },
  abs: { call: abs, ref: Math.abs, lo: -3, hi: 3 },
  square: { call: square, ref: (x) => x * x, lo: -3, hi: 3 },
};

const SHAPES: number[][] = [[1], [7, 13], [65, 127]];
const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** NumPy broadcasting, written out: the output shape and, per output element, f(a[ia], b[ib]). */
function naiveBroadcast(a: Float32Array, sa: number[], b: Float32Array, sb: number[], f: (x: number, y: number) => number): { shape: number[]; out: Float64Array } {
  const r = Math.max(sa.length, sb.length);
  const pa = [...Array(r - sa.length).fill(1), ...sa];
  const pb = [...Array(r - sb.length).fill(1), ...sb];
  const shape = pa.map((d, i) => Math.max(d, pb[i]!));
  const out = new Float64Array(size(shape));
  const idx = new Array<number>(r).fill(0);
  for (let i = 0; i < out.length; i++) {
    let rem = i;
    for (let d = r - 1; d >= 0; d--) {
      idx[d] = rem % shape[d]!;
      rem = Math.floor(rem / shape[d]!);
    }
    let ia = 0;
    let ib = 0;
    for (let d = 0; d < r; d++) {
      ia = ia * pa[d]! + (pa[d] === 1 ? 0 : idx[d]!);
      ib = ib * pb[d]! + (pb[d] === 1 ? 0 : idx[d]!);
    }
    out[i] = f(a[ia]!, b[ib]!);
  }
  return { shape, out };
}

type BinName = 'add' | 'sub' | 'mul' | 'div' | 'maximum';
const BINARY_CASES: { [K in BinName]: { call: (a: Tensor, b: Tensor) => Tensor; ref: (x: number, y: number) => number } } = {
  add: { call: add, ref: (x, y) => x + y },
  sub: { call: sub, ref: (x, y) => x - y },
  mul: { call: mul, ref: (x, y) => x * y },
  div: { call: div, ref: (x, y) => x / y },
  maximum: { call: maximum, ref: (x, y) => Math.max(x, y) },
};
const BIN_NAMES = Object.keys(BINARY_CASES) as BinName[];

const BINARY_SHAPES: [number[], number[]][] = [
  [[1], [1]],
  [[7, 13], [7, 13]],
  [[65, 127], [65, 127]],
  [[7, 13], [13]],
  [[7, 1], [1, 13]],
  [[65, 127], []],
  [[], [7, 13]],
  [[3, 1, 5], [4, 1]],
];

/** Divisors kept away from 0: |b| in [0.5, 1.5]. */
function divisorArray(n: number, seed: number): Float32Array {
  return randomArray(n, seed, -1, 1).map((v) => (v >= 0 ? 0.5 + v : -0.5 + v));
}

/** log(1 + e^z) without overflow, float64. */
function softplus(z: number): number {
  return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
}

/**
 * Stable BCE of one logit, float64: y softplus(-x) + (1-y) softplus(x). Both terms are
 * non-negative, so even losses of 1e-35 come out with full relative accuracy.
 */
function bceStable(x: number, y: number): number {
  return y * softplus(-x) + (1 - y) * softplus(x);
}

/** The textbook formula -[y log s + (1-y) log(1-s)], float64; overflows for large |x|. */
function bceNaive(x: number, y: number): number {
  const s = 1 / (1 + Math.exp(-x));
  return -(y * Math.log(s) + (1 - y) * Math.log(1 - s));
}

describe('the test tables', () => {
  it('cover every row of UNARY', () => {
    expect(Object.keys(UNARY_CASES).sort()).toEqual(Object.keys(UNARY).sort());
  });

  it('the naive BCE formula agrees with the stable one where it does not overflow', () => {
    for (const x of [-5, -1, -0.1, 0, 0.3, 2, 7]) for (const y of [0, 0.25, 1]) expect(bceNaive(x, y)).toBeCloseTo(bceStable(x, y), 12);
    expect(Number.isFinite(bceNaive(80, 0))).toBe(false);
  });
});

describe.each(BACKENDS)('elementwise ops on %s', (bk) => {
  describe.skipIf(skipReason(bk))('', () => {
    describe.each(Object.keys(UNARY_CASES) as UnaryName[])('unary %s', (name) => {
      it.each(SHAPES.map((shape) => ({ shape })))('matches its formula on shape $shape', async ({ shape }) => {
        await run(bk, async () => {
          const c = UNARY_CASES[name];
          const n = size(shape);
          const x = randomArray(n, 11 + n, c.lo, c.hi);
          const out = c.call(tensor(x, shape));
          expect(out.shape).toEqual(shape);
          expectClose(await out.data(), Array.from(x, c.ref), 1e-5, 1e-6, name);
        });
      });
    });

    it('tanh and sigmoid saturate without NaN at extreme inputs', async () => {
      await run(bk, async () => {
        const x = [-1e4, -88, -20, -1e-7, 0, 1e-7, 20, 88, 1e4];
        expectClose(await tanh(tensor(x)).data(), x.map(Math.tanh), 1e-6, 1e-7, 'tanh');
        expectClose(await sigmoid(tensor(x)).data(), x.map((v) => 1 / (1 + Math.exp(-v))), 1e-6, 1e-30, 'sigmoid');
      });
    });

    describe.each(BIN_NAMES)('binary %s', (name) => {
      it.each(BINARY_SHAPES)('%j with %j against a naive broadcast loop', async (sa, sb) => {
        await run(bk, async () => {
          const a = randomArray(size(sa), 21 + size(sa), -2, 2);
          const b = name === 'div' ? divisorArray(size(sb), 22) : randomArray(size(sb), 23 + size(sb), -2, 2);
          const { shape, out: want } = naiveBroadcast(a, sa, b, sb, BINARY_CASES[name].ref);
          const out = BINARY_CASES[name].call(tensor(a, sa), tensor(b, sb));
          expect(out.shape).toEqual(shape);
          expectClose(await out.data(), want, 1e-6, 1e-6, `${name} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`);
          // The commuted operands broadcast to the same shape.
          const { out: want2 } = naiveBroadcast(b, sb, a, sa, BINARY_CASES[name].ref);
          if (name !== 'div') expectClose(await BINARY_CASES[name].call(tensor(b, sb), tensor(a, sa)).data(), want2, 1e-6, 1e-6, `${name} commuted`);
        });
      });
    });

    it.each(SHAPES.map((shape) => ({ shape })))('scalar variants and Tensor methods on shape $shape', async ({ shape }) => {
      await run(bk, async () => {
        const n = size(shape);
        const x = randomArray(n, 31, -3, 3);
        const t = tensor(x, shape);
        const cases: [string, Tensor, (v: number) => number][] = [
          ['add(t, 2.5)', add(t, 2.5), (v) => v + 2.5],
          ['sub(t, 2.5)', sub(t, 2.5), (v) => v - 2.5],
          ['mul(t, -3)', mul(t, -3), (v) => v * -3],
          ['div(t, 4)', div(t, 4), (v) => v / 4],
          ['div(t, -0.3)', div(t, -0.3), (v) => v / -0.3],
          ['maximum(t, 0.25)', maximum(t, 0.25), (v) => Math.max(v, 0.25)],
          ['t.add(1).mul(2).sub(0.5).div(3)', t.add(1).mul(2).sub(0.5).div(3), (v) => ((v + 1) * 2 - 0.5) / 3],
          ['t.square().sqrt()', t.square().sqrt(), Math.abs],
        ];
        for (const [what, out, ref] of cases) {
          expect(out.shape).toEqual(shape);
          expectClose(await out.data(), Array.from(x, ref), 1e-5, 1e-6, what);
        }
      });
    });

    it('maximum gives the gradient to a on ties, for a tensor b and for a scalar b (as its doc says)', async () => {
      await run(bk, async () => {
        const xs = [0.25, -1, 2, 0.25];
        const x1 = tensor(xs).requireGrad();
        sum(maximum(x1, tensor([0.25]))).backward();
        expect(Array.from(await x1.grad!.data()), 'tensor b').toEqual([1, 0, 1, 1]);
        const x2 = tensor(xs).requireGrad();
        sum(maximum(x2, 0.25)).backward();
        expect(Array.from(await x2.grad!.data()), 'scalar b').toEqual([1, 0, 1, 1]);
      });
    });

    // The fused loss's workgroup (src/ops/tree-size.ts) has 4 threads up to [7, 13] and 16 at
    // [65, 127] and [16384] (FUSED_BCE_MAX); [16385] takes the unfused path.
    it.each([...SHAPES, [16384], [16385]].map((shape) => ({ shape })))('bceWithLogits on shape $shape matches the float64 formula', async ({ shape }) => {
      await run(bk, async () => {
        const n = size(shape);
        const x = randomArray(n, 41, -6, 6);
        const y = randomArray(n, 42, 0, 1);
        let want = 0;
        for (let i = 0; i < n; i++) want += bceNaive(x[i]!, y[i]!);
        want /= n;
        const out = bceWithLogits(tensor(x, shape), tensor(y, shape));
        expect(out.shape).toEqual([]);
        expectClose([await out.item()], [want], 1e-5, 1e-6, 'bce mean');
      });
    });

    it('bceWithLogits is finite and accurate at logits of +-80 and +-1e4', async () => {
      await run(bk, async () => {
        for (const x of [80, -80, 1e4, -1e4, 30, -30]) {
          for (const y of [0, 1, 0.3]) {
            const got = await bceWithLogits(tensor([x]), tensor([y])).item();
            const want = bceStable(x, Math.fround(y));
            expect(Number.isFinite(got), `bce(${x}, ${y}) = ${got}`).toBe(true);
            // Relative accuracy, down to losses of 1e-35 (log1p(exp(-80))): no absolute slack.
            expectClose([got], [want], 1e-5, 0, `bce(${x}, ${y})`);
          }
        }
        // A batch mixing extremes: the mean of the stable per-element values.
        const xs = [80, -80, 1e4, -1e4, 0.5, -2];
        const ys = [1, 0, 0, 1, 0.5, 0.9];
        const want = xs.reduce((s, x, i) => s + bceStable(x, Math.fround(ys[i]!)), 0) / xs.length;
        expectClose([await bceWithLogits(tensor(xs), tensor(ys)).item()], [want], 1e-6, 1e-6, 'bce mixed batch');
      });
    });

    it('bceWithLogits keeps relative accuracy for small losses (logits -3 .. -15 with target 0, and mirrored)', async () => {
      await run(bk, async () => {
        // The loss is log1p(exp(-|x|)) here; log(1 + t) in float32 loses up to 1e-4 of it for t near 1e-4.
        for (const x of [-3, -5, -7, -8, -9, -9.2, -10, -12, -15]) {
          expectClose([await bceWithLogits(tensor([x]), tensor([0])).item()], [bceStable(x, 0)], 1e-5, 0, `bce(${x}, 0)`);
          expectClose([await bceWithLogits(tensor([-x]), tensor([1])).item()], [bceStable(-x, 1)], 1e-5, 0, `bce(${-x}, 1)`);
        }
      });
    });

    it('bceWithLogits gradient (sigmoid(x) - y) / n is finite at extreme logits', async () => {
      await run(bk, async () => {
        const xs = [80, -80, 1e4, -1e4, 0.5, -2];
        const ys = [1, 0, 0, 1, 0.5, 0.9];
        const x = tensor(xs).requireGrad();
        bceWithLogits(x, tensor(ys)).backward();
        const want = xs.map((v, i) => (1 / (1 + Math.exp(-v)) - ys[i]!) / xs.length);
        expectClose(await x.grad!.data(), want, 1e-5, 1e-7, 'dbce/dx');
      });
    });

    it.each([1, 77, 257, 1000])('the fused bceWithLogits (one pass, one grad pass) of %i logits, scaled by 2, and its gradient match float64', async (n) => {
      await run(bk, async () => {
        const xs = randomArray(n, 51, -8, 8);
        const ys = randomArray(n, 52, 0, 1);
        let want = 0;
        for (let i = 0; i < n; i++) want += bceStable(xs[i]!, ys[i]!);
        want = (2 * want) / n;
        const x = tensor(xs, [n, 1]).requireGrad();
        const loss = scaledBceWithLogits(x, tensor(ys, [n, 1]), 2);
        expectClose([await loss.item()], [want], 1e-5, 1e-6, 'scaled bce');
        // An upstream gradient other than 1 reaches every element: d(3 loss)/dx.
        mul(loss, 3).backward();
        const grad = Array.from(xs, (v, i) => (3 * 2 * (1 / (1 + Math.exp(-v)) - ys[i]!)) / n);
        expectClose(await x.grad!.data(), grad, 1e-5, 1e-7, 'd(3 scaled bce)/dx');
      });
    });

    it('bceWithLogits with a target that requires grad differentiates both (the unfused path)', async () => {
      await run(bk, async () => {
        const xs = [0.5, -2, 3], ys = [0.2, 0.9, 0.4];
        const x = tensor(xs).requireGrad(), y = tensor(ys).requireGrad();
        bceWithLogits(x, y).backward();
        expectClose(await x.grad!.data(), xs.map((v, i) => (1 / (1 + Math.exp(-v)) - ys[i]!) / 3), 1e-5, 1e-7, 'dbce/dx');
        expectClose(await y.grad!.data(), xs.map((v) => -v / 3), 1e-5, 1e-7, 'dbce/dy');
      });
    });
  });
});

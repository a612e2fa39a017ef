/**
 * sum and mean against naive float64 loops: all axes, single, negative and non-adjacent
 * axes, keepDims, size-1 dims, and long reductions that span many workgroup strides at
 * each of the tree's workgroup sizes.
 */
import { describe, expect, it } from 'vitest';
import { mean, sum, tensor } from '../src/index.js';
import { BACKENDS, expectClose, randomArray, run, skipReason } from './helpers.js';

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/**
 * The reduction written out: every input element adds into the output element whose
 * multi-index is its own with the reduced coordinates dropped (or set to 0 with keepDims).
 */
function naiveReduce(x: Float32Array, shape: number[], axes: number[] | undefined, keepDims: boolean, isMean: boolean): { shape: number[]; out: Float64Array } {
  const r = shape.length;
  const red = new Set((axes ?? shape.map((_, i) => i)).map((a) => (a < 0 ? a + r : a)));
  const outShape = keepDims ? shape.map((d, i) => (red.has(i) ? 1 : d)) : shape.filter((_, i) => !red.has(i));
  const kept = shape.map((d, i) => (red.has(i) ? 1 : d));
  const out = new Float64Array(size(outShape));
  const idx = new Array<number>(r).fill(0);
  for (let i = 0; i < x.length; i++) {
    let rem = i;
    for (let d = r - 1; d >= 0; d--) {
      idx[d] = rem % shape[d]!;
      rem = Math.floor(rem / shape[d]!);
    }
    let o = 0;
    for (let d = 0; d < r; d++) o = o * kept[d]! + (red.has(d) ? 0 : idx[d]!);
    out[o] += x[i]!;
  }
  if (isMean) {
    const count = [...red].reduce((a, d) => a * shape[d]!, 1);
    for (let o = 0; o < out.length; o++) out[o] /= count;
  }
  return { shape: outShape, out };
}

interface Case {
  shape: number[];
  axes?: number[];
  keepDims: boolean;
}

const CASES: Case[] = [
  { shape: [1], keepDims: false },
  { shape: [1], axes: [0], keepDims: true },
  { shape: [1], axes: [-1], keepDims: false },
  { shape: [7, 13], keepDims: false },
  { shape: [7, 13], keepDims: true },
  { shape: [7, 13], axes: [0], keepDims: false },
  { shape: [7, 13], axes: [1], keepDims: false },
  { shape: [7, 13], axes: [-1], keepDims: true },
  { shape: [7, 13], axes: [-2], keepDims: false },
  { shape: [7, 13], axes: [1, 0], keepDims: false },
  { shape: [3, 1, 4, 5], keepDims: false },
  { shape: [3, 1, 4, 5], axes: [1], keepDims: false },
  { shape: [3, 1, 4, 5], axes: [1], keepDims: true },
  { shape: [3, 1, 4, 5], axes: [0, 2], keepDims: false },
  { shape: [3, 1, 4, 5], axes: [1, 3], keepDims: true },
  { shape: [3, 1, 4, 5], axes: [-1, -3], keepDims: false },
  { shape: [3, 1, 4, 5], axes: [0, 1, 3], keepDims: true },
  { shape: [5, 6, 7], axes: [0, 2], keepDims: false },
  { shape: [5, 6, 7], axes: [0, 2], keepDims: true },
  { shape: [5, 6, 7], axes: [1], keepDims: false },
  { shape: [5, 6, 7], axes: [2, 0], keepDims: false },
  { shape: [65, 127], keepDims: false },
  { shape: [65, 127], axes: [0], keepDims: false },
  { shape: [65, 127], axes: [1], keepDims: true },
  { shape: [65, 127], axes: [-2], keepDims: true },
  { shape: [2, 3, 4, 5, 6], axes: [1, 3], keepDims: false },
  { shape: [3, 5000], axes: [1], keepDims: false },
  { shape: [3, 5000], keepDims: false },
  { shape: [5000, 3], axes: [0], keepDims: true },
  // Long enough for each workgroup size of the tree (src/ops/tree-size.ts): 16, 64, 256.
  { shape: [3, 9001], axes: [1], keepDims: false },
  { shape: [2, 33333], axes: [-1], keepDims: true },
  { shape: [131101], keepDims: false },
  // Tree reductions whose threads sum whole runs of the innermost reduced dim: a conv bias
  // gradient's shape, odd sizes, and runs whose elements are 2 apart.
  { shape: [32, 8, 28, 28], axes: [0, 2, 3], keepDims: false },
  { shape: [19, 5, 13, 11], axes: [0, 2, 3], keepDims: true },
  { shape: [20, 3, 70, 2], axes: [0, 2], keepDims: false },
];

describe.each(BACKENDS)('reductions on %s', (bk) => {
  describe.skipIf(skipReason(bk))('', () => {
    describe.each(['sum', 'mean'] as const)('%s', (op) => {
      it.each(CASES)('$shape over $axes, keepDims $keepDims', async ({ shape, axes, keepDims }) => {
        await run(bk, async () => {
          const n = size(shape);
          // Values in [0, 1) so the long sums are large and float32 error would show.
          const x = randomArray(n, 7 + n, 0, 1);
          const { shape: outShape, out: want } = naiveReduce(x, shape, axes, keepDims, op === 'mean');
          const f = op === 'sum' ? sum : mean;
          const t = tensor(x, shape);
          const out = f(t, axes, keepDims);
          expect(out.shape).toEqual(outShape);
          // float32 accumulation: the error grows with the number of terms summed.
          const count = size(shape) / size(outShape.length ? outShape : [1]);
          expectClose(await out.data(), want, 3e-7 * Math.sqrt(count) + 1e-6, 1e-6, `${op} ${JSON.stringify(shape)} over ${JSON.stringify(axes)}`);
          // The method form is the same op.
          const m = op === 'sum' ? t.sum(axes, keepDims) : t.mean(axes, keepDims);
          expectClose(await m.data(), want, 3e-7 * Math.sqrt(count) + 1e-6, 1e-6, `${op} method`);
        });
      });
    });

    it('a single axis given as a number is the same as a one-element list', async () => {
      await run(bk, async () => {
        const x = randomArray(5 * 6 * 7, 3, -1, 1);
        const { out: want } = naiveReduce(x, [5, 6, 7], [-2], false, false);
        const out = sum(tensor(x, [5, 6, 7]), -2);
        expect(out.shape).toEqual([5, 7]);
        expectClose(await out.data(), want, 1e-5, 1e-6, 'sum axis -2');
      });
    });

    it('more than 65535 outputs: the workgroup grid spills into y', async () => {
      await run(bk, async () => {
        const shape = [2, 66001];
        const x = randomArray(size(shape), 12, -1, 1);
        const { out: want } = naiveReduce(x, shape, [0], false, false);
        const out = sum(tensor(x, shape), 0);
        expect(out.shape).toEqual([66001]);
        expectClose(await out.data(), want, 1e-6, 1e-6, 'sum over axis 0 of [2, 66001]');
      });
    });

    it('mean of mixed-sign values that cancel: exact zero mean, small atol', async () => {
      await run(bk, async () => {
        // Row i holds +v and -v pairs: every row mean is 0.
        const cols = 127;
        const rows = 7;
        const x = new Float32Array(rows * (cols + 1));
        const v = randomArray(rows * ((cols + 1) / 2), 9, 0, 100);
        for (let i = 0; i < rows; i++) for (let j = 0; j < (cols + 1) / 2; j++) {
          x[i * (cols + 1) + 2 * j] = v[i * ((cols + 1) / 2) + j]!;
          x[i * (cols + 1) + 2 * j + 1] = -v[i * ((cols + 1) / 2) + j]!;
        }
        const out = mean(tensor(x, [rows, cols + 1]), 1);
        expectClose(await out.data(), new Float64Array(rows), 0, 1e-4, 'cancelling mean');
      });
    });
  });
});

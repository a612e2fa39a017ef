/**
 * permute against a naive index shuffle: ranks 1 to 8, NCHW <-> NHWC, negative dims, the
 * identity and size-1 dims; backward (the inverse permutation) by gradcheck; errors.
 */
import { describe, expect, it } from 'vitest';
import { ShapeError, gradcheck, mul, permute, tensor } from '../src/index.js';
import { BACKENDS, expectClose, randomArray, run, skipReason } from './helpers.js';

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** out[j] = x[k] with k[dims[i]] = j[i], walking out's multi-index j. */
function naivePermute(x: ArrayLike<number>, shape: number[], dims: number[]): { shape: number[]; out: Float64Array } {
  const r = shape.length;
  const p = dims.map((d) => (d < 0 ? d + r : d));
  const outShape = p.map((d) => shape[d]!);
  const out = new Float64Array(size(shape));
  const j = new Array<number>(r).fill(0);
  for (let o = 0; o < out.length; o++) {
    let rem = o;
    for (let d = r - 1; d >= 0; d--) {
      j[d] = rem % outShape[d]!;
      rem = Math.floor(rem / outShape[d]!);
    }
    const k = new Array<number>(r);
    p.forEach((d, i) => { k[d] = j[i]!; });
    out[o] = x[k.reduce((acc, v, d) => acc * shape[d]! + v, 0)]!;
  }
  return { shape: outShape, out };
}

const CASES: { shape: number[]; dims: number[] }[] = [
  { shape: [5], dims: [0] },
  { shape: [3, 7], dims: [1, 0] },
  { shape: [2, 3, 7, 9], dims: [0, 2, 3, 1] }, // NCHW -> NHWC
  { shape: [2, 7, 9, 3], dims: [0, 3, 1, 2] }, // NHWC -> NCHW
  { shape: [2, 3, 4], dims: [-1, 0, -2] },
  { shape: [3, 1, 5, 1], dims: [3, 2, 1, 0] },
  { shape: [2, 3, 4, 5], dims: [0, 1, 2, 3] },
  { shape: [2, 1, 3, 2, 1, 2, 3, 2], dims: [7, 5, 3, 1, 0, 2, 4, 6] },
];

describe.each(BACKENDS)('permute on %s', (bk) => {
  describe.skipIf(skipReason(bk))('', () => {
    it.each(CASES)('$shape by $dims', async ({ shape, dims }) => {
      await run(bk, async () => {
        const x = randomArray(size(shape), 3 + size(shape));
        const want = naivePermute(x, shape, dims);
        const out = permute(tensor(x, shape), dims);
        expect(out.shape).toEqual(want.shape);
        expectClose(await out.data(), want.out, 0, 0, 'permute');
      });
    });

    it('gradcheck: backward is the inverse permutation', async () => {
      await run(bk, async () => {
        for (const dims of [[0, 2, 3, 1], [2, 0, 3, 1], [-1, -3, -2, -4]]) {
          const x = tensor(randomArray(2 * 3 * 4 * 5, 11), [2, 3, 4, 5]);
          // Squared, so the gradient depends on where each value went.
          const r = await gradcheck((t) => { const p = permute(t, dims); return mul(p, p); }, [x], { atol: 1e-4, rtol: 1e-3 });
          expect(r.ok, `${JSON.stringify(dims)}: worst ${r.worst}`).toBe(true);
        }
      });
    });

    it('refuses dims that are not a permutation, naming them', async () => {
      await run(bk, () => {
        const x = tensor(randomArray(24), [2, 3, 4]);
        expect(() => permute(x, [0, 1])).toThrow(new ShapeError('permute: dims [0,1] must name each of the 3 dims of [2,3,4] once'));
        expect(() => permute(x, [0, 1, 1])).toThrow(new ShapeError('permute: dims [0,1,1] repeat a dim of [2,3,4]'));
        expect(() => permute(x, [0, -1, 2])).toThrow(/repeat a dim/);
        expect(() => permute(x, [0, 1, 3])).toThrow(/axis 3 is out of range for rank 3/);
        expect(() => permute(x, [0, 1, 1.5])).toThrow(ShapeError);
      });
    });
  });
});

/**
 * avgPool2d and maxPool2d against naive float64 loops written here: odd sizes where the
 * floor drops rows and columns, batch 1 and 3, C = 3 and 5, kernels 2, 3 and [2, 3],
 * strides 1 and 2 (overlapping windows); backward against the naive scatter (max with many
 * ties: the first maximum in scan order on both backends); gradcheck; error messages.
 */
import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError, avgPool2d, backward, gradcheck, maxPool2d, mul, sum, tensor, type Size2, type Tensor } from '../src/index.js';
import { BACKENDS, expectClose, randomArray, run, skipReason } from './helpers.js';

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const pair = (v: Size2): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

/** PyTorch's output size: floor((H - kh) / sh) + 1 by floor((W - kw) / sw) + 1. */
function outShape(shape: number[], k: Size2, s: Size2): number[] {
  const [[kh, kw], [sh, sw]] = [pair(k), pair(s)];
  return [shape[0]!, shape[1]!, Math.floor((shape[2]! - kh) / sh) + 1, Math.floor((shape[3]! - kw) / sw) + 1];
}

/** Forward and the gradient of sum(y * w), by the definition: window by window, in float64. */
function naive(x: ArrayLike<number>, shape: number[], k: Size2, s: Size2, max: boolean, w: ArrayLike<number>): { y: Float64Array; dx: Float64Array } {
  const [N, C, H, W] = shape as [number, number, number, number];
  const [kh, kw] = pair(k);
  const [sh, sw] = pair(s);
  const [, , OH, OW] = outShape(shape, k, s) as [number, number, number, number];
  const y = new Float64Array(N * C * OH * OW);
  const dx = new Float64Array(size(shape));
  for (let p = 0; p < N * C; p++) for (let i = 0; i < OH; i++) for (let j = 0; j < OW; j++) {
    const o = (p * OH + i) * OW + j;
    const cells: number[] = [];
    for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) cells.push((p * H + i * sh + a) * W + j * sw + b);
    if (max) {
      // First maximum in row-major scan order.
      const at = cells.reduce((best, c) => (x[c]! > x[best]! ? c : best), cells[0]!);
      y[o] = x[at]!;
      dx[at] += w[o]!;
    } else {
      y[o] = cells.reduce((acc, c) => acc + x[c]!, 0) / cells.length;
      for (const c of cells) dx[c] += w[o]! / cells.length;
    }
  }
  return { y, dx };
}

interface Case {
  shape: number[];
  k: Size2;
  s?: Size2;
}

const CASES: Case[] = [
  { shape: [1, 3, 7, 9], k: 2 }, // floor drops row 6 and column 8
  { shape: [3, 5, 7, 9], k: 2, s: 1 }, // overlapping
  { shape: [3, 5, 7, 9], k: 3 },
  { shape: [1, 3, 7, 9], k: 3, s: 2 }, // overlapping, floor drops nothing
  { shape: [3, 3, 8, 8], k: 3, s: 2 }, // overlapping, floor drops the last row and column
  { shape: [1, 5, 7, 9], k: [2, 3], s: [1, 2] },
  { shape: [3, 3, 6, 6], k: 2, s: 3 }, // gaps between windows
  { shape: [1, 3, 3, 4], k: [3, 4] }, // one window: global pooling
  { shape: [2, 3, 6, 10], k: 2 }, // windows tile the input: a thread per window in backward
  { shape: [3, 5, 9, 4], k: [3, 2] }, // tiling with unequal sides
];

describe.each(BACKENDS)('pooling on %s', (bk) => {
  describe.skipIf(skipReason(bk))('', () => {
    describe.each([
      { name: 'avgPool2d', f: avgPool2d, max: false },
      { name: 'maxPool2d', f: maxPool2d, max: true },
    ])('$name', ({ name, f, max }) => {
      it.each(CASES)('$shape, kernel $k, stride $s: forward and backward', async ({ shape, k, s }) => {
        await run(bk, async () => {
          const xv = randomArray(size(shape), 5 + size(shape), -2, 2);
          const os = outShape(shape, k, s ?? k);
          const w = randomArray(size(os), 9);
          const ref = naive(xv, shape, k, s ?? k, max, w);
          const x = tensor(xv, shape).requireGrad();
          const y = f(x, k, s);
          expect(y.shape).toEqual(os);
          expectClose(await y.data(), ref.y, 1e-6, 1e-6, `${name} y`);
          backward(sum(mul(y, tensor(w, os))));
          expectClose(await x.grad!.data(), ref.dx, 1e-5, 1e-6, `${name} dx`);
        });
      });

      it('gradcheck with distinct values (no ties)', async () => {
        await run(bk, async () => {
          // A shuffled ramp: every two values differ by at least 0.05, far beyond the step.
          const n = 2 * 3 * 5 * 5;
          const order = Array.from(randomArray(n, 61), (v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
          const xv = new Float32Array(n);
          order.forEach(([, i], r) => { xv[i] = r * 0.05 - 3; });
          for (const [k, s] of [[2, 2], [3, 1], [2, 1]] as const) {
            const r = await gradcheck((t: Tensor) => f(t, k, s), [tensor(xv, [2, 3, 5, 5])], { atol: 1e-3, rtol: 1e-2 });
            expect(r.ok, `${name} kernel ${k} stride ${s}: worst ${r.worst}`).toBe(true);
            expect(r.numeric[0]!.some((v) => Math.abs(v) > 1e-3)).toBe(true);
          }
        });
      });
    });

    it('maxPool2d ties: the gradient goes to the first maximum in scan order', async () => {
      await run(bk, async () => {
        // [3, 5, 8, 6] with 2 x 2 windows: they tile it (the backward's thread-per-window path).
        const ties: [number[], number, number][] = [[[3, 5, 7, 9], 2, 2], [[3, 5, 7, 9], 3, 1], [[3, 5, 7, 9], 3, 2], [[3, 5, 8, 6], 2, 2]];
        for (const [shape, k, s] of ties) {
          // Three levels only: most windows hold several equal maxima.
          const xv = randomArray(size(shape), 71, 0, 3).map(Math.floor);
          const os = outShape(shape, k, s);
          const w = randomArray(size(os), 72);
          const x = tensor(xv, shape).requireGrad();
          backward(sum(mul(maxPool2d(x, k, s), tensor(w, os))));
          // A gradient routed to another of the tied elements would be off by O(1).
          expectClose(await x.grad!.data(), naive(xv, shape, k, s, true, w).dx, 1e-6, 1e-6, `ties, ${shape}, kernel ${k} stride ${s}`);
        }
      });
    });

    it('refuses bad shapes and sizes, naming them', async () => {
      await run(bk, () => {
        const x = tensor(randomArray(2 * 3 * 4 * 5), [2, 3, 4, 5]);
        expect(() => maxPool2d(x, 5)).toThrow(new ShapeError('maxPool2d: kernel [5,5] does not fit input [2,3,4,5] (spatial [4,5]): output size would be [2,3,0,1]'));
        expect(() => avgPool2d(x, [2, 6], 1)).toThrow(/avgPool2d: kernel \[2,6\] does not fit input \[2,3,4,5\].*\[2,3,3,0\]/);
        expect(() => avgPool2d(tensor(randomArray(20), [4, 5]), 2)).toThrow(new ShapeError('avgPool2d: expected input [N, C, H, W], got [4,5]'));
        expect(() => maxPool2d(x, 0)).toThrow(new ValueError('maxPool2d: kernel must be a positive integer or two of them [h, w], got 0'));
        expect(() => maxPool2d(x, 1.5)).toThrow(ValueError);
        expect(() => avgPool2d(x, [2] as unknown as Size2)).toThrow(/kernel must be .* got \[2\]/);
        expect(() => avgPool2d(x, 2, [1, 0])).toThrow(/stride must be a positive integer or two of them \[h, w\], got \[1,0\]/);
      });
    });
  });
});

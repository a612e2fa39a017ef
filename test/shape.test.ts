/**
 * Shape ops: reshape and flatten are views (same values, no new buffer, shared storage),
 * concat and slice copy, checked against arrays built by hand with index loops.
 */
import { describe, expect, it } from 'vitest';
import { concat, flatten, gpu, memory, reshape, slice, tensor, type Tensor } from '../src/index.js';
import { BACKENDS, expectClose, randomArray, run, skipReason } from './helpers.js';

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Element at multi-index `idx` of a row-major array of `shape`. */
function at(x: ArrayLike<number>, shape: number[], idx: number[]): number {
  let o = 0;
  for (let d = 0; d < shape.length; d++) o = o * shape[d]! + idx[d]!;
  return x[o]!;
}

/** Every multi-index of `shape` in row-major order. */
function* indices(shape: number[]): Generator<number[]> {
  const n = size(shape);
  for (let i = 0; i < n; i++) {
    const idx = new Array<number>(shape.length);
    let rem = i;
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d] = rem % shape[d]!;
      rem = Math.floor(rem / shape[d]!);
    }
    yield idx;
  }
}

/** concat by hand: out[..., j, ...] reads the part whose range along `axis` holds j. */
function naiveConcat(parts: { x: Float32Array; shape: number[] }[], axis: number): Float64Array {
  const r = parts[0]!.shape.length;
  const ax = axis < 0 ? axis + r : axis;
  const outShape = parts[0]!.shape.map((d, i) => (i === ax ? parts.reduce((a, p) => a + p.shape[ax]!, 0) : d));
  const out = new Float64Array(size(outShape));
  let i = 0;
  for (const idx of indices(outShape)) {
    let j = idx[ax]!;
    let p = 0;
    while (j >= parts[p]!.shape[ax]!) j -= parts[p++]!.shape[ax]!;
    const local = [...idx];
    local[ax] = j;
    out[i++] = at(parts[p]!.x, parts[p]!.shape, local);
  }
  return out;
}

/** slice by hand: out[..., j, ...] = x[..., start + j, ...]. */
function naiveSlice(x: Float32Array, shape: number[], axis: number, start: number, length: number): Float64Array {
  const ax = axis < 0 ? axis + shape.length : axis;
  const outShape = shape.map((d, i) => (i === ax ? length : d));
  const out = new Float64Array(size(outShape));
  let i = 0;
  for (const idx of indices(outShape)) {
    const src = [...idx];
    src[ax] = start + idx[ax]!;
    out[i++] = at(x, shape, src);
  }
  return out;
}

const CONCATS: { shapes: number[][]; axis: number; out: number[] }[] = [
  { shapes: [[1], [1]], axis: 0, out: [2] },
  { shapes: [[3, 5], [4, 5], [1, 5]], axis: 0, out: [8, 5] },
  { shapes: [[7, 13], [7, 1], [7, 6]], axis: 1, out: [7, 20] },
  { shapes: [[7, 13], [7, 3]], axis: -1, out: [7, 16] },
  { shapes: [[2, 3, 5], [2, 4, 5]], axis: 1, out: [2, 7, 5] },
  { shapes: [[2, 3, 5], [2, 3, 4], [2, 3, 1]], axis: -1, out: [2, 3, 10] },
  { shapes: [[65, 127], [64, 127]], axis: 0, out: [129, 127] },
  { shapes: [[65, 127], [65, 3]], axis: 1, out: [65, 130] },
  // Four inputs per WebGPU dispatch: exactly four, then five and nine (two and three dispatches).
  { shapes: [[3, 2, 5], [3, 1, 5], [3, 4, 5], [3, 3, 5]], axis: 1, out: [3, 10, 5] },
  { shapes: [[1], [2], [1], [3], [2]], axis: 0, out: [9] },
  { shapes: [[5, 1], [5, 2], [5, 1], [5, 3], [5, 1], [5, 1], [5, 2], [5, 1], [5, 4]], axis: 1, out: [5, 16] },
];

const SLICES: { shape: number[]; axis: number; start: number; length: number }[] = [
  { shape: [1], axis: 0, start: 0, length: 1 },
  { shape: [7, 13], axis: 0, start: 2, length: 3 },
  { shape: [7, 13], axis: 1, start: 3, length: 5 },
  { shape: [7, 13], axis: -1, start: 12, length: 1 },
  { shape: [3, 1, 4, 5], axis: 2, start: 1, length: 3 },
  { shape: [3, 1, 4, 5], axis: -1, start: 0, length: 4 },
  { shape: [65, 127], axis: 1, start: 60, length: 67 },
  { shape: [65, 127], axis: 0, start: 0, length: 65 },
];

describe.each(BACKENDS)('shape ops on %s', (bk) => {
  describe.skipIf(skipReason(bk))('', () => {
    it.each([
      { from: [1], to: [1, 1, 1] },
      { from: [7, 13], to: [13, -1] },
      { from: [7, 13], to: [-1] },
      { from: [3, 1, 4, 5], to: [12, -1] },
      { from: [3, 1, 4, 5], to: [3, 4, 5] },
      { from: [65, 127], to: [127, 5, -1] },
    ])('reshape $from -> $to is a view', async ({ from, to }) => {
      await run(bk, async () => {
        const x = randomArray(size(from), 5 + size(from));
        const t = tensor(x, from);
        const before = memory();
        const r = reshape(t, to);
        const after = memory();
        const free = to.indexOf(-1);
        const want = [...to];
        if (free >= 0) want[free] = size(from) / -size(to);
        expect(r.shape).toEqual(want);
        expect(after.buffersCreated).toBe(before.buffersCreated);
        expect(after.bytesInUse).toBe(before.bytesInUse);
        expect(r.storage).toBe(t.storage);
        expectClose(await r.data(), x, 0, 0, 'reshape values');
        // The view keeps the storage alive after the original is disposed.
        t.dispose();
        expectClose(await r.data(), x, 0, 0, 'view after the original is disposed');
      });
    });

    it.each([
      { from: [7, 13], start: 0, to: [91] },
      { from: [3, 1, 4, 5], start: 1, to: [3, 20] },
      { from: [3, 1, 4, 5], start: 2, to: [3, 1, 20] },
      { from: [65, 127], start: 1, to: [65, 127] },
    ])('flatten $from from dim $start -> $to is a view', async ({ from, start, to }) => {
      await run(bk, async () => {
        const x = randomArray(size(from), 9);
        const t = tensor(x, from);
        const before = memory().buffersCreated;
        const f = flatten(t, start);
        expect(memory().buffersCreated).toBe(before);
        expect(f.shape).toEqual(to);
        expect(f.storage).toBe(t.storage);
        expectClose(await f.data(), x, 0, 0, 'flatten values');
        if (start === 1) expect(t.flatten().shape).toEqual(to);
      });
    });

    it.each(CONCATS)('concat $shapes along $axis', async ({ shapes, axis, out }) => {
      await run(bk, async () => {
        const parts = shapes.map((s, i) => ({ x: randomArray(size(s), 40 + i), shape: s }));
        const ts = parts.map((p) => tensor(p.x, p.shape));
        const d0 = bk === 'webgpu' ? gpu().stats.dispatches : 0;
        const c = concat(ts, axis);
        // Where every input is one block of the output (nothing before the axis but 1s),
        // buffer copies and no dispatch; otherwise concat.wgsl, four inputs a dispatch.
        const blocks = shapes[0]!.slice(0, axis < 0 ? axis + shapes[0]!.length : axis).every((d) => d === 1);
        if (bk === 'webgpu') expect(gpu().stats.dispatches - d0, 'dispatches').toBe(blocks ? 0 : shapes.length > 1 ? Math.ceil(shapes.length / 4) : 1);
        expect(c.shape).toEqual(out);
        expectClose(await c.data(), naiveConcat(parts, axis), 0, 0, 'concat');
      });
    });

    it('concat of small hand-written tensors', async () => {
      await run(bk, async () => {
        const a = tensor([[1, 2], [3, 4]]);
        const b = tensor([[5, 6, 7], [8, 9, 10]]);
        expectClose(await concat([a, b], 1).data(), [1, 2, 5, 6, 7, 3, 4, 8, 9, 10], 0, 0, 'axis 1');
        expectClose(await concat([a, tensor([[0, -1]])], 0).data(), [1, 2, 3, 4, 0, -1], 0, 0, 'axis 0');
        expectClose(await concat([a], -1).data(), [1, 2, 3, 4], 0, 0, 'one tensor');
      });
    });

    it.each(SLICES)('slice $shape axis $axis from $start length $length', async ({ shape, axis, start, length }) => {
      await run(bk, async () => {
        const x = randomArray(size(shape), 50);
        const s = slice(tensor(x, shape), axis, start, length);
        const ax = axis < 0 ? axis + shape.length : axis;
        expect(s.shape).toEqual(shape.map((d, i) => (i === ax ? length : d)));
        expectClose(await s.data(), naiveSlice(x, shape, axis, start, length), 0, 0, 'slice');
      });
    });

    it('slice of a small hand-written tensor, and slices that concat back to the whole', async () => {
      await run(bk, async () => {
        const t = tensor([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]);
        expectClose(await slice(t, 1, 1, 2).data(), [2, 3, 6, 7, 10, 11], 0, 0, 'cols 1..3');
        expectClose(await slice(t, 0, 2, 1).data(), [9, 10, 11, 12], 0, 0, 'row 2');
        const x = randomArray(7 * 13, 60);
        const w = tensor(x, [7, 13]);
        const pieces: Tensor[] = [slice(w, 1, 0, 4), slice(w, 1, 4, 8), slice(w, 1, 12, 1)];
        expectClose(await concat(pieces, 1).data(), x, 0, 0, 'round trip');
      });
    });
  });
});

/**
 * Broadcasting and the kernels of binary.wgsl, below the autograd layer: the table of
 * binary ops (a row's position is its OP code), broadcast shapes and stride plans, the raw
 * forward and gradient launches, `expand` and in-place accumulation. None of it records
 * on the tape, so both binary.ts (the ops, whose backward sums with reduce.ts) and
 * reduce.ts (whose backward expands) build on it without importing each other. On the
 * wasm backend the broadcasts that have a rows x cols form run its kernel (src/wasm/ops.ts).
 */
import { sigmoid } from '../cpu/activations.js';
import * as cpu from '../cpu/elementwise.js';
import { ShapeError, fmtShape } from '../errors.js';
import { kernel, opCodes } from '../gpu/kernel.js';
import type { Tensor } from '../tensor.js';
import { arr, backendOf, empty, gs, isGpu, isWasm, pad8, sameShape, strides, ws, type Shape } from './util.js';
import * as wasm from '../wasm/ops.js';

export type BinaryName = 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'bceLogits' | 'first';

interface BinaryRow {
  f: (a: number, b: number) => number;
  da: (a: number, b: number) => number;
  db: (a: number, b: number) => number;
}

function bce(x: number, y: number): number {
  return Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x)));
}

/** The rows in OP-code order: binary.wgsl's switch arms carry these names in this order. */
export const BINARY: { [K in BinaryName]: BinaryRow } = {
  add: { f: (a, b) => a + b, da: () => 1, db: () => 1 },
  sub: { f: (a, b) => a - b, da: () => 1, db: () => -1 },
  mul: { f: (a, b) => a * b, da: (_a, b) => b, db: (a) => a },
  div: { f: (a, b) => a / b, da: (_a, b) => 1 / b, db: (a, b) => -a / (b * b) },
  maximum: { f: (a, b) => Math.max(a, b), da: (a, b) => (a >= b ? 1 : 0), db: (a, b) => (a < b ? 1 : 0) },
  bceLogits: { f: bce, da: (x, y) => sigmoid(x) - y, db: (x) => -x },
  // Broadcast copy of a (b unused): `expand`, the backward of sum and mean.
  first: { f: (a) => a, da: () => 1, db: () => 0 },
};

export const BINARY_CODE = opCodes(BINARY);

const forwardK = kernel({ shader: 'binary', entry: 'forward' });
const gradK = kernel({ shader: 'binary', entry: 'grad' });
const accumulateK = kernel({ shader: 'binary', entry: 'accumulate' });

/** The broadcast shape of a and b, with PyTorch's error wording. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`${op}: the size of tensor a (${da}) must match the size of tensor b (${db}) at non-singleton dimension ${i}: ${fmtShape(a)} and ${fmtShape(b)}`);
    }
    out.push(Math.max(da, db));
  }
  return out;
}

/** Strides of `shape` in the dims of `out` (right-aligned), 0 where broadcast. */
function broadcastStrides(shape: Shape, out: Shape): number[] {
  const s = strides(shape);
  const off = out.length - shape.length;
  return out.map((d, i) => (i < off || shape[i - off] === 1 ? 0 : s[i - off]!));
}

function plan(a: Shape, b: Shape, out: Shape): cpu.Broadcast | null {
  if (sameShape(a, out) && sameShape(b, out)) return null;
  return { shape: [...out], sa: broadcastStrides(a, out), sb: broadcastStrides(b, out) };
}

function launch(
  k: typeof forwardK, name: BinaryName, a: Tensor, b: Tensor | null, g: Tensor | null, out: Tensor, side: number,
  bc = plan(a.shape, b ? b.shape : out.shape, out.shape),
): void {
  const rt = out.backend;
  if (!isGpu(rt)) return;
  rt.dispatch(k, {
    bindings: { a: gs(a), b: b && gs(b), g: g && gs(g), out: gs(out) },
    params: bc ? { n: out.size, rank: bc.shape.length, shape: pad8(bc.shape), sa: pad8(bc.sa), sb: pad8(bc.sb) } : { n: out.size },
    constants: { OP: BINARY_CODE[name], BCAST: bc !== null, ...(k === gradK ? { SIDE: side } : {}) },
    threads: out.size,
  });
}

/** The op `name` broadcast to `outShape`, not recorded; `b` null only for 'first'. */
export function binaryRaw(name: BinaryName, a: Tensor, b: Tensor | null, outShape: Shape): Tensor {
  const bk = backendOf(name, a, ...(b ? [b] : []));
  const row = BINARY[name];
  const out = empty(outShape, bk);
  const bc = plan(a.shape, b ? b.shape : outShape, outShape);
  if (isGpu(bk)) launch(forwardK, name, a, b, null, out, 0, bc);
  else if (isWasm(bk)) wasm.binary(bk, BINARY_CODE[name], 0, ws(a), ws(b ?? a), null, ws(out), out.size, bc);
  else cpu.binary(row.f, arr(a), b ? arr(b) : arr(a), arr(out), out.size, bc);
  return out;
}

/** A copy of `x` broadcast to `shape` (torch.expand, materialised), not recorded. */
export function expand(x: Tensor, shape: Shape): Tensor {
  return binaryRaw('first', x, null, shape);
}

/**
 * out[i] = x[sum over d of idx_d(i) * xStrides[d]], idx(i) being i's multi-index in
 * `outShape`: a gather from x by arbitrary strides (a transpose or permute is one), run
 * by the broadcasting walk of the 'first' row, which already reads a at any strides. Not
 * recorded.
 */
export function stridedCopy(x: Tensor, outShape: Shape, xStrides: readonly number[]): Tensor {
  const out = empty(outShape, x.backend);
  const bc = { shape: [...outShape], sa: [...xStrides], sb: outShape.map(() => 0) };
  const bk = x.backend;
  if (isGpu(bk)) launch(forwardK, 'first', x, null, null, out, 0, bc);
  else if (isWasm(bk)) wasm.binary(bk, BINARY_CODE.first, 0, ws(x), ws(x), null, ws(out), out.size, bc);
  else cpu.binary(BINARY.first.f, arr(x), arr(x), arr(out), out.size, bc);
  return out;
}

/** g * d(op)/d(side) at the broadcast output shape, not recorded. */
export function binaryGrad(name: BinaryName, side: 0 | 1, a: Tensor, b: Tensor, g: Tensor): Tensor {
  const row = BINARY[name];
  const bk = g.backend;
  const out = empty(g.shape, bk);
  const bc = plan(a.shape, b.shape, g.shape);
  if (isGpu(bk)) launch(gradK, name, a, b, g, out, side, bc);
  else if (isWasm(bk)) wasm.binary(bk, BINARY_CODE[name], side, ws(a), ws(b), ws(g), ws(out), out.size, bc);
  else cpu.binaryGrad(side === 0 ? row.da : row.db, arr(a), arr(b), arr(g), arr(out), out.size, bc);
  return out;
}

/** dst += src in place (same shapes); backward uses it to add into an existing `.grad`. */
export function accumulateInto(dst: Tensor, src: Tensor): void {
  const b = backendOf('accumulate', dst, src);
  if (!sameShape(dst.shape, src.shape)) throw new ShapeError(`accumulate: shapes differ: ${fmtShape(dst.shape)} and ${fmtShape(src.shape)}`);
  if (isGpu(b)) {
    b.dispatch(accumulateK, {
      bindings: { a: gs(src), b: null, g: null, out: gs(dst) },
      params: { n: dst.size },
      threads: dst.size,
    });
  } else if (isWasm(b)) {
    wasm.binary(b, BINARY_CODE.add, 0, ws(dst), ws(src), null, ws(dst), dst.size, null);
  } else {
    const d = arr(dst);
    const s = arr(src);
    for (let i = 0; i < dst.size; i++) d[i]! += s[i]!;
  }
}

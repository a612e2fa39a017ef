/**
 * Elementwise binary ops with NumPy broadcasting, as rows of one table (OP codes of
 * binary.wgsl). Gradients of broadcast inputs are summed back to the input's shape.
 */
import { sigmoid } from '../cpu/activations.js';
import * as cpu from '../cpu/elementwise.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { grid } from '../gpu/runtime.js';
import { kernel } from '../gpu/kernel.js';
import { record } from '../autograd/tape.js';
import type { Tensor } from '../tensor.js';
import { sumTo } from './reduce.js';
import { unary } from './unary.js';
import { arr, backendOf, empty, gs, isGpu, pad8, sameShape, strides, type Shape } from './util.js';

export type BinaryName = 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'bceLogits' | 'first';

interface BinaryRow {
  code: number;
  f: (a: number, b: number) => number;
  da: (a: number, b: number) => number;
  db: (a: number, b: number) => number;
}

function bce(x: number, y: number): number {
  return Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x)));
}

export const BINARY: { [K in BinaryName]: BinaryRow } = {
  add: { code: 0, f: (a, b) => a + b, da: () => 1, db: () => 1 },
  sub: { code: 1, f: (a, b) => a - b, da: () => 1, db: () => -1 },
  mul: { code: 2, f: (a, b) => a * b, da: (_a, b) => b, db: (a) => a },
  div: { code: 3, f: (a, b) => a / b, da: (_a, b) => 1 / b, db: (a, b) => -a / (b * b) },
  maximum: { code: 4, f: (a, b) => Math.max(a, b), da: (a, b) => (a >= b ? 1 : 0), db: (a, b) => (a < b ? 1 : 0) },
  bceLogits: { code: 5, f: bce, da: (x, y) => sigmoid(x) - y, db: (x) => -x },
  // Broadcast copy of a (b unused): the backward of sum and mean.
  first: { code: 6, f: (a) => a, da: () => 1, db: () => 0 },
};

const forwardK = kernel({ shader: 'binary', entry: 'forward' });
const gradK = kernel({ shader: 'binary', entry: 'grad' });

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

function launch(k: typeof forwardK, code: number, a: Tensor, b: Tensor | null, g: Tensor | null, out: Tensor, side: number): void {
  const rt = out.backend;
  if (!isGpu(rt)) return;
  const bc = plan(a.shape, b ? b.shape : out.shape, out.shape);
  rt.dispatch(k, {
    bindings: { a: gs(a), b: b && gs(b), g: g && gs(g), out: gs(out) },
    params: bc ? { n: out.size, rank: bc.shape.length, shape: pad8(bc.shape), sa: pad8(bc.sa), sb: pad8(bc.sb) } : { n: out.size },
    constants: { OP: code, BCAST: bc !== null, ...(k === gradK ? { SIDE: side } : {}) },
    workgroups: grid(Math.ceil(out.size / 256)),
  });
}

/** The raw broadcast op; `binary('first', g, null, shape)` expands g to `shape`. */
export function binaryRaw(name: BinaryName, a: Tensor, b: Tensor | null, outShape: Shape): Tensor {
  const bk = backendOf(name, a, ...(b ? [b] : []));
  const row = BINARY[name];
  const out = empty(outShape, bk);
  if (isGpu(bk)) launch(forwardK, row.code, a, b, null, out, 0);
  else cpu.binary(row.f, arr(a), b ? arr(b) : arr(a), arr(out), out.size, plan(a.shape, b ? b.shape : outShape, outShape));
  return out;
}

/** g * d(op)/d(side) at the broadcast output shape. */
function binaryGrad(name: BinaryName, side: 0 | 1, a: Tensor, b: Tensor, g: Tensor): Tensor {
  const row = BINARY[name];
  const out = empty(g.shape, g.backend);
  if (isGpu(g.backend)) launch(gradK, row.code, a, b, g, out, side);
  else cpu.binaryGrad(side === 0 ? row.da : row.db, arr(a), arr(b), arr(g), arr(out), out.size, plan(a.shape, b.shape, g.shape));
  return out;
}

/** Applies `name` with broadcasting and records its backward. */
export function binary(name: BinaryName, a: Tensor, b: Tensor): Tensor {
  backendOf(name, a, b);
  const shape = broadcastShapes(name, a.shape, b.shape);
  const out = binaryRaw(name, a, b, shape);
  return record(out, name, [a, b], (g) => {
    const grads: (Tensor | null)[] = [null, null];
    const ins = [a, b] as const;
    for (const side of [0, 1] as const) {
      const t = ins[side];
      if (!t.requiresGrad) continue;
      if (name === 'add' || (name === 'sub' && side === 0)) grads[side] = sumTo(g, t.shape);
      else if (name === 'sub') {
        const n = unary('neg', g);
        grads[side] = sumTo(n, t.shape);
        if (grads[side] !== n) n.dispose();
      } else {
        const full = binaryGrad(name, side, a, b, g);
        grads[side] = sumTo(full, t.shape);
        if (grads[side] !== full) full.dispose();
      }
    }
    return grads;
  });
}

function scalarOp(op: string, b: number): void {
  if (typeof b !== 'number' || Number.isNaN(b)) throw new ValueError(`${op}: scalar must be a number, got ${String(b)}`);
}

/** a + b; b may be a scalar. */
export function add(a: Tensor, b: Tensor | number): Tensor {
  if (typeof b === 'number') return scalarOp('add', b), unary('addScalar', a, b);
  return binary('add', a, b);
}

/** a - b; b may be a scalar. */
export function sub(a: Tensor, b: Tensor | number): Tensor {
  if (typeof b === 'number') return scalarOp('sub', b), unary('addScalar', a, -b);
  return binary('sub', a, b);
}

/** a * b; b may be a scalar. */
export function mul(a: Tensor, b: Tensor | number): Tensor {
  if (typeof b === 'number') return scalarOp('mul', b), unary('mulScalar', a, b);
  return binary('mul', a, b);
}

/** a / b; b may be a nonzero scalar. */
export function div(a: Tensor, b: Tensor | number): Tensor {
  if (typeof b === 'number') {
    scalarOp('div', b);
    if (b === 0) throw new ValueError('div: division by the scalar 0');
    return unary('mulScalar', a, 1 / b);
  }
  return binary('div', a, b);
}

/** Elementwise max(a, b); b may be a scalar. The gradient goes to a on ties. */
export function maximum(a: Tensor, b: Tensor | number): Tensor {
  if (typeof b === 'number') return scalarOp('maximum', b), unary('maxScalar', a, b);
  return binary('maximum', a, b);
}

const accumulateK = kernel({ shader: 'binary', entry: 'accumulate' });

/** dst += src in place (same shapes); backward uses it to add into an existing `.grad`. */
export function accumulateInto(dst: Tensor, src: Tensor): void {
  const b = backendOf('accumulate', dst, src);
  if (!sameShape(dst.shape, src.shape)) throw new ShapeError(`accumulate: shapes differ: ${fmtShape(dst.shape)} and ${fmtShape(src.shape)}`);
  if (isGpu(b)) {
    b.dispatch(accumulateK, {
      bindings: { a: gs(src), b: null, g: null, out: gs(dst) },
      params: { n: dst.size },
      workgroups: grid(Math.ceil(dst.size / 256)),
    });
  } else {
    const d = arr(dst);
    const s = arr(src);
    for (let i = 0; i < dst.size; i++) d[i]! += s[i]!;
  }
}

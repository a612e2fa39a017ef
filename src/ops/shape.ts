/** Shape ops: reshape and flatten (views, no copy), concat (concat.wgsl on WebGPU) and slice (copy.wgsl), permute (binary.wgsl's strided walk). */
import * as cpu from '../cpu/elementwise.js';
import { ShapeError, fmtShape } from '../errors.js';
import { kernel } from '../gpu/kernel.js';
import { record } from '../autograd/tape.js';
import type { Tensor } from '../tensor.js';
import { stridedCopy } from './broadcast.js';
import { arr, backendOf, checkShape, empty, gs, isGpu, isWasm, sizeOf, strides, ws, type Shape } from './util.js';

const copyK = kernel({ shader: 'copy' });
const concatK = kernel({ shader: 'concat' });
/** Inputs that concat.wgsl takes in one dispatch. */
const CONCAT_INPUTS = 4;

/** A view of `x` with a new shape; one dim may be -1 and is inferred. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  backendOf('reshape', x);
  const s = [...shape];
  const free = s.indexOf(-1);
  if (free !== -1 && s.indexOf(-1, free + 1) !== -1) throw new ShapeError(`reshape: only one dim can be -1, got ${fmtShape(shape)}`);
  if (free !== -1) {
    const rest = s.reduce((a, d, i) => (i === free ? a : a * d), 1);
    if (rest <= 0 || x.size % rest !== 0) throw new ShapeError(`reshape: shape ${fmtShape(shape)} is invalid for input of size ${x.size}`);
    s[free] = x.size / rest;
  }
  checkShape('reshape', s);
  if (sizeOf(s) !== x.size) throw new ShapeError(`reshape: shape ${fmtShape(shape)} is invalid for input of size ${x.size} ${fmtShape(x.shape)}`);
  const out = x.viewAs(s);
  return record(out, 'reshape', [x], (g) => [g.viewAs(x.shape)]);
}

/** Flattens dims `startDim..` into one (torch.flatten(x, 1) by default: keeps the batch dim). */
export function flatten(x: Tensor, startDim = 1): Tensor {
  if (!Number.isInteger(startDim) || startDim < 0 || startDim >= Math.max(1, x.rank)) throw new ShapeError(`flatten: startDim ${startDim} is out of range for shape ${fmtShape(x.shape)}`);
  return reshape(x, [...x.shape.slice(0, startDim), -1]);
}

function copy2d(src: Tensor, dst: Tensor, rows: number, cols: number, srcStride: number, dstStride: number, srcOff: number, dstOff: number): void {
  const b = dst.backend;
  if (isGpu(b)) {
    b.dispatch(copyK, {
      bindings: { src: gs(src), dst: gs(dst) },
      params: { rows, cols, srcStride, dstStride, srcOff, dstOff },
      threads: rows * cols,
    });
  } else if (isWasm(b)) {
    b.k.copy2d(ws(src).ptr, ws(dst).ptr, rows, cols, srcStride, dstStride, srcOff, dstOff);
  } else {
    cpu.copy2d(arr(src), arr(dst), rows, cols, srcStride, dstStride, srcOff, dstOff);
  }
}

function normAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) throw new ShapeError(`${op}: axis ${axis} is out of range for rank ${rank}`);
  return axis < 0 ? axis + rank : axis;
}

/** Joins tensors along `axis`; all other dims must match. */
export function concat(ts: readonly Tensor[], axis = 0): Tensor {
  if (!ts || ts.length === 0) throw new ShapeError('concat: needs at least one tensor');
  backendOf('concat', ...ts);
  const first = ts[0]!;
  const ax = normAxis('concat', axis, first.rank);
  for (const t of ts) {
    if (t.rank !== first.rank || t.shape.some((d, i) => i !== ax && d !== first.shape[i])) {
      throw new ShapeError(`concat: shapes ${ts.map((x) => fmtShape(x.shape)).join(', ')} differ outside axis ${ax}`);
    }
  }
  const total = ts.reduce((a, t) => a + t.shape[ax]!, 0);
  const shape = first.shape.map((d, i) => (i === ax ? total : d));
  const outer = sizeOf(first.shape.slice(0, ax));
  const inner = sizeOf(first.shape.slice(ax + 1));
  const out = empty(shape, first.backend);
  let at = 0;
  const starts: number[] = [];
  for (const t of ts) {
    starts.push(at);
    at += t.shape[ax]!;
  }
  const b = first.backend;
  if (isGpu(b) && outer === 1) {
    // Each input is one contiguous block of the output: buffer copies, no dispatch. On
    // SwiftShader a copy is a memcpy; concat.wgsl moved the MLP GAN's joint D batch
    // (128 x 784) at 1.3 ms.
    ts.forEach((t, i) => b.copy(t.storage, b.view(out.storage, starts[i]! * inner, t.size), t.size));
  } else if (isGpu(b) && ts.length > 1) {
    // Four inputs per dispatch (a GAN step's joint D batch and its logged numbers: one each).
    for (let i0 = 0; i0 < ts.length; i0 += CONCAT_INPUTS) {
      const group = ts.slice(i0, i0 + CONCAT_INPUTS);
      const base = starts[i0]! * inner;
      const cols = [0, 1, 2, 3].map((j) => (group[j] ? group[j]!.shape[ax]! * inner : 0));
      const span = cols.reduce((x, y) => x + y, 0);
      const off = [0, 1, 2, 3].map((j) => (group[j] ? starts[i0 + j]! * inner - base : span));
      b.dispatch(concatK, {
        bindings: { s0: gs(group[0]!), s1: group[1] ? gs(group[1]) : null, s2: group[2] ? gs(group[2]) : null, s3: group[3] ? gs(group[3]) : null, dst: gs(out) },
        params: { rows: outer, width: total * inner, base, span, off1: off[1]!, off2: off[2]!, off3: off[3]!, cols0: cols[0]!, cols1: cols[1]!, cols2: cols[2]!, cols3: cols[3]! },
        threads: outer * span,
      });
    }
  } else {
    ts.forEach((t, i) => copy2d(t, out, outer, t.shape[ax]! * inner, t.shape[ax]! * inner, total * inner, 0, starts[i]! * inner));
  }
  return record(out, 'concat', [...ts], (g) => ts.map((t, i) => (t.requiresGrad ? slice(g, ax, starts[i]!, t.shape[ax]!) : null)));
}

/** `length` entries of `x` along `axis` from `start` (torch.narrow); a copy. */
export function slice(x: Tensor, axis: number, start: number, length: number): Tensor {
  backendOf('slice', x);
  const ax = normAxis('slice', axis, x.rank);
  const dim = x.shape[ax]!;
  if (!Number.isInteger(start) || !Number.isInteger(length) || start < 0 || length <= 0 || start + length > dim) {
    throw new ShapeError(`slice: range [${start}, ${start + length}) is out of bounds for axis ${ax} of size ${dim} in ${fmtShape(x.shape)}`);
  }
  const shape = x.shape.map((d, i) => (i === ax ? length : d));
  const outer = sizeOf(x.shape.slice(0, ax));
  const inner = sizeOf(x.shape.slice(ax + 1));
  const out = empty(shape, x.backend);
  copy2d(x, out, outer, length * inner, dim * inner, length * inner, start * inner, 0);
  return record(out, 'slice', [x], (g) => {
    const dx = empty(x.shape, x.backend);
    x.backend.zero(dx.storage, dx.size);
    copy2d(g, dx, outer, length * inner, length * inner, dim * inner, 0, start * inner);
    return [dx];
  });
}

/** x with its dims reordered, out.shape[i] = x.shape[p[i]]; not recorded. */
function permuteRaw(x: Tensor, p: readonly number[]): Tensor {
  const st = strides(x.shape);
  return stridedCopy(x, p.map((d) => x.shape[d]!), p.map((d) => st[d]!));
}

/**
 * torch.permute as a copy: out.shape[i] = x.shape[dims[i]] and out[j_0, ..., j_r-1] = x at
 * index k with k[dims[i]] = j_i. Dims may be negative; any rank up to 8. Backward permutes
 * the gradient by the inverse permutation.
 */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  backendOf('permute', x);
  const r = x.rank;
  if (!Array.isArray(dims) || dims.length !== r) {
    throw new ShapeError(`permute: dims ${JSON.stringify(dims)} must name each of the ${r} dims of ${fmtShape(x.shape)} once`);
  }
  const p = dims.map((d) => normAxis('permute', d, r));
  if (new Set(p).size !== r) throw new ShapeError(`permute: dims ${JSON.stringify(dims)} repeat a dim of ${fmtShape(x.shape)}`);
  const inverse = new Array<number>(r);
  p.forEach((d, i) => { inverse[d] = i; });
  return record(permuteRaw(x, p), 'permute', [x], (g) => [permuteRaw(g, inverse)]);
}

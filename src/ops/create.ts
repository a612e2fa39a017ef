/** Creation ops: tensors from data, zeros, ones, full. */
import { backend } from '../context.js';
import { ShapeError, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { checkShape, empty, sizeOf, type Shape } from './util.js';

type Nested = number | readonly Nested[];

function inferShape(v: Nested): number[] {
  const shape: number[] = [];
  let cur: Nested = v;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0] as Nested;
  }
  return shape;
}

function flatten(v: Nested, out: number[], shape: number[], depth: number): void {
  if (depth === shape.length) {
    if (typeof v !== 'number') throw new ShapeError(`tensor: ragged nested array (expected a number at depth ${depth})`);
    out.push(v);
    return;
  }
  if (!Array.isArray(v) || v.length !== shape[depth]) throw new ShapeError(`tensor: ragged nested array: expected ${shape[depth]} elements at depth ${depth}, shape ${fmtShape(shape)}`);
  for (const x of v) flatten(x, out, shape, depth + 1);
}

/**
 * A tensor on the current backend from flat values and a shape, or from nested arrays:
 * `tensor([1, 2, 3, 4], [2, 2])`, `tensor([[1, 2], [3, 4]])`.
 */
export function tensor(values: ArrayLike<number> | Nested, shape?: Shape): Tensor {
  let flat: ArrayLike<number>;
  let s: number[];
  if (shape) {
    if (typeof values === 'number') throw new ShapeError('tensor: give an array of values with a shape');
    flat = Array.isArray(values) && values.some((v) => Array.isArray(v)) ? (() => { const o: number[] = []; flatten(values as Nested, o, inferShape(values as Nested), 0); return o; })() : (values as ArrayLike<number>);
    s = [...shape];
  } else if (typeof values === 'number') {
    flat = [values];
    s = [];
  } else if (Array.isArray(values)) {
    s = inferShape(values as Nested);
    const o: number[] = [];
    flatten(values as Nested, o, s, 0);
    flat = o;
  } else {
    flat = values as ArrayLike<number>;
    s = [flat.length];
  }
  checkShape('tensor', s);
  if (flat.length !== sizeOf(s)) throw new ShapeError(`tensor: ${flat.length} values do not fill shape ${fmtShape(s)} (${sizeOf(s)} elements)`);
  const b = backend();
  const t = empty(s, b);
  b.write(t.storage, flat);
  return t;
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: Shape, value: number): Tensor {
  checkShape('full', shape);
  const b = backend();
  const t = empty(shape, b);
  if (value === 0) b.zero(t.storage, t.size);
  else b.write(t.storage, new Float32Array(t.size).fill(value));
  return t;
}

export function zeros(shape: Shape): Tensor {
  return full(shape, 0);
}

export function ones(shape: Shape): Tensor {
  return full(shape, 1);
}

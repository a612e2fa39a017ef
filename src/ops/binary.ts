/**
 * Elementwise binary ops with NumPy broadcasting and their backward: gradients of
 * broadcast inputs are summed back to the input's shape. The table and the kernel
 * launches live in broadcast.ts, which reduce.ts also uses.
 */
import { ValueError } from '../errors.js';
import { record } from '../autograd/tape.js';
import type { Tensor } from '../tensor.js';
import { binaryGrad, binaryRaw, broadcastShapes, type BinaryName } from './broadcast.js';
import { sumTo } from './reduce.js';
import { unary } from './unary.js';
import { backendOf } from './util.js';

// Re-exported for the modules that import them from here (autograd, the public index).
export { accumulateInto, binaryRaw, broadcastShapes, type BinaryName } from './broadcast.js';

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

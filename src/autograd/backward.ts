/**
 * Reverse-mode differentiation over the tape. `backward(loss)` walks the recorded nodes in
 * reverse topological order, adds gradients that meet at a tensor, and accumulates into
 * each leaf's `.grad` (so gradients add up across calls until zeroed, as in PyTorch).
 * The graph and every temporary gradient are released when it returns.
 */
import { withBackend } from '../context.js';
import { ShapeError, StateError, fmtShape } from '../errors.js';
import { accumulateInto, binaryRaw } from '../ops/binary.js';
import { ones } from '../ops/create.js';
import { empty, sameShape } from '../ops/util.js';
import { scope } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { noGrad } from './tape.js';

function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>([root]);
  const stack: [Tensor, number][] = [[root, 0]];
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    const [t, i] = top;
    const inputs = t.node?.inputs ?? [];
    if (i < inputs.length) {
      top[1]++;
      const next = inputs[i]!;
      if (next.requiresGrad && !seen.has(next)) {
        seen.add(next);
        stack.push([next, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order.reverse();
}

function accumulateLeaf(t: Tensor, g: Tensor): void {
  if (t.grad && t.gradIsZero) {
    t.backend.copy(g.storage, t.grad.storage, g.size);
    t.gradIsZero = false;
  } else if (t.grad) {
    accumulateInto(t.grad, g);
  } else {
    // A gradient that shares storage with another (a view) gets its own copy, so a later
    // in-place accumulation cannot write through to the other tensor.
    let own = g;
    if (g.storage.refs > 1) {
      own = empty(g.shape, g.backend);
      g.backend.copy(g.storage, own.storage, g.size);
    }
    t.grad = own.keep();
  }
}

/** Computes d(root)/d(leaf) for every leaf that requires grad; `grad` seeds a non-scalar root. */
export function backward(root: Tensor, grad?: Tensor): void {
  if (root.disposed) throw new StateError(`backward: tensor ${fmtShape(root.shape)} was used after dispose()`);
  if (!root.requiresGrad) {
    throw new StateError(`backward: tensor ${fmtShape(root.shape)} does not require grad (no input requires grad, or it was computed under noGrad)`);
  }
  if (!grad && root.size !== 1) {
    throw new StateError(`backward: grad can be implicitly created only for scalar outputs, got shape ${fmtShape(root.shape)}; pass a gradient of that shape`);
  }
  if (grad && !sameShape(grad.shape, root.shape)) throw new ShapeError(`backward: gradient shape ${fmtShape(grad.shape)} does not match tensor shape ${fmtShape(root.shape)}`);
  const order = topoOrder(root);
  noGrad(() =>
    scope(() => {
      const grads = new Map<Tensor, Tensor>();
      grads.set(root, grad ? grad.viewAs(root.shape) : withBackend(root.backend, () => ones(root.shape)));
      for (const t of order) {
        const g = grads.get(t);
        if (!g) continue;
        grads.delete(t);
        const node = t.node;
        if (!node) {
          if (t.computed) throw new StateError(`backward: the graph through tensor ${fmtShape(t.shape)} was already freed by an earlier backward(); recompute the forward pass`);
          accumulateLeaf(t, g);
          continue;
        }
        let ins: (Tensor | null)[];
        try {
          ins = node.backward(g);
        } catch (e) {
          if (e instanceof StateError && /after dispose/.test(e.message)) {
            throw new StateError(`backward: ${node.op} needs a tensor that was disposed before backward() (${e.message}); call backward() inside the scope() that ran the forward pass`);
          }
          throw e;
        }
        node.inputs.forEach((input, i) => {
          const gi = ins[i];
          if (!gi) return;
          if (!input.requiresGrad) return gi.dispose();
          const prev = grads.get(input);
          if (!prev) return grads.set(input, gi);
          grads.set(input, binaryRaw('add', prev, gi, input.shape));
          prev.dispose();
          gi.dispose();
        });
        g.dispose();
        t.node = null;
      }
    }),
  );
}

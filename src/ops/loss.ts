/**
 * Binary cross-entropy with logits (bce.wgsl): the scaled mean in one dispatch, its
 * gradient in one more. A target that requires grad, or a loss too long for one
 * workgroup, goes through the elementwise op and the mean instead. On wasm both passes
 * are kernels of src/wasm/assembly/binary.ts, in float64 like the CPU reference.
 */
import { ShapeError, fmtShape } from '../errors.js';
import { kernel } from '../gpu/kernel.js';
import { treeKernels } from './tree-size.js';
import { record } from '../autograd/tape.js';
import type { Tensor } from '../tensor.js';
import { binary } from './binary.js';
import { BINARY } from './broadcast.js';
import { mean } from './reduce.js';
import { unary } from './unary.js';
import { arr, backendOf, empty, gs, isGpu, isWasm, sameShape, ws } from './util.js';

// One workgroup for the whole sum, sized to it (src/ops/tree-size.ts).
const lossK = treeKernels({ shader: 'bce', entry: 'loss' });
const gradK = kernel({ shader: 'bce', entry: 'grad' });

/** Longest loss summed by one workgroup; past it a tree reduction over many is faster. */
export const FUSED_BCE_MAX = 16384;

/**
 * Mean binary cross-entropy of logits x against targets y in [0, 1], computed stably as
 * mean(max(x,0) - x*y + log(1 + exp(-|x|))); its gradient is (sigmoid(x) - y) / n.
 */
export function bceWithLogits(logits: Tensor, target: Tensor): Tensor {
  return scaledBceWithLogits(logits, target, 1);
}

/**
 * `scale` times bceWithLogits: the GAN trainer's joint D step (the real and the fake batch
 * as one) weighs its mean by 2, folded here into the same two dispatches.
 */
export function scaledBceWithLogits(logits: Tensor, target: Tensor, scale: number): Tensor {
  const b = backendOf('bceWithLogits', logits, target);
  if (!sameShape(logits.shape, target.shape)) {
    throw new ShapeError(`bceWithLogits: target size ${fmtShape(target.shape)} must be the same as input size ${fmtShape(logits.shape)}`);
  }
  const n = logits.size;
  if (target.requiresGrad || n > FUSED_BCE_MAX || n === 0) {
    const per = binary('bceLogits', logits, target);
    const m = mean(per);
    per.dispose();
    if (scale === 1) return m;
    const s = unary('mulScalar', m, scale);
    m.dispose();
    return s;
  }
  const k = scale / n;
  const out = empty([], b);
  if (isGpu(b)) {
    b.dispatch(lossK(n), { bindings: { x: gs(logits), y: gs(target), out: gs(out), g: null }, params: { n, scale: k }, workgroups: [1] });
  } else if (isWasm(b)) {
    b.k.bceLoss(n, ws(logits).ptr, ws(target).ptr, ws(out).ptr, k);
  } else {
    // The CPU reference: the elementwise op's own row, summed.
    const { f } = BINARY.bceLogits;
    const x = arr(logits), y = arr(target);
    let acc = 0;
    for (let i = 0; i < n; i++) acc += f(x[i]!, y[i]!);
    arr(out)[0] = acc * k;
  }
  return record(out, 'bceLogits', [logits, target], (g) => {
    const dx = empty(logits.shape, b);
    if (isGpu(b)) {
      b.dispatch(gradK, { bindings: { x: gs(logits), y: gs(target), out: gs(dx), g: gs(g) }, params: { n, scale: k }, threads: n });
    } else if (isWasm(b)) {
      b.k.bceGrad(n, ws(logits).ptr, ws(target).ptr, ws(dx).ptr, arr(g)[0]! * k);
    } else {
      const { da } = BINARY.bceLogits;
      const x = arr(logits), y = arr(target), d = arr(dx), up = arr(g)[0]! * k;
      for (let i = 0; i < n; i++) d[i] = da(x[i]!, y[i]!) * up;
    }
    return [dx, null];
  });
}

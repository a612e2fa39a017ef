/**
 * The tape: ops call `record()` after computing their output. A node is kept only when
 * some input requires grad and recording is on (not inside `noGrad`), so inference and
 * the optimizer's own work cost nothing here.
 */
import type { Tensor } from '../tensor.js';

/**
 * Every op that records a backward rule. `record()` takes only these names, and each op
 * family's rule table is typed over its slice of them (`{ [K in UnaryName]: UnaryRow }`),
 * so a name without a rule, or a rule for no op, does not compile.
 */
export const OP_NAMES = [
  'matmul',
  'neg', 'exp', 'log', 'sqrt', 'relu', 'leakyRelu', 'tanh', 'sigmoid', 'addScalar', 'mulScalar', 'maxScalar', 'abs', 'square',
  'add', 'sub', 'mul', 'div', 'maximum', 'bceLogits', 'first',
  'sum', 'mean', 'reshape', 'concat', 'slice', 'dropout',
  'batchNorm2d', 'avgPool2d', 'maxPool2d', 'permute',
  'conv2d', 'convTranspose2d',
] as const;

export type OpName = (typeof OP_NAMES)[number];

let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

/** Runs `fn` without recording: nothing inside it can be differentiated (torch.no_grad). */
export function noGrad<T>(fn: () => T): T {
  const prev = enabled;
  enabled = false;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}

/**
 * Attaches `backward` to `out` if any input requires grad. `backward(g)` returns one
 * gradient per input (null where that input needs none), each a fresh tensor the caller owns.
 */
export function record(out: Tensor, op: OpName, inputs: Tensor[], backward: (g: Tensor) => (Tensor | null)[]): Tensor {
  if (enabled && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out.node = { op, inputs, backward };
    out.computed = true;
  }
  return out;
}

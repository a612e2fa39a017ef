/**
 * gradcheck: compares the gradients that autograd computes (on the inputs' backend, so on
 * the GPU for webgpu tensors) with float64 central differences of the same function
 * evaluated on the float64 CPU reference backend.
 */
import { CpuBackend } from '../cpu/backend.js';
import { withBackend } from '../context.js';
import { tensor } from '../ops/create.js';
import { mul } from '../ops/binary.js';
import { sum } from '../ops/reduce.js';
import { scope } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { backward } from './backward.js';
import { noGrad } from './tape.js';
import type { CpuStorage } from '../backend.js';

export interface GradcheckOptions {
  /** Central-difference step (default 1e-6 in float64). */
  eps?: number;
  atol?: number;
  rtol?: number;
}

export interface GradcheckResult {
  ok: boolean;
  /** The largest |analytic - numeric| - rtol * |numeric| over all entries. */
  worst: number;
  analytic: Float64Array[];
  numeric: Float64Array[];
}

const f64 = new CpuBackend('float64');

/**
 * Checks d(sum(fn(inputs) * w))/d(inputs) for a fixed random weighting w, so a
 * non-scalar output is checked in every entry at once.
 */
export async function gradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions = {}): Promise<GradcheckResult> {
  const { eps = 1e-6, atol = 1e-4, rtol = 1e-3 } = opts;
  const values = await Promise.all(inputs.map((t) => t.data()));
  // Weights from a fixed LCG: independent of the engine's own generator under test.
  let s = 12345;
  const outShape = noGrad(() => scope(() => [...fn(...inputs).shape]));
  const nOut = outShape.reduce((a, b) => a * b, 1);
  const w = Float64Array.from({ length: nOut }, () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1);

  // Analytic, on the inputs' own backend.
  const analytic = await (async () => {
    const leaves = inputs.map((t) => t.detach().requireGrad());
    // Forward and backward in one scope: the tape needs the intermediates until backward ends.
    scope(() => backward(sum(mul(fn(...leaves), withBackend(inputs[0]!.backend, () => tensor(w, outShape))))));
    const grads = await Promise.all(leaves.map(async (l) => (l.grad ? Float64Array.from(await l.grad.data()) : new Float64Array(l.size))));
    for (const l of leaves) {
      l.grad?.dispose();
      l.dispose();
    }
    return grads;
  })();

  // Numeric, in float64 on the CPU.
  const numeric = withBackend(f64, () =>
    noGrad(() => {
      const xs = inputs.map((t, i) => tensor(values[i]!, t.shape));
      const wt = tensor(w, outShape);
      const f = (): number => scope(() => ((sum(mul(fn(...xs), wt)).storage as CpuStorage).data[0]!));
      const out = xs.map((x) => {
        const d = (x.storage as CpuStorage).data;
        const g = new Float64Array(x.size);
        for (let i = 0; i < x.size; i++) {
          const orig = d[i]!;
          d[i] = orig + eps;
          const fp = f();
          d[i] = orig - eps;
          const fm = f();
          d[i] = orig;
          g[i] = (fp - fm) / (2 * eps);
        }
        return g;
      });
      xs.forEach((x) => x.dispose());
      wt.dispose();
      return out;
    }),
  );

  let worst = -Infinity;
  analytic.forEach((a, i) => a.forEach((v, j) => {
    const n = numeric[i]![j]!;
    worst = Math.max(worst, Math.abs(v - n) - rtol * Math.abs(n));
  }));
  return { ok: worst <= atol, worst, analytic, numeric };
}

import { describe, expect, it } from 'vitest';
import { Adam, SGD, StepDecay, Linear, mul, sum, tensor, scope, ValueError, type Tensor } from '../src/index.js';
import { BACKENDS, expectClose, randomArray, run, skipReason } from './helpers.js';

/** Sets p.grad to c by differentiating sum(p * c), then steps. */
function stepWithGrad(opt: Adam | SGD, p: Tensor, c: Float32Array): void {
  opt.zeroGrad();
  scope(() => sum(mul(p, tensor(c, p.shape))).backward());
  opt.step();
}

const SHAPE = [7, 13];
const N = 91;

describe.each(BACKENDS)('optimizers on %s', (bk) => {
  describe.skipIf(skipReason(bk))('', () => {
    it('Adam matches the textbook update over 6 steps (with weight decay)', async () => {
      await run(bk, async () => {
        const p0 = randomArray(N, 1);
        const p = tensor(p0, SHAPE).requireGrad().keep();
        const [lr, b1, b2, eps, wd] = [0.01, 0.8, 0.99, 1e-6, 0.1];
        const opt = new Adam([p], { lr, betas: [b1, b2], eps, weightDecay: wd });
        const w = Float64Array.from(p0);
        const m = new Float64Array(N);
        const v = new Float64Array(N);
        for (let t = 1; t <= 6; t++) {
          const c = randomArray(N, 10 + t);
          stepWithGrad(opt, p, c);
          for (let i = 0; i < N; i++) {
            const g = c[i]! + wd * w[i]!;
            m[i] = b1 * m[i]! + (1 - b1) * g;
            v[i] = b2 * v[i]! + (1 - b2) * g * g;
            w[i] = w[i]! - (lr * (m[i]! / (1 - b1 ** t))) / (Math.sqrt(v[i]! / (1 - b2 ** t)) + eps);
          }
        }
        expectClose(await p.data(), w, 1e-5, 1e-6, 'Adam weights');
        const [mm] = await opt.arena.read(0);
        expectClose(mm!, m, 1e-5, 1e-6, 'Adam m');
      });
    });

    it('SGD with momentum matches PyTorch form over 5 steps; plain SGD too', async () => {
      await run(bk, async () => {
        for (const momentum of [0, 0.9]) {
          const p0 = randomArray(N, 2);
          const p = tensor(p0, SHAPE).requireGrad().keep();
          const [lr, wd] = [0.05, 0.01];
          const opt = new SGD([p], { lr, momentum, weightDecay: wd });
          const w = Float64Array.from(p0);
          const buf = new Float64Array(N);
          for (let t = 1; t <= 5; t++) {
            const c = randomArray(N, 20 + t);
            stepWithGrad(opt, p, c);
            for (let i = 0; i < N; i++) {
              let g = c[i]! + wd * w[i]!;
              if (momentum > 0) g = buf[i] = t === 1 ? g : momentum * buf[i]! + g;
              w[i] = w[i]! - lr * g;
            }
          }
          expectClose(await p.data(), w, 1e-5, 1e-6, `SGD momentum=${momentum}`);
        }
      });
    });

    it('the arena aligns every parameter and keeps their values', async () => {
      await run(bk, async () => {
        const layers = [new Linear(5, 3), new Linear(3, 1)];
        const params = layers.flatMap((l) => l.parameters());
        const before = await Promise.all(params.map((q) => q.data()));
        const opt = new Adam(params);
        const align = params[0]!.backend.alignElements;
        for (const off of opt.arena.offsets) expect(off % align).toBe(0);
        const after = await Promise.all(params.map((q) => q.data()));
        after.forEach((a, i) => expectClose(a, before[i]!, 0, 0, `param ${i}`));
      });
    });
  });
});

describe('hyperparameter validation', () => {
  it('refuses bad values with the name and the value', async () => {
    await run('cpu', () => {
      const p = tensor([1, 2], [2]).requireGrad().keep();
      expect(() => new Adam([p], { lr: -1 })).toThrow(/Adam: lr must be a finite number >= 0, got -1/);
      expect(() => new Adam([p], { lr: NaN })).toThrow(ValueError);
      expect(() => new Adam([p], { betas: [1, 0.9] })).toThrow(/beta1 must be in \[0, 1\), got 1/);
      expect(() => new Adam([p], { eps: -1e-8 })).toThrow(/eps/);
      expect(() => new SGD([p], { momentum: 1.5 })).toThrow(/momentum must be in \[0, 1\), got 1.5/);
      expect(() => new SGD([], { lr: 0.1 })).toThrow(/empty parameter list/);
      const opt = new SGD([p], { lr: 0.1 });
      expect(() => new SGD([p])).toThrow(/already belongs to another optimizer/);
      expect(() => new StepDecay(opt, -0.1)).toThrow(/decay must be a finite number >= 0/);
    });
  });

  it('StepDecay follows lr_e = lr_{e-1} / (1 + decay * e)', async () => {
    await run('cpu', () => {
      const p = tensor([1], [1]).requireGrad().keep();
      const opt = new SGD([p], { lr: 0.1 });
      const sched = new StepDecay(opt, 0.5);
      let lr = 0.1;
      for (let e = 1; e <= 4; e++) {
        lr = lr / (1 + 0.5 * e);
        expect(sched.step(e)).toBeCloseTo(lr, 12);
      }
    });
  });
});

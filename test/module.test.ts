/**
 * Module buffers (PyTorch's register_buffer), the in-place assign that updates them, the
 * Flatten and Reshape layers, and the Tensor methods seen by code that imports only
 * src/tensor.ts.
 */
import { describe, expect, it, vi } from 'vitest';
import { Adam, Linear, Module, Sequential, ShapeError, ValueError, assign, mul, scope, sum, tensor, zeros, type Tensor } from '../src/index.js';
import { Flatten, Reshape, buffer, loadStateDict, stateDict } from '../src/nn/index.js';
import { BACKENDS, expectClose, randomArray, run, skipReason } from './helpers.js';

/** A linear layer that also keeps a running mean of its inputs, as batchnorm will. */
class Tracked extends Module {
  readonly lin = new Linear(3, 2);
  readonly runningMean: Tensor = buffer(zeros([3]));
  forward(x: Tensor): Tensor {
    return this.lin.forward(x);
  }
}

describe.each(BACKENDS)('module buffers on %s', (bk) => {
  describe.skipIf(skipReason(bk))('', () => {
    it('buffers are saved and loaded with the weights but never trained', async () => {
      await run(bk, async () => {
        const m = new Sequential(new Tracked(), new Flatten());
        expect(m.namedParameters().map(([n]) => n)).toEqual(['0.lin.weight', '0.lin.bias']);
        expect(m.namedBuffers().map(([n]) => n)).toEqual(['0.runningMean']);
        const buf = m.buffers()[0]!;
        expect(buf.requiresGrad).toBe(false);
        assign(buf, tensor([1, 2, 3], [3]));
        const opt = new Adam(m.parameters(), { lr: 0.1 });
        scope(() => {
          opt.zeroGrad();
          sum(mul(m.forward(tensor(randomArray(6, 3), [2, 3])), 1)).backward();
          opt.step();
        });
        expectClose(await buf.data(), [1, 2, 3], 0, 0, 'buffer after a step');
        const sd = await stateDict(m);
        expect(Object.keys(sd)).toEqual(['0.lin.weight', '0.lin.bias', '0.runningMean']);
        expect(Array.from(sd['0.runningMean']!.data)).toEqual([1, 2, 3]);

        const fresh = new Sequential(new Tracked(), new Flatten());
        loadStateDict(fresh, sd);
        expect(Array.from(await fresh.buffers()[0]!.data())).toEqual([1, 2, 3]);
        expect(Array.from(await fresh.parameters()[0]!.data())).toEqual(Array.from(sd['0.lin.weight']!.data));
        const { ['0.runningMean']: _, ...noBuffer } = sd;
        expect(() => loadStateDict(fresh, noBuffer)).toThrow(/missing tensor "0.runningMean"/);
        const poisoned = { ...sd, '0.lin.bias': { shape: [2], data: new Float32Array([NaN, Infinity]) } };
        expect(() => loadStateDict(fresh, poisoned)).toThrow('checkpoint: tensor "0.lin.bias" holds 2 non-finite values (NaN or Infinity) of 2');
        expect(Array.from(await fresh.parameters()[0]!.data())).toEqual(Array.from(sd['0.lin.weight']!.data));
      });
    });

    it('assign copies in place and refuses other shapes', async () => {
      await run(bk, async () => {
        const dst = zeros([2, 3]);
        const src = tensor(randomArray(6, 9), [2, 3]);
        assign(dst, src);
        expectClose(await dst.data(), await src.data(), 0, 0, 'assign');
        expect(() => assign(dst, zeros([3, 2]))).toThrow(/assign: shapes differ: \[2, ?3\] and \[3, ?2\]/);
      });
    });

    it('Flatten and Reshape map [B, C, H, W] <-> [B, CHW] as views', async () => {
      await run(bk, async () => {
        const v = randomArray(2 * 12, 4);
        const x = tensor(v, [2, 3, 2, 2]);
        const flat = new Flatten().forward(x);
        expect(flat.shape).toEqual([2, 12]);
        const back = new Reshape(3, 2, 2).forward(flat);
        expect(back.shape).toEqual([2, 3, 2, 2]);
        expectClose(await back.data(), v, 0, 0, 'round trip');
        expect(() => new Reshape(5, 5).forward(flat)).toThrow(ShapeError);
        expect(() => new Reshape(0, 2)).toThrow(ValueError);
      });
    });
  });
});

describe('Tensor methods', () => {
  it('exist for code that imports only src/tensor.ts', async () => {
    vi.resetModules();
    const { Tensor } = await import('../src/tensor.js');
    for (const m of ['add', 'matmul', 'sum', 'reshape', 'relu', 'backward'] as const) expect(typeof Tensor.prototype[m]).toBe('function');
  });
});

/**
 * Bad input is refused with the right error class and a message that names what was
 * wrong, with the numbers; on WebGPU, before anything is dispatched.
 */
import { describe, expect, it } from 'vitest';
import {
  DeviceError, Generator, ShapeError, StateError, ValueError, add, bceWithLogits, concat, div, dropout, flatten, gpu, init, leakyRelu, matmul,
  mean, mul, rand, randn, reshape, slice, sum, tensor, zeros, type Tensor,
} from '../src/index.js';
import { withBackend } from '../src/context.js';
import { CpuBackend } from '../src/cpu/backend.js';
import { BACKENDS, run, skipReason, type BackendName } from './helpers.js';

type ErrorClass = typeof ShapeError | typeof ValueError | typeof StateError | typeof DeviceError;

function dispatches(bk: BackendName): number {
  return bk === 'webgpu' ? gpu().stats.dispatches : 0;
}

/** Asserts `fn` throws an instance of `cls` whose message contains every fragment, and dispatched nothing. */
function expectThrows(bk: BackendName, fn: () => unknown, cls: ErrorClass, ...fragments: string[]): void {
  const before = dispatches(bk);
  let err: unknown = null;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, `expected a ${cls.name}`).toBeInstanceOf(cls);
  const msg = (err as Error).message;
  for (const f of fragments) expect(msg, `message of the ${cls.name}`).toContain(f);
  expect(dispatches(bk) - before, `dispatches before the ${cls.name}: ${msg}`).toBe(0);
}

async function expectRejects(p: () => Promise<unknown>, cls: ErrorClass, ...fragments: string[]): Promise<void> {
  let err: unknown = null;
  try {
    await p();
  } catch (e) {
    err = e;
  }
  expect(err, `expected a ${cls.name}`).toBeInstanceOf(cls);
  for (const f of fragments) expect((err as Error).message).toContain(f);
}

describe.each(BACKENDS)('errors on %s', (bk) => {
  describe.skipIf(skipReason(bk))('', () => {
    it('matmul: inner dimensions differ, naming both shapes and both sizes', async () => {
      await run(bk, () => {
        const a = zeros([3, 4]);
        expectThrows(bk, () => matmul(a, zeros([5, 6])), ShapeError, 'matmul', '[3,4]', '[5,6]', '4 vs 5');
        expectThrows(bk, () => matmul(a, zeros([6, 5]), { transB: true }), ShapeError, '[3,4]', '[6,5]', '4 vs 5');
        expectThrows(bk, () => matmul(a, zeros([4, 4]), { transA: true }), ShapeError, '[3,4]', '[4,4]', '3 vs 4');
      });
    });

    it('matmul: operands that are not 2-D', async () => {
      await run(bk, () => {
        expectThrows(bk, () => matmul(zeros([2, 3, 4]), zeros([4, 5])), ShapeError, '2-D', '[2,3,4]', '[4,5]');
        expectThrows(bk, () => matmul(zeros([4]), zeros([4, 5])), ShapeError, '2-D', '[4]');
      });
    });

    it('matmul: a bias of the wrong size, an unknown activation, a bad leakyRelu alpha or tile', async () => {
      await run(bk, () => {
        const [a, b] = [zeros([3, 4]), zeros([4, 5])];
        expectThrows(bk, () => matmul(a, b, { bias: zeros([4]) }), ShapeError, 'bias', '[5]', '[4]');
        expectThrows(bk, () => matmul(a, b, { bias: zeros([1, 5]) }), ShapeError, 'bias', '[5]', '[1,5]');
        expectThrows(bk, () => matmul(a, b, { activation: 'gelu' as never }), ValueError, 'gelu');
        expectThrows(bk, () => matmul(a, b, { activation: 'leakyRelu', alpha: -0.5 }), ValueError, 'alpha', '-0.5');
        expectThrows(bk, () => matmul(a, b, { tile: 48 as 64 }), ValueError, 'tile', '32, 64 or 128', '48');
      });
    });

    it('binary ops: shapes that do not broadcast, NaN scalars, division by the scalar 0', async () => {
      await run(bk, () => {
        expectThrows(bk, () => add(zeros([3, 4]), zeros([5])), ShapeError, 'add', '(4)', '(5)', '[3,4]', '[5]');
        expectThrows(bk, () => mul(zeros([2, 3]), zeros([3, 2])), ShapeError, 'mul', '[2,3]', '[3,2]');
        expectThrows(bk, () => add(zeros([2, 3]), Number.NaN), ValueError, 'add', 'NaN');
        expectThrows(bk, () => div(zeros([2, 3]), 0), ValueError, 'div', '0');
      });
    });

    it('bceWithLogits: logits and targets of different shapes', async () => {
      await run(bk, () => {
        expectThrows(bk, () => bceWithLogits(zeros([3, 4]), zeros([4, 3])), ShapeError, 'bceWithLogits', '[3,4]', '[4,3]');
        expectThrows(bk, () => bceWithLogits(zeros([3, 1]), zeros([3])), ShapeError, '[3,1]', '[3]');
      });
    });

    it('reshape: a wrong total size, two -1, a -1 that does not divide; flatten out of range', async () => {
      await run(bk, () => {
        const x = zeros([3, 4]);
        expectThrows(bk, () => reshape(x, [5, 5]), ShapeError, 'reshape', '[5,5]', '12');
        expectThrows(bk, () => reshape(x, [-1, -1]), ShapeError, 'reshape', 'only one', '-1');
        expectThrows(bk, () => reshape(x, [5, -1]), ShapeError, 'reshape', '[5,-1]', '12');
        expectThrows(bk, () => reshape(x, [0, -1]), ShapeError, 'reshape', '[0,-1]');
        expectThrows(bk, () => flatten(x, 2), ShapeError, 'flatten', '2', '[3,4]');
      });
    });

    it('concat: mismatched dims or ranks, a bad axis, no tensors', async () => {
      await run(bk, () => {
        expectThrows(bk, () => concat([zeros([2, 3]), zeros([2, 4])], 0), ShapeError, 'concat', '[2,3]', '[2,4]', 'axis 0');
        expectThrows(bk, () => concat([zeros([2, 3]), zeros([2, 3, 1])], 1), ShapeError, 'concat', '[2,3,1]');
        expectThrows(bk, () => concat([zeros([2, 3])], 2), ShapeError, 'concat', 'axis 2', 'rank 2');
        expectThrows(bk, () => concat([]), ShapeError, 'concat', 'at least one');
      });
    });

    it('slice: a range past the end, a negative start, a zero length, a bad axis', async () => {
      await run(bk, () => {
        const x = zeros([4, 5]);
        expectThrows(bk, () => slice(x, 1, 3, 3), ShapeError, 'slice', '[3, 6)', 'size 5', '[4,5]');
        expectThrows(bk, () => slice(x, 0, -1, 2), ShapeError, 'slice', '-1', 'size 4');
        expectThrows(bk, () => slice(x, 0, 1, 0), ShapeError, 'slice', '[1, 1)');
        expectThrows(bk, () => slice(x, 2, 0, 1), ShapeError, 'slice', 'axis 2');
      });
    });

    it('sum and mean: an axis out of range, a repeated axis', async () => {
      await run(bk, () => {
        const x = zeros([2, 3, 4]);
        expectThrows(bk, () => sum(x, 3), ShapeError, 'sum', 'axis 3', '[2,3,4]');
        expectThrows(bk, () => mean(x, [-4]), ShapeError, 'mean', 'axis -4', '[2,3,4]');
        expectThrows(bk, () => sum(x, [2, -1]), ShapeError, 'sum', 'repeated');
        expectThrows(bk, () => sum(x, 1.5), ShapeError, 'sum', '1.5');
      });
    });

    it('leakyRelu: alpha outside [0, 1)', async () => {
      await run(bk, () => {
        expectThrows(bk, () => leakyRelu(zeros([3]), -0.1), ValueError, 'leakyRelu', '-0.1');
        expectThrows(bk, () => leakyRelu(zeros([3]), 1), ValueError, 'leakyRelu', '1');
        expectThrows(bk, () => leakyRelu(zeros([3]), Number.NaN), ValueError, 'leakyRelu', 'NaN');
      });
    });

    it('dropout: p = 1, p = NaN, p < 0', async () => {
      await run(bk, () => {
        const x = zeros([3, 4]);
        expectThrows(bk, () => dropout(x, 1), ValueError, 'dropout', 'got 1');
        expectThrows(bk, () => dropout(x, Number.NaN), ValueError, 'dropout', 'NaN');
        expectThrows(bk, () => dropout(x, -0.1), ValueError, 'dropout', '-0.1');
      });
    });

    it('rand with high < low or a NaN bound; randn with a negative or NaN std; bad generator seeds', async () => {
      await run(bk, () => {
        expectThrows(bk, () => rand([3], { low: 2, high: 1 }), ValueError, 'rand', '2', '1');
        expectThrows(bk, () => rand([3], { low: Number.NaN }), ValueError, 'rand', 'NaN');
        expectThrows(bk, () => randn([3], { std: -1 }), ValueError, 'randn', 'std -1');
        expectThrows(bk, () => randn([3], { std: Number.NaN }), ValueError, 'randn', 'NaN');
        expectThrows(bk, () => new Generator(-1), ValueError, 'Generator', '-1');
        expectThrows(bk, () => new Generator(1.5), ValueError, 'Generator', '1.5');
        expectThrows(bk, () => new Generator(2 ** 32), ValueError, 'Generator', String(2 ** 32));
      });
    });

    it('tensor(): too few or too many values, ragged nested arrays', async () => {
      await run(bk, () => {
        expectThrows(bk, () => tensor([1, 2, 3], [2, 2]), ShapeError, 'tensor', '3 values', '[2,2]', '4');
        expectThrows(bk, () => tensor([1, 2, 3, 4, 5], [2, 2]), ShapeError, 'tensor', '5 values', '[2,2]');
        expectThrows(bk, () => tensor([[1, 2], [3]]), ShapeError, 'tensor', 'ragged');
        expectThrows(bk, () => tensor([[1, 2], 3] as never), ShapeError, 'tensor', 'ragged');
        expectThrows(bk, () => tensor([[[1], [2]], [[3, 4], [5, 6]]]), ShapeError, 'tensor', 'ragged');
      });
    });

    it('negative, zero and non-integer dims', async () => {
      await run(bk, () => {
        expectThrows(bk, () => zeros([2, -3]), ShapeError, 'positive integer', '[2,-3]');
        expectThrows(bk, () => zeros([0, 2]), ShapeError, 'positive integer', '[0,2]');
        expectThrows(bk, () => zeros([2.5]), ShapeError, 'positive integer', '[2.5]');
        expectThrows(bk, () => tensor([1, 2], [2, Number.NaN]), ShapeError, 'tensor', 'NaN');
        expectThrows(bk, () => randn([3, -1]), ShapeError, 'randn', '[3,-1]');
        expectThrows(bk, () => rand([0]), ShapeError, 'rand', '[0]');
      });
    });

    it('use after dispose: ops, reads and item() on a disposed tensor', async () => {
      await run(bk, async () => {
        const t = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
        const u = zeros([2, 3]);
        t.dispose();
        expectThrows(bk, () => add(u, t), StateError, 'add', '[2,3]', 'dispose');
        expectThrows(bk, () => t.relu(), StateError, 'relu', 'dispose');
        expectThrows(bk, () => matmul(t, zeros([3, 2])), StateError, 'matmul', 'dispose');
        expectThrows(bk, () => reshape(t, [6]), StateError, 'reshape', 'dispose');
        await expectRejects(() => t.data(), StateError, '[2,3]', 'dispose');
        // A second dispose is harmless.
        t.dispose();
        await expectRejects(() => u.item(), StateError, 'item', '6 elements', '[2,3]');
      });
    });

    it('backward: a non-scalar without a gradient, a wrong gradient shape, a tensor that needs no grad', async () => {
      await run(bk, () => {
        const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]).requireGrad();
        const y = mul(x, 2);
        expectThrows(bk, () => y.backward(), StateError, 'backward', 'scalar', '[2,3]');
        expectThrows(bk, () => y.backward(zeros([3, 2])), ShapeError, 'backward', '[3,2]', '[2,3]');
        const c = sum(tensor([1, 2, 3]));
        expectThrows(bk, () => c.backward(), StateError, 'backward', 'does not require grad');
      });
    });

    it('backward twice through the same graph', async () => {
      await run(bk, async () => {
        const x = tensor([1, 2, 3]).requireGrad();
        const loss = sum(mul(x, x));
        loss.backward();
        expect(Array.from(await x.grad!.data())).toEqual([2, 4, 6]);
        expectThrows(bk, () => loss.backward(), StateError, 'backward', 'already freed');
        // The failed call must not have touched the gradient that the first one left.
        expect(Array.from(await x.grad!.data())).toEqual([2, 4, 6]);
      });
    });

    it('init with an unknown backend leaves the current one working', async () => {
      await run(bk, async () => {
        await expectRejects(() => init({ backend: 'tpu' as never }), ValueError, 'init', '"tpu"');
        expect(Array.from(await add(tensor([1, 2]), 1).data())).toEqual([2, 3]);
      });
    });
  });
});

describe.skipIf(skipReason('webgpu'))('mixing backends', () => {
  it('an op on a cpu tensor and a webgpu tensor names both backends', async () => {
    await run('webgpu', () => {
      const g = tensor([1, 2, 3]);
      const c: Tensor = withBackend(new CpuBackend(), () => tensor([1, 2, 3]));
      expect(c.backend.kind).toBe('cpu');
      expectThrows('webgpu', () => add(g, c), StateError, 'add', 'different backends', 'webgpu', 'cpu');
      expectThrows('webgpu', () => matmul(c.reshape([3, 1]), g.reshape([1, 3])), StateError, 'matmul', 'cpu', 'webgpu');
      expectThrows('webgpu', () => concat([g, c]), StateError, 'concat', 'different backends');
      expectThrows('webgpu', () => bceWithLogits(g, c), StateError, 'bceWithLogits', 'different backends');
    });
  });
});

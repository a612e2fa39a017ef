import { describe, expect, it } from 'vitest';
import { Adam, Dropout, Generator, LeakyReLU, Linear, ReLU, Sequential, Sigmoid, Tanh, gpu, memory, scope, tensor } from '../src/index.js';
import { MLP_IN as IN, iteration, mlp } from './fixtures.js';
import { bucketBytes } from '../src/gpu/pool.js';
import { BACKENDS, randomArray, run, skipReason } from './helpers.js';

async function losses(bk: 'cpu' | 'webgpu', steps: number): Promise<number[]> {
  return run(bk, async () => {
    const model = mlp(7);
    const opt = new Adam(model.parameters(), { lr: 0.01 });
    const out: number[] = [];
    for (let i = 0; i < steps; i++) {
      const l = iteration(model, opt, i);
      out.push(await l.item());
      l.dispose();
    }
    return out;
  });
}

describe.skipIf(skipReason('webgpu'))('training on both backends', () => {
  it('a 2-layer MLP trained 20 steps from one seed gives the same losses on cpu and webgpu (1e-3 relative)', async () => {
    const cpu = await losses('cpu', 20);
    const gpuL = await losses('webgpu', 20);
    for (let i = 0; i < 20; i++) expect(Math.abs(gpuL[i]! - cpu[i]!) / Math.abs(cpu[i]!), `step ${i}: ${gpuL[i]} vs ${cpu[i]}`).toBeLessThan(1e-3);
    expect(cpu[19]!).toBeLessThan(cpu[0]!);
  });

  it('one training iteration is exactly one submit', async () => {
    await run('webgpu', async () => {
      const model = mlp(3);
      const opt = new Adam(model.parameters(), { lr: 0.01 });
      iteration(model, opt, 0).dispose();
      const rt = gpu();
      const s0 = { ...rt.stats };
      iteration(model, opt, 1).dispose();
      const submits = rt.stats.submits - s0.submits;
      const dispatches = rt.stats.dispatches - s0.dispatches;
      console.log(`MLP ${IN}-32-1 iteration (forward, BCE, backward, Adam): ${submits} submit, ${dispatches} dispatches, ${rt.stats.uploads - s0.uploads} uploads, ${rt.stats.pipelines - s0.pipelines} new pipelines, ${rt.stats.bindGroups - s0.bindGroups} new bind groups`);
      expect(submits).toBe(1);
      // forward: 2 fused matmuls and the fused BCE mean (3); backward: BCE's gradient, the
      // last layer's dW (with db) and dX, and the first layer's dW (with db), which reads
      // LeakyReLU's derivative as it goes (4); Adam (1).
      expect(dispatches).toBe(8);
      expect(rt.stats.readbacks - s0.readbacks).toBe(0);
      expect(rt.stats.pipelines - s0.pipelines).toBe(0);
    });
  });

  it('the pool stops growing: bytes and buffers flat from iteration 10 to 500', async () => {
    await run('webgpu', async () => {
      const before = memory();
      const model = mlp(5);
      const opt = new Adam(model.parameters(), { lr: 0.01 });
      let at10 = memory();
      for (let i = 0; i < 500; i++) {
        const l = iteration(model, opt, i);
        if (i % 100 === 99) await l.item();
        l.dispose();
        if (i === 9) at10 = memory();
      }
      const at500 = memory();
      console.log(`pool after 10 iterations: ${JSON.stringify(at10)}; after 500: ${JSON.stringify(at500)}`);
      expect(at500.bytesInUse + at500.bytesPooled).toBe(at10.bytesInUse + at10.bytesPooled);
      expect(at500.buffersCreated).toBe(at10.buffersCreated);
      expect(at500.bytesInUse).toBe(at10.bytesInUse);
      // Between iterations nothing is alive but Adam's arena: weights, grads, m and v, each
      // one pooled buffer of the bucket that holds the aligned parameter count.
      const arena = 4 * bucketBytes(opt.arena.total * 4);
      console.log(`in use between iterations: ${at10.bytesInUse - before.bytesInUse} bytes (the arena: 4 x ${arena / 4}); pool grew by ${at10.buffersCreated - before.buffersCreated} buffers, ${at10.bytesPooled - before.bytesPooled} bytes pooled`);
      expect(at10.bytesInUse - before.bytesInUse).toBe(arena);
    });
  });
});

describe.each(BACKENDS)('modules on %s', (bk) => {
  describe.skipIf(skipReason(bk))('', () => {
    it('names parameters like PyTorch and sizes them [out, in]', async () => {
      await run(bk, () => {
        const m = new Sequential(new Linear(4, 3), new ReLU(), new Dropout(0.5), new Linear(3, 2, { bias: false }), new Tanh(), new Sigmoid());
        expect(m.namedParameters().map(([n, p]) => `${n}:${p.shape.join('x')}`)).toEqual(['0.weight:3x4', '0.bias:3', '3.weight:2x3']);
        expect(m.numParameters()).toBe(12 + 3 + 6);
      });
    });

    it('gradients add up across backward calls until zeroGrad', async () => {
      await run(bk, async () => {
        const lin = new Linear(3, 2, { generator: new Generator(1) });
        const x = tensor(randomArray(6, 9), [2, 3]);
        const once = async () => scope(() => lin.forward(x).sum().backward());
        await once();
        const g1 = await lin.weight.grad!.data();
        await once();
        const g2 = await lin.weight.grad!.data();
        g1.forEach((v, i) => expect(g2[i]).toBeCloseTo(2 * v, 5));
        // d/dW sum(x W^T + b) = column sums of x, for every output row.
        const xs = randomArray(6, 9);
        for (let o = 0; o < 2; o++) for (let i = 0; i < 3; i++) expect(g1[o * 3 + i]).toBeCloseTo(xs[i]! + xs[3 + i]!, 5);
        lin.zeroGrad();
        expect(lin.weight.grad).toBeNull();
        const opt = new Adam(lin.parameters());
        await once();
        opt.zeroGrad();
        expect(Array.from(await lin.weight.grad!.data())).toEqual([0, 0, 0, 0, 0, 0]);
      });
    });

    it('Dropout is active in train() and the identity in eval()', async () => {
      await run(bk, async () => {
        const d = new Dropout(0.5, new Generator(3));
        const x = tensor(new Float32Array(400).fill(1), [20, 20]);
        const train = await d.forward(x).data();
        const zeros = train.filter((v) => v === 0).length;
        expect(zeros).toBeGreaterThan(150);
        expect(zeros).toBeLessThan(250);
        expect(train.filter((v) => v !== 0).every((v) => Math.abs(v - 2) < 1e-6)).toBe(true);
        d.eval();
        expect(Array.from(await d.forward(x).data()).every((v) => v === 1)).toBe(true);
      });
    });

    it('a fused Linear+activation in Sequential equals the unfused layers', async () => {
      await run(bk, async () => {
        const g = new Generator(4);
        const lin = new Linear(5, 6, { generator: g });
        const act = new LeakyReLU(0.1);
        const x = tensor(randomArray(15, 5), [3, 5]);
        const fused = await new Sequential(lin, act).forward(x).data();
        const unfused = await act.forward(lin.forward(x)).data();
        fused.forEach((v, i) => expect(v).toBeCloseTo(unfused[i]!, 6));
      });
    });
  });
});

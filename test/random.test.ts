/**
 * The counter-based generator: the same seed gives the same numbers on cpu and webgpu,
 * and bit for bit on cpu and wasm; seeds and successive draws differ, the samples have the
 * right statistics, and dropout drops about p of its input, scales the rest by 1/(1-p)
 * and back-propagates that mask.
 */
import { describe, expect, it } from 'vitest';
import { Generator, dropout, manualSeed, mul, rand, randn, sum, tensor } from '../src/index.js';
import { BACKENDS, expectClose, randomArray, run, skipReason } from './helpers.js';

function stats(v: ArrayLike<number>): { mean: number; std: number } {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]!;
  const mean = s / v.length;
  let q = 0;
  for (let i = 0; i < v.length; i++) q += (v[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(q / v.length) };
}

function fraction(v: ArrayLike<number>, pred: (x: number) => boolean): number {
  let k = 0;
  for (let i = 0; i < v.length; i++) if (pred(v[i]!)) k++;
  return k / v.length;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** A fixed sequence of draws from one generator, read back: [name, values]. */
async function drawAll(seed: number): Promise<[string, Float32Array][]> {
  const g = new Generator(seed);
  const out: [string, Float32Array][] = [];
  out.push(['randn [1]', await randn([1], { generator: g }).data()]);
  out.push(['randn [7,13]', await randn([7, 13], { generator: g }).data()]);
  out.push(['rand [65,127]', await rand([65, 127], { generator: g, low: -2, high: 3 }).data()]);
  out.push(['randn [65,127] mean 3 std 0.5', await randn([65, 127], { generator: g, mean: 3, std: 0.5 }).data()]);
  out.push(['dropout [7,13]', await dropout(tensor(randomArray(7 * 13, 4, 0.5, 1.5), [7, 13]), 0.3, { generator: g }).data()]);
  out.push(['dropout [65,127]', await dropout(tensor(randomArray(65 * 127, 5, 0.5, 1.5), [65, 127]), 0.7, { generator: g }).data()]);
  out.push(['rand [1]', await rand([1], { generator: g }).data()]);
  return out;
}

const SEEDS = [0, 1234, 2 ** 32 - 1];

describe.skipIf(skipReason('webgpu'))('the same generator seed on cpu and webgpu', () => {
  async function both(seed: number): Promise<{ cpu: [string, Float32Array][]; gpu: [string, Float32Array][] }> {
    return { cpu: await run('cpu', () => drawAll(seed)), gpu: await run('webgpu', () => drawAll(seed)) };
  }

  it.each(SEEDS)('seed %i: the same rand values (within 1e-5) and the same dropout masks', async (seed) => {
    const { cpu, gpu } = await both(seed);
    cpu.forEach(([name, c], i) => {
      const g = gpu[i]![1];
      expect(g.length).toBe(c.length);
      if (name.startsWith('rand ')) expect(maxAbsDiff(g, c), name).toBeLessThanOrEqual(1e-5);
      if (name.startsWith('dropout')) {
        for (let j = 0; j < c.length; j++) expect(g[j] === 0, `${name}: mask at ${j}`).toBe(c[j] === 0);
        expect(maxAbsDiff(g, c), name).toBeLessThanOrEqual(1e-5);
      }
    });
  });

  it.each(SEEDS)('seed %i: the same randn values (within 1e-5)', async (seed) => {
    const { cpu, gpu } = await both(seed);
    cpu.forEach(([name, c], i) => {
      if (name.startsWith('randn')) expect(maxAbsDiff(gpu[i]![1], c), name).toBeLessThanOrEqual(1e-5);
    });
  });
});

describe('the same generator seed on cpu and wasm', () => {
  it.each(SEEDS)('seed %i: the same rand, randn and dropout values, bit for bit', async (seed) => {
    const cpu = await run('cpu', () => drawAll(seed));
    const wasm = await run('wasm', () => drawAll(seed));
    cpu.forEach(([name, c], i) => expect(Array.from(wasm[i]![1]), name).toEqual(Array.from(c)));
  });
});

describe.each(BACKENDS)('random numbers on %s', (bk) => {
  describe.skipIf(skipReason(bk))('', () => {
    it('the same seed repeats, different seeds and successive draws differ', async () => {
      await run(bk, async () => {
        const a = await drawAll(7);
        const b = await drawAll(7);
        const c = await drawAll(8);
        a.forEach(([name, v], i) => expectClose(b[i]![1], v, 0, 0, `repeat of ${name}`));
        // Different seeds: almost every element differs.
        for (const i of [1, 2, 3]) {
          const [name, v] = a[i]!;
          expect(fraction(v.map((x, j) => x - c[i]![1][j]!), (d) => d === 0), name).toBeLessThan(0.01);
        }
        // Successive draws of one generator differ.
        const g = new Generator(9);
        const x1 = await randn([7, 13], { generator: g }).data();
        const x2 = await randn([7, 13], { generator: g }).data();
        const u1 = await rand([7, 13], { generator: g }).data();
        const u2 = await rand([7, 13], { generator: g }).data();
        expect(fraction(x1.map((v, i) => v - x2[i]!), (d) => d === 0)).toBeLessThan(0.05);
        expect(fraction(u1.map((v, i) => v - u2[i]!), (d) => d === 0)).toBeLessThan(0.05);
      });
    });

    it('Generator.state and manualSeed replay draws', async () => {
      await run(bk, async () => {
        const g = new Generator(3);
        await randn([5], { generator: g }).data();
        const s = g.state;
        const first = await randn([7, 13], { generator: g }).data();
        g.state = s;
        expectClose(await randn([7, 13], { generator: g }).data(), first, 0, 0, 'replayed from state');
        manualSeed(11);
        const d1 = await rand([7, 13]).data();
        manualSeed(11);
        expectClose(await rand([7, 13]).data(), d1, 0, 0, 'manualSeed');
      });
    });

    it('randn: 100k samples have mean 0 +- 0.02, std 1 +- 0.02 and 68.3% within one std', async () => {
      await run(bk, async () => {
        const v = await randn([100, 1000], { generator: new Generator(42) }).data();
        expect(fraction(v, Number.isFinite)).toBe(1);
        const { mean, std } = stats(v);
        expect(Math.abs(mean), `mean ${mean}`).toBeLessThan(0.02);
        expect(Math.abs(std - 1), `std ${std}`).toBeLessThan(0.02);
        expect(Math.abs(fraction(v, (x) => Math.abs(x) < 1) - 0.6827)).toBeLessThan(0.01);
        expect(Math.abs(fraction(v, (x) => Math.abs(x) < 2) - 0.9545)).toBeLessThan(0.005);
        const w = await randn([100000], { generator: new Generator(43), mean: 3, std: 2 }).data();
        const sw = stats(w);
        expect(Math.abs(sw.mean - 3), `mean ${sw.mean}`).toBeLessThan(0.04);
        expect(Math.abs(sw.std - 2), `std ${sw.std}`).toBeLessThan(0.04);
      });
    });

    it('rand: 100k samples lie in [low, high), mean (low+high)/2, variance (high-low)^2/12, flat histogram', async () => {
      await run(bk, async () => {
        for (const [low, high] of [[0, 1], [-1.5, 2.5], [10, 10.5]] as const) {
          const v = await rand([100000], { generator: new Generator(77), low, high }).data();
          expect(fraction(v, (x) => x >= low && x < high), `[${low}, ${high})`).toBe(1);
          const { mean, std } = stats(v);
          const width = high - low;
          expect(Math.abs(mean - (low + high) / 2), `mean ${mean}`).toBeLessThan(0.02 * width);
          expect(Math.abs(std * std - (width * width) / 12), `var ${std * std}`).toBeLessThan(0.02 * width * width / 12);
          for (let bin = 0; bin < 10; bin++) {
            const f = fraction(v, (x) => Math.floor(((x - low) / width) * 10) === bin);
            expect(Math.abs(f - 0.1), `bin ${bin}: ${f}`).toBeLessThan(0.01);
          }
        }
        const def = await rand([1000]).data();
        expect(fraction(def, (x) => x >= 0 && x < 1)).toBe(1);
      });
    });

    it.each([0.1, 0.3, 0.5, 0.9])('dropout p=%f: about p zeros in 20k, kept values scaled by 1/(1-p)', async (p) => {
      await run(bk, async () => {
        const x = randomArray(20000, 13, 0.5, 1.5);
        const out = await dropout(tensor(x, [100, 200]), p, { generator: new Generator(21) }).data();
        const zeros = fraction(out, (v) => v === 0);
        expect(Math.abs(zeros - p), `fraction of zeros ${zeros}`).toBeLessThan(0.02);
        const kept = Array.from(x, (v, i) => (out[i] === 0 ? 0 : v / (1 - p)));
        expectClose(out, kept, 1e-6, 0, 'kept values');
      });
    });

    it('dropout gradient is the mask times 1/(1-p)', async () => {
      await run(bk, async () => {
        const p = 0.4;
        const n = 20000;
        const xv = randomArray(n, 17, 0.5, 1.5);
        const wv = randomArray(n, 18, -1, 1);
        const x = tensor(xv, [n]).requireGrad();
        const y = dropout(x, p, { generator: new Generator(5) });
        sum(mul(y, tensor(wv, [n]))).backward();
        const out = await y.data();
        const grad = await x.grad!.data();
        const want = Array.from(wv, (w, i) => (out[i] === 0 ? 0 : w / (1 - p)));
        expectClose(grad, want, 1e-6, 0, 'dropout grad');
        expect(Math.abs(fraction(out, (v) => v === 0) - p)).toBeLessThan(0.02);
      });
    });

    it('dropout with p = 0 is the identity, and its gradient is 1', async () => {
      await run(bk, async () => {
        const xv = randomArray(7 * 13, 19);
        const x = tensor(xv, [7, 13]).requireGrad();
        const y = dropout(x, 0, { generator: new Generator(5) });
        expectClose(await y.data(), xv, 0, 0, 'p = 0 values');
        // The result of an op on a tensor that requires grad must itself require grad.
        expect(y.requiresGrad, 'dropout(x, 0).requiresGrad').toBe(true);
        sum(y).backward();
        expectClose(await x.grad!.data(), new Float32Array(xv.length).fill(1), 0, 0, 'p = 0 grad');
      });
    });
  });
});

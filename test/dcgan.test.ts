/**
 * The convolutional layers and the DCGAN: truncated-normal init, the tutorial's shapes and
 * transposed-conv paddings, conv + activation fusion, batchnorm buffers in checkpoints and
 * eval-mode sampling, and five DCGAN training steps equal on both backends.
 */
import { describe, expect, it } from 'vitest';
import { BatchNorm2d, Conv2d, Generator, ReLU, Sequential, conv2d, noGrad, randn, relu, tensor, truncatedNormal } from '../src/index.js';
import { buildModels, PRESETS } from '../src/gan/models.js';
import { DCGAN_MNIST, checkDcgan, transposedLayer } from '../src/gan/dcgan.js';
import { GanTrainer, type StepLog } from '../src/gan/trainer.js';
import { loadGenerator, readCheckpoint, saveCheckpoint } from '../src/gan/checkpoint.js';
import type { Digits } from '../src/data/types.js';
import { BACKENDS, expectClose, randomArray, run, skipReason } from './helpers.js';

const data = (): Digits => ({ images: randomArray(24 * 784, 31), labels: new Uint8Array(24).fill(3), n: 24, height: 28, width: 28 });

describe('the DCGAN config', () => {
  it('dDropout: configs without it mean none; outside [0, 1) is refused by name', () => {
    const { dDropout: _d, ...older } = DCGAN_MNIST;
    expect(checkDcgan(older as typeof DCGAN_MNIST).dDropout).toBe(0);
    expect(() => checkDcgan({ ...DCGAN_MNIST, dDropout: 1 })).toThrow(/dDropout must be in \[0, 1\), got 1/);
    expect(DCGAN_MNIST.dDropout).toBe(0.3);
  });

  it('the switches tried against mode collapse build the layers they name, and D still maps [B, 1, 28, 28] to [B, 1]', async () => {
    await run('cpu', async () => {
      const kinds = (m: Sequential): string[] => m.layers.map((l) => l.constructor.name);
      const plain = buildModels(DCGAN_MNIST, new Generator(1));
      expect(kinds(plain.G as Sequential).slice(0, 2)).toEqual(['Reshape', 'ReLU']);
      expect(kinds(plain.D as Sequential)).toEqual(['Conv2d', 'ReLU', 'AvgPool2d', 'Conv2d', 'ReLU', 'AvgPool2d', 'Flatten', 'Linear', 'ReLU', 'Dropout', 'Linear']);
      const all = buildModels({ ...DCGAN_MNIST, dBatchnorm: true, dMinibatchStd: 'input', dLeak: 0.2, gNoiseRelu: false }, new Generator(1));
      expect(kinds(all.G as Sequential).slice(0, 2)).toEqual(['Reshape', 'ConvTranspose2d']);
      expect(kinds(all.D as Sequential)).toEqual(['MinibatchStd', 'Conv2d', 'LeakyReLU', 'AvgPool2d', 'Conv2d', 'BatchNorm2d', 'LeakyReLU', 'AvgPool2d', 'Flatten', 'Linear', 'LeakyReLU', 'Dropout', 'Linear']);
      expect(((all.D as Sequential).layers[1] as Conv2d).weight.shape).toEqual([8, 2, 5, 5]);
      const dense = buildModels({ ...DCGAN_MNIST, dMinibatchStd: 'dense' }, new Generator(1));
      expect(kinds(dense.D as Sequential).slice(6, 8)).toEqual(['Flatten', 'MinibatchStd']);
      for (const { D } of [all, dense]) {
        const y = noGrad(() => D.forward(tensor(randomArray(3 * 784, 2), [3, 1, 28, 28])));
        expect(y.shape).toEqual([3, 1]);
        expect([...(await y.data())].every(Number.isFinite)).toBe(true);
      }
      expect(() => checkDcgan({ ...DCGAN_MNIST, dLeak: 1 })).toThrow(/dLeak must be in \[0, 1\), got 1/);
    });
  });

  it('gives the tutorial sizes 2 -> 3 -> 6 -> 12 -> 28 with every output pixel reached by a kernel tap', () => {
    const sizes = DCGAN_MNIST.gSizes;
    const layers = sizes.slice(1).map((t, i) => transposedLayer(sizes[i]!, t, 5, 2)!);
    expect(layers).toEqual([
      { kernel: 5, padding: 2, outputPadding: 0 }, { kernel: 5, padding: 2, outputPadding: 1 },
      { kernel: 5, padding: 2, outputPadding: 1 }, { kernel: 6, padding: 0, outputPadding: 0 },
    ]);
    for (let i = 1; i < sizes.length; i++) {
      const { kernel, padding, outputPadding } = layers[i - 1]!;
      const full = (sizes[i - 1]! - 1) * 2 + kernel; // rows the kernel taps reach
      expect(full - 2 * padding + outputPadding).toBe(sizes[i]);
      expect(padding + sizes[i]! - 1).toBeLessThan(full); // the last output row is reached
    }
    expect(transposedLayer(3, 40, 5, 2)).toBeNull(); // would need a kernel over twice as large
    expect(() => buildModels({ ...DCGAN_MNIST, gSizes: [2, 3, 6, 12, 29] }, new Generator(1))).toThrow(/G ends at 1x29x29 but imageShape is 1x28x28/);
    expect(() => buildModels({ ...DCGAN_MNIST, zDim: 99 }, new Generator(1))).toThrow(/zDim 99 must equal gChannels\[0\] x gSizes\[0\]\^2 = 100/);
  });
});

describe.each(BACKENDS)('conv layers and the DCGAN on %s', (bk) => {
  describe.skipIf(skipReason(bk))('', () => {
    it('truncatedNormal stays within 2 std, with the truncated moments, the same on every backend', async () => {
      await run(bk, async () => {
        const v = await truncatedNormal([20000], { std: 0.5, generator: new Generator(7) }).data();
        let s = 0;
        let s2 = 0;
        for (const x of v) {
          expect(Math.abs(x)).toBeLessThanOrEqual(1.0000001);
          s += x;
          s2 += x * x;
        }
        // N(0, 1) cut at +-2 has std 0.8796; 20,000 draws pin it within 1%.
        expect(Math.abs(s / v.length)).toBeLessThan(0.01);
        expect(Math.sqrt(s2 / v.length) / 0.5).toBeGreaterThan(0.8796 * 0.99);
        expect(Math.sqrt(s2 / v.length) / 0.5).toBeLessThan(0.8796 * 1.01);
        const again = await truncatedNormal([5], { std: 0.5, generator: new Generator(7) }).data();
        expect(Array.from(again)).toEqual(Array.from(v.subarray(0, 5)));
      });
    });

    it('G maps [B, 100] to [B, 1, 28, 28] in [-1, 1] and D to [B, 1]; names and buffers like PyTorch', async () => {
      await run(bk, async () => {
        const { G, D } = buildModels(PRESETS.dcgan, new Generator(1));
        const img = noGrad(() => G.forward(randn([2, 100])));
        expect(img.shape).toEqual([2, 1, 28, 28]);
        expect(Array.from(await img.data()).every((x) => x >= -1 && x <= 1)).toBe(true);
        expect(noGrad(() => D.forward(img)).shape).toEqual([2, 1]);
        expect(G.namedParameters().map(([n, p]) => `${n}:${p.shape.join('x')}`)).toEqual([
          '2.weight:25x256x5x5', '3.weight:256', '3.bias:256', '5.weight:256x128x5x5', '6.weight:128', '6.bias:128',
          '8.weight:128x64x5x5', '9.weight:64', '9.bias:64', '11.weight:64x1x6x6', '11.bias:1',
        ]);
        expect(G.namedBuffers().map(([n]) => n)).toEqual(['3.running_mean', '3.running_var', '6.running_mean', '6.running_var', '9.running_mean', '9.running_var']);
        expect(D.namedParameters().map(([n, p]) => `${n}:${p.shape.join('x')}`)).toEqual([
          '0.weight:8x1x5x5', '0.bias:8', '3.weight:16x8x5x5', '3.bias:16', '7.weight:32x784', '7.bias:32', '10.weight:1x32', '10.bias:1',
        ]);
        // The dropout after the dense hidden layer (9) has no parameters; without it the logit layer is 9.
        const plain = buildModels({ ...PRESETS.dcgan, dDropout: 0 }, new Generator(1)).D;
        expect(plain.namedParameters().map(([n]) => n).slice(-2)).toEqual(['9.weight', '9.bias']);
      });
    });

    it('Conv2d followed by ReLU in a Sequential runs fused and equals conv2d then relu', async () => {
      await run(bk, async () => {
        const conv = new Conv2d(3, 5, 3, { padding: 'same', generator: new Generator(2) });
        const x = tensor(randomArray(2 * 3 * 7 * 9, 3), [2, 3, 7, 9]);
        const fused = new Sequential(conv, new ReLU()).forward(x);
        const apart = relu(conv2d(x, conv.weight, { padding: 'same', bias: conv.bias }));
        expectClose(await fused.data(), await apart.data(), 1e-5, 1e-6, 'fused conv + relu');
      });
    });

    it('BatchNorm2d: running statistics move in training, eval uses them, checkpoints keep them', async () => {
      await run(bk, async () => {
        const bn = new BatchNorm2d(3, { momentum: 0.5 });
        const v = randomArray(2 * 3 * 4 * 4, 5, 0, 2);
        bn.forward(tensor(v, [2, 3, 4, 4]));
        // running = 0.5 * initial + 0.5 * batch (mean; unbiased variance), per channel.
        const mean = [0, 0, 0];
        const sq = [0, 0, 0];
        v.forEach((x, i) => { const c = Math.floor(i / 16) % 3; mean[c] += x / 32; });
        v.forEach((x, i) => { const c = Math.floor(i / 16) % 3; sq[c] += (x - mean[c]!) ** 2 / 31; });
        expectClose(await bn.running_mean.data(), mean.map((m) => 0.5 * m), 1e-5, 1e-6, 'running mean');
        expectClose(await bn.running_var.data(), sq.map((s) => 0.5 + 0.5 * s), 1e-5, 1e-6, 'running var');
        bn.eval();
        const y = await bn.forward(tensor(v, [2, 3, 4, 4])).data();
        const rm = await bn.running_mean.data();
        const rv = await bn.running_var.data();
        expectClose(y, Array.from(v, (x, i) => { const c = Math.floor(i / 16) % 3; return (x - rm[c]!) / Math.sqrt(rv[c]! + 1e-5); }), 1e-4, 1e-5, 'eval mode');
      });
    });

    it('a DCGAN checkpoint carries the batchnorm statistics; sampling uses them (eval mode)', async () => {
      await run(bk, async () => {
        const t = new GanTrainer(PRESETS.dcgan, { batchSize: 4, seed: 2, fixedSamples: 2 }, data());
        await t.trainStep();
        const ck = readCheckpoint(await saveCheckpoint(t));
        const rm = ck.tensors['generator.3.running_mean']!;
        expect(rm.shape).toEqual([256]);
        expect(Array.from(rm.data)).toEqual(Array.from(await (t.G.namedBuffers()[0]![1]).data()));
        expect(rm.data.some((x) => x !== 0)).toBe(true);
        const G = loadGenerator(ck);
        const z = randn([2, 100], { generator: new Generator(9) });
        expectClose(await noGrad(() => G.eval().forward(z)).data(), await t.sample(z), 1e-5, 1e-6, 'samples from the checkpoint');
      });
    });
  });
});

describe.skipIf(skipReason('webgpu'))('the DCGAN on both backends', () => {
  it('5 training steps from one seed give the same losses on cpu and webgpu', async () => {
    const logs: Record<string, StepLog[]> = {};
    for (const bk of BACKENDS) {
      logs[bk] = await run(bk, async () => {
        const t = new GanTrainer(PRESETS.dcgan, { batchSize: 4, seed: 5, lr: 5e-4, fixedSamples: 2 }, data());
        const out: StepLog[] = [];
        for (let i = 0; i < 5; i++) out.push(await t.trainStep());
        return out;
      });
    }
    for (let i = 0; i < 5; i++) {
      for (const k of ['dLoss', 'gLoss', 'dReal', 'dFake'] as const) {
        const [c, g] = [logs.cpu![i]![k], logs.webgpu![i]![k]];
        expect(Math.abs(g - c) / Math.abs(c), `step ${i + 1} ${k}: ${g} vs ${c}`).toBeLessThan(1e-3);
      }
    }
  });
});

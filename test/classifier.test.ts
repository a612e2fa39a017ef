import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FormatError, type Sequential } from '../src/index.js';
import { filterDigits, shuffle, split, toSigned } from '../src/data/dataset.js';
import { mnistSplit, STANDARD_SPLIT } from '../src/data/standard-split.js';
import type { Digits } from '../src/data/types.js';
import {
  CLASSIFIER_WIDTHS, FEATURE_DIM, PREPROCESS, classifierShapes, classify, loadClassifier,
} from '../src/eval/classifier.js';
import { evaluateSamples, formatMetrics } from '../src/eval/metrics.js';
import { encodeSafetensors } from '../src/io/safetensors.js';
import { expectClose, randomArray, run, skipReason } from './helpers.js';

const FILE = new URL('../assets/classifier.safetensors', import.meta.url);
const bytes = new Uint8Array(readFileSync(FILE));
const { train, heldOut } = mnistSplit();

function accuracy(labels: Uint8Array, d: Digits): number {
  return labels.reduce((a, l, i) => a + (l === d.labels[i] ? 1 : 0), 0) / d.n;
}

describe('the digit classifier (cpu)', () => {
  let model: Sequential;
  let metadata: Record<string, string>;
  beforeAll(async () => {
    await run('cpu', () => ({ model, metadata } = loadClassifier(bytes)));
  });

  it('the standard split is 80/20 of the 10,000 digits and disjoint', () => {
    expect(STANDARD_SPLIT).toEqual({ heldOutFraction: 0.2, seed: 2014 });
    expect(train.n + heldOut.n).toBe(10_000);
    expect(heldOut.n).toBeGreaterThan(1800);
    expect(heldOut.n).toBeLessThan(2200);
    const ids = new Set(heldOut.index);
    expect(Array.from(train.index!).some((i) => ids.has(i))).toBe(false);
  });

  it('the checkpoint says how it was made, is a few hundred KB, and names tensors like PyTorch', () => {
    for (const k of ['architecture', 'recipe', 'seed', 'epochs', 'heldOutAccuracy', 'backend', 'data']) expect(metadata[k], k).toBeTruthy();
    expect(metadata['preprocess']).toBe(PREPROCESS);
    expect(JSON.parse(metadata['widths']!)).toEqual([...CLASSIFIER_WIDTHS]);
    expect(Number(metadata['heldOutN'])).toBe(heldOut.n);
    expect(model.namedParameters().map(([n, p]) => `${n}:${p.shape.join('x')}`)).toEqual(
      Object.entries(classifierShapes()).map(([n, s]) => `${n}:${s.join('x')}`),
    );
    expect(bytes.length).toBeGreaterThan(200_000);
    expect(bytes.length).toBeLessThan(1_000_000);
  });

  it('scores >= 97% on the held-out digits, as its metadata says (to 1e-3)', async () => {
    const { labels, features, dim } = await run('cpu', () => classify(model, heldOut.images, heldOut.n, 'unit'));
    const acc = accuracy(labels, heldOut);
    console.log(`classifier held-out accuracy ${(100 * acc).toFixed(2)}% on ${heldOut.n} digits (metadata: ${metadata['heldOutAccuracy']})`);
    expect(acc).toBeGreaterThanOrEqual(0.97);
    expect(Math.abs(acc - Number(metadata['heldOutAccuracy']))).toBeLessThanOrEqual(1e-3);
    expect(dim).toBe(FEATURE_DIM);
    expect(features.length).toBe(heldOut.n * dim);
    // The same pixels in [-1,1] with range 'signed' give the same labels.
    const signed = await run('cpu', () => classify(model, toSigned(heldOut).images, heldOut.n, 'signed'));
    expect(accuracy(signed.labels, heldOut)).toBeCloseTo(acc, 2);
  });

  it('real 3s score like real 3s: target > 95%, FD within 2x of the real-vs-real floor; noise is > 10x the floor', async () => {
    // Samples and the floor's reference come from disjoint halves of `train`, so the
    // "samples" are real digits that neither side of the floor uses.
    const halves = split(train, { heldOutFraction: 0.5, seed: 99 });
    // Shuffled because evaluateSamples takes the first m samples (a generator's are i.i.d.)
    // while the package's digits of a class, in index order, are not.
    const real3 = toSigned(shuffle(filterDigits(halves.heldOut, [3]), { seed: 5 }));
    const opts = { digits: [3], heldOut, reference: halves.train };
    const real = await run('cpu', () => evaluateSamples(model, real3.images, real3.n, opts));
    console.log(`real training 3s vs held-out 3s:\n${formatMetrics(real)}`);
    expect(real.targetFraction).toBeGreaterThan(0.95);
    expect(real.frechetN).toBe(Math.min(real3.n, filterDigits(heldOut, [3]).n));
    expect(real.frechetFloor).toBeGreaterThan(0);
    expect(real.frechet).toBeLessThan(2 * real.frechetFloor);
    expect(real.frechet).toBeGreaterThan(real.frechetFloor / 2);
    expect(real.entropyRatio).toBeLessThan(0.15);

    const n = 300;
    const noise = await run('cpu', () => evaluateSamples(model, randomArray(n * 784, 5), n, opts));
    console.log(`uniform noise in [-1,1]:\n${formatMetrics(noise)}`);
    expect(noise.frechetFloor).toBeCloseTo(real.frechetFloor, 6); // same held-out subset and reference
    expect(noise.frechet).toBeGreaterThan(10 * noise.frechetFloor);
    expect(formatMetrics(noise)).toMatch(/Frechet distance/);
  });

  it('evaluateSamples refuses a reference that shares digits with the held-out set', async () => {
    await expect(run('cpu', () => evaluateSamples(model, new Float32Array(784 * 4), 4, { digits: [3], heldOut, reference: heldOut })))
      .rejects.toThrow(/share sample index/);
  });

  it('loadClassifier refuses a file with a missing or misshapen tensor, naming it', () => {
    const tensors = Object.fromEntries(Object.entries(classifierShapes()).map(([n, s]) => [
      n, { dtype: 'F32' as const, shape: s, data: new Float32Array(s.reduce((a, b) => a * b, 1)) },
    ]));
    const { ['6.bias']: _, ...missing } = tensors;
    expect(() => loadClassifier(encodeSafetensors(missing))).toThrow(FormatError);
    expect(() => loadClassifier(encodeSafetensors(missing))).toThrow(/missing tensor "6.bias"/);
    const wrong = { ...tensors, '3.weight': { dtype: 'F32' as const, shape: [32, 128], data: new Float32Array(32 * 128) } };
    expect(() => loadClassifier(encodeSafetensors(wrong))).toThrow(/"3.weight" has shape \[32, ?128\], expected \[64, ?128\]/);
    expect(() => loadClassifier(bytes.subarray(0, 1000))).toThrow(FormatError);
  });
});

describe.skipIf(skipReason('webgpu'))('the digit classifier on webgpu', () => {
  it('classify() gives the same labels (and features to 1e-3) on cpu and webgpu for 64 digits', async () => {
    const n = 64;
    const images = heldOut.images.subarray(0, n * 784).slice();
    const onCpu = await run('cpu', () => classify(loadClassifier(bytes).model, images, n, 'unit'));
    const onGpu = await run('webgpu', () => classify(loadClassifier(bytes).model, images, n, 'unit'));
    expect(Array.from(onGpu.labels)).toEqual(Array.from(onCpu.labels));
    expectClose(onGpu.features, onCpu.features, 1e-3, 1e-3, 'features');
  });
});

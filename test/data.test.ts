import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError } from '../src/errors.js';
import { batches, filterDigits, permutation, shuffle, split, toSigned } from '../src/data/index.js';
import { mnist } from '../src/data/mnist.js';
import type { Digits } from '../src/data/index.js';

// The package's raw JSON, read straight from disk: the independent answer mnist() is checked against.
const pkgDir = dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
const raw: number[][] = [];
for (let c = 0; c < 10; c++) {
  raw.push(JSON.parse(readFileSync(join(pkgDir, 'src', 'digits', `${c}.json`), 'utf8')).data);
}

const all = mnist();

/** A tiny hand-made set: sample i is filled with the value i/100 and labelled i % 10. */
function tiny(n: number, h = 2, w = 3): Digits {
  const images = new Float32Array(n * h * w);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    images.fill(i / 100, i * h * w, (i + 1) * h * w);
    labels[i] = i % 10;
  }
  return { images, labels, n, height: h, width: w };
}

const sorted = (a: ArrayLike<number>): number[] => Array.from(a).sort((x, y) => x - y);

describe('mnist()', () => {
  it('has the 10,000 digits of the package, class-major, pixels in [0,1]', () => {
    expect([all.n, all.height, all.width]).toEqual([10000, 28, 28]);
    expect(all.images.length).toBe(10000 * 784);
    expect(all.labels.length).toBe(10000);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of all.images) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(lo).toBe(0);
    expect(hi).toBeLessThanOrEqual(1);
    expect(hi).toBeGreaterThan(0.99);
    expect(Array.from(all.index ?? []).every((v, i) => v === i)).toBe(true);
  });

  it('keeps every label with the package per-class counts', () => {
    const counts = new Array(10).fill(0);
    for (const l of all.labels) counts[l]++;
    expect(counts).toEqual(raw.map((r) => r.length / 784));
    for (const c of counts) expect(c).toBeGreaterThan(800); // roughly 1,000 of each digit
    // class-major: labels never decrease
    for (let i = 1; i < all.n; i++) expect(all.labels[i] >= all.labels[i - 1]).toBe(true);
  });

  it('matches the raw package data sample by sample, and the known MNIST pixel mean', () => {
    let at = 0;
    let sum = 0;
    let mismatches = 0;
    for (let c = 0; c < 10; c++) {
      for (let k = 0; k < raw[c].length; k++) {
        sum += raw[c][k];
        if (all.images[at * 784 + k] !== Math.fround(raw[c][k])) mismatches++;
      }
      at += raw[c].length / 784;
    }
    expect(mismatches).toBe(0);
    const rawMean = sum / (10000 * 784);
    // MNIST's published mean pixel is 0.1307; this subset (3-decimal pixels) agrees closely.
    expect(rawMean).toBeGreaterThan(0.125);
    expect(rawMean).toBeLessThan(0.137);
    let ours = 0;
    for (const v of all.images) ours += v;
    expect(ours / all.images.length).toBeCloseTo(rawMean, 5);
  });
});

describe('filterDigits', () => {
  it('keeps only the chosen classes, in order, with their original index', () => {
    const ones = filterDigits(all, [1]);
    expect(ones.n).toBe(raw[1].length / 784);
    expect(ones.labels.every((l) => l === 1)).toBe(true);
    expect(ones.index![0]).toBe(raw[0].length / 784); // the first 1 follows every 0
    expect(Array.from(ones.images.subarray(0, 784))).toEqual(Array.from(raw[1].slice(0, 784), Math.fround));
    const zeroSeven = filterDigits(all, [7, 0]);
    expect(zeroSeven.n).toBe((raw[0].length + raw[7].length) / 784);
  });

  it('refuses bad digit lists and an empty result', () => {
    expect(() => filterDigits(all, [])).toThrow(ValueError);
    expect(() => filterDigits(all, [10])).toThrow('got 10');
    expect(() => filterDigits(all, [1.5])).toThrow(ValueError);
    expect(() => filterDigits(all, [3, 3])).toThrow('digit 3 appears twice');
    const noNines = tiny(5); // labels 0..4
    expect(() => filterDigits(noNines, [9])).toThrow('no sample of the 5');
    expect(() => filterDigits({ ...noNines, n: 6 }, [1])).toThrow(ShapeError);
  });
});

describe('toSigned', () => {
  it('maps [0,1] to [-1,1] and refuses to scale twice', () => {
    const d = tiny(3);
    d.images[0] = 0;
    d.images[1] = 1;
    d.images[2] = 0.25;
    const s = toSigned(d);
    expect(Array.from(s.images.subarray(0, 3))).toEqual([-1, 1, -0.5]);
    expect(d.images[0]).toBe(0); // input untouched
    expect(() => toSigned(s)).toThrow('already scaled');
  });
});

describe('split', () => {
  const opts = { heldOutFraction: 0.2, seed: 42 };
  const { train, heldOut } = split(all, opts);

  it('is disjoint, complete and about the fraction', () => {
    expect(train.n + heldOut.n).toBe(all.n);
    const ids = new Set(train.index);
    for (const i of heldOut.index!) expect(ids.has(i)).toBe(false);
    expect(heldOut.n).toBeGreaterThan(1800); // 2000 expected, sd ~ 40
    expect(heldOut.n).toBeLessThan(2200);
    // a sample keeps its label and pixels
    const j = heldOut.index![5];
    expect(heldOut.labels[5]).toBe(all.labels[j]);
    expect(heldOut.images[5 * 784 + 300]).toBe(all.images[j * 784 + 300]);
  });

  it('is deterministic, and depends on the seed', () => {
    expect(Array.from(split(all, opts).heldOut.index!)).toEqual(Array.from(heldOut.index!));
    expect(Array.from(split(all, { ...opts, seed: 43 }).heldOut.index!)).not.toEqual(Array.from(heldOut.index!));
  });

  it('gives the same membership whether filtered or shuffled before or after', () => {
    const filteredFirst = split(filterDigits(all, [3, 8]), opts).heldOut;
    const filteredAfter = filterDigits(heldOut, [3, 8]);
    expect(Array.from(filteredFirst.index!)).toEqual(Array.from(filteredAfter.index!));
    const shuffledFirst = split(shuffle(all, { seed: 9 }), opts).heldOut;
    expect(sorted(shuffledFirst.index!)).toEqual(Array.from(heldOut.index!));
  });

  it('refuses a bad fraction or seed', () => {
    expect(() => split(all, { heldOutFraction: 0, seed: 1 })).toThrow('heldOutFraction must be in (0,1), got 0');
    expect(() => split(all, { heldOutFraction: 1.5, seed: 1 })).toThrow(ValueError);
    expect(() => split(all, { heldOutFraction: 0.1, seed: -1 })).toThrow('seed must be an integer');
  });
});

describe('permutation and shuffle', () => {
  it('permutation is a reproducible permutation that changes with the stream', () => {
    const p = permutation(1000, 7, 0);
    expect(sorted(p)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(permutation(1000, 7, 0))).toEqual(Array.from(p));
    expect(Array.from(permutation(1000, 7, 1))).not.toEqual(Array.from(p));
    expect(Array.from(permutation(1000, 8, 0))).not.toEqual(Array.from(p));
  });

  it('is close to uniform: each element lands in each slot about equally often', () => {
    // 3! = 6 orders over 6000 seeds: each should appear ~1000 times (sd ~ 29).
    const counts = new Map<string, number>();
    for (let s = 0; s < 6000; s++) {
      const key = Array.from(permutation(3, s, 0)).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    for (const c of counts.values()) expect(Math.abs(c - 1000)).toBeLessThan(150);
  });
});

describe('batches', () => {
  const d = tiny(103);

  it('yields full batches only, each sample at most once, all but the remainder', () => {
    const out = [...batches(d, 10, { seed: 1, epoch: 0 })];
    expect(out.length).toBe(10);
    for (const b of out) {
      expect(b.images.length).toBe(10 * 6);
      expect(b.labels.length).toBe(10);
      // pixels and label follow the sample
      for (let k = 0; k < 10; k++) {
        expect(b.images[k * 6]).toBe(Math.fround(b.index[k] / 100));
        expect(b.labels[k]).toBe(b.index[k] % 10);
      }
    }
    const seen = out.flatMap((b) => Array.from(b.index));
    expect(new Set(seen).size).toBe(100);
  });

  it('covers every sample exactly once per epoch when the batch divides n', () => {
    for (const epoch of [0, 1, 2]) {
      const seen = [...batches(all, 500, { seed: 3, epoch })].flatMap((b) => Array.from(b.index));
      expect(sorted(seen)).toEqual(Array.from({ length: all.n }, (_, i) => i));
    }
  });

  it('is reproducible from (seed, epoch) and differs across epochs and seeds', () => {
    const order = (seed: number, epoch: number) =>
      [...batches(d, 10, { seed, epoch })].flatMap((b) => Array.from(b.index));
    expect(order(1, 0)).toEqual(order(1, 0));
    expect(order(1, 1)).not.toEqual(order(1, 0));
    expect(order(2, 0)).not.toEqual(order(1, 0));
  });

  it('refuses a bad batch size, seed or epoch', () => {
    expect(() => batches(d, 104, { seed: 1, epoch: 0 }).next()).toThrow('batchSize 104 is larger than the 103 samples');
    expect(() => batches(d, 0, { seed: 1, epoch: 0 }).next()).toThrow('positive integer, got 0');
    expect(() => batches(d, 2.5, { seed: 1, epoch: 0 }).next()).toThrow(ValueError);
    expect(() => batches(d, 10, { seed: 1, epoch: -1 }).next()).toThrow('epoch must be an integer');
  });
});

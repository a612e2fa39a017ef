import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError } from '../src/errors.js';
import { classHistogram, entropy, frechetDistance, meanCov, sqrtPsd, symmetricEigen } from '../src/eval/stats.js';
import { rng } from './fixtures.js';

function randomSymmetric(d: number, rand: () => number): Float64Array {
  const a = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = i; j < d; j++) a[i * d + j] = a[j * d + i] = rand() * 2 - 1;
  return a;
}

/** B B^T + eps I for a random d×k B: symmetric PSD, singular when k < d and eps = 0. */
function randomPsd(d: number, k: number, rand: () => number, eps = 0): Float64Array {
  const b = Float64Array.from({ length: d * k }, () => rand() * 2 - 1);
  const a = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let s = i === j ? eps : 0;
      for (let l = 0; l < k; l++) s += b[i * k + l] * b[j * k + l];
      a[i * d + j] = s;
    }
  }
  return a;
}

function matmul(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let k = 0; k < d; k++) for (let j = 0; j < d; j++) out[i * d + j] += a[i * d + k] * b[k * d + j];
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const diag = (v: number[]): Float64Array => {
  const d = v.length;
  const a = new Float64Array(d * d);
  v.forEach((x, i) => (a[i * d + i] = x));
  return a;
};

describe('meanCov', () => {
  it('matches a hand-computed 3x2 example', () => {
    // Samples (1,2), (3,6), (5,7): mean (3,5); centred (-2,-3), (0,1), (2,2).
    // cov = [[4+0+4, 6+0+4], [6+0+4, 9+1+4]] / 2 = [[4,5],[5,7]].
    const { mean, cov } = meanCov([1, 2, 3, 6, 5, 7], 3, 2);
    expect([...mean]).toEqual([3, 5]);
    expect([...cov]).toEqual([4, 5, 5, 7]);
  });

  it('keeps the variance of features with a large offset', () => {
    const { cov } = meanCov([1e9 + 1, 1e9 + 2, 1e9 + 3], 3, 1);
    expect(cov[0]).toBe(1);
  });

  it('refuses a bad sample count or length', () => {
    expect(() => meanCov([1, 2], 1, 2)).toThrow(ValueError);
    expect(() => meanCov([1, 2, 3], 2, 2)).toThrow(ShapeError);
  });
});

describe('symmetricEigen', () => {
  it.each([1, 2, 7, 33])('reconstructs A = V diag(L) V^T with orthonormal V (d = %i)', (d) => {
    const rand = rng(d);
    const a = randomSymmetric(d, rand);
    const { values, vectors: v } = symmetricEigen(a, d);
    const vl = new Float64Array(d * d);
    const vt = new Float64Array(d * d);
    for (let i = 0; i < d; i++) {
      for (let k = 0; k < d; k++) {
        vl[i * d + k] = v[i * d + k] * values[k];
        vt[k * d + i] = v[i * d + k];
      }
    }
    expect(maxAbsDiff(matmul(vl, vt, d), a)).toBeLessThan(1e-12);
    const identity = diag(new Array(d).fill(1));
    expect(maxAbsDiff(matmul(vt, v, d), identity)).toBeLessThan(1e-12);
    for (let k = 1; k < d; k++) expect(values[k]).toBeLessThanOrEqual(values[k - 1]);
  });

  it('finds the eigenvalues of a known 2x2 matrix', () => {
    // [[2,1],[1,2]] has eigenvalues 3 and 1, with eigenvectors (1,1)/sqrt2 and (1,-1)/sqrt2.
    const { values, vectors } = symmetricEigen(new Float64Array([2, 1, 1, 2]), 2);
    expect(values[0]).toBeCloseTo(3, 14);
    expect(values[1]).toBeCloseTo(1, 14);
    expect(Math.abs(vectors[0])).toBeCloseTo(Math.SQRT1_2, 14);
    expect(vectors[0] * vectors[2]).toBeGreaterThan(0);
  });

  it('refuses a non-symmetric or non-finite matrix', () => {
    expect(() => symmetricEigen(new Float64Array([1, 2, 0, 1]), 2)).toThrow(/not symmetric/);
    expect(() => symmetricEigen(new Float64Array([NaN]), 1)).toThrow(ValueError);
    expect(() => symmetricEigen(new Float64Array(3), 2)).toThrow(ShapeError);
  });
});

describe('sqrtPsd', () => {
  it.each([[1, 1], [5, 5], [12, 4], [33, 40]])('squares back to A (d = %i, rank <= %i)', (d, k) => {
    const a = randomPsd(d, k, rng(100 + d));
    const s = sqrtPsd(a, d);
    expect(maxAbsDiff(matmul(s, s, d), a)).toBeLessThan(1e-10 * Math.max(1, d));
    expect(maxAbsDiff(s, Float64Array.from({ length: d * d }, (_, i) => s[(i % d) * d + Math.floor(i / d)]))).toBe(0);
  });

  it('is the elementwise root of a diagonal matrix', () => {
    expect(maxAbsDiff(sqrtPsd(diag([4, 9, 0]), 3), diag([2, 3, 0]))).toBeLessThan(1e-15);
  });

  it('refuses a matrix with a real negative eigenvalue', () => {
    expect(() => sqrtPsd(diag([1, -0.5]), 2)).toThrow(/not positive semi-definite/);
  });
});

describe('frechetDistance', () => {
  const d = 6;
  const rand = rng(7);
  const mu1 = Float64Array.from({ length: d }, () => rand());
  const mu2 = Float64Array.from({ length: d }, () => rand());
  const s1 = randomPsd(d, 8, rand, 0.1);
  const s2 = randomPsd(d, 3, rand); // singular

  it('is 0 for identical Gaussians', () => {
    expect(frechetDistance(mu1, s1, mu1, s1, d)).toBeLessThan(1e-10);
    expect(frechetDistance(mu2, s2, mu2, s2, d)).toBeLessThan(1e-10); // singular
  });

  it('matches the closed form for diagonal covariances', () => {
    const v1 = [1, 4, 0.25, 2, 0, 9];
    const v2 = [2, 1, 0.25, 8, 3, 0];
    let expected = 0;
    for (let i = 0; i < d; i++) expected += (mu1[i] - mu2[i]) ** 2 + (Math.sqrt(v1[i]) - Math.sqrt(v2[i])) ** 2;
    expect(frechetDistance(mu1, diag(v1), mu2, diag(v2), d)).toBeCloseTo(expected, 12);
  });

  it('is symmetric', () => {
    const ab = frechetDistance(mu1, s1, mu2, s2, d);
    const ba = frechetDistance(mu2, s2, mu1, s1, d);
    expect(ab).toBeGreaterThan(0);
    expect(Math.abs(ab - ba)).toBeLessThan(1e-9 * ab);
  });

  it('matches the scalar formula in 1-D', () => {
    const [m1, m2, v1, v2] = [0.3, -1.2, 2.5, 0.7];
    const expected = (m1 - m2) ** 2 + v1 + v2 - 2 * Math.sqrt(v1 * v2);
    const got = frechetDistance(new Float64Array([m1]), new Float64Array([v1]), new Float64Array([m2]), new Float64Array([v2]), 1);
    expect(got).toBeCloseTo(expected, 14);
  });

  it('refuses mismatched sizes', () => {
    expect(() => frechetDistance(mu1, s1, mu2.subarray(1), s2, d)).toThrow(ShapeError);
  });
});

describe('classHistogram and entropy', () => {
  it('counts fractions that sum to 1', () => {
    const p = classHistogram([0, 2, 2, 1, 2, 0, 2, 2], 4);
    expect(p).toEqual([0.25, 0.125, 0.625, 0]);
  });

  it('refuses labels outside [0, k) and empty input', () => {
    expect(() => classHistogram([0, 3], 3)).toThrow(/label 1 is 3/);
    expect(() => classHistogram([0.5], 3)).toThrow(ValueError);
    expect(() => classHistogram([], 3)).toThrow(/no labels/);
  });

  it('gives log(10) for uniform over 10 and 0 for a one-hot', () => {
    expect(entropy(new Array(10).fill(0.1))).toBeCloseTo(Math.log(10), 14);
    expect(entropy([0, 0, 1, 0])).toBe(0);
    expect(entropy(classHistogram([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 10))).toBeCloseTo(Math.log(10), 14);
    expect(entropy([0.5, 0.5])).toBeCloseTo(Math.LN2, 15);
  });

  it('refuses negative probabilities', () => {
    expect(() => entropy([1.5, -0.5])).toThrow(ValueError);
  });
});

/**
 * The linear algebra behind the sample-quality metrics: the mean and covariance of a
 * batch of feature vectors, a symmetric eigensolver, the square root of a PSD matrix,
 * the Fréchet distance between two Gaussians (the "FID" formula, applied to whatever
 * features the caller extracts), and the class histogram and entropy used for mode
 * coverage. Everything runs on the CPU in float64: the matrices are small (d <= 128)
 * and the metric must not depend on a GPU's float32 rounding.
 *
 * Matrices are dense, row-major `Float64Array`s of length d*d.
 */
import { ShapeError, ValueError } from '../errors.js';

/**
 * Mean and unbiased covariance of n samples of dimension d stored row-major in `x`
 * (`x[i*d + j]` is feature j of sample i):
 * `mean_j = (1/n) sum_i x_ij`, `cov_jk = (1/(n-1)) sum_i (x_ij - mean_j)(x_ik - mean_k)`.
 * Two passes (mean first, then centred products) so that features with a large offset
 * do not lose their variance to cancellation. Needs n >= 2.
 */
export function meanCov(x: ArrayLike<number>, n: number, d: number): { mean: Float64Array; cov: Float64Array } {
  checkDim('meanCov', d);
  if (!Number.isInteger(n) || n < 2) throw new ValueError(`meanCov: need at least 2 samples for an unbiased covariance, got n=${n}`);
  if (x.length !== n * d) throw new ShapeError(`meanCov: ${x.length} values is not n*d = ${n}*${d}`);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;

  const cov = new Float64Array(d * d);
  const c = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) c[j] = x[i * d + j] - mean[j];
    // Upper triangle only; mirrored below, which also makes cov exactly symmetric.
    for (let j = 0; j < d; j++) {
      const cj = c[j];
      const row = j * d;
      for (let k = j; k < d; k++) cov[row + k] += cj * c[k];
    }
  }
  for (let j = 0; j < d; j++) {
    for (let k = j; k < d; k++) {
      const v = cov[j * d + k] / (n - 1);
      cov[j * d + k] = v;
      cov[k * d + j] = v;
    }
  }
  return { mean, cov };
}

/**
 * Eigendecomposition `A = V diag(values) V^T` of a symmetric d×d matrix by the cyclic
 * Jacobi method: sweep over every off-diagonal pair (p, q) and apply the plane rotation
 * with `t = tan(phi) = sign(theta) / (|theta| + sqrt(theta^2 + 1))`,
 * `theta = (a_qq - a_pp) / (2 a_pq)`, which zeroes a_pq; sweeps repeat until the
 * off-diagonal mass is negligible (convergence is quadratic, ~6-10 sweeps). Returns the
 * eigenvalues in descending order and V row-major with eigenvector k in column k
 * (`vectors[i*d + k]`), orthonormal. O(d^3) per sweep; fine for d <= 128. Throws a
 * `ValueError` for a non-finite or visibly non-symmetric matrix.
 */
export function symmetricEigen(a: Float64Array, d: number): { values: Float64Array; vectors: Float64Array } {
  checkSquare('symmetricEigen', a, d);
  const A = new Float64Array(d * d);
  let maxAbs = 0;
  for (let i = 0; i < d * d; i++) {
    if (!Number.isFinite(a[i])) throw new ValueError(`symmetricEigen: entry ${i} is ${a[i]}`);
    maxAbs = Math.max(maxAbs, Math.abs(a[i]));
  }
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const x = a[i * d + j];
      const y = a[j * d + i];
      if (Math.abs(x - y) > 1e-6 * maxAbs) {
        throw new ValueError(`symmetricEigen: matrix is not symmetric: a[${i},${j}]=${x} but a[${j},${i}]=${y}`);
      }
      // Work on the exact symmetric part so that rounding asymmetry cannot accumulate.
      A[i * d + j] = A[j * d + i] = (x + y) / 2;
    }
  }
  const V = new Float64Array(d * d);
  for (let i = 0; i < d; i++) V[i * d + i] = 1;

  let total = 0;
  for (let i = 0; i < d * d; i++) total += A[i] * A[i];
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += A[p * d + q] ** 2;
    // Off-diagonal mass below (1e-15 relative)^2: the diagonal is the spectrum to rounding.
    if (off <= 1e-30 * total) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = A[p * d + q];
        if (apq === 0) continue;
        const theta = (A[q * d + q] - A[p * d + p]) / (2 * apq);
        // For huge theta, theta^2 overflows; t -> 1/(2 theta) is the same root to rounding.
        const t = Math.abs(theta) > 1e150 ? 1 / (2 * theta) : (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        rotate(A, V, d, p, q, c, s);
      }
    }
  }

  const order = Array.from({ length: d }, (_, i) => i).sort((i, j) => A[j * d + j] - A[i * d + i]);
  const values = new Float64Array(d);
  const vectors = new Float64Array(d * d);
  order.forEach((src, k) => {
    values[k] = A[src * d + src];
    for (let i = 0; i < d; i++) vectors[i * d + k] = V[i * d + src];
  });
  return { values, vectors };
}

/** A <- J^T A J and V <- V J for the rotation J in the (p, q) plane with cos c and sin s. */
function rotate(A: Float64Array, V: Float64Array, d: number, p: number, q: number, c: number, s: number): void {
  for (let k = 0; k < d; k++) {
    const akp = A[k * d + p];
    const akq = A[k * d + q];
    A[k * d + p] = c * akp - s * akq;
    A[k * d + q] = s * akp + c * akq;
  }
  for (let k = 0; k < d; k++) {
    const apk = A[p * d + k];
    const aqk = A[q * d + k];
    A[p * d + k] = c * apk - s * aqk;
    A[q * d + k] = s * apk + c * aqk;
  }
  // The rotation was chosen to zero this pair; store the exact zero, not the rounding.
  A[p * d + q] = 0;
  A[q * d + p] = 0;
  for (let k = 0; k < d; k++) {
    const vkp = V[k * d + p];
    const vkq = V[k * d + q];
    V[k * d + p] = c * vkp - s * vkq;
    V[k * d + q] = s * vkp + c * vkq;
  }
}

/**
 * The symmetric PSD square root `S = V diag(sqrt(max(l, 0))) V^T` of a symmetric
 * positive semi-definite matrix A = V diag(l) V^T, so that `S S = A` and S is itself
 * PSD. Eigenvalues that are 0 up to rounding (a singular covariance, e.g. fewer
 * samples than features), negative ones included, are clamped to 0; one below `-1e-6 * max|l|` means A
 * is not PSD and throws a `ValueError`.
 */
export function sqrtPsd(a: Float64Array, d: number): Float64Array {
  const { values, vectors } = symmetricEigen(a, d);
  const roots = psdRoots(values, 'sqrtPsd');
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      let sum = 0;
      for (let k = 0; k < d; k++) sum += vectors[i * d + k] * roots[k] * vectors[j * d + k];
      out[i * d + j] = out[j * d + i] = sum;
    }
  }
  return out;
}

/**
 * sqrt of each eigenvalue. Eigenvalues within rounding of 0 (|l| <= d * eps * max|l|)
 * are taken as exactly 0: their sign and size are noise, and sqrt would blow 1e-16 up
 * to 1e-8, which is what made FID of a singular covariance visibly asymmetric. A
 * negative eigenvalue beyond `1e-6 * max|l|` means the matrix is not PSD and is refused.
 */
function psdRoots(values: Float64Array, op: string): Float64Array {
  let maxAbs = 0;
  for (const v of values) maxAbs = Math.max(maxAbs, Math.abs(v));
  const noise = values.length * Number.EPSILON * maxAbs;
  return values.map((v) => {
    if (v < -1e-6 * maxAbs) throw new ValueError(`${op}: matrix is not positive semi-definite (eigenvalue ${v})`);
    return v <= noise ? 0 : Math.sqrt(v);
  });
}

/**
 * The Fréchet distance between the Gaussians N(mu1, S1) and N(mu2, S2):
 * `|mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr(sqrt(S1^{1/2} S2 S1^{1/2}))`.
 * The symmetric form `S1^{1/2} S2 S1^{1/2}` has the same eigenvalues as `S1 S2` but is
 * symmetric PSD, so its trace-sqrt is the sum of the square roots of its eigenvalues,
 * found with the symmetric eigensolver instead of a non-symmetric `sqrtm`. The result
 * is >= 0 in exact arithmetic; a rounding-level negative is returned as 0.
 */
export function frechetDistance(
  mu1: Float64Array, cov1: Float64Array, mu2: Float64Array, cov2: Float64Array, d: number,
): number {
  checkDim('frechetDistance', d);
  if (mu1.length !== d || mu2.length !== d) {
    throw new ShapeError(`frechetDistance: means have lengths ${mu1.length} and ${mu2.length}, expected ${d}`);
  }
  checkSquare('frechetDistance', cov1, d);
  checkSquare('frechetDistance', cov2, d);
  let dist = 0;
  for (let i = 0; i < d; i++) dist += (mu1[i] - mu2[i]) ** 2;
  let tr1 = 0;
  let tr2 = 0;
  for (let i = 0; i < d; i++) {
    tr1 += cov1[i * d + i];
    tr2 += cov2[i * d + i];
  }
  const r = sqrtPsd(cov1, d);
  const m = matmul(matmul(r, cov2, d), r, d);
  // R S2 R is symmetric in exact arithmetic; symmetrize away the rounding.
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) m[i * d + j] = m[j * d + i] = (m[i * d + j] + m[j * d + i]) / 2;
  }
  const roots = psdRoots(symmetricEigen(m, d).values, 'frechetDistance');
  let trSqrt = 0;
  for (const v of roots) trSqrt += v;
  return Math.max(0, dist + tr1 + tr2 - 2 * trSqrt);
}

/** Dense d×d product A B, i-k-j loop order so the inner loop walks rows. */
function matmul(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < d; k++) {
      const aik = a[i * d + k];
      if (aik === 0) continue;
      for (let j = 0; j < d; j++) out[i * d + j] += aik * b[k * d + j];
    }
  }
  return out;
}

/**
 * The fraction of labels in each of k classes: `p_c = #{i : labels_i = c} / n`, which
 * sums to 1. Throws a `ValueError` for no labels or a label that is not an integer in
 * [0, k).
 */
export function classHistogram(labels: ArrayLike<number>, k: number): number[] {
  if (!Number.isInteger(k) || k < 1) throw new ValueError(`classHistogram: k must be a positive integer, got ${k}`);
  if (labels.length === 0) throw new ValueError('classHistogram: no labels');
  const counts = new Array<number>(k).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (!Number.isInteger(c) || c < 0 || c >= k) throw new ValueError(`classHistogram: label ${i} is ${c}, not an integer in [0, ${k})`);
    counts[c]++;
  }
  return counts.map((c) => c / labels.length);
}

/**
 * Shannon entropy in nats, `H(p) = -sum_i p_i ln p_i`, with `0 ln 0 = 0` (the limit).
 * log(k) for the uniform distribution over k classes, 0 for a one-hot. Throws a
 * `ValueError` for a negative or non-finite probability.
 */
export function entropy(p: number[]): number {
  let h = 0;
  for (const pi of p) {
    if (!Number.isFinite(pi) || pi < 0) throw new ValueError(`entropy: probabilities must be finite and >= 0, got ${pi}`);
    if (pi > 0) h -= pi * Math.log(pi);
  }
  return h;
}

function checkDim(op: string, d: number): void {
  if (!Number.isInteger(d) || d < 1) throw new ValueError(`${op}: dimension must be a positive integer, got ${d}`);
}

function checkSquare(op: string, a: Float64Array, d: number): void {
  checkDim(op, d);
  if (a.length !== d * d) throw new ShapeError(`${op}: matrix has ${a.length} entries, expected ${d}x${d} = ${d * d}`);
}

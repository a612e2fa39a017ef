/**
 * Sample-quality metrics of a GAN trained on some digit classes, measured with the
 * classifier of classifier.ts: what fraction of samples look like the target digits,
 * how the samples spread over the ten classes (mode coverage), and the Fréchet
 * distance between the classifier features of samples and of held-out real digits,
 * next to the real-vs-real distance that the same number of samples gives (the floor a
 * perfect generator would reach, since FD estimated from finitely many samples is
 * biased upwards).
 */
import { ValueError } from '../errors.js';
import { filterDigits } from '../data/dataset.js';
import { permutation } from '../data/random.js';
import { mnistSplit } from '../data/standard-split.js';
import type { Digits } from '../data/types.js';
import type { Sequential } from '../nn/layers.js';
import { classify, PIXELS } from './classifier.js';
import { classHistogram, entropy, frechetDistance, meanCov } from './stats.js';

/** The seed of the subsets drawn for the Fréchet distances; fixed, so metrics are repeatable. */
const SUBSET_SEED = 4242;

/**
 * Reference draws averaged into the floor. Real-vs-real FD of 64-d features from ~200
 * images per side varies by about +-30% from draw to draw (measured on held-out 3s:
 * 1.4..2.6), so one draw is a poor yardstick; the mean of five is steadier.
 */
const FLOOR_DRAWS = 5;

export interface SampleMetrics {
  /** The target classes. */
  digits: number[];
  /** Number of samples scored. */
  n: number;
  /** Fraction of samples classified as one of `digits`. */
  targetFraction: number;
  /** Fraction of samples classified as each digit 0..9. */
  histogram: number[];
  /** Entropy (nats) of `histogram`, and that over ln 10 (1 = uniform over all ten classes). */
  entropy: number;
  entropyRatio: number;
  /** FD(features of m samples, features of m held-out real digits of `digits`). */
  frechet: number;
  /**
   * FD(the same m held-out digits, m other real digits from `reference`, class by class
   * as many), averaged over `FLOOR_DRAWS` draws of the reference digits.
   */
  frechetFloor: number;
  /** The smallest and largest of those draws: the spread a real-vs-real FD has at this m. */
  frechetFloorRange: [number, number];
  /** m: the number of images on each side of both Fréchet distances. */
  frechetN: number;
}

/**
 * Scores n generated images (`samples`, n*784 floats in [-1,1], the generator's tanh
 * range; [n, 1, 28, 28] and [n, 784] are the same bytes) against the classes `digits`:
 *
 * - `targetFraction`, `histogram`, `entropy`, `entropyRatio = entropy / ln 10` from the
 *   classifier's labels of all n samples;
 * - `frechet`: let H be the held-out digits of those classes (`opts.heldOut`, filtered)
 *   and `m = min(n, |H|)`. H_m is m of them, drawn by a fixed seeded permutation (so a
 *   multi-digit H is not cut in its class-major order); the FD is taken between the
 *   classifier features of the first m samples and those of H_m;
 * - `frechetFloor`: R_m is drawn from `opts.reference` (default `mnistSplit().train`)
 *   with, for each class, exactly as many digits as H_m has of that class, also by a
 *   fixed seeded permutation; the floor is the mean of FD(H_m, R_m) over 5 such draws
 *   (with different seeds), and `frechetFloorRange` their min and max.
 *
 * Both distances thus compare m against m images and share the held-out side H_m, so
 * they carry the same finite-sample bias, and a generator whose samples were as good as
 * unseen real digits would score `frechet ≈ frechetFloor`. The reference must not share
 * a sample (by `Digits.index`) with the held-out set; a `ValueError` is thrown if it
 * does, or if it has too few digits of some class. Runs on the current backend.
 */
export async function evaluateSamples(
  model: Sequential,
  samples: Float32Array,
  n: number,
  opts: { digits: number[]; heldOut: Digits; reference?: Digits },
): Promise<SampleMetrics> {
  const digits = [...opts.digits];
  const target = new Set(digits);
  const held = filterDigits(opts.heldOut, digits);
  const ref = filterDigits(opts.reference ?? mnistSplit().train, digits);
  checkDisjoint(held, ref);

  const m = Math.min(n, held.n);
  if (m < 2) throw new ValueError(`evaluateSamples: need at least 2 samples and 2 held-out digits for a Fréchet distance, got n=${n}, held-out=${held.n}`);
  const heldRows = Array.from(permutation(held.n, SUBSET_SEED).subarray(0, m));

  const gen = await classify(model, samples, n, 'signed');
  const real = await classify(model, gather(held, heldRows), m, 'unit');
  const d = gen.dim;
  const r = meanCov(real.features, m, d);
  const floors: number[] = [];
  for (let draw = 0; draw < FLOOR_DRAWS; draw++) {
    const other = await classify(model, gather(ref, matchClasses(held, heldRows, ref, draw)), m, 'unit');
    const o = meanCov(other.features, m, d);
    floors.push(frechetDistance(r.mean, r.cov, o.mean, o.cov, d));
  }

  const histogram = classHistogram(gen.labels, 10);
  const h = entropy(histogram);
  const g = meanCov(gen.features.subarray(0, m * d), m, d);
  return {
    digits,
    n,
    targetFraction: histogram.reduce((a, p, c) => a + (target.has(c) ? p : 0), 0),
    histogram,
    entropy: h,
    entropyRatio: h / Math.log(10),
    frechet: frechetDistance(g.mean, g.cov, r.mean, r.cov, d),
    frechetFloor: floors.reduce((a, v) => a + v, 0) / floors.length,
    frechetFloorRange: [Math.min(...floors), Math.max(...floors)],
    frechetN: m,
  };
}

/** A plain-text table of the metrics. */
export function formatMetrics(m: SampleMetrics): string {
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  const rows: [string, string][] = [
    ['target digits', `[${m.digits.join(', ')}]`],
    ['samples', String(m.n)],
    ['classified as target', pct(m.targetFraction)],
    ['class entropy', `${m.entropy.toFixed(3)} nats (${m.entropyRatio.toFixed(3)} of ln 10)`],
    ['Frechet distance', `${m.frechet.toFixed(3)} (${m.frechetN} vs ${m.frechetN} images)`],
    ['real-vs-real floor', `${m.frechetFloor.toFixed(3)} (draws ${m.frechetFloorRange.map((v) => v.toFixed(3)).join('..')}; FD/floor ${(m.frechet / m.frechetFloor).toFixed(2)}x)`],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`);
  lines.push('histogram'.padEnd(w) + '  ' + m.histogram.map((p, c) => `${c}:${pct(p)}`).join(' '));
  return lines.join('\n');
}

/**
 * Rows of `ref` with, for each class, as many digits as `held` has at `heldRows`, each
 * class's rows drawn by a seeded permutation (seed SUBSET_SEED + draw) of that class's
 * positions in `ref`.
 */
function matchClasses(held: Digits, heldRows: number[], ref: Digits, draw: number): number[] {
  const need = new Array<number>(10).fill(0);
  for (const i of heldRows) need[held.labels[i]!]!++;
  const out: number[] = [];
  for (let c = 0; c < 10; c++) {
    if (need[c] === 0) continue;
    const rows: number[] = [];
    for (let i = 0; i < ref.n; i++) if (ref.labels[i] === c) rows.push(i);
    if (rows.length < need[c]!) {
      throw new ValueError(`evaluateSamples: the reference has ${rows.length} digits ${c}, the floor needs ${need[c]}`);
    }
    const perm = permutation(rows.length, SUBSET_SEED + 1 + draw, c + 1);
    for (let k = 0; k < need[c]!; k++) out.push(rows[perm[k]!]!);
  }
  return out;
}

function checkDisjoint(held: Digits, ref: Digits): void {
  if (!held.index || !ref.index) return;
  const ids = new Set(held.index);
  for (const id of ref.index) {
    if (ids.has(id)) throw new ValueError(`evaluateSamples: reference and held-out sets share sample index ${id}; the floor needs disjoint sets`);
  }
}

function gather(d: Digits, rows: number[]): Float32Array {
  const out = new Float32Array(rows.length * PIXELS);
  rows.forEach((i, k) => out.set(d.images.subarray(i * PIXELS, (i + 1) * PIXELS), k * PIXELS));
  return out;
}

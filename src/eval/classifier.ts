/**
 * The digit classifier behind the sample-quality metrics: an MLP trained with shadergrad
 * itself (scripts/train-classifier.ts) on the training side of `mnistSplit()`. Its
 * labels give the class histogram of GAN samples, and its penultimate activations are
 * the features of the Fréchet distance.
 *
 * Every image, real or generated, goes through the same `preprocess` before the network
 * sees it: scaled to [0,1] and deskewed by its moments (LeCun's MNIST page). So the
 * preprocessing is part of the classifier, lives here only, and cannot differ between
 * the two sides of a comparison.
 */
import { FormatError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { decodeSafetensors, type SafetensorsFile } from '../io/safetensors.js';
import { Dropout, Linear, ReLU, Sequential } from '../nn/layers.js';
import { noGrad } from '../autograd/tape.js';
import { scope } from '../scope.js';
import { tensor } from '../ops/create.js';
import type { Generator } from '../ops/random.js';

/** Image side and pixel count the classifier takes. */
export const SIDE = 28;
export const PIXELS = SIDE * SIDE;

/** Layer widths: 784 -> 128 -> 64 (the feature layer) -> 10. */
export const CLASSIFIER_WIDTHS = [PIXELS, 128, 64, 10] as const;

/** Width of the feature layer (the penultimate activations). */
export const FEATURE_DIM = CLASSIFIER_WIDTHS[2];

/** The preprocessing every input gets, recorded in the checkpoint's metadata and checked on load. */
export const PREPROCESS = 'deskew-moments-bilinear';

/**
 * How the caller's pixels are scaled: 'unit' for [0,1] (the data loaders), 'signed' for
 * [-1,1] (the GAN's tanh output, mapped by (x + 1) / 2).
 */
export type InputRange = 'unit' | 'signed';

/**
 * The classifier: `nn.Sequential(Linear(784,128), ReLU(), Dropout(p), Linear(128,64),
 * ReLU(), Dropout(p), Linear(64,10))`, so its parameters are named like PyTorch's
 * `0.weight, 0.bias, 3.weight, 3.bias, 6.weight, 6.bias`. `p` only matters in train mode;
 * a loaded classifier uses p = 0. Init is PyTorch's nn.Linear default from `generator`.
 */
export function createClassifier(opts: { dropout?: number; generator?: Generator } = {}): Sequential {
  const [a, b, c, d] = CLASSIFIER_WIDTHS;
  const p = opts.dropout ?? 0;
  const g = opts.generator ? { generator: opts.generator } : {};
  return new Sequential(
    new Linear(a, b, g), new ReLU(), new Dropout(p, opts.generator),
    new Linear(b, c, g), new ReLU(), new Dropout(p, opts.generator),
    new Linear(c, d, g),
  );
}

/** The expected parameter names and shapes of `createClassifier()`. */
export function classifierShapes(): Record<string, number[]> {
  const [a, b, c, d] = CLASSIFIER_WIDTHS;
  return {
    '0.weight': [b, a], '0.bias': [b],
    '3.weight': [c, b], '3.bias': [c],
    '6.weight': [d, c], '6.bias': [d],
  };
}

/**
 * A classifier from safetensors bytes written by scripts/train-classifier.ts, with its
 * weights on the current backend and in eval mode. Throws a `FormatError` (naming the
 * tensor and both shapes) when a tensor is missing, unexpected or of the wrong shape,
 * or when the metadata names another preprocessing; a malformed file is refused by
 * `decodeSafetensors` with its own `FormatError`.
 */
export function loadClassifier(bytes: Uint8Array): { model: Sequential; metadata: Record<string, string> } {
  const file: SafetensorsFile = decodeSafetensors(bytes);
  const want = classifierShapes();
  for (const name of Object.keys(file.tensors)) {
    if (!(name in want)) throw new FormatError(`loadClassifier: unexpected tensor "${name}"; expected ${Object.keys(want).join(', ')}`);
  }
  for (const [name, shape] of Object.entries(want)) {
    const t = file.tensors[name];
    if (!t) throw new FormatError(`loadClassifier: missing tensor "${name}" ${fmtShape(shape)}`);
    if (t.shape.length !== shape.length || t.shape.some((v, i) => v !== shape[i])) {
      throw new FormatError(`loadClassifier: tensor "${name}" has shape ${fmtShape(t.shape)}, expected ${fmtShape(shape)}`);
    }
  }
  const pre = file.metadata['preprocess'];
  if (pre !== undefined && pre !== PREPROCESS) {
    throw new FormatError(`loadClassifier: file was trained with preprocess "${pre}", this code applies "${PREPROCESS}"`);
  }
  const model = createClassifier();
  const params = new Map(model.namedParameters());
  for (const [name, t] of Object.entries(file.tensors)) {
    const p = params.get(name)!;
    // The parameter takes over the new tensor's storage (one more reference), so
    // disposing the temporary, here or by an enclosing scope, leaves the weights alive.
    const loaded = tensor(t.data, t.shape);
    loaded.storage.refs++;
    p.rebind(loaded.storage);
    loaded.dispose();
  }
  model.eval();
  return { model, metadata: file.metadata };
}

/**
 * Applies the inverse of `x_in = A x_out + t` with bilinear interpolation and zero
 * outside the image: output pixel (r, c) reads the source at
 * `(r', c') = (m[0] r + m[1] c + m[2], m[3] r + m[4] c + m[5])`.
 * `src` and `out` are 28x28 images; shared by deskewing and the training augmentation.
 */
export function warpAffine(src: ArrayLike<number>, srcOff: number, out: Float32Array, outOff: number, m: readonly number[]): void {
  for (let r = 0; r < SIDE; r++) {
    for (let c = 0; c < SIDE; c++) {
      const y = m[0]! * r + m[1]! * c + m[2]!;
      const x = m[3]! * r + m[4]! * c + m[5]!;
      const y0 = Math.floor(y);
      const x0 = Math.floor(x);
      const fy = y - y0;
      const fx = x - x0;
      let v = 0;
      for (let dy = 0; dy < 2; dy++) {
        const yy = y0 + dy;
        if (yy < 0 || yy >= SIDE) continue;
        const wy = dy ? fy : 1 - fy;
        for (let dx = 0; dx < 2; dx++) {
          const xx = x0 + dx;
          if (xx < 0 || xx >= SIDE) continue;
          v += wy * (dx ? fx : 1 - fx) * src[srcOff + yy * SIDE + xx]!;
        }
      }
      out[outOff + r * SIDE + c] = v;
    }
  }
}

/** Below this, the row variance is too small to define a skew and it is left at 0. */
const MIN_ROW_VARIANCE = 1e-3;

/**
 * The deskewing affine map of one [0,1] image from its intensity moments: centre of
 * mass (cr, cc), row variance v_rr and covariance v_rc, skew `alpha = v_rc / v_rr`. The
 * output samples the input at `r' = r + cr - 13.5`, `c' = c + alpha (r - 13.5) + cc - 13.5`:
 * the centre of mass moves to the centre of the field and the shear that makes columns
 * drift with rows is removed. An empty image gets the identity.
 */
export function deskewMatrix(img: ArrayLike<number>, off: number): number[] {
  let w = 0;
  let sr = 0;
  let sc = 0;
  for (let r = 0; r < SIDE; r++) {
    for (let c = 0; c < SIDE; c++) {
      const v = img[off + r * SIDE + c]!;
      w += v;
      sr += v * r;
      sc += v * c;
    }
  }
  const mid = (SIDE - 1) / 2;
  if (!(w > 1e-6)) return [1, 0, 0, 0, 1, 0];
  const cr = sr / w;
  const cc = sc / w;
  let vrr = 0;
  let vrc = 0;
  for (let r = 0; r < SIDE; r++) {
    for (let c = 0; c < SIDE; c++) {
      const v = img[off + r * SIDE + c]!;
      vrr += v * (r - cr) * (r - cr);
      vrc += v * (r - cr) * (c - cc);
    }
  }
  vrr /= w;
  vrc /= w;
  const alpha = vrr > MIN_ROW_VARIANCE ? vrc / vrr : 0;
  return [1, 0, cr - mid, alpha, 1, cc - mid - alpha * mid];
}

/**
 * The classifier's input from n images (n*784 floats in `range`): each scaled to [0,1]
 * (clamped, so a generator's slightly out-of-range pixel cannot matter), then deskewed
 * (`deskewMatrix` + `warpAffine`). Real and generated images both come through here.
 */
export function preprocess(images: Float32Array, n: number, range: InputRange): Float32Array {
  checkImages('preprocess', images, n, range);
  const unit = new Float32Array(n * PIXELS);
  for (let i = 0; i < unit.length; i++) {
    const v = range === 'signed' ? (images[i]! + 1) / 2 : images[i]!;
    unit[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  const out = new Float32Array(n * PIXELS);
  for (let k = 0; k < n; k++) warpAffine(unit, k * PIXELS, out, k * PIXELS, deskewMatrix(unit, k * PIXELS));
  return out;
}

/** Labels, features and the feature width from `classify`. */
export interface Classified {
  /** The argmax class of each image. */
  labels: Uint8Array;
  /** n*dim penultimate-layer activations (after the ReLU), row-major. */
  features: Float32Array;
  dim: number;
}

const BATCH = 500;

/**
 * Classifies n 28x28 images (n*784 floats in `range`, see `InputRange`) on the current
 * backend: `preprocess`, then the network in eval mode, batch by batch under `noGrad`
 * and `scope`. Returns each image's argmax label and its 64 feature-layer activations
 * (the input of the last Linear), the features of the Fréchet distance.
 */
export async function classify(model: Sequential, images: Float32Array, n: number, range: InputRange): Promise<Classified> {
  const x = preprocess(images, n, range);
  const { body, head } = split(model);
  const wasTraining = model.training;
  model.eval();
  const labels = new Uint8Array(n);
  const features = new Float32Array(n * FEATURE_DIM);
  try {
    for (let at = 0; at < n; at += BATCH) {
      const b = Math.min(BATCH, n - at);
      const [h, logits] = scope(() => noGrad(() => {
        const f = body.forward(tensor(x.subarray(at * PIXELS, (at + b) * PIXELS), [b, PIXELS]));
        return [f, head.forward(f)];
      }));
      const [hv, lv] = await Promise.all([h!.data(), logits!.data()]);
      h!.dispose();
      logits!.dispose();
      features.set(hv, at * FEATURE_DIM);
      for (let i = 0; i < b; i++) labels[at + i] = argmax(lv, i * 10, 10);
    }
  } finally {
    model.train(wasTraining);
  }
  return { labels, features, dim: FEATURE_DIM };
}

/** The feature extractor (layers 0..4) and the last Linear of a `createClassifier` model. */
function split(model: Sequential): { body: Sequential; head: Linear } {
  const l = model.layers;
  const shapes = classifierShapes();
  const ok = l.length === 7 && l[0] instanceof Linear && l[1] instanceof ReLU && l[3] instanceof Linear
    && l[4] instanceof ReLU && l[6] instanceof Linear
    && model.namedParameters().every(([name, p]) => shapes[name]?.join(',') === p.shape.join(','));
  if (!ok) throw new ValueError(`classify: model is not a createClassifier() network: ${l.map((m) => m.constructor.name).join(', ')}`);
  return { body: new Sequential(...l.slice(0, 5)), head: l[6] as Linear };
}

function argmax(v: Float32Array, off: number, k: number): number {
  let best = 0;
  for (let j = 1; j < k; j++) if (v[off + j]! > v[off + best]!) best = j;
  return best;
}

function checkImages(op: string, images: Float32Array, n: number, range: InputRange): void {
  if (!Number.isInteger(n) || n <= 0) throw new ValueError(`${op}: n must be a positive integer, got ${n}`);
  if (!(images instanceof Float32Array) || images.length !== n * PIXELS) {
    throw new ShapeError(`${op}: images has ${images.length} values, expected n*784 = ${n}*${PIXELS}`);
  }
  if (range !== 'unit' && range !== 'signed') throw new ValueError(`${op}: range must be 'unit' or 'signed', got ${JSON.stringify(range)}`);
}

/**
 * Tiling a batch of generated grayscale images into one picture, the way GAN samples
 * are shown (torchvision's `make_grid`): a border of `pad` pixels around every tile,
 * tiles filled row by row, each pixel optionally blown up to a `scale` x `scale` block.
 */
import { ShapeError, ValueError } from '../errors.js';

/** The gray level of the padding between tiles: dark, so a black digit background still shows its edge. */
export const GRID_BACKGROUND = 48;

/** Options of {@link imageGrid}. */
export interface ImageGridOptions {
  /** Tiles per row; default `ceil(sqrt(count))`, a near-square grid. */
  cols?: number;
  /** Pixels of background between tiles and around the border (not scaled); default 2. */
  pad?: number;
  /** The value range that maps to black..white; values outside are clamped. Default [-1, 1], a tanh generator's range. */
  range?: [number, number];
  /** Integer upscaling of every image pixel (nearest neighbour); default 1. */
  scale?: number;
}

/** An 8-bit grayscale picture, row-major, `width * height` bytes. */
export interface GrayImage {
  pixels: Uint8Array;
  width: number;
  height: number;
}

function checkInt(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) {
    throw new ValueError(`imageGrid: ${name} must be an integer >= ${min}, got ${v}`);
  }
}

/**
 * Tile the first `count` images of `samples` (row-major, `height * width` floats each) into
 * one 8-bit grayscale grid. A value `v` maps to `round((clamp(v) - lo) / (hi - lo) * 255)`
 * with `[lo, hi] = range`; NaN maps to 0 so a diverged generator shows as black, not noise.
 * `samples` may hold more images than `count` (show 16 of a batch of 64), but its length must
 * be a whole number of images (`ShapeError` otherwise, which catches swapped sizes early).
 * Bad counts, sizes, pad, scale or range throw `ValueError`. The result feeds `encodePng`
 * (1 channel) or is one frame of `encodeGif`.
 */
export function imageGrid(
  samples: Float32Array,
  count: number,
  height: number,
  width: number,
  opts: ImageGridOptions = {},
): GrayImage {
  checkInt('count', count, 1);
  checkInt('height', height, 1);
  checkInt('width', width, 1);
  const cols = opts.cols ?? Math.ceil(Math.sqrt(count));
  const pad = opts.pad ?? 2;
  const scale = opts.scale ?? 1;
  const [lo, hi] = opts.range ?? [-1, 1];
  checkInt('cols', cols, 1);
  checkInt('pad', pad, 0);
  checkInt('scale', scale, 1);
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi)) {
    throw new ValueError(`imageGrid: range must be finite with lo < hi, got [${lo}, ${hi}]`);
  }
  const size = height * width;
  if (samples.length % size !== 0 || samples.length / size < count) {
    throw new ShapeError(
      `imageGrid: ${samples.length} values do not hold ${count} images of ${height}x${width}`,
    );
  }

  const rows = Math.ceil(count / cols);
  const tileW = width * scale;
  const tileH = height * scale;
  const outW = pad + cols * (tileW + pad);
  const outH = pad + rows * (tileH + pad);
  const pixels = new Uint8Array(outW * outH).fill(GRID_BACKGROUND);
  const k = 255 / (hi - lo);

  for (let n = 0; n < count; n++) {
    const x0 = pad + (n % cols) * (tileW + pad);
    const y0 = pad + Math.floor(n / cols) * (tileH + pad);
    for (let y = 0; y < height; y++) {
      // Build one scaled row, then copy it `scale` times down.
      const rowStart = (y0 + y * scale) * outW + x0;
      for (let x = 0; x < width; x++) {
        const v = samples[n * size + y * width + x];
        const c = v <= lo ? 0 : v >= hi ? 255 : Number.isNaN(v) ? 0 : Math.round((v - lo) * k);
        pixels.fill(c, rowStart + x * scale, rowStart + (x + 1) * scale);
      }
      for (let s = 1; s < scale; s++) {
        pixels.copyWithin(rowStart + s * outW, rowStart, rowStart + tileW);
      }
    }
  }
  return { pixels, width: outW, height: outH };
}

/**
 * One gray image per sample of `n` images [C, H, W] (flat, row-major): the samples
 * themselves when C = 1, else the mean over channels, so {@link imageGrid} can show
 * any generator's output.
 */
export function grayImages(samples: Float32Array, n: number, shape: readonly [number, number, number]): Float32Array {
  const [c, h, w] = shape;
  if (samples.length < n * c * h * w) {
    throw new ShapeError(`grayImages: ${samples.length} values do not hold ${n} images of ${c}x${h}x${w}`);
  }
  if (c === 1) return samples;
  const hw = h * w;
  const out = new Float32Array(n * hw);
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      const src = (i * c + ch) * hw;
      for (let p = 0; p < hw; p++) out[i * hw + p] += samples[src + p] / c;
    }
  }
  return out;
}

/** What every library implements for a row, and the data the training rows share. */

/** One library's version of a row. */
export interface Impl {
  /** Untimed work before each run (a forward pass whose backward is timed). */
  prepare?(): Promise<void>;
  /** The timed work; resolves when the device has finished it. */
  run(): Promise<void>;
  /** Untimed work after each run (reading back and checking the losses). */
  after?(): Promise<void>;
  dispose(): void;
}

/** The images the training rows draw batches from. */
export const TRAIN_IMAGES = 512;

/**
 * `n` 28x28 images of seeded noise in [-1, 1] (the trainers' range), in the shape of
 * shadergrad's `Digits`. The time of an iteration does not depend on the pixels, so no
 * MNIST download is needed.
 */
export function syntheticDigits(batch: number): { images: Float32Array; labels: Uint8Array; n: number; height: number; width: number } {
  const n = Math.max(TRAIN_IMAGES, batch);
  const images = new Float32Array(n * 784);
  let s = 12345;
  for (let i = 0; i < images.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    images[i] = (s / 2 ** 31) - 1;
  }
  return { images, labels: new Uint8Array(n), n, height: 28, width: 28 };
}

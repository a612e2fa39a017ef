/**
 * The in-memory form of a digit data set, shared by every loader (`mnist()`, IDX files)
 * and every transform (filter, scale, split, batches) of `src/data`.
 */

/**
 * A set of `n` grayscale images of `height x width` pixels with their class labels.
 * `images` holds the pixels row-major, image after image (`n*height*width` floats), in
 * [0,1] as loaded, or in [-1,1] after `toSigned`. `index`, when present, is each
 * sample's position in the full set it was loaded from; loaders set it, and filters,
 * shuffles and splits carry it along, so that a sample keeps its identity (and its
 * train/held-out side, which `split` derives from it) whatever was done before.
 */
export interface Digits {
  images: Float32Array;
  labels: Uint8Array;
  n: number;
  height: number;
  width: number;
  index?: Uint32Array;
}

/** One mini-batch from `batches`: `images` is `batchSize*height*width` floats. */
export interface Batch {
  images: Float32Array;
  labels: Uint8Array;
  /** The `Digits.index` of each sample of the batch (its position when `index` is absent). */
  index: Uint32Array;
}

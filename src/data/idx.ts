/**
 * The IDX file format of LeCun's MNIST files (and of Fashion-MNIST, KMNIST, EMNIST):
 * bytes 0-1 zero, byte 2 a type code, byte 3 the number of dimensions, then each
 * dimension as a big-endian u32, then the data, big-endian, row-major. Files may be
 * gzipped. Every malformed file is refused with a `FormatError` before any large
 * allocation, so a bad file never yields a partial array.
 */
import { FormatError, fmtShape } from '../errors.js';
import { gunzipChecked, isGzip } from './gzip.js';
import type { Digits } from './types.js';

export type IdxDtype = 'u8' | 'i8' | 'i16' | 'i32' | 'f32' | 'f64';

/** A parsed IDX file: its element type, its dimensions and its data in native byte order. */
export interface IdxArray {
  dtype: IdxDtype;
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/** The IDX type codes and each type's size in bytes. */
const TYPES: Record<number, { dtype: IdxDtype; size: number }> = {
  0x08: { dtype: 'u8', size: 1 },
  0x09: { dtype: 'i8', size: 1 },
  0x0b: { dtype: 'i16', size: 2 },
  0x0c: { dtype: 'i32', size: 4 },
  0x0d: { dtype: 'f32', size: 4 },
  0x0e: { dtype: 'f64', size: 8 },
};

/**
 * The largest body we accept, 2^31 bytes: beyond what a browser tab can hold in one
 * typed array, and 45x the full MNIST training images. Checked before allocating.
 */
export const MAX_IDX_BYTES = 2 ** 31;

/**
 * Parse an IDX file, gunzipping it first when it starts with the gzip magic `1f 8b`.
 * Throws a `FormatError` naming the problem and the numbers for: a file too short for
 * its header, a bad magic or unknown type code, zero dimensions, a zero or oversized
 * dimension, a body larger than `MAX_IDX_BYTES`, a body shorter (truncated) or longer
 * (trailing bytes) than the header says, and a corrupt gzip stream.
 */
export function readIdx(bytes: Uint8Array): IdxArray {
  // Inflate no further than the header says the file needs, and never past the body cap
  // plus the largest header: a gzip bomb stops after a few bytes too many.
  const raw = isGzip(bytes)
    ? gunzipChecked(bytes, 'readIdx', MAX_IDX_BYTES + 1024, (head) => {
      const h = readHeader(head);
      return h && h.headerBytes + h.bodyBytes;
    })
    : bytes;
  const h = readHeader(raw);
  if (!h) {
    const need = raw.length < 4 ? 'the 4-byte IDX magic' : `the header of a ${raw[3]}-dimensional file (${4 + 4 * raw[3]!} bytes)`;
    throw new FormatError(`readIdx: file is ${raw.length} bytes, too short for ${need}`);
  }
  const { type, shape, headerBytes, bodyBytes } = h;
  const have = raw.length - headerBytes;
  if (have < bodyBytes) {
    throw new FormatError(
      `readIdx: header claims ${bodyBytes} bytes of data (${type.dtype} ${fmtShape(shape)}) but the file has ${have} (truncated)`,
    );
  }
  if (have > bodyBytes) {
    throw new FormatError(
      `readIdx: ${have - bodyBytes} trailing bytes after the ${bodyBytes} bytes of data of ${type.dtype} ${fmtShape(shape)}`,
    );
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  return { dtype: type.dtype, shape, data: decode(view, headerBytes, bodyBytes / type.size, type.dtype) };
}

interface IdxHeader {
  type: { dtype: IdxDtype; size: number };
  shape: number[];
  headerBytes: number;
  bodyBytes: number;
}

/**
 * Parses the header at the start of `raw`: null while `raw` is too short to hold it, a
 * `FormatError` for a bad magic, type code, rank or dimension, or a body over the cap.
 */
function readHeader(raw: Uint8Array): IdxHeader | null {
  if (raw.length < 4) return null;
  if (raw[0] !== 0 || raw[1] !== 0) {
    throw new FormatError(
      `readIdx: bad magic: the first two bytes must be 0, got 0x${hex2(raw[0])} 0x${hex2(raw[1])} (not an IDX file)`,
    );
  }
  const type = TYPES[raw[2]];
  if (!type) {
    throw new FormatError(
      `readIdx: unknown type code 0x${hex2(raw[2])} (expected 0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e)`,
    );
  }
  const ndim = raw[3];
  if (ndim === 0) throw new FormatError('readIdx: header has 0 dimensions');
  const headerBytes = 4 + 4 * ndim;
  if (raw.length < headerBytes) return null;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const shape: number[] = [];
  let bodyBytes = type.size;
  for (let d = 0; d < ndim; d++) {
    const dim = view.getUint32(4 + 4 * d, false);
    shape.push(dim);
    if (dim === 0) throw new FormatError(`readIdx: dimension ${d} is 0 in shape ${fmtShape(readDims(view, ndim))}`);
    // Checked after every factor, so we stop at the first one past the cap: the product never
    // exceeds 2^31 * 2^32, and the comparison is right even where the float is no longer exact.
    bodyBytes *= dim;
    if (bodyBytes > MAX_IDX_BYTES) {
      throw new FormatError(
        `readIdx: shape ${fmtShape(readDims(view, ndim))} of ${type.dtype} needs more than the cap of ${MAX_IDX_BYTES} bytes`,
      );
    }
  }
  return { type, shape, headerBytes, bodyBytes };
}

/** How each multi-byte type is read from a big-endian DataView into its native array. */
const READERS = {
  i16: (v: DataView, o: number) => v.getInt16(o, false),
  i32: (v: DataView, o: number) => v.getInt32(o, false),
  f32: (v: DataView, o: number) => v.getFloat32(o, false),
  f64: (v: DataView, o: number) => v.getFloat64(o, false),
} as const;
const ARRAYS = { i16: Int16Array, i32: Int32Array, f32: Float32Array, f64: Float64Array } as const;

/** Copy the big-endian body into a fresh native typed array (never a view of the input). */
function decode(view: DataView, off: number, count: number, dtype: IdxDtype): IdxArray['data'] {
  if (dtype === 'u8') return new Uint8Array(view.buffer, view.byteOffset + off, count).slice();
  if (dtype === 'i8') return new Int8Array(view.buffer, view.byteOffset + off, count).slice();
  const out = new ARRAYS[dtype](count);
  const read = READERS[dtype];
  const size = out.BYTES_PER_ELEMENT;
  for (let i = 0; i < count; i++) out[i] = read(view, off + size * i);
  return out;
}

/**
 * Pair an IDX images file (`u8 [n,h,w]`, e.g. MNIST's `train-images-idx3-ubyte`) with its
 * labels file (`u8 [n]`) into `Digits`: pixels scaled by 1/255 to [0,1], `index` set to
 * each sample's position in the files. Either argument may be gzipped. Throws a
 * `FormatError` when a file is malformed, has the wrong type or rank, the counts differ,
 * or a label is not a digit 0..9.
 */
export function readIdxDataset(images: Uint8Array, labels: Uint8Array): Digits {
  return idxToDigits(readIdx(images), readIdx(labels));
}

/**
 * `readIdxDataset` of files already parsed. `names`, when given (the files' paths), goes
 * into the messages: `images file X must be u8 [n,h,w]`, `60000 images in X but 10000
 * labels in Y`, `label 5 in Y is 12`.
 */
export function idxToDigits(img: IdxArray, lab: IdxArray, names?: { images: string; labels: string }): Digits {
  const where = names ? '' : 'readIdxDataset: ';
  const imagesAre = names ? `images file ${names.images}` : 'images';
  const labelsAre = names ? `labels file ${names.labels}` : 'labels';
  if (img.dtype !== 'u8' || img.shape.length !== 3) {
    throw new FormatError(`${where}${imagesAre} must be u8 [n,h,w], got ${img.dtype} ${fmtShape(img.shape)}`);
  }
  if (lab.dtype !== 'u8' || lab.shape.length !== 1) {
    throw new FormatError(`${where}${labelsAre} must be u8 [n], got ${lab.dtype} ${fmtShape(lab.shape)}`);
  }
  const [n, height, width] = img.shape;
  if (lab.shape[0] !== n) {
    throw new FormatError(names ? `${n} images in ${names.images} but ${lab.shape[0]} labels in ${names.labels}` : `readIdxDataset: ${n} images but ${lab.shape[0]} labels`);
  }
  const labelData = lab.data as Uint8Array;
  for (let i = 0; i < n; i++) {
    if (labelData[i] > 9) throw new FormatError(`${where}label ${i}${names ? ` in ${names.labels}` : ''} is ${labelData[i]}, expected 0..9`);
  }
  const pixels = img.data as Uint8Array;
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = pixels[i] / 255;
  const index = new Uint32Array(n);
  for (let i = 0; i < n; i++) index[i] = i;
  return { images: out, labels: labelData, n, height, width, index };
}

function readDims(view: DataView, ndim: number): number[] {
  const dims: number[] = [];
  for (let d = 0; d < ndim; d++) dims.push(view.getUint32(4 + 4 * d, false));
  return dims;
}

function hex2(b: number): string {
  return b.toString(16).padStart(2, '0');
}

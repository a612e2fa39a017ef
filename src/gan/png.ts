/**
 * A minimal PNG encoder for sample grids: 8-bit gray, RGB or RGBA, no interlace, one
 * IDAT chunk. Every row uses filter type 0 (None); sample grids are small and deflate
 * already squeezes their flat backgrounds, so adaptive filtering would buy little.
 */
import { zlibSync } from 'fflate';
import { ShapeError, ValueError } from '../errors.js';
import { crc32 } from '../io/crc32.js';

export { crc32 };

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** PNG color type for 1, 3 and 4 channels (gray, truecolor, truecolor with alpha). */
const COLOR_TYPE: Record<number, number> = { 1: 0, 3: 2, 4: 6 };
/** The largest dimension PNG allows (2^31 - 1). */
const MAX_DIM = 0x7fffffff;

/** One chunk: 4-byte big-endian length, 4-byte ASCII type, data, CRC over type + data. */
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

function checkDim(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1 || v > MAX_DIM) {
    throw new ValueError(`encodePng: ${name} must be a positive integer, got ${v}`);
  }
}

/**
 * Encode 8-bit pixels as a PNG file. `pixels` is row-major, `channels` interleaved bytes
 * per pixel (1 = gray, 3 = RGB, 4 = RGBA), exactly `width * height * channels` long.
 * Throws `ValueError` for non-integer or non-positive sizes or a bad channel count, and
 * `ShapeError` when the buffer length does not match the sizes. Pure bytes in, bytes out,
 * so the result can be saved by Node or offered as a Blob download in the browser.
 */
export function encodePng(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3 | 4 = 1,
): Uint8Array {
  checkDim('width', width);
  checkDim('height', height);
  if (!(channels in COLOR_TYPE)) {
    throw new ValueError(`encodePng: channels must be 1, 3 or 4, got ${channels}`);
  }
  if (!(pixels instanceof Uint8Array)) {
    throw new ValueError('encodePng: pixels must be a Uint8Array');
  }
  const stride = width * channels;
  if (pixels.length !== stride * height) {
    throw new ShapeError(
      `encodePng: expected ${width}x${height}x${channels} = ${stride * height} bytes, got ${pixels.length}`,
    );
  }

  const ihdr = new Uint8Array(13);
  const hv = new DataView(ihdr.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = COLOR_TYPE[channels];
  // bytes 10..12 stay 0: deflate compression, adaptive filtering method 0, no interlace

  // Each scanline is prefixed with its filter type byte (0 = None).
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }

  const parts = [
    Uint8Array.from(SIGNATURE),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlibSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/**
 * An animated grayscale GIF89a encoder for a run's progress: one frame per sample grid.
 * Written here rather than with `gifenc` because that package ships CommonJS to Node
 * (default export = the module object) but ESM to bundlers (default export = the
 * encoder), and gray frames need no quantizer: the byte is the palette index.
 */
import { ShapeError, ValueError } from '../errors.js';

/** Options of {@link encodeGif}. */
export interface GifOptions {
  /** Time each frame is shown, in milliseconds (stored in 1/100 s units); default 200. */
  delayMs?: number;
  /** Loop forever (NETSCAPE2.0 extension) instead of stopping on the last frame; default true. */
  loop?: boolean;
}

/** Grows a byte array; GIF sizes are not known before LZW has run. */
class ByteSink {
  buf = new Uint8Array(4096);
  length = 0;
  byte(b: number): void {
    if (this.length === this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = b;
  }
  u16(v: number): void {
    this.byte(v & 0xff);
    this.byte((v >>> 8) & 0xff);
  }
  ascii(s: string): void {
    for (let i = 0; i < s.length; i++) this.byte(s.charCodeAt(i));
  }
  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/**
 * GIF's variable-width LZW over 8-bit indices: codes start at 9 bits, grow to 12, and the
 * table is reset with a clear code when it holds 4096 entries. Codes are packed LSB first.
 * The width grows right after emitting a code once the next free code no longer fits,
 * which is exactly when a decoder (one entry behind) widens its reads.
 */
function lzw(indices: Uint8Array, out: ByteSink): void {
  const CLEAR = 256;
  const EOI = 257;
  const dict = new Map<number, number>(); // prefixCode * 256 + byte -> code
  let next = EOI + 1;
  let width = 9;
  let acc = 0;
  let bits = 0;
  const emit = (code: number): void => {
    acc |= code << bits;
    bits += width;
    while (bits >= 8) {
      out.byte(acc & 0xff);
      acc >>>= 8;
      bits -= 8;
    }
    if (next > (1 << width) - 1 && width < 12) width++;
  };

  emit(CLEAR);
  let prefix = indices[0];
  for (let i = 1; i < indices.length; i++) {
    const c = indices[i];
    const key = prefix * 256 + c;
    const hit = dict.get(key);
    if (hit !== undefined) {
      prefix = hit;
      continue;
    }
    emit(prefix);
    if (next < 4096) {
      dict.set(key, next++);
    } else {
      emit(CLEAR);
      dict.clear();
      next = EOI + 1;
      width = 9;
    }
    prefix = c;
  }
  emit(prefix);
  emit(EOI);
  if (bits > 0) out.byte(acc & 0xff);
}

/**
 * Encode 8-bit grayscale frames (row-major, `width * height` bytes each, 0 = black) as an
 * animated GIF89a with a 256-level gray global palette, so every gray level is exact.
 * Each frame gets a graphic control extension with `delayMs` rounded to 1/100 s; with
 * `loop` (default) a NETSCAPE2.0 extension makes viewers repeat it forever. Throws
 * `ValueError` for no frames, bad sizes (GIF allows 1..65535) or a bad delay, and
 * `ShapeError` naming the first frame whose length is not `width * height`.
 */
export function encodeGif(
  frames: Uint8Array[],
  width: number,
  height: number,
  opts: GifOptions = {},
): Uint8Array {
  const delayMs = opts.delayMs ?? 200;
  const loop = opts.loop ?? true;
  for (const [name, v] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 0xffff) {
      throw new ValueError(`encodeGif: ${name} must be an integer in 1..65535, got ${v}`);
    }
  }
  const delay = Math.round(delayMs / 10);
  if (!Number.isFinite(delayMs) || delayMs < 0 || delay > 0xffff) {
    throw new ValueError(`encodeGif: delayMs must be in 0..655350, got ${delayMs}`);
  }
  if (!Array.isArray(frames) || frames.length === 0) {
    throw new ValueError('encodeGif: need at least one frame');
  }
  frames.forEach((f, i) => {
    if (!(f instanceof Uint8Array) || f.length !== width * height) {
      const got = f instanceof Uint8Array ? `${f.length} bytes` : 'not a Uint8Array';
      throw new ShapeError(
        `encodeGif: frame ${i} must be ${width}x${height} = ${width * height} bytes, got ${got}`,
      );
    }
  });

  const out = new ByteSink();
  out.ascii('GIF89a');
  // Logical screen descriptor: global table present, 8-bit color resolution, 2^(7+1) entries.
  out.u16(width);
  out.u16(height);
  out.byte(0xf7);
  out.byte(0); // background color index
  out.byte(0); // no aspect ratio
  for (let i = 0; i < 256; i++) {
    out.byte(i);
    out.byte(i);
    out.byte(i);
  }
  if (loop) {
    out.ascii('\x21\xff\x0bNETSCAPE2.0');
    out.byte(3);
    out.byte(1);
    out.u16(0); // 0 = repeat forever
    out.byte(0);
  }

  const data = new ByteSink();
  for (const frame of frames) {
    // Graphic control: disposal 1 (leave in place); every frame covers the screen anyway.
    out.ascii('\x21\xf9\x04');
    out.byte(1 << 2);
    out.u16(delay);
    out.byte(0); // no transparent index
    out.byte(0);
    // Image descriptor: full screen at (0,0), no local table, not interlaced.
    out.byte(0x2c);
    out.u16(0);
    out.u16(0);
    out.u16(width);
    out.u16(height);
    out.byte(0);
    out.byte(8); // LZW minimum code size
    data.length = 0;
    lzw(frame, data);
    // Image data goes out in sub-blocks of at most 255 bytes, ended by an empty block.
    for (let i = 0; i < data.length; i += 255) {
      const n = Math.min(255, data.length - i);
      out.byte(n);
      for (let j = 0; j < n; j++) out.byte(data.buf[i + j]);
    }
    out.byte(0);
  }
  out.byte(0x3b); // trailer
  return out.bytes();
}

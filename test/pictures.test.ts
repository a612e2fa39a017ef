import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError } from '../src/errors.js';
import { encodeGif } from '../src/gan/gif.js';
import { GRID_BACKGROUND, imageGrid } from '../src/gan/grid.js';
import { linePlotSvg, niceTicks } from '../src/gan/plot.js';
import { encodePng } from '../src/gan/png.js';

/** Deterministic bytes (an LCG), so failures reproduce. */
function noise(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

// ---------- PNG: an independent reader ----------

/** Bitwise CRC-32, no table: the fallback oracle when node:zlib has no crc32. */
function bitwiseCrc(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return (c ^ 0xffffffff) >>> 0;
}
const zcrc = (zlib as unknown as { crc32?: (d: Uint8Array) => number }).crc32;
const crcOracle = (b: Uint8Array): number => (zcrc ? zcrc(b) >>> 0 : bitwiseCrc(b));

function readPng(file: Uint8Array) {
  expect(Array.from(file.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const chunks: { type: string; data: Uint8Array }[] = [];
  let off = 8;
  while (off < file.length) {
    const len = view.getUint32(off);
    const type = String.fromCharCode(...file.subarray(off + 4, off + 8));
    const data = file.subarray(off + 8, off + 8 + len);
    expect(view.getUint32(off + 8 + len), `CRC of ${type}`).toBe(crcOracle(file.subarray(off + 4, off + 8 + len)));
    chunks.push({ type, data });
    off += 12 + len;
  }
  expect(off).toBe(file.length);
  expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
  const h = new DataView(chunks[0].data.buffer, chunks[0].data.byteOffset, 13);
  const ihdr = {
    width: h.getUint32(0), height: h.getUint32(4), depth: h.getUint8(8), colorType: h.getUint8(9),
    compression: h.getUint8(10), filter: h.getUint8(11), interlace: h.getUint8(12),
  };
  return { ihdr, raw: new Uint8Array(zlib.inflateSync(chunks[1].data)) };
}

describe('encodePng', () => {
  it.each([
    [1, 1, 1, 0],
    [7, 13, 1, 0],
    [13, 7, 1, 0],
    [5, 3, 3, 2],
    [4, 2, 4, 6],
    [64, 64, 1, 0],
  ] as const)('%ix%i with %i channel(s) round-trips through an independent reader', (w, h, ch, colorType) => {
    const pixels = noise(w * h * ch, w * 31 + h);
    const { ihdr, raw } = readPng(encodePng(pixels, w, h, ch));
    expect(ihdr).toEqual({ width: w, height: h, depth: 8, colorType, compression: 0, filter: 0, interlace: 0 });
    const stride = w * ch;
    expect(raw.length).toBe((stride + 1) * h);
    for (let y = 0; y < h; y++) {
      expect(raw[y * (stride + 1)]).toBe(0); // filter None
      expect(Array.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)))).toEqual(
        Array.from(pixels.subarray(y * stride, (y + 1) * stride)),
      );
    }
  });

  it('rejects bad sizes and channel counts', () => {
    expect(() => encodePng(new Uint8Array(5), 2, 2)).toThrow(ShapeError);
    expect(() => encodePng(new Uint8Array(4), 2, 2, 3)).toThrow(ShapeError);
    expect(() => encodePng(new Uint8Array(0), 0, 1)).toThrow(ValueError);
    expect(() => encodePng(new Uint8Array(3), 1.5, 2)).toThrow(ValueError);
    expect(() => encodePng(new Uint8Array(4), 2, 1, 2 as 1)).toThrow(ValueError);
  });
});

// ---------- grid ----------

describe('imageGrid', () => {
  const B = GRID_BACKGROUND;
  const px = (g: { pixels: Uint8Array; width: number }, x: number, y: number) => g.pixels[y * g.width + x];

  it('lays out a 1-pixel-padded row of two 1x2 images exactly', () => {
    const g = imageGrid(Float32Array.from([-1, 1, 0, 0.5]), 2, 1, 2, { pad: 1, cols: 2 });
    expect([g.width, g.height]).toEqual([7, 3]);
    expect(Array.from(g.pixels)).toEqual([
      B, B, B, B, B, B, B,
      B, 0, 255, B, 128, 191, B,
      B, B, B, B, B, B, B,
    ]);
  });

  it('tiles 3 images of 2x2 in a 2x2 grid with default padding and clamping', () => {
    const s = Float32Array.from([-1, 1, 0, 0.5, /* img 1 */ 2, -2, NaN, -0.5, /* img 2 */ 1, 1, 1, 1]);
    const g = imageGrid(s, 3, 2, 2);
    expect([g.width, g.height]).toEqual([10, 10]); // 2 + 2 * (2 + 2)
    expect([px(g, 2, 2), px(g, 3, 2), px(g, 2, 3), px(g, 3, 3)]).toEqual([0, 255, 128, 191]);
    expect([px(g, 6, 2), px(g, 7, 2), px(g, 6, 3), px(g, 7, 3)]).toEqual([255, 0, 0, 64]);
    expect([px(g, 2, 6), px(g, 3, 7)]).toEqual([255, 255]);
    for (const [x, y] of [[0, 0], [1, 5], [4, 2], [5, 3], [9, 9], [6, 6], [7, 7], [2, 4]]) {
      expect(px(g, x, y), `(${x},${y})`).toBe(B);
    }
  });

  it('honours range, cols and integer scale', () => {
    const g = imageGrid(Float32Array.from([0, 1, 0.5, 0.25]), 1, 2, 2, { range: [0, 1], pad: 0, scale: 3 });
    expect([g.width, g.height]).toEqual([6, 6]);
    const row = (y: number) => Array.from(g.pixels.subarray(y * 6, y * 6 + 6));
    for (const y of [0, 1, 2]) expect(row(y)).toEqual([0, 0, 0, 255, 255, 255]);
    for (const y of [3, 4, 5]) expect(row(y)).toEqual([128, 128, 128, 64, 64, 64]);

    const wide = imageGrid(new Float32Array(3 * 4), 3, 2, 2, { cols: 3 });
    expect([wide.width, wide.height]).toEqual([14, 6]);
    const scaledPad = imageGrid(new Float32Array(4), 1, 2, 2, { scale: 2, pad: 1 });
    expect([scaledPad.width, scaledPad.height]).toEqual([6, 6]); // pad is not scaled
  });

  it('shows the first count images of a larger batch and rejects bad input', () => {
    const batch = new Float32Array(8 * 4).fill(1);
    expect(imageGrid(batch, 4, 2, 2).width).toBe(10);
    expect(() => imageGrid(new Float32Array(7), 1, 2, 2)).toThrow(ShapeError);
    expect(() => imageGrid(new Float32Array(4), 2, 2, 2)).toThrow(ShapeError);
    expect(() => imageGrid(new Float32Array(4), 0, 2, 2)).toThrow(ValueError);
    expect(() => imageGrid(new Float32Array(4), 1, 2, 2, { scale: 0 })).toThrow(ValueError);
    expect(() => imageGrid(new Float32Array(4), 1, 2, 2, { pad: -1 })).toThrow(ValueError);
    expect(() => imageGrid(new Float32Array(4), 1, 2, 2, { range: [1, 1] })).toThrow(ValueError);
    expect(() => imageGrid(new Float32Array(4), 1, 2, 2, { cols: 1.5 })).toThrow(ValueError);
  });
});

// ---------- GIF: a block walker and an independent LZW decoder ----------

function lzwDecode(data: Uint8Array, minSize: number): number[] {
  const clear = 1 << minSize;
  const eoi = clear + 1;
  let dict: number[][] = [];
  let size = minSize + 1;
  let prev: number[] | null = null;
  const out: number[] = [];
  let pos = 0; // bit position
  const reset = () => {
    dict = Array.from({ length: clear + 2 }, (_, i) => [i]);
    size = minSize + 1;
    prev = null;
  };
  reset();
  for (;;) {
    if (pos + size > data.length * 8) throw new Error('LZW stream ended without EOI');
    let code = 0;
    for (let i = 0; i < size; i++, pos++) code |= ((data[pos >> 3] >> (pos & 7)) & 1) << i;
    if (code === clear) { reset(); continue; }
    if (code === eoi) break;
    let entry: number[];
    if (code < dict.length) entry = dict[code];
    else if (code === dict.length && prev) entry = [...prev, prev[0]];
    else throw new Error(`bad LZW code ${code} with ${dict.length} entries`);
    out.push(...entry);
    if (prev && dict.length < 4096) dict.push([...prev, entry[0]]);
    if (dict.length === 1 << size && size < 12) size++;
    prev = entry;
  }
  return out;
}

function readGif(file: Uint8Array) {
  const u16 = (o: number) => file[o] | (file[o + 1] << 8);
  const ascii = (a: number, b: number) => String.fromCharCode(...file.subarray(a, b));
  expect(ascii(0, 6)).toBe('GIF89a');
  const width = u16(6);
  const height = u16(8);
  const packed = file[10];
  expect(packed & 0x80).toBe(0x80); // global color table
  const palette = file.subarray(13, 13 + 3 * (2 << (packed & 7)));
  let off = 13 + palette.length;
  const subBlocks = () => {
    const parts: number[] = [];
    while (file[off] !== 0) {
      parts.push(...file.subarray(off + 1, off + 1 + file[off]));
      off += 1 + file[off];
    }
    off++;
    return Uint8Array.from(parts);
  };
  const apps: string[] = [];
  let loopCount: number | null = null;
  const delays: number[] = [];
  const frames: number[][] = [];
  for (;;) {
    const b = file[off++];
    if (b === 0x3b) break;
    if (b === 0x21) {
      const label = file[off++];
      if (label === 0xff) {
        const id = ascii(off + 1, off + 1 + file[off]);
        off += 1 + file[off];
        apps.push(id);
        const body = subBlocks();
        if (id === 'NETSCAPE2.0') loopCount = body[1] | (body[2] << 8);
      } else if (label === 0xf9) {
        const body = subBlocks();
        delays.push(body[1] | (body[2] << 8));
      } else subBlocks();
    } else if (b === 0x2c) {
      expect([u16(off), u16(off + 2), u16(off + 4), u16(off + 6)]).toEqual([0, 0, width, height]);
      expect(file[off + 8] & 0x80).toBe(0); // no local table
      off += 9;
      const minSize = file[off++];
      frames.push(lzwDecode(subBlocks(), minSize));
    } else throw new Error(`unexpected block 0x${b.toString(16)} at ${off - 1}`);
  }
  expect(off).toBe(file.length);
  return { width, height, palette, apps, loopCount, delays, frames };
}

describe('encodeGif', () => {
  it('writes a looping gray GIF whose frames decode to the input', () => {
    const [w, h] = [7, 5];
    const frames = [noise(w * h, 3), new Uint8Array(w * h).fill(200), noise(w * h, 9)];
    const gif = readGif(encodeGif(frames, w, h, { delayMs: 120 }));
    expect([gif.width, gif.height]).toEqual([w, h]);
    expect(gif.palette.length).toBe(768);
    for (const i of [0, 1, 127, 255]) expect(Array.from(gif.palette.subarray(3 * i, 3 * i + 3))).toEqual([i, i, i]);
    expect(gif.apps).toEqual(['NETSCAPE2.0']);
    expect(gif.loopCount).toBe(0);
    expect(gif.delays).toEqual([12, 12, 12]);
    expect(gif.frames.length).toBe(3);
    gif.frames.forEach((f, i) => expect(f).toEqual(Array.from(frames[i])));
  });

  it('survives LZW table resets on a large noisy frame and long runs', () => {
    const [w, h] = [200, 150];
    const frames = [noise(w * h, 5), new Uint8Array(w * h), Uint8Array.from({ length: w * h }, (_, i) => (i >> 4) & 3)];
    const gif = readGif(encodeGif(frames, w, h));
    gif.frames.forEach((f, i) => expect(f).toEqual(Array.from(frames[i])));
    expect(gif.delays).toEqual([20, 20, 20]);
  });

  it('handles 1x1 and no loop', () => {
    const gif = readGif(encodeGif([Uint8Array.of(77)], 1, 1, { loop: false, delayMs: 0 }));
    expect(gif.apps).toEqual([]);
    expect(gif.delays).toEqual([0]);
    expect(gif.frames).toEqual([[77]]);
  });

  it('rejects bad frames and sizes', () => {
    expect(() => encodeGif([new Uint8Array(4), new Uint8Array(5)], 2, 2)).toThrow(/frame 1/);
    expect(() => encodeGif([new Uint8Array(5)], 2, 2)).toThrow(ShapeError);
    expect(() => encodeGif([], 2, 2)).toThrow(ValueError);
    expect(() => encodeGif([new Uint8Array(0)], 0, 2)).toThrow(ValueError);
    expect(() => encodeGif([new Uint8Array(4)], 2, 2, { delayMs: -1 })).toThrow(ValueError);
  });
});

// ---------- SVG ----------

/** A tag-level XML well-formedness check: balanced tags, quoted attributes, escaped text. */
function expectWellFormed(svg: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  let m: RegExpExecArray | null;
  const checkText = (t: string) => {
    expect(t).not.toMatch(/[<>]/);
    expect(t.replace(/&(#\d+|#x[0-9a-f]+|amp|lt|gt|quot|apos);/gi, '')).not.toContain('&');
  };
  while ((m = tag.exec(svg))) {
    checkText(svg.slice(last, m.index));
    for (const v of m[3].matchAll(/="([^"]*)"/g)) checkText(v[1]);
    last = tag.lastIndex;
    if (m[1]) expect(stack.pop()).toBe(m[2]);
    else if (!m[4]) stack.push(m[2]);
  }
  checkText(svg.slice(last));
  expect(stack).toEqual([]);
  expect(svg.trim().startsWith('<svg')).toBe(true);
}

const attr = (el: string, name: string) => Number(new RegExp(`\\s${name}="([^"]*)"`).exec(el)![1]);
const polylines = (svg: string, cls = 'line') =>
  [...svg.matchAll(new RegExp(`<polyline class="${cls}"[^>]*points="([^"]*)"`, 'g'))].map((m) =>
    m[1].split(' ').map((p) => p.split(',').map(Number)),
  );
/** The plot frame: the rect drawn with the axis color. */
const frame = (svg: string) => {
  const el = /<rect[^>]*stroke="#333"[^>]*>/.exec(svg)![0];
  return { x: attr(el, 'x'), y: attr(el, 'y'), w: attr(el, 'width'), h: attr(el, 'height') };
};

describe('linePlotSvg', () => {
  it('maps the extremes to the plot edges, one point per step', () => {
    const svg = linePlotSvg([{ name: 'D loss', values: [3, -2, 7, 0, 1] }], { title: 'GAN', xLabel: 'step', yLabel: 'loss' });
    expectWellFormed(svg);
    const lines = polylines(svg);
    expect(lines.length).toBe(1);
    const pts = lines[0];
    expect(pts.length).toBe(5);
    const f = frame(svg);
    expect(pts[0][0]).toBeCloseTo(f.x, 1);
    expect(pts[4][0]).toBeCloseTo(f.x + f.w, 1);
    expect(pts[2][1]).toBeCloseTo(f.y, 1); // 7 at the top
    expect(pts[1][1]).toBeCloseTo(f.y + f.h, 1); // -2 at the bottom
    expect(pts[0][1]).toBeCloseTo(f.y + f.h * (4 / 9), 1); // 3 is 5/9 of the way up
    expect(svg).toContain('>GAN<');
  });

  it('leaves gaps at NaN and Infinity', () => {
    const svg = linePlotSvg([{ name: 'G', values: [1, 2, NaN, 4, 5, Infinity, 7] }]);
    expectWellFormed(svg);
    expect(polylines(svg).map((p) => p.length)).toEqual([2, 2, 2]); // the lone 7 is a dot: one point twice
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it('escapes text', () => {
    const svg = linePlotSvg([{ name: 'D(x) <real> & "fake"', values: [0, 1] }], { title: 'a<b&c>d' });
    expectWellFormed(svg);
    expect(svg).toContain('a&#60;b&#38;c&#62;d');
    expect(svg).toContain('D(x) &#60;real&#62; &#38; &#34;fake&#34;');
    expect(svg).not.toContain('<real>');
  });

  it('says "no data" for empty or all-NaN input', () => {
    for (const series of [[], [{ name: 'x', values: [] }], [{ name: 'x', values: [NaN, Infinity] }]]) {
      const svg = linePlotSvg(series, { title: 'empty' });
      expectWellFormed(svg);
      expect(svg).toContain('no data');
      expect(svg).not.toContain('<polyline');
    }
  });

  it('draws an EMA over a faint raw line', () => {
    const values = Array.from({ length: 200 }, (_, i) => (i % 2 ? 10 : 0));
    const svg = linePlotSvg([{ name: 'loss', values }], { smooth: 0.9 });
    expectWellFormed(svg);
    const raw = polylines(svg, 'raw')[0];
    const smooth = polylines(svg, 'smooth')[0];
    expect(raw.length).toBe(200);
    expect(smooth.length).toBe(200);
    const spread = (p: number[][]) => Math.max(...p.slice(100).map((q) => q[1])) - Math.min(...p.slice(100).map((q) => q[1]));
    expect(spread(smooth)).toBeLessThan(spread(raw) * 0.2);
    expect(svg).toMatch(/class="raw"[^>]*stroke-opacity="0.25"/);
  });

  it('downsamples a 100k-step series but keeps its envelope', () => {
    const values = Array.from({ length: 100_000 }, (_, i) => Math.sin(i / 500) + (i === 51_234 ? 5 : 0));
    const svg = linePlotSvg([{ name: 'D loss', values }, { name: 'G loss', values: values.map((v) => -v) }], { width: 800 });
    expectWellFormed(svg);
    expect(svg.length).toBeLessThan(60_000);
    const f = frame(svg);
    const pts = polylines(svg).flat();
    expect(pts.length).toBeLessThan(4 * 800);
    expect(Math.min(...pts.map((p) => p[1]))).toBeCloseTo(f.y, 1); // the spike of D survives
    expect(Math.max(...pts.map((p) => p[1]))).toBeCloseTo(f.y + f.h, 1); // and G's mirrored dip
  });

  it('picks about five nice ticks', () => {
    expect(niceTicks(0, 1).values).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.13, 0.87).values).toEqual([0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks(0, 99_999, 5, true).values).toEqual([0, 20_000, 40_000, 60_000, 80_000]);
    expect(niceTicks(0, 3, 5, true).values).toEqual([0, 1, 2, 3]);
    expect(niceTicks(-3.2, 7.9).values).toEqual([-2, 0, 2, 4, 6]);
  });

  it('rejects bad options', () => {
    expect(() => linePlotSvg([], { smooth: 1 })).toThrow(ValueError);
    expect(() => linePlotSvg([], { width: 10 })).toThrow(ValueError);
    expect(() => linePlotSvg([{ name: 'x' } as never])).toThrow(ValueError);
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { FormatError, ValueError } from '../src/errors.js';
import { readIdx, readIdxDataset } from '../src/data/idx.js';
import { loadIdxFiles } from '../src/data/files.js';

/** An IDX header, byte by byte: two zeros, the type code, the rank, big-endian u32 dims. */
function header(type: number, dims: number[]): number[] {
  const out = [0, 0, type, dims.length];
  for (const d of dims) out.push((d >>> 24) & 0xff, (d >>> 16) & 0xff, (d >>> 8) & 0xff, d & 0xff);
  return out;
}
const bytes = (...parts: number[][]): Uint8Array => new Uint8Array(parts.flat());

// u8 images [3,2,2] and their labels.
const PIXELS = [0, 255, 51, 102, 10, 20, 30, 40, 255, 255, 0, 0];
const IMAGES = bytes(header(0x08, [3, 2, 2]), PIXELS);
const LABELS = bytes(header(0x08, [3]), [7, 0, 9]);

function expectFormatError(data: Uint8Array, fragment: string | RegExp): void {
  let err: unknown;
  try {
    readIdx(data);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(FormatError);
  expect((err as Error).message).toMatch(fragment);
}

describe('readIdx', () => {
  it('reads a u8 [3,2,2] file', () => {
    const a = readIdx(IMAGES);
    expect(a.dtype).toBe('u8');
    expect(a.shape).toEqual([3, 2, 2]);
    expect(a.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(a.data)).toEqual(PIXELS);
  });

  it('decodes big-endian i32 and f32', () => {
    // -2 = ff ff ff fe, 258 = 00 00 01 02, 2^31-1 = 7f ff ff ff
    const i32 = readIdx(bytes(header(0x0c, [3]), [0xff, 0xff, 0xff, 0xfe, 0, 0, 1, 2, 0x7f, 0xff, 0xff, 0xff]));
    expect(i32.dtype).toBe('i32');
    expect(Array.from(i32.data)).toEqual([-2, 258, 2147483647]);
    // 1.5 = 3f c0 00 00, -2 = c0 00 00 00 (IEEE 754 single, big-endian), shape [1,2]
    const f32 = readIdx(bytes(header(0x0d, [1, 2]), [0x3f, 0xc0, 0, 0, 0xc0, 0, 0, 0]));
    expect(f32.dtype).toBe('f32');
    expect(f32.shape).toEqual([1, 2]);
    expect(Array.from(f32.data)).toEqual([1.5, -2]);
  });

  it('decodes i8, i16 and f64', () => {
    expect(Array.from(readIdx(bytes(header(0x09, [2]), [0xff, 0x05])).data)).toEqual([-1, 5]);
    expect(Array.from(readIdx(bytes(header(0x0b, [2]), [0x80, 0x00, 0x01, 0x00])).data)).toEqual([-32768, 256]);
    // 0.1 as f64: 3f b9 99 99 99 99 99 9a
    const f64 = readIdx(bytes(header(0x0e, [1]), [0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a]));
    expect(f64.data[0]).toBe(0.1);
  });

  it('reads a multi-member gzip file (RFC 1952 concatenated members) to the same array', () => {
    const cut = 7;
    const a = gzipSync(IMAGES.subarray(0, cut));
    const b = gzipSync(IMAGES.subarray(cut));
    const c = gzipSync(new Uint8Array(0));
    const multi = new Uint8Array(a.length + b.length + c.length);
    multi.set(a);
    multi.set(b, a.length);
    multi.set(c, a.length + b.length);
    expect(readIdx(multi)).toEqual(readIdx(IMAGES));
    const bad = multi.slice();
    bad[a.length + b.length - 8] ^= 0xff;
    expectFormatError(bad, /corrupt gzip \(member 2\): CRC-32 mismatch/);
  });

  it('reads a gzipped file to the same array', () => {
    const a = readIdx(gzipSync(IMAGES));
    expect(a.shape).toEqual([3, 2, 2]);
    expect(Array.from(a.data)).toEqual(PIXELS);
  });

  it('does not alias the input buffer', () => {
    const input = IMAGES.slice();
    const a = readIdx(input);
    input[8] = 99;
    expect(a.data[0]).toBe(0);
  });

  describe('refuses malformed files with a FormatError', () => {
    it('too short for the magic', () => expectFormatError(bytes([0, 0, 8]), /3 bytes, too short for the 4-byte/));
    it('empty file', () => expectFormatError(new Uint8Array(0), /0 bytes/));
    it('nonzero first bytes', () => expectFormatError(bytes([0x50, 0x4b, 8, 1, 0, 0, 0, 1, 0]), /bad magic.*0x50 0x4b/));
    it('unknown type code', () => expectFormatError(bytes(header(0x0a, [1]), [0]), /unknown type code 0x0a/));
    it('zero dimensions', () => expectFormatError(bytes([0, 0, 8, 0]), /0 dimensions/));
    it('header cut short', () =>
      expectFormatError(bytes([0, 0, 8, 3, 0, 0, 0, 3, 0, 0]), /10 bytes, too short for the header of a 3-dimensional file \(16 bytes\)/));
    it('a zero dim', () => expectFormatError(bytes(header(0x08, [3, 0, 2])), /dimension 1 is 0 in shape \[3,0,2\]/));
    it('an absurd dim', () =>
      expectFormatError(bytes(header(0x08, [0xffffffff]), [1, 2, 3]), /\[4294967295\] of u8 needs more than the cap of 2147483648/));
    it('a product past the cap, before allocating', () =>
      expectFormatError(bytes(header(0x0e, [65536, 65536, 65536]), [0]), /cap of 2147483648 bytes/));
    it('a truncated body (the MNIST header, 1000 bytes of data)', () =>
      expectFormatError(
        bytes(header(0x08, [60000, 28, 28]), new Array(1000).fill(0)),
        'header claims 47040000 bytes of data (u8 [60000,28,28]) but the file has 1000 (truncated)',
      ));
    it('a truncated f32 body', () =>
      expectFormatError(bytes(header(0x0d, [2]), [0x3f, 0xc0, 0, 0, 0x3f]), /claims 8 bytes of data .* has 5/));
    it('trailing bytes', () => expectFormatError(bytes(header(0x08, [2]), [1, 2, 3]), /1 trailing bytes after the 2 bytes/));
    it('corrupt gzip (damaged deflate stream)', () => {
      const gz = gzipSync(IMAGES);
      for (let i = 10; i < gz.length - 8; i++) gz[i] ^= 0xa5;
      expectFormatError(gz, /corrupt gzip/);
    });
    it('gzip with a wrong CRC', () => {
      const gz = gzipSync(IMAGES);
      gz[gz.length - 8] ^= 0xff;
      expectFormatError(gz, /CRC-32 mismatch/);
    });
    it('gzip cut short', () => {
      const gz = gzipSync(bytes(header(0x08, [100]), new Array(100).fill(7)));
      expectFormatError(gz.subarray(0, gz.length - 12), /corrupt gzip|gzip trailer/);
    });
    it('gzip whose trailer claims a huge size (never trusted for allocation)', () => {
      const gz = gzipSync(IMAGES);
      gz.set([0xff, 0xff, 0xff, 0xff], gz.length - 4);
      expectFormatError(gz, /trailer says 4294967295 bytes but \d+ were inflated/);
    });
    it('a gzip bomb: inflation stops at what the IDX header needs', () => {
      // A 10-byte body followed by 16 MiB of zeros compresses to about 16 KiB.
      const bomb = new Uint8Array(header(0x08, [10]).length + (16 << 20));
      bomb.set(header(0x08, [10]));
      const gz = gzipSync(bomb, { level: 9 });
      expect(gz.length).toBeLessThan(200_000);
      expectFormatError(gz, /inflates to more than the 18 bytes its content needs/);
    });
    it('a bad header inside gzip is reported as such, before inflating the rest', () =>
      expectFormatError(gzipSync(bytes([0, 0, 0x42, 1, 0, 0, 0, 5], [1, 2, 3, 4, 5])), /unknown type code 0x42/));
    it('a malformed file inside a valid gzip', () =>
      expectFormatError(gzipSync(bytes(header(0x08, [5]), [1, 2])), /claims 5 bytes of data .* has 2/));
  });
});

describe('readIdxDataset', () => {
  it('pairs images and labels, scaling pixels by 1/255', () => {
    const d = readIdxDataset(IMAGES, gzipSync(LABELS));
    expect([d.n, d.height, d.width]).toEqual([3, 2, 2]);
    expect(Array.from(d.labels)).toEqual([7, 0, 9]);
    expect(Array.from(d.index ?? [])).toEqual([0, 1, 2]);
    expect(d.images[1]).toBe(1);
    expect(d.images[2]).toBeCloseTo(0.2, 6);
    expect(d.images[3]).toBeCloseTo(0.4, 6);
  });

  it('refuses mismatched counts', () => {
    const labels = bytes(header(0x08, [2]), [1, 2]);
    expect(() => readIdxDataset(IMAGES, labels)).toThrow(FormatError);
    expect(() => readIdxDataset(IMAGES, labels)).toThrow('3 images but 2 labels');
  });

  it('refuses a label above 9 and files of the wrong kind', () => {
    expect(() => readIdxDataset(IMAGES, bytes(header(0x08, [3]), [1, 10, 2]))).toThrow('label 1 is 10');
    expect(() => readIdxDataset(LABELS, LABELS)).toThrow('images must be u8 [n,h,w], got u8 [3]');
    expect(() => readIdxDataset(IMAGES, IMAGES)).toThrow('labels must be u8 [n], got u8 [3,2,2]');
  });
});

describe('loadIdxFiles', () => {
  it('loads files from disk and names a missing path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shadergrad-idx-'));
    try {
      const imgPath = join(dir, 'images-idx3-ubyte.gz');
      const labPath = join(dir, 'labels-idx1-ubyte');
      await writeFile(imgPath, gzipSync(IMAGES));
      await writeFile(labPath, LABELS);
      const d = await loadIdxFiles(imgPath, labPath);
      expect(Array.from(d.labels)).toEqual([7, 0, 9]);
      const missing = join(dir, 'nope-idx1-ubyte');
      await expect(loadIdxFiles(imgPath, missing)).rejects.toThrow(ValueError);
      await expect(loadIdxFiles(imgPath, missing)).rejects.toThrow(`no such file: ${missing}`);
      await writeFile(labPath, bytes(header(0x08, [3]), [1]));
      await expect(loadIdxFiles(imgPath, labPath)).rejects.toThrow(FormatError);
      await expect(loadIdxFiles(imgPath, labPath)).rejects.toThrow(labPath);
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});

// Debian's dataset-fashion-mnist package installs the original gzipped IDX files here;
// FASHION_MNIST_DIR points the test at another copy (e.g. one unpacked with dpkg -x).
const FASHION = process.env.FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';
const hasFashion = existsSync(join(FASHION, 'train-images-idx3-ubyte.gz'));

describe('Fashion-MNIST (real IDX files)', () => {
  const title = hasFashion ? `parses ${FASHION}` : `parses ${FASHION} (skipped: dataset-fashion-mnist is not installed)`;
  it.skipIf(!hasFashion)(title, async () => {
    const train = await loadIdxFiles(join(FASHION, 'train-images-idx3-ubyte.gz'), join(FASHION, 'train-labels-idx1-ubyte.gz'));
    expect([train.n, train.height, train.width]).toEqual([60000, 28, 28]);
    const test = await loadIdxFiles(join(FASHION, 't10k-images-idx3-ubyte.gz'), join(FASHION, 't10k-labels-idx1-ubyte.gz'));
    expect([test.n, test.height, test.width]).toEqual([10000, 28, 28]);
    // Fashion-MNIST is balanced: 6000 of each class in train, 1000 in test.
    const counts = new Array(10).fill(0);
    for (const l of train.labels) counts[l]++;
    expect(counts).toEqual(new Array(10).fill(6000));
  });
});

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../src/errors.js';
import { decodeSafetensors, encodeSafetensors } from '../src/io/safetensors.js';
import { decodeNpy, encodeNpy } from '../src/io/npy.js';

/** Assemble a safetensors file by hand: u64 LE header length, header text, then raw data bytes. */
function stFile(header: string, data: number[] = [], headerLen?: number): Uint8Array {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLen ?? json.length, true);
  view.setUint32(4, 0, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** Little-endian bytes of float32 values, written through DataView (independent of the code under test). */
function f32le(values: number[]): number[] {
  const view = new DataView(new ArrayBuffer(4 * values.length));
  values.forEach((v, i) => view.setFloat32(4 * i, v, true));
  return [...new Uint8Array(view.buffer)];
}

function expectFormatError(fn: () => unknown, fragment: string | RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(FormatError);
  expect((err as Error).message).toMatch(fragment);
}

const bits = (a: Float32Array): number[] => [...new Uint32Array(a.buffer, a.byteOffset, a.length)];

describe('safetensors', () => {
  it('decodes a file assembled by hand', () => {
    // "b" comes first in the data region although "a" sorts first in the header.
    const header = '{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[12,20]},' +
      '"b":{"dtype":"F32","shape":[3,1],"data_offsets":[0,12]}}  ';
    const file = stFile(header, f32le([1.5, -2, 3.25, 7, -0.125]));
    const { tensors, metadata } = decodeSafetensors(file);
    expect(metadata).toEqual({ format: 'pt' });
    expect(Object.keys(tensors).sort()).toEqual(['a', 'b']);
    expect(tensors.a.dtype).toBe('F32');
    expect(tensors.a.shape).toEqual([2]);
    expect([...tensors.a.data]).toEqual([7, -0.125]);
    expect(tensors.b.shape).toEqual([3, 1]);
    expect([...tensors.b.data]).toEqual([1.5, -2, 3.25]);
  });

  it('decodes at an odd byte offset and does not alias the input', () => {
    const file = stFile('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', f32le([1, 2]));
    const shifted = new Uint8Array(file.length + 3).subarray(3);
    shifted.set(file);
    const { tensors } = decodeSafetensors(shifted);
    expect([...tensors.w.data]).toEqual([1, 2]);
    shifted.fill(0);
    expect([...tensors.w.data]).toEqual([1, 2]);
  });

  it('round-trips bit-exact, with NaN, -0, denormals and metadata', () => {
    const specials = new Uint32Array([0x7fc00000, 0x7fa00001, 0xffc12345, 0x80000000, 0x00000001, 0x807fffff, 0x7f800000, 0xff800000]);
    const weird = new Float32Array(specials.buffer);
    const random = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i * 1.7) * 10 ** (i - 6));
    const empty = new Float32Array(0);
    const input = {
      'layer.weight': { dtype: 'F32' as const, shape: [2, 4], data: weird },
      '0': { dtype: 'F32' as const, shape: [3, 4], data: random },
      empty: { dtype: 'F32' as const, shape: [0, 5], data: empty },
      scalar: { dtype: 'F32' as const, shape: [], data: new Float32Array([42]) },
    };
    const meta = { step: '1200', note: 'héllo ✓' };
    const out = decodeSafetensors(encodeSafetensors(input, meta));
    expect(out.metadata).toEqual(meta);
    for (const [name, t] of Object.entries(input)) {
      expect(out.tensors[name].shape).toEqual(t.shape);
      expect(bits(out.tensors[name].data)).toEqual(bits(t.data));
    }
  });

  it('writes an 8-byte aligned JSON header with sorted, contiguous offsets', () => {
    const bytes = encodeSafetensors({
      b: { dtype: 'F32', shape: [3], data: new Float32Array([1, 2, 3]) },
      a: { dtype: 'F32', shape: [1, 2], data: new Float32Array([4, 5]) },
    }, { k: 'v' });
    const view = new DataView(bytes.buffer);
    const n = view.getUint32(0, true);
    expect(view.getUint32(4, true)).toBe(0);
    expect((8 + n) % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(text.trimEnd().length).toBeGreaterThan(n - 8); // padding is only spaces, under 8 of them
    const header = JSON.parse(text);
    expect(header).toEqual({
      __metadata__: { k: 'v' },
      a: { dtype: 'F32', shape: [1, 2], data_offsets: [0, 8] },
      b: { dtype: 'F32', shape: [3], data_offsets: [8, 20] },
    });
    expect(bytes.length).toBe(8 + n + 20);
    expect(new DataView(bytes.buffer, 8 + n).getFloat32(0, true)).toBe(4);
  });

  const W = (entry: string) => `{"w":${entry}}`;
  const good = '{"dtype":"F32","shape":[2],"data_offsets":[0,8]}';
  const malformed: [string, Uint8Array, string | RegExp][] = [
    ['shorter than 8 bytes', new Uint8Array([1, 0, 0]), /too short/],
    ['header past end of file', stFile('{}', [], 500), /runs past the end/],
    ['header above the cap', (() => { const f = stFile('{}'); new DataView(f.buffer).setUint32(4, 1, true); return f; })(), /cap/],
    ['a header length of 2^62, printed exactly', (() => { const f = stFile('{}'); new DataView(f.buffer).setBigUint64(0, 2n ** 62n, true); return f; })(), /header length 4611686018427387904 exceeds/],
    ['invalid UTF-8', (() => { const f = stFile('{"\u00e9":1}'); f[10] = 0xff; return f; })(), /UTF-8/],
    ['invalid JSON', stFile('{"w": '), /not valid JSON/],
    ['header not an object', stFile('[1,2]'), /must be a JSON object/],
    ['metadata not a map', stFile('{"__metadata__":["x"]}'), /__metadata__/],
    ['metadata value not a string', stFile('{"__metadata__":{"step":3}}'), /"step" must be a string/],
    ['entry missing data_offsets', stFile(W('{"dtype":"F32","shape":[2]}'), f32le([1, 2])), /missing "data_offsets"/],
    ['entry not an object', stFile(W('7')), /tensor "w" must be an object/],
    ['dtype not a string', stFile(W('{"dtype":4,"shape":[2],"data_offsets":[0,8]}'), f32le([1, 2])), /dtype must be a string/],
    ['unknown dtype', stFile(W('{"dtype":"F33","shape":[2],"data_offsets":[0,8]}'), f32le([1, 2])), /unknown dtype "F33"/],
    ['unsupported dtype', stFile(W('{"dtype":"F16","shape":[4],"data_offsets":[0,8]}'), f32le([1, 2])),
      'safetensors: tensor "w" has dtype F16; only F32 is supported'],
    ['negative dim', stFile(W('{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}'), f32le([1, 2])), /bad shape/],
    ['fractional dim', stFile(W('{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}'), f32le([1, 2])), /bad shape/],
    ['shape not an array', stFile(W('{"dtype":"F32","shape":2,"data_offsets":[0,8]}'), f32le([1, 2])), /shape must be an array/],
    ['offsets not integers', stFile(W('{"dtype":"F32","shape":[2],"data_offsets":[0,"8"]}'), f32le([1, 2])), /non-negative integers/],
    ['offsets of wrong arity', stFile(W('{"dtype":"F32","shape":[2],"data_offsets":[0]}'), f32le([1, 2])), /\[begin, end\]/],
    ['end before begin', stFile(W('{"dtype":"F32","shape":[0],"data_offsets":[8,0]}'), f32le([1, 2])), /end before/],
    ['truncated data', stFile(W(good), f32le([1]).slice(0, 4)), /run past the 4-byte data region/],
    ['byte length != prod(shape)*4', stFile(W('{"dtype":"F32","shape":[3],"data_offsets":[0,8]}'), f32le([1, 2])), /needs 12/],
    ['overlapping tensors', stFile('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}', f32le([1, 2, 3])), /tensors "a" and "b" overlap/],
    ['hole in the data', stFile('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}', f32le([1, 2, 3])), 'safetensors: bytes 4..8 of the data region (between tensor "a" and tensor "b") belong to no tensor: is an entry missing from the header?'],
    ['trailing bytes', stFile(W(good), f32le([1, 2, 3])), /4 trailing bytes/],
  ];
  it.each(malformed)('refuses %s', (_, file, fragment) => {
    expectFormatError(() => decodeSafetensors(file), fragment);
  });
});

// The exact bytes numpy.save writes for a float32 array of shape (3, 784): 118 header
// bytes so that 10 + 118 = 128 is a multiple of 64.
const NPY_HEADER_3x784 = "\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': (3, 784), }" +
  ' '.repeat(56) + '\n';

/** A .npy v1.0 file with a literal header dict, padded to 64 like numpy does. */
function npyFile(dict: string, data: number[]): Uint8Array {
  const len = Math.ceil((10 + dict.length + 1) / 64) * 64 - 10;
  const header = dict.padEnd(len - 1, ' ') + '\n';
  const head = [0x93, ...'NUMPY'].map((c) => (typeof c === 'number' ? c : c.charCodeAt(0)));
  return new Uint8Array([...head, 1, 0, len & 0xff, len >> 8, ...[...header].map((c) => c.charCodeAt(0)), ...data]);
}

describe('npy', () => {
  it('writes the header numpy writes for shape (3, 784)', () => {
    const data = Float32Array.from({ length: 3 * 784 }, (_, i) => i / 7);
    const bytes = encodeNpy(data, [3, 784]);
    expect(NPY_HEADER_3x784.length).toBe(128);
    expect(String.fromCharCode(...bytes.subarray(0, 128))).toBe(NPY_HEADER_3x784);
    expect(bytes.length).toBe(128 + 4 * 3 * 784);
    expect(new DataView(bytes.buffer).getFloat32(128 + 4 * 5, true)).toBe(Math.fround(5 / 7));
  });

  it('round-trips 1-D, 2-D, 0-D and empty arrays bit-exact', () => {
    const cases: [number[], Float32Array][] = [
      [[5], new Float32Array([NaN, -0, 1e-45, Infinity, -3.5])],
      [[2, 3], Float32Array.from({ length: 6 }, (_, i) => i - 2.5)],
      [[], new Float32Array([7])],
      [[0, 784], new Float32Array(0)],
    ];
    for (const [shape, data] of cases) {
      const out = decodeNpy(encodeNpy(data, shape));
      expect(out.shape).toEqual(shape);
      expect(bits(out.data)).toEqual(bits(data));
    }
    expect(String.fromCharCode(...encodeNpy(new Float32Array(5), [5]).subarray(10, 128))).toContain("'shape': (5,), }");
  });

  it('reads a hand-written file with the keys in another order and a trailing-comma-free dict', () => {
    const file = npyFile("{'shape': (2,), 'fortran_order': False, 'descr': '<f4'}", f32le([0.5, -4]));
    expect(decodeNpy(file)).toEqual({ shape: [2], data: new Float32Array([0.5, -4]) });
  });

  const f = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  const malformed: [string, Uint8Array, string | RegExp][] = [
    ['wrong magic', new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x58, 1, 0, 0, 0]), /bad magic/],
    ['too short', new Uint8Array([0x93, 0x4e]), /bad magic/],
    ['unknown version', (() => { const b = npyFile(f, f32le([1, 2])); b[6] = 9; return b; })(), /version 9\.0/],
    ['header past the end', npyFile(f, []).slice(0, 40), /runs past the end/],
    ['float64 dtype', npyFile(f.replace('<f4', '<f8'), f32le([1, 2, 3, 4])), /"<f8" is not supported/],
    ['big-endian float32', npyFile(f.replace('<f4', '>f4'), f32le([1, 2])), /">f4" is not supported/],
    ['fortran order', npyFile(f.replace('False', 'True'), f32le([1, 2])), /fortran_order is True/],
    ['truncated data', npyFile(f, f32le([1])), /data truncated.*needs 8 bytes, file has 4/],
    ['trailing data', npyFile(f, f32le([1, 2, 3])), /4 trailing bytes/],
    ['header not a dict', npyFile("('<f4', False)", []), /not a dict/],
    ['unparsable header', npyFile("{'descr': '<f4', 'shape': (2,", []), /cannot parse header/],
    ['missing key', npyFile("{'descr': '<f4', 'shape': (2,)}", f32le([1, 2])), /header keys/],
    ['negative dim', npyFile(f.replace('(2,)', '(-2,)'), []), /shape must be a tuple/],
  ];
  it.each(malformed)('refuses %s', (_, file, fragment) => {
    expectFormatError(() => decodeNpy(file), fragment);
  });

  const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
  const numpyTitle = 'is read by numpy.load with the same dtype, shape and sum' +
    (hasNumpy ? '' : ' (skipped: python3 with numpy is not installed)');
  it.skipIf(!hasNumpy)(numpyTitle, () => {
    const data = Float32Array.from({ length: 3 * 784 }, (_, i) => Math.cos(i) * 0.5);
    const dir = mkdtempSync(join(tmpdir(), 'shadergrad-npy-'));
    try {
      const path = join(dir, 'x.npy');
      writeFileSync(path, encodeNpy(data, [3, 784]));
      const script = 'import sys, numpy as np; a = np.load(sys.argv[1]); ' +
        'print(a.dtype.str, a.shape, a.flags.c_contiguous, repr(float(a.astype(np.float64).sum())))';
      const out = execFileSync('python3', ['-c', script, path], { encoding: 'utf8' }).trim().split(' ');
      let sum = 0;
      for (const v of data) sum += v; // float64 sum of the float32 values, as numpy computes it
      expect(out.slice(0, 3)).toEqual(['<f4', '(3,', '784)']);
      expect(out[3]).toBe('True');
      expect(Number(out[4])).toBeCloseTo(sum, 9);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * NumPy's .npy format, for float32 arrays in C order: the magic `\x93NUMPY`, a version
 * (major, minor), the header length (u16 LE for v1.0, u32 LE for v2.0 and v3.0), then a
 * Python dict literal such as `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 784), }`
 * padded with spaces and ended by a newline so that the data starts 64-byte aligned,
 * then the raw little-endian values. Samples and features are written this way so
 * that `numpy.load` can check them; anything but '<f4' C-order is refused with a
 * `FormatError` rather than misread.
 */
import { FormatError, ValueError, fmtShape } from '../errors.js';
import { readF32, writeF32 } from './safetensors.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93 N U M P Y

/** A Python literal as the header parser returns it: a dict, a tuple or list, a string, an int, a bool, None. */
type PyValue = Map<string, PyValue> | PyValue[] | string | number | boolean | null;

/**
 * Serialize a float32 array of the given shape as a .npy v1.0 file. The header is the
 * dict `{'descr': '<f4', 'fortran_order': False, 'shape': (d0, d1, ...), }` (a 1-D shape
 * is written `(n,)`, a scalar `()`) padded with spaces and a final `\n` so that
 * `10 + headerLen ≡ 0 (mod 64)`. Throws a `ValueError` when `data.length != prod(shape)`
 * or a dim is not a non-negative integer.
 */
export function encodeNpy(data: Float32Array, shape: number[]): Uint8Array {
  let count = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new ValueError(`encodeNpy: bad shape ${fmtShape(shape)}: dims must be non-negative integers`);
    count *= d;
  }
  if (count !== data.length) {
    throw new ValueError(`encodeNpy: shape ${fmtShape(shape)} has ${count} elements but data has ${data.length}`);
  }
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${tuple}, }`;
  const headerLen = Math.ceil((10 + dict.length + 1) / 64) * 64 - 10;
  if (headerLen > 0xffff) throw new ValueError(`encodeNpy: shape ${fmtShape(shape)} needs a header too long for .npy v1.0`);
  const header = dict + ' '.repeat(headerLen - dict.length - 1) + '\n';

  const out = new Uint8Array(10 + headerLen + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1; // version 1.0
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, headerLen, true);
  for (let i = 0; i < headerLen; i++) out[10 + i] = header.charCodeAt(i); // ASCII only
  writeF32(out, 10 + headerLen, data);
  return out;
}

/**
 * Parse a .npy file (v1.0, v2.0 or v3.0) holding a '<f4' C-order array. The header must
 * be a dict with exactly the keys descr, fortran_order and shape, and the data must be
 * exactly `4 * prod(shape)` bytes. Throws a `FormatError` for a wrong magic or version,
 * a truncated or unparsable header, any other dtype, Fortran order, a bad shape, and
 * truncated or trailing data. The values are copied, so the result does not alias `bytes`.
 */
export function decodeNpy(bytes: Uint8Array): { shape: number[]; data: Float32Array } {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new FormatError('npy: bad magic: the file does not start with \\x93NUMPY (not a .npy file)');
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number;
  let headerLen: number;
  if (major === 1) {
    headerStart = 10;
    headerLen = view.getUint16(8, true);
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new FormatError(`npy: file is ${bytes.length} bytes, too short for a v${major}.0 header`);
    headerStart = 12;
    headerLen = view.getUint32(8, true);
  } else {
    throw new FormatError(`npy: unsupported version ${major}.${bytes[7]} (expected 1.0, 2.0 or 3.0)`);
  }
  if (headerStart + headerLen > bytes.length) {
    throw new FormatError(`npy: header of ${headerLen} bytes runs past the end of the ${bytes.length}-byte file`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(headerStart, headerStart + headerLen));
  } catch {
    throw new FormatError('npy: header is not valid text');
  }
  const { descr, fortranOrder, shape } = readHeaderDict(text);
  if (descr !== '<f4') throw new FormatError(`npy: dtype ${JSON.stringify(descr)} is not supported; only '<f4' (little-endian float32) is`);
  if (fortranOrder) throw new FormatError('npy: fortran_order is True; only C-order arrays are supported');

  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = headerStart + headerLen;
  const have = bytes.length - dataStart;
  if (have < 4 * count) {
    throw new FormatError(`npy: data truncated: shape ${fmtShape(shape)} needs ${4 * count} bytes, file has ${have}`);
  }
  if (have > 4 * count) {
    throw new FormatError(`npy: ${have - 4 * count} trailing bytes after the ${4 * count} bytes of shape ${fmtShape(shape)}`);
  }
  return { shape, data: readF32(bytes, dataStart, dataStart + 4 * count) };
}

/** Check the header dict's keys and the types of its three values. */
function readHeaderDict(text: string): { descr: PyValue; fortranOrder: boolean; shape: number[] } {
  let dict: PyValue;
  try {
    const p = new PyLiteralParser(text);
    dict = p.value();
    p.end();
  } catch (e) {
    throw new FormatError(`npy: cannot parse header ${JSON.stringify(text.trim())}: ${(e as Error).message}`);
  }
  if (!(dict instanceof Map)) throw new FormatError(`npy: header is not a dict: ${JSON.stringify(text.trim())}`);
  const keys = [...dict.keys()].sort().join(',');
  if (keys !== 'descr,fortran_order,shape') {
    throw new FormatError(`npy: header keys must be descr, fortran_order, shape; got ${keys || 'none'}`);
  }
  const fortranOrder = dict.get('fortran_order');
  if (typeof fortranOrder !== 'boolean') throw new FormatError('npy: fortran_order must be True or False');
  const shape = dict.get('shape');
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    throw new FormatError(`npy: shape must be a tuple of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  const count = (shape as number[]).reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(4 * count)) throw new FormatError(`npy: shape ${fmtShape(shape as number[])} is too large`);
  return { descr: dict.get('descr') ?? null, fortranOrder, shape: shape as number[] };
}

/**
 * A recursive-descent parser for the Python literals a .npy header may hold (what
 * NumPy reads with `ast.literal_eval`): dicts, tuples, lists, quoted strings, integers,
 * True, False and None. Never `eval`.
 */
class PyLiteralParser {
  private i = 0;
  constructor(private readonly s: string) {}

  value(): PyValue {
    this.ws();
    const c = this.s[this.i];
    if (c === '{') return this.dict();
    if (c === '(') return this.seq(')');
    if (c === '[') return this.seq(']');
    if (c === "'" || c === '"') return this.str();
    if (c !== undefined && /[-+0-9]/.test(c)) return this.int();
    for (const [word, v] of [['True', true], ['False', false], ['None', null]] as const) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return v;
      }
    }
    throw new Error(`unexpected ${c === undefined ? 'end' : JSON.stringify(c)} at ${this.i}`);
  }

  end(): void {
    this.ws();
    if (this.i !== this.s.length) throw new Error(`unexpected ${JSON.stringify(this.s[this.i])} at ${this.i}`);
  }

  private dict(): Map<string, PyValue> {
    const out = new Map<string, PyValue>();
    this.i++; // {
    for (;;) {
      this.ws();
      if (this.eat('}')) return out;
      const key = this.value();
      if (typeof key !== 'string') throw new Error('dict keys must be strings');
      this.ws();
      if (!this.eat(':')) throw new Error(`expected ':' at ${this.i}`);
      out.set(key, this.value());
      this.ws();
      if (this.eat('}')) return out;
      if (!this.eat(',')) throw new Error(`expected ',' or '}' at ${this.i}`);
    }
  }

  /** A tuple or a list; a 1-tuple is `(n,)` and trailing commas are allowed. */
  private seq(close: string): PyValue[] {
    const out: PyValue[] = [];
    this.i++;
    for (;;) {
      this.ws();
      if (this.eat(close)) return out;
      out.push(this.value());
      this.ws();
      if (this.eat(close)) return out;
      if (!this.eat(',')) throw new Error(`expected ',' or '${close}' at ${this.i}`);
    }
  }

  private str(): string {
    const quote = this.s[this.i++];
    let out = '';
    while (this.i < this.s.length && this.s[this.i] !== quote) {
      if (this.s[this.i] === '\\') this.i++; // an escaped character stands for itself
      out += this.s[this.i++] ?? '';
    }
    if (!this.eat(quote)) throw new Error('unterminated string');
    return out;
  }

  private int(): number {
    const m = /^[-+]?[0-9]+L?/.exec(this.s.slice(this.i)); // Python 2 files may write 784L
    if (!m) throw new Error(`bad number at ${this.i}`);
    this.i += m[0].length;
    return Number(m[0].replace('L', ''));
  }

  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++;
  }

  private eat(c: string): boolean {
    if (this.s[this.i] !== c) return false;
    this.i++;
    return true;
  }
}

/**
 * The safetensors checkpoint format (Hugging Face): an 8-byte little-endian u64 header
 * length N, then N bytes of UTF-8 JSON, then the data region. The header maps each
 * tensor name to `{dtype, shape, data_offsets: [begin, end]}`, offsets in bytes relative
 * to the start of the data region, plus an optional `"__metadata__"` map of string to
 * string. The header is padded with spaces so the data starts 8-byte aligned.
 *
 * The decoder validates the whole header against the file before it copies anything,
 * so a malformed file is refused with one `FormatError` naming the problem and never
 * yields half a checkpoint. Only F32 tensors are read and written: that is all the
 * engine stores, and it keeps the bit patterns (NaN payloads included) exact.
 */
import { FormatError, ValueError, fmtShape } from '../errors.js';

/** A tensor as the encoder takes it. */
export interface SafetensorsInput {
  dtype: 'F32';
  shape: number[];
  data: Float32Array;
}

/** A tensor as the decoder returns it; `data` is a fresh copy that does not alias the file. */
export interface SafetensorsTensor {
  dtype: string;
  shape: number[];
  data: Float32Array;
}

/** A decoded file: its tensors by name and its `__metadata__` (empty when absent). */
export interface SafetensorsFile {
  tensors: Record<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

/**
 * The largest JSON header we accept, as in the reference Rust implementation. A real
 * header is a few hundred bytes per tensor; the cap stops a corrupt length field from
 * making us decode a gigabyte of "JSON".
 */
export const MAX_HEADER_BYTES = 100_000_000;

/** Every dtype the safetensors spec names, so an unsupported one is told apart from garbage. */
const KNOWN_DTYPES = new Set([
  'BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2',
  'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64', 'C64',
]);

const METADATA_KEY = '__metadata__';

/** Typed-array views use the host byte order; the format is little-endian. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Serialize F32 tensors (and optional string metadata) to safetensors bytes. Tensors
 * are laid out back to back in sorted-name order, so tensor i occupies
 * `[sum_{j<i} 4*prod(shape_j), sum_{j<=i} 4*prod(shape_j))` of the data region, and the
 * header is space-padded so that `8 + N ≡ 0 (mod 8)`. Throws a `ValueError` for a
 * dtype other than F32, a bad shape, `data.length != prod(shape)`, a tensor named
 * `__metadata__`, or a metadata value that is not a string.
 */
export function encodeSafetensors(
  tensors: Record<string, SafetensorsInput>,
  metadata?: Record<string, string>,
): Uint8Array {
  const names = Object.keys(tensors).sort();
  const parts: string[] = [];
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') {
        throw new ValueError(`encodeSafetensors: metadata "${k}" is a ${typeof v}; values must be strings`);
      }
    }
    parts.push(`${JSON.stringify(METADATA_KEY)}:${JSON.stringify(metadata)}`);
  }
  let offset = 0;
  for (const name of names) {
    if (name === METADATA_KEY) throw new ValueError(`encodeSafetensors: "${METADATA_KEY}" is reserved, not a tensor name`);
    const t = tensors[name];
    if (t.dtype !== 'F32') throw new ValueError(`encodeSafetensors: tensor "${name}" has dtype ${t.dtype}; only F32 is supported`);
    if (!(t.data instanceof Float32Array)) throw new ValueError(`encodeSafetensors: tensor "${name}" data must be a Float32Array`);
    const count = numelOf(t.shape, (msg) => new ValueError(`encodeSafetensors: tensor "${name}" ${msg}`));
    if (count !== t.data.length) {
      throw new ValueError(
        `encodeSafetensors: tensor "${name}" has shape ${fmtShape(t.shape)} (${count} elements) but ${t.data.length} values`,
      );
    }
    const end = offset + 4 * count;
    // Built by hand rather than by JSON.stringify of one object, which would move
    // integer-like names ("0", "1") to the front and break the sorted layout.
    parts.push(`${JSON.stringify(name)}:${JSON.stringify({ dtype: 'F32', shape: t.shape, data_offsets: [offset, end] })}`);
    offset = end;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLen = Math.ceil(json.length / 8) * 8; // 8 + headerLen is then 8-aligned
  const out = new Uint8Array(8 + headerLen + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLen, true);
  view.setUint32(4, Math.floor(headerLen / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let pos = 8 + headerLen;
  for (const name of names) {
    writeF32(out, pos, tensors[name].data);
    pos += tensors[name].data.byteLength;
  }
  return out;
}

/** One header entry after validation, before its data is copied. */
interface Entry {
  name: string;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Parse safetensors bytes into F32 tensors and metadata. The data region is
 * `bytes[8+N, length)`; every tensor must satisfy `end - begin = 4*prod(shape)`, and the
 * tensors sorted by offset must tile the region exactly (no overlap, no hole, no
 * trailing bytes). Each tensor is copied into its own `Float32Array`, so the input may
 * sit at any byte offset and later changes to it do not show through. Throws a
 * `FormatError` naming the problem for every malformed file (see the file comment).
 */
export function decodeSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (bytes.length < 8) {
    throw new FormatError(`safetensors: file is ${bytes.length} bytes, too short for the 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Read as a BigInt so a hostile length prints exactly (2^62, not 4611686018427388000).
  const rawLen = view.getBigUint64(0, true);
  if (rawLen > BigInt(MAX_HEADER_BYTES)) {
    throw new FormatError(`safetensors: header length ${rawLen} exceeds the ${MAX_HEADER_BYTES}-byte cap`);
  }
  const headerLen = Number(rawLen);
  if (8 + headerLen > bytes.length) {
    throw new FormatError(
      `safetensors: header length ${headerLen} runs past the end of the ${bytes.length}-byte file (truncated?)`,
    );
  }
  const header = parseHeader(bytes.subarray(8, 8 + headerLen));
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;

  let metadata: Record<string, string> = Object.create(null);
  const entries: Entry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === METADATA_KEY) metadata = parseMetadata(value);
    else entries.push(parseEntry(name, value, dataLen));
  }
  checkTiling(entries, dataLen);

  // Everything is valid: only now allocate and copy.
  const tensors: Record<string, SafetensorsTensor> = Object.create(null);
  for (const e of entries) {
    tensors[e.name] = { dtype: 'F32', shape: e.shape, data: readF32(bytes, dataStart + e.begin, dataStart + e.end) };
  }
  return { tensors, metadata };
}

/** Decode the header bytes as strict UTF-8 JSON and require a top-level object. */
function parseHeader(raw: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new FormatError('safetensors: header is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new FormatError(`safetensors: header is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(parsed)) {
    throw new FormatError(`safetensors: header must be a JSON object, got ${describe(parsed)}`);
  }
  return parsed;
}

function parseMetadata(value: unknown): Record<string, string> {
  if (!isPlainObject(value)) {
    throw new FormatError(`safetensors: "${METADATA_KEY}" must be an object of strings, got ${describe(value)}`);
  }
  const out: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') {
      throw new FormatError(`safetensors: "${METADATA_KEY}" value for "${k}" must be a string, got ${describe(v)}`);
    }
    out[k] = v;
  }
  return out;
}

/** Check one tensor entry's fields, types, dtype and byte length against its shape. */
function parseEntry(name: string, value: unknown, dataLen: number): Entry {
  const where = `safetensors: tensor "${name}"`;
  if (!isPlainObject(value)) throw new FormatError(`${where} must be an object, got ${describe(value)}`);
  for (const field of ['dtype', 'shape', 'data_offsets']) {
    if (!Object.hasOwn(value, field)) throw new FormatError(`${where} is missing "${field}"`);
  }
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string') throw new FormatError(`${where} dtype must be a string, got ${describe(dtype)}`);
  if (!KNOWN_DTYPES.has(dtype)) throw new FormatError(`${where} has unknown dtype ${JSON.stringify(dtype)}`);
  if (dtype !== 'F32') throw new FormatError(`${where} has dtype ${dtype}; only F32 is supported`);
  if (!Array.isArray(shape)) throw new FormatError(`${where} shape must be an array, got ${describe(shape)}`);
  const count = numelOf(shape, (msg) => new FormatError(`${where} ${msg}`));
  if (!Array.isArray(offsets) || offsets.length !== 2) {
    throw new FormatError(`${where} data_offsets must be an array [begin, end], got ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as unknown[];
  if (!isCount(begin) || !isCount(end)) {
    throw new FormatError(`${where} data_offsets must be non-negative integers, got ${JSON.stringify(offsets)}`);
  }
  if (end < begin) throw new FormatError(`${where} data_offsets [${begin}, ${end}] end before they begin`);
  if (end > dataLen) {
    throw new FormatError(
      `${where} data_offsets [${begin}, ${end}] run past the ${dataLen}-byte data region (truncated file?)`,
    );
  }
  if (end - begin !== 4 * count) {
    throw new FormatError(
      `${where} has ${end - begin} bytes but shape ${fmtShape(shape as number[])} of F32 needs ${4 * count}`,
    );
  }
  return { name, shape: (shape as number[]).slice(), begin, end };
}

/** Sorted by offset, the tensors must cover the data region exactly once. */
function checkTiling(entries: Entry[], dataLen: number): void {
  const sorted = entries.slice().sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  let prev: Entry | undefined;
  for (const e of sorted) {
    if (e.begin < pos) {
      throw new FormatError(
        `safetensors: tensors "${prev?.name}" and "${e.name}" overlap (bytes ${e.begin}..${pos} of the data region)`,
      );
    }
    if (e.begin > pos) {
      const where = prev ? `between tensor "${prev.name}" and tensor "${e.name}"` : `before tensor "${e.name}"`;
      throw new FormatError(`safetensors: bytes ${pos}..${e.begin} of the data region (${where}) belong to no tensor: is an entry missing from the header?`);
    }
    pos = e.end;
    prev = e;
  }
  if (pos !== dataLen) {
    const last = prev ? ` "${prev.name}"` : '';
    throw new FormatError(`safetensors: ${dataLen - pos} trailing bytes after the last tensor${last} (data region is ${dataLen} bytes, tensors cover ${pos}): is an entry missing from the header?`);
  }
}

/** prod(shape), with every dim a non-negative safe integer; `fail` builds the error to throw. */
function numelOf(shape: unknown[], fail: (msg: string) => Error): number {
  let n = 1;
  for (const d of shape) {
    if (!isCount(d)) throw fail(`has a bad shape ${JSON.stringify(shape)}: dims must be non-negative integers`);
    n *= d;
  }
  if (!Number.isSafeInteger(n)) throw fail(`has shape ${JSON.stringify(shape)} with too many elements`);
  return n;
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  return typeof x === 'object' ? 'an object' : `${typeof x} ${JSON.stringify(x)}`;
}

/**
 * Copy the little-endian f32 bytes `bytes[begin, end)` into a new, 4-byte aligned
 * Float32Array (the input may sit at any offset). Bits are moved as integers, never
 * through a JS number, so NaN payloads survive. Shared with the .npy reader.
 */
export function readF32(bytes: Uint8Array, begin: number, end: number): Float32Array {
  const out = new Float32Array((end - begin) / 4);
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes.subarray(begin, end));
  } else {
    const bits = new Uint32Array(out.buffer);
    const view = new DataView(bytes.buffer, bytes.byteOffset + begin, end - begin);
    for (let i = 0; i < bits.length; i++) bits[i] = view.getUint32(4 * i, true);
  }
  return out;
}

/** Write a Float32Array into `out` at byte `pos` as little-endian f32, bit-exact. Shared with the .npy writer. */
export function writeF32(out: Uint8Array, pos: number, data: Float32Array): void {
  if (LITTLE_ENDIAN) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), pos);
  } else {
    const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
    const view = new DataView(out.buffer, out.byteOffset + pos, data.byteLength);
    for (let i = 0; i < bits.length; i++) view.setUint32(4 * i, bits[i], true);
  }
}

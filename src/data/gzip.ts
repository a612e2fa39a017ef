/**
 * Checked gunzip for data files. fflate's `gunzipSync` trusts the trailer: it allocates
 * whatever ISIZE claims and does not verify the CRC, so a damaged file can come back
 * short or wrong without an error. Here the trailer is checked before inflating (size
 * cap) and after (CRC-32 and length), so a bad file is refused, never half-loaded.
 */
import { crc32 } from '../io/crc32.js';
import { gunzipSync } from 'fflate';
import { FormatError } from '../errors.js';

/** True when `bytes` starts with the gzip magic `1f 8b`. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompress a single-member gzip file, refusing (with a `FormatError` that names `op`)
 * a stream that is too short, claims more than `maxBytes` of output, fails to inflate,
 * or whose CRC-32 or length (the trailer's CRC32 and ISIZE fields, RFC 1952) does not
 * match what was inflated.
 */
export function gunzipChecked(bytes: Uint8Array, op: string, maxBytes: number): Uint8Array {
  // 10-byte header + at least a 2-byte empty deflate block + 8-byte trailer.
  if (bytes.length < 20) {
    throw new FormatError(`${op}: corrupt gzip: ${bytes.length} bytes is too short for a gzip stream (at least 20)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const wantCrc = view.getUint32(bytes.length - 8, true);
  const isize = view.getUint32(bytes.length - 4, true);
  // ISIZE is the length mod 2^32; our cap is below 2^32, so a larger claim is a real one.
  if (isize > maxBytes) {
    throw new FormatError(`${op}: gzip trailer claims ${isize} bytes uncompressed, more than the cap of ${maxBytes}`);
  }
  let out: Uint8Array;
  try {
    out = gunzipSync(bytes);
  } catch (e) {
    throw new FormatError(`${op}: corrupt gzip: ${(e as Error).message}`);
  }
  if (out.length !== isize) {
    throw new FormatError(`${op}: corrupt gzip: trailer says ${isize} bytes but ${out.length} were inflated`);
  }
  const gotCrc = crc32(out);
  if (gotCrc !== wantCrc) {
    throw new FormatError(
      `${op}: corrupt gzip: CRC-32 mismatch (trailer 0x${hex(wantCrc)}, data 0x${hex(gotCrc)})`,
    );
  }
  return out;
}

function hex(v: number): string {
  return v.toString(16).padStart(8, '0');
}

/**
 * Checked gunzip for data files. fflate's `gunzipSync` trusts the trailer: it allocates
 * whatever ISIZE claims (a 321-byte file can ask for 2 GiB) and does not verify the CRC.
 * Here the stream is inflated in chunks, so the output is bounded by what the caller can
 * need (an IDX header says exactly how many bytes follow it), every member of a
 * multi-member file (RFC 1952 allows concatenated members) has its CRC-32 and length
 * checked, and a bad file is refused, never half-loaded.
 */
import { Gunzip } from 'fflate';
import { crc32 } from '../io/crc32.js';
import { FormatError } from '../errors.js';

/** True when `bytes` starts with the gzip magic `1f 8b`. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Given the first bytes of the inflated output, the total length the caller needs, or
 * null when more bytes must arrive before it can tell.
 */
export type NeededBytes = (head: Uint8Array) => number | null;

const CHUNK = 1 << 16;

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Decompresses a gzip file of one or more members, refusing with a `FormatError` that
 * names `op`: a stream too short or corrupt, output beyond `maxBytes` or beyond what
 * `needed` says the content can use (checked as it inflates, before any large
 * allocation), and a member whose trailer CRC-32 or length does not match its data.
 */
export function gunzipChecked(bytes: Uint8Array, op: string, maxBytes: number, needed?: NeededBytes): Uint8Array {
  // 10-byte header + at least a 2-byte empty deflate block + 8-byte trailer.
  if (bytes.length < 20) throw new FormatError(`${op}: corrupt gzip: ${bytes.length} bytes is too short for a gzip stream (at least 20)`);
  const chunks: Uint8Array[] = [];
  let total = 0;
  let limit = maxBytes;
  let known = needed === undefined;
  const memberStarts = [0];
  const outputAt = [0];
  const g = new Gunzip((chunk) => {
    total += chunk.length;
    if (total > limit) {
      throw new FormatError(known && limit < maxBytes
        ? `${op}: gzip inflates to more than the ${limit} bytes its content needs`
        : `${op}: gzip inflates to more than the cap of ${maxBytes} bytes`);
    }
    chunks.push(chunk);
    if (!known) {
      const n = needed!(concat(chunks, total));
      if (n !== null) {
        known = true;
        limit = Math.min(limit, n);
      }
    }
  });
  g.onmember = (offset) => {
    memberStarts.push(offset);
    outputAt.push(total);
  };
  try {
    for (let at = 0; at < bytes.length; at += CHUNK) g.push(bytes.subarray(at, at + CHUNK), at + CHUNK >= bytes.length);
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw new FormatError(`${op}: corrupt gzip: ${(e as Error).message}`);
  }
  const out = concat(chunks, total);
  memberStarts.push(bytes.length);
  outputAt.push(total);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let m = 0; m + 1 < memberStarts.length; m++) checkMember(op, view, m, memberStarts[m + 1]!, out.subarray(outputAt[m]!, outputAt[m + 1]!));
  return out;
}

/** Checks the trailer (CRC32, ISIZE) that ends at byte `end` against the member's output. */
function checkMember(op: string, view: DataView, m: number, end: number, data: Uint8Array): void {
  const which = m === 0 ? '' : ` (member ${m + 1})`;
  if (end < 8) throw new FormatError(`${op}: corrupt gzip${which}: no room for the 8-byte trailer`);
  const wantCrc = view.getUint32(end - 8, true);
  const isize = view.getUint32(end - 4, true);
  if (isize !== data.length % 2 ** 32) throw new FormatError(`${op}: corrupt gzip${which}: trailer says ${isize} bytes but ${data.length} were inflated`);
  const gotCrc = crc32(data);
  if (gotCrc !== wantCrc) throw new FormatError(`${op}: corrupt gzip${which}: CRC-32 mismatch (trailer 0x${hex(wantCrc)}, data 0x${hex(gotCrc)})`);
}

function hex(v: number): string {
  return v.toString(16).padStart(8, '0');
}

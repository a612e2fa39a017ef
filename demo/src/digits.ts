/**
 * The page's digits: two gzipped IDX files next to the page (written by
 * scripts/make-digits.mjs), fetched with progress, parsed by `readIdxDataset`, and cut
 * into the same training split the CLI trains on.
 */
import { filterDigits, readIdxDataset, split, STANDARD_SPLIT, toSigned, type Digits } from 'shadergrad/data';
import { ValueError } from 'shadergrad';

const FILES = { images: 'digits-images-idx3-ubyte.gz', labels: 'digits-labels-idx1-ubyte.gz' } as const;

/** Bytes received so far and expected in all (0 while a server sends no Content-Length). */
export type Progress = (received: number, expected: number) => void;

interface Download { received: number; expected: number }

/** The body of `url`, read chunk by chunk so `onChunk` sees every piece arrive. */
async function fetchBytes(url: string, state: Download, onChunk: () => void): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${res.statusText} (run \`npm run demo\`, which writes the digit files first)`);
  state.expected = Number(res.headers.get('content-length')) || 0;
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const chunks: Uint8Array[] = [];
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    state.received += value.length;
    onChunk();
  }
  const out = new Uint8Array(state.received);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * All digits of the files, pixels in [0,1]: the images and labels are fetched together
 * and `onProgress` gets the bytes of both. A server that gzips on the fly can deliver more
 * bytes than its Content-Length says; the caller clamps.
 */
export async function loadDigits(onProgress: Progress): Promise<Digits> {
  const parts: Download[] = [{ received: 0, expected: 0 }, { received: 0, expected: 0 }];
  const report = () => onProgress(parts[0]!.received + parts[1]!.received, parts[0]!.expected + parts[1]!.expected);
  const [images, labels] = await Promise.all([
    fetchBytes(new URL(FILES.images, document.baseURI).href, parts[0]!, report),
    fetchBytes(new URL(FILES.labels, document.baseURI).href, parts[1]!, report),
  ]);
  return readIdxDataset(images, labels);
}

/** The training split of `all` (the held-out fifth is what `shadergrad eval` scores against). */
export function trainingDigits(all: Digits): Digits {
  return split(all, STANDARD_SPLIT).train;
}

/**
 * "3", "0,1,7" (or "0 1 7") or "all" as a list of digits; a ValueError for anything else.
 */
export function parseDigits(text: string): number[] {
  const t = text.trim().toLowerCase();
  if (t === 'all') return [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const parts = t.split(/[\s,]+/).filter(Boolean);
  if (parts.length === 0) throw new ValueError('digits: give one or more digits 0-9, e.g. "3", "0,1,7", or "all"');
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d$/.test(p)) throw new ValueError(`digits: "${p}" is not a digit 0-9 (give e.g. "3", "0,1,7", or "all")`);
    const d = Number(p);
    if (out.includes(d)) throw new ValueError(`digits: ${d} is given twice`);
    out.push(d);
  }
  return out.sort((a, b) => a - b);
}

/** The training images of `digits`, scaled to the generator's [-1, 1]. */
export function digitsFor(train: Digits, digits: number[]): Digits {
  return toSigned(filterDigits(train, digits));
}

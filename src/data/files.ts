/**
 * Node-only: load IDX files (such as the full MNIST or Fashion-MNIST downloads) from disk.
 * Kept apart from the rest of `src/data` so that browser bundles never see `node:fs`.
 */
import { readFile } from 'node:fs/promises';
import { FormatError, ValueError } from '../errors.js';
import { idxToDigits, readIdx, type IdxArray } from './idx.js';
import type { Digits } from './types.js';

/**
 * Read an images file and a labels file (raw or gzipped IDX) and pair them as
 * `readIdxDataset` does. A missing or unreadable file is a `ValueError` naming its path; a
 * malformed file or pair is a `FormatError` that names the file (or both) and says what
 * was wrong.
 */
export async function loadIdxFiles(imagesPath: string, labelsPath: string): Promise<Digits> {
  const [images, labels] = await Promise.all([readBytes(imagesPath), readBytes(labelsPath)]);
  try {
    return idxFilesToDigits({ path: imagesPath, bytes: images }, { path: labelsPath, bytes: labels });
  } catch (e) {
    if (e instanceof FormatError) throw new FormatError(`loadIdxFiles: ${e.message}`, { cause: e });
    throw e;
  }
}

/**
 * The bytes of an images file and a labels file, already read, as `Digits`. Every
 * `FormatError` names the file it is about: `X: readIdx: bad magic ...` for a file that is
 * not IDX, `images file X must be u8 [n,h,w] ...` for a labels file given as images,
 * `60000 images in X but 10000 labels in Y` for a pair that does not match.
 */
export function idxFilesToDigits(images: { path: string; bytes: Uint8Array }, labels: { path: string; bytes: Uint8Array }): Digits {
  return idxToDigits(parse(images.path, images.bytes), parse(labels.path, labels.bytes), { images: images.path, labels: labels.path });
}

function parse(path: string, bytes: Uint8Array): IdxArray {
  try {
    return readIdx(bytes);
  } catch (e) {
    if (e instanceof FormatError) throw new FormatError(`${path}: ${e.message}`, { cause: e });
    throw e;
  }
}

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? (e as Error).message})`;
    throw new ValueError(`loadIdxFiles: ${why}: ${path}`, { cause: e });
  }
}

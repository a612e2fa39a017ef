/**
 * Node-only: load IDX files (such as the full MNIST or Fashion-MNIST downloads) from disk.
 * Kept apart from the rest of `src/data` so that browser bundles never see `node:fs`.
 */
import { readFile } from 'node:fs/promises';
import { FormatError, ValueError } from '../errors.js';
import { readIdxDataset } from './idx.js';
import type { Digits } from './types.js';

/**
 * Read an images file and a labels file (raw or gzipped IDX) and pair them with
 * `readIdxDataset`. A missing or unreadable file is a `ValueError` naming its path; a
 * malformed pair is a `FormatError` that names both paths and says what was wrong.
 */
export async function loadIdxFiles(imagesPath: string, labelsPath: string): Promise<Digits> {
  const [images, labels] = await Promise.all([readBytes(imagesPath), readBytes(labelsPath)]);
  try {
    return readIdxDataset(images, labels);
  } catch (e) {
    if (e instanceof FormatError) {
      throw new FormatError(`loadIdxFiles(${imagesPath}, ${labelsPath}): ${e.message}`, { cause: e });
    }
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

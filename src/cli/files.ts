/** Writing the CLI's output files so that a crash or a kill never leaves half a file. */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** The temporary name `writeAtomic` uses for `path`: hidden, in the same folder, ending in `.tmp`. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Replaces `path` with `data` atomically: writes a temporary file in the same folder,
 * fsyncs it, renames it over `path` and fsyncs the folder. A reader (or a run killed at
 * any moment) sees the old file or the new one, never a mix; on failure the temporary
 * file is removed and the old file is left as it was. Creates the folder if needed.
 */
export async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = tempPathFor(path);
  try {
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
  // Makes the rename itself durable; folders cannot be opened for this everywhere (Windows).
  try {
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // The data is written and renamed; only its durability across a power cut is weaker.
  }
}

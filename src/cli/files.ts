/** Writing the CLI's output files so that a crash or a kill never leaves half a file. */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
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

/** True while a process with this id runs (a process of another user's counts). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files that `writeAtomic` left in `dir` for `names` when the
 * process writing them was killed (`kill -9`) mid-write: those whose process is gone.
 * Returns the names removed.
 */
export async function removeStaleTemps(dir: string, names: readonly string[]): Promise<string[]> {
  const wanted = new Set(names);
  const removed: string[] = [];
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return removed;
  }
  for (const e of entries) {
    const m = /^\.(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$/.exec(e);
    if (!m || !wanted.has(m[1]!) || alive(Number(m[2]))) continue;
    await unlink(join(dir, e)).then(() => removed.push(e), () => {});
  }
  return removed;
}

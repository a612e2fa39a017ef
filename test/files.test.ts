/** writeAtomic (src/cli/files.ts): a file is replaced whole by a rename, or left as it was. */
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeAtomic } from '../src/cli/files.js';

const dir = mkdtempSync(join(tmpdir(), 'shadergrad-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeAtomic', () => {
  it('replaces a file by renaming a new one over it: a reader of the old file still sees all of it', async () => {
    const path = join(dir, 'a.bin');
    writeFileSync(path, 'old contents');
    const before = statSync(path).ino;
    const fd = openSync(path, 'r');
    try {
      const data = new Uint8Array(100_000).map((_, i) => i % 251);
      await writeAtomic(path, data);
      expect(new Uint8Array(readFileSync(path))).toEqual(data);
      // In-place writing would have truncated the file under the open descriptor.
      expect(statSync(path).ino).not.toBe(before);
      const buf = Buffer.alloc(64);
      expect(buf.toString('utf8', 0, readSync(fd, buf, 0, 64, 0))).toBe('old contents');
    } finally {
      closeSync(fd);
    }
    expect(readdirSync(dir)).toEqual(['a.bin']);
  });

  it('creates missing folders and writes strings as UTF-8', async () => {
    const path = join(dir, 'x', 'y', 'b.txt');
    await writeAtomic(path, 'grüße\n');
    expect(readFileSync(path, 'utf8')).toBe('grüße\n');
  });

  it('on failure leaves the target as it was and no temp file', async () => {
    const target = join(dir, 'isdir');
    mkdirSync(join(target, 'inside'), { recursive: true });
    // Renaming a file over a non-empty folder fails after the temp file was written.
    await expect(writeAtomic(target, 'data')).rejects.toThrow(/EISDIR|ENOTEMPTY|EEXIST/);
    expect(readdirSync(target)).toEqual(['inside']);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});

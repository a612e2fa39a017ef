// How shadergrad/node waits on Dawn: a readback must not keep the calling thread busy
// (Dawn's Node binding would poll in a loop for the whole wait, taking a core that a CPU
// adapter's workers need), and the wait must hand back what the promise settles with.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { flush, matmul, randn, scope } from '../src/index.js';
import { settleQuietly } from '../src/dawn-settle.js';
import { run, skipReason } from './helpers.js';

/** CPU time (user + system) of the calling thread so far, in ms (Linux: /proc/thread-self). */
function threadCpuMs(): number {
  const stat = readFileSync('/proc/thread-self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

describe('settleQuietly', () => {
  it('settles with the value or the error of the promise', async () => {
    await expect(settleQuietly(new Promise((r) => setTimeout(() => r(42), 20)))).resolves.toBe(42);
    const err = new Error('mapping failed');
    await expect(settleQuietly(new Promise((_, reject) => setTimeout(() => reject(err), 20)))).rejects.toBe(err);
    await expect(settleQuietly(Promise.resolve('now'))).resolves.toBe('now');
  });

  it.skipIf(process.platform !== 'linux' || skipReason('webgpu'))('keeps the thread idle while a long readback runs on Dawn', async () => {
    await run('webgpu', async () => {
      const a = randn([64, 784]).keep();
      const b = randn([128, 784]).keep();
      // Enough queued work for the wait to last (0.4-0.7 s on SwiftShader, 2 cores).
      for (let i = 0; i < 80; i++) scope(() => matmul(a, b, { transB: true }).dispose());
      flush();
      const last = scope(() => matmul(a, b, { transB: true }));
      const cpu0 = threadCpuMs();
      const t0 = performance.now();
      const v = await last.data();
      const wall = performance.now() - t0;
      const busy = threadCpuMs() - cpu0;
      expect(v.length).toBe(64 * 128);
      // Only a wait long enough to measure says anything (a real GPU is done at once).
      if (wall >= 200) expect(busy / wall, `thread busy ${busy} ms of a ${wall.toFixed(0)} ms wait`).toBeLessThan(0.3);
      for (const t of [a, b, last]) t.dispose();
    });
  });
});

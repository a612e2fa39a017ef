/**
 * The workgroup size of the tree reductions (src/ops/tree-size.ts): each size a power of
 * two within WebGPU's default 256 invocations; every thread adds at least
 * TREE_MIN_PER_THREAD elements unless the workgroup is already the smallest, and the next
 * size up would give a thread fewer.
 */
import { describe, expect, it } from 'vitest';
import { TREE_MIN_PER_THREAD, TREE_SIZES, treeSize } from '../src/ops/tree-size.js';

describe('treeSize', () => {
  it('declares powers of two from 4 to 256, increasing', () => {
    for (const s of TREE_SIZES) expect(Math.log2(s) % 1, `${s}`).toBe(0);
    expect(TREE_SIZES[0]).toBe(4);
    expect(TREE_SIZES[TREE_SIZES.length - 1]).toBe(256);
    expect([...TREE_SIZES].sort((a, b) => a - b)).toEqual([...TREE_SIZES]);
  });

  it('gives each thread at least TREE_MIN_PER_THREAD elements, with the largest size that does', () => {
    const ms = [1, 2, 143, 2047, 2048, 2049, 8191, 8192, 9514, 32767, 32768, 131071, 131072, 1e6, 2 ** 31];
    for (const m of ms) {
      const s = treeSize(m);
      expect(TREE_SIZES, `m = ${m}`).toContain(s);
      if (s > TREE_SIZES[0]) expect(m / s, `m = ${m}`).toBeGreaterThanOrEqual(TREE_MIN_PER_THREAD);
      const next = TREE_SIZES[TREE_SIZES.indexOf(s as (typeof TREE_SIZES)[number]) + 1];
      if (next !== undefined) expect(m / next, `m = ${m}`).toBeLessThan(TREE_MIN_PER_THREAD);
    }
    expect(ms.map(treeSize)).toEqual([4, 4, 4, 4, 4, 4, 4, 16, 16, 16, 64, 64, 256, 256, 256]);
  });
});

import { describe, expect, it } from 'vitest';
import { BK, gemmTile, squareTile, type Tile } from '../src/ops/gemm-tile.js';

// WebGPU's default limits, which shadergrad's device keeps for workgroups.
const MAX_WORKGROUP_BYTES = 16384;
const MAX_THREADS = 256;

/** Bytes of lib/gemm.wgsl's two staged slices, As (BM x BK) and Bs (BK x BN). */
const stagedBytes = (t: Tile): number => (t.BM + t.BN) * BK * 4;

describe('gemmTile', () => {
  const sizes = [1, 2, 3, 4, 5, 8, 9, 16, 17, 25, 64, 100, 127, 128, 129, 784, 1024, 2304, 12544, 50176];

  it('fits every tile within the default workgroup limits and covers the block', () => {
    for (const M of sizes) for (const N of sizes) {
      const t = gemmTile(M, N);
      const where = `${M} x ${N}: ${JSON.stringify(t)}`;
      expect(stagedBytes(t), where).toBeLessThanOrEqual(MAX_WORKGROUP_BYTES);
      expect(t.TX * t.TY, where).toBeLessThanOrEqual(MAX_THREADS);
      expect(t.BM / t.TY, where).toBe(t.WIDE ? 4 : 16);
      expect(t.BN / t.TX, where).toBe(t.WIDE ? 32 : 8);
    }
    for (const size of [32, 64, 128] as const) {
      const t = squareTile(size);
      expect([t.BM, t.BN, t.WIDE]).toEqual([size, size, false]);
      expect(stagedBytes(t)).toBeLessThanOrEqual(MAX_WORKGROUP_BYTES);
    }
  });

  it('covers a side shorter than its tile with less than twice its length (or one block)', () => {
    for (const M of sizes) for (const N of sizes) {
      const t = gemmTile(M, N);
      const where = `${M} x ${N}: ${JSON.stringify(t)}`;
      if (M < t.BM) expect(t.BM, where).toBeLessThan(Math.max(2 * M, t.BM / t.TY + 1));
      if (N < t.BN) expect(t.BN, where).toBeLessThan(Math.max(2 * N, t.BN / t.TX + 1));
    }
  });

  it('gives products of at most 8 rows 4-row blocks when that leaves 4 threads or more', () => {
    expect(gemmTile(1, 12544)).toMatchObject({ WIDE: true, BM: 4 });
    expect(gemmTile(8, 3136)).toMatchObject({ WIDE: true, BM: 8 });
    // 8 x 25 (D's 1→8 weight gradient): 4 x 32 blocks would make a workgroup of 2 threads.
    expect(gemmTile(8, 25)).toMatchObject({ WIDE: false });
    expect(gemmTile(9, 3136).WIDE).toBe(false);
  });

  it('takes 128 x 128 tiles only where both sides reach 128', () => {
    expect(gemmTile(1024, 1024)).toMatchObject({ BM: 128, BN: 128 });
    expect(gemmTile(16, 50176).BM).toBe(16);
    expect(gemmTile(64, 784)).toMatchObject({ BM: 64, BN: 64 });
  });

  it('takes a tile twice as tall and half as wide where that pads the columns 10% less', () => {
    // convT 256→128's phases at batch 16: 144 columns, 192 at 64 wide and 160 at 32.
    expect(gemmTile(128, 144)).toMatchObject({ BM: 128, BN: 32 });
    expect(gemmTile(256, 144)).toMatchObject({ BM: 128, BN: 32 });
    expect(gemmTile(120, 70)).toMatchObject({ BM: 128, BN: 32 });
    // 832 against 800 columns: not enough to leave 64 x 64; 64 rows: too few for 128.
    expect(gemmTile(128, 784)).toMatchObject({ BM: 64, BN: 64 });
    expect(gemmTile(64, 144)).toMatchObject({ BM: 64, BN: 64 });
  });
});

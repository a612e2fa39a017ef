/**
 * Workgroup shapes for lib/gemm.wgsl: each thread computes RM x RN outputs, a workgroup of
 * TX x TY threads a BM x BN tile. Shared by matmul and the implicit-GEMM convolutions.
 */

/** Rows and columns of C per thread: the register blocks written out in lib/gemm.wgsl. */
const BLOCK = { RM: 16, RN: 8 };
/** ...and with WIDE, for products of at most 8 rows. */
const WIDE_BLOCK = { RM: 4, RN: 32 };
/** lib/gemm.wgsl's default BK: the k-depth of a staged slice. */
export const BK = 16;

export interface Tile { TX: number; TY: number; BM: number; BN: number; WIDE: boolean }

/** The tile of TX x TY threads. */
function tileOf(TX: number, TY: number, WIDE = false): Tile {
  const { RM, RN } = WIDE ? WIDE_BLOCK : BLOCK;
  return { TX, TY, BM: TY * RM, BN: TX * RN, WIDE };
}

/** The sizes `matmul`'s `tile` option may force. */
export const SQUARE_TILES = [32, 64, 128] as const;
export type SquareTileSize = (typeof SQUARE_TILES)[number];

/** The square tile BM = BN = `size` of 16 x 8 blocks. */
export function squareTile(size: SquareTileSize): Tile {
  return tileOf(size / BLOCK.RN, size / BLOCK.RM);
}

/** Threads along one side: a power of two covering `n` outputs of `per` each, at most `max`. */
function side(n: number, per: number, max: number): number {
  return Math.min(max, 2 ** Math.ceil(Math.log2(Math.max(1, Math.ceil(n / per)))));
}

/**
 * The tile of an M x N product: at most 64 x 64, each side shrunk to fit; 128 x 128 once
 * both sides reach 128 and the output holds at least 32 such tiles (1024^3 measured 2.3
 * against 2.0 GFLOP/s at 64 x 64 on SwiftShader; D's 16-channel conv at batch 64, whose
 * 16 rows a 128-row tile pads 8x, ran 3x slower with it). Products of at most 8 rows (a
 * layer of 1 to 8 channels) and enough columns take 4 x 32 blocks, so their tiles are not
 * mostly rows of zeros. A 64 x 64 tile becomes 128 x 32 where that pads the product 10%
 * less: convT 256→128's phases of 144 columns at batch 16 (192 → 160 columns computed),
 * forward 86 → 80 ms and input gradient 85 → 77 (Dawn in Node, medians of 5 interleaved
 * runs). TX stays a multiple of 4, which the GEMM's quad twin needs (a 48-wide tile with TX
 * = 6, no padding at all, gained nothing).
 */
export function gemmTile(M: number, N: number): Tile {
  if (M <= 8) {
    const wide = tileOf(side(N, WIDE_BLOCK.RN, 4), side(M, WIDE_BLOCK.RM, 2), true);
    // Fewer than 4 threads would leave SwiftShader's 4-lane groups part idle (D's 1→8
    // weight gradient, 8 x 25: 11.5 → 20 ms); such products keep the 16 x 8 blocks.
    if (wide.TX * wide.TY >= 4) return wide;
  }
  if (M >= 128 && N >= 128 && Math.ceil(M / 128) * Math.ceil(N / 128) >= 32) return squareTile(128);
  const t = tileOf(side(N, BLOCK.RN, 8), side(M, BLOCK.RM, 4));
  if (t.TX === 8 && t.TY * 2 <= side(M, BLOCK.RM, 8)) {
    const tall = tileOf(4, t.TY * 2);
    if (padded(M, N, tall) <= 0.9 * padded(M, N, t)) return tall;
  }
  return t;
}

/** Elements of C the tiles of an M x N product compute, padding included. */
function padded(M: number, N: number, t: Tile): number {
  return Math.ceil(M / t.BM) * t.BM * Math.ceil(N / t.BN) * t.BN;
}

// The GEMM: C = act(op(A) op(B) + bias), op() an optional transpose, on 4x8 tiles of C
// held in eight f32x4 registers. B is packed, KC rows by NC columns at a time, into
// 8-column panels that the tile loop reads front to back (the packing does B's transpose);
// A is read where it lies, through a row stride and a k stride, so op(A) costs nothing.
//
// Every tile, whole or cut by the edge of C, runs the same micro-kernel over the same
// k-blocks, and a cut tile only reads clamped rows of A and zero-padded columns of B and
// goes through a scratch tile. So each element of C is the same sequence of instructions
// whatever range of tiles a call covers: the threads that split C give bit-identical sums.
import { activate, madd } from './simd';

/**
 * Rows of a tile. Wider tiles load less per multiply-add but need more registers: in V8 on
 * x64, 64x784x128 ran at 36 GFLOP/s with 4x8 tiles, 27 with 5x8 or 6x8 (fused
 * multiply-add), and 27 against 21 without it.
 */
const MR = 4;
const NR = 8;
/** Rows of B per packed block: a panel (KC x NR floats, 8 KiB) stays in L1 beside the A rows it meets. */
const KC = 256;
/** Columns of B per packed block (KC x NC floats, 512 KiB, in L2). */
const NC = 512;
/** Scratch floats after the packed block: one tile, and 8 bias values of a cut tile. */
const TILE = MR * NR;

/** Bytes of scratch that one thread's gemm calls need. */
export function gemmScratchBytes(): i32 {
  return (KC * NC + TILE + NR) << 2;
}

/**
 * Task `task` of `tasks` of C[M, N] = act(op(A) op(B) + bias): an equal run of the 4-row
 * tile rows of C (splitRows) or of its 8-column tile columns. op(A)[i, k] is a[i lda + k],
 * or a[k lda + i] when transA; op(B)[k, j] is b[k ldb + j], or b[j ldb + k] when transB;
 * C[i, j] is c[i ldc + j]. accumulate adds to C instead of overwriting it; bias (0: none)
 * has N values, or M when biasPerRow; act is an ACT_ code. `scratch` holds
 * gemmScratchBytes() bytes that no other thread uses.
 */
export function gemm(M: i32, N: i32, K: i32, a: usize, lda: i32, transA: bool, b: usize, ldb: i32, transB: bool,
  c: usize, ldc: i32, accumulate: bool, bias: usize, biasPerRow: bool, act: i32, alpha: f32,
  splitRows: bool, task: i32, tasks: i32, scratch: usize): void {
  const rowTiles = (M + MR - 1) / MR;
  const colTiles = (N + NR - 1) / NR;
  if (splitRows) {
    gemmBlock(K, a, lda, transA, b, ldb, transB, c, ldc, accumulate, bias, biasPerRow, act, alpha,
      share(rowTiles, task, tasks) * MR, min(M, share(rowTiles, task + 1, tasks) * MR), 0, N, scratch);
  } else {
    gemmBlock(K, a, lda, transA, b, ldb, transB, c, ldc, accumulate, bias, biasPerRow, act, alpha,
      0, M, share(colTiles, task, tasks) * NR, min(N, share(colTiles, task + 1, tasks) * NR), scratch);
  }
}

/** The first of `n` items that task `t` of `tasks` takes when they are dealt as evenly as they go. */
// @ts-ignore: decorator
@inline export function share(n: i32, t: i32, tasks: i32): i32 {
  return <i32>((<i64>n * t) / tasks);
}

/** Rows [i0, i1) and columns [j0, j1) of gemm's C, on one thread. */
export function gemmBlock(K: i32, a: usize, lda: i32, transA: bool, b: usize, ldb: i32, transB: bool,
  c: usize, ldc: i32, accumulate: bool, bias: usize, biasPerRow: bool, act: i32, alpha: f32,
  i0: i32, i1: i32, j0: i32, j1: i32, scratch: usize): void {
  if (i0 >= i1 || j0 >= j1) return;
  const rowA: usize = transA ? 4 : <usize>lda << 2;
  const stepA: usize = transA ? <usize>lda << 2 : 4;
  const pack = scratch;
  const tile = scratch + (<usize>(KC * NC) << 2);
  const biasTile = tile + (<usize>TILE << 2);
  const ldcB = <usize>ldc << 2;
  for (let jc = j0; jc < j1; jc += NC) {
    const nc = min(NC, j1 - jc);
    // One pass with kc = 0 when K = 0, so C still gets its bias and activation.
    let pc = 0;
    do {
      const kc = min(KC, K - pc);
      packB(b, ldb, transB, pc, kc, jc, nc, pack);
      const first = pc == 0 && !accumulate;
      const last = pc + kc >= K;
      for (let ir = i0; ir < i1; ir += MR) {
        const rows = min(MR, i1 - ir);
        const pa = a + <usize>ir * rowA + <usize>pc * stepA;
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = min(NR, nc - jr);
          const j = jc + jr;
          const pb = pack + (<usize>(jr * kc) << 2);
          const pcC = c + <usize>ir * ldcB + (<usize>j << 2);
          const whole = rows == MR && cols == NR;
          const out = whole ? pcC : tile;
          const ld: usize = whole ? ldcB : NR << 2;
          if (!whole && !first) copyTile(pcC, ldcB, tile, NR << 2, rows, cols);
          micro(kc, pa, rowA, stepA, rows, pb, out, ld, first);
          if (last) {
            let pbias: usize = 0;
            if (bias != 0) {
              if (biasPerRow) pbias = bias + (<usize>ir << 2);
              else if (cols == NR) pbias = bias + (<usize>j << 2);
              else {
                memory.fill(biasTile, 0, NR << 2);
                memory.copy(biasTile, bias + (<usize>j << 2), <usize>cols << 2);
                pbias = biasTile;
              }
            }
            epilogue(out, ld, rows, pbias, biasPerRow, act, alpha);
          }
          if (!whole) copyTile(tile, NR << 2, pcC, ldcB, rows, cols);
        }
      }
      pc += KC;
    } while (pc < K);
  }
}

/**
 * pack[jr / 8][k][0..8) = op(B)[pc + k, jc + jr + 0..8) for k < kc, jr < nc, zero past
 * column nc: each 8-column panel contiguous, in the order the micro-kernel reads it.
 */
function packB(b: usize, ldb: i32, transB: bool, pc: i32, kc: i32, jc: i32, nc: i32, pack: usize): void {
  const ld = <usize>ldb << 2;
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    let dst = pack + (<usize>(jr * kc) << 2);
    const j = jc + jr;
    if (!transB) {
      let src = b + <usize>pc * ld + (<usize>j << 2);
      if (cols == NR) {
        for (let k = 0; k < kc; k++) {
          v128.store(dst, v128.load(src));
          v128.store(dst, v128.load(src, 16), 16);
          src += ld;
          dst += NR << 2;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          v128.store(dst, f32x4.splat(0));
          v128.store(dst, f32x4.splat(0), 16);
          memory.copy(dst, src, <usize>cols << 2);
          src += ld;
          dst += NR << 2;
        }
      }
      continue;
    }
    // op(B) = B stored [N, K]: the panel is 8 rows of B, read along k and transposed 4x4 at a time.
    const src = b + <usize>j * ld + (<usize>pc << 2);
    let k = 0;
    if (cols == NR) {
      for (; k + 4 <= kc; k += 4) {
        const s = src + (<usize>k << 2);
        transpose4(s, ld, dst);
        transpose4(s + 4 * ld, ld, dst + 16);
        dst += 4 * NR << 2;
      }
    }
    for (; k < kc; k++) {
      for (let l = 0; l < NR; l++) store<f32>(dst + (<usize>l << 2), l < cols ? load<f32>(src + <usize>l * ld + (<usize>k << 2)) : 0);
      dst += NR << 2;
    }
  }
}

/** Rows r0..r3 of a 4x4 block (r at s + r ld) to the first 4 floats of 4 consecutive 8-float panel rows at d. */
// @ts-ignore: decorator
@inline function transpose4(s: usize, ld: usize, d: usize): void {
  const r0 = v128.load(s), r1 = v128.load(s + ld), r2 = v128.load(s + 2 * ld), r3 = v128.load(s + 3 * ld);
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(d, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(d, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), NR << 2);
  v128.store(d, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), 2 * NR << 2);
  v128.store(d, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), 3 * NR << 2);
}

/** rows x cols floats from src (row stride ls bytes) to dst (ld bytes). */
function copyTile(src: usize, ls: usize, dst: usize, ld: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) memory.copy(dst + <usize>r * ld, src + <usize>r * ls, <usize>cols << 2);
}

/**
 * The 4x8 tile at out (row stride ld bytes) = its old value (or 0 when first) + the sum
 * over kc of A's 4 rows (from pa: row r at r rowA bytes, k at k stepA, rows past `rows`
 * reading the last real one) times the packed panel pb.
 */
function micro(kc: i32, pa: usize, rowA: usize, stepA: usize, rows: i32, pb: usize, out: usize, ld: usize, first: bool): void {
  const o1 = <usize>min(1, rows - 1) * rowA;
  const o2 = <usize>min(2, rows - 1) * rowA;
  const o3 = <usize>min(3, rows - 1) * rowA;
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  if (!first) {
    c00 = v128.load(out); c01 = v128.load(out, 16);
    c10 = v128.load(out + ld); c11 = v128.load(out + ld, 16);
    c20 = v128.load(out + 2 * ld); c21 = v128.load(out + 2 * ld, 16);
    c30 = v128.load(out + 3 * ld); c31 = v128.load(out + 3 * ld, 16);
  }
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let av = v128.load32_splat(pa);
    c00 = madd(av, b0, c00); c01 = madd(av, b1, c01);
    av = v128.load32_splat(pa + o1);
    c10 = madd(av, b0, c10); c11 = madd(av, b1, c11);
    av = v128.load32_splat(pa + o2);
    c20 = madd(av, b0, c20); c21 = madd(av, b1, c21);
    av = v128.load32_splat(pa + o3);
    c30 = madd(av, b0, c30); c31 = madd(av, b1, c31);
    pa += stepA;
    pb += NR << 2;
  }
  v128.store(out, c00); v128.store(out, c01, 16);
  v128.store(out + ld, c10); v128.store(out + ld, c11, 16);
  v128.store(out + 2 * ld, c20); v128.store(out + 2 * ld, c21, 16);
  v128.store(out + 3 * ld, c30); v128.store(out + 3 * ld, c31, 16);
}

/**
 * The tile at out = act(tile + bias): bias (0: none) is 8 column values, or with perRow
 * one value per row (only the tile's `rows` real rows are read).
 */
function epilogue(out: usize, ld: usize, rows: i32, bias: usize, perRow: bool, act: i32, alpha: f32): void {
  if (bias == 0 && act == 0) return;
  let b0 = f32x4.splat(0), b1 = f32x4.splat(0);
  if (bias != 0 && !perRow) {
    b0 = v128.load(bias);
    b1 = v128.load(bias, 16);
  }
  for (let r = 0; r < MR; r++) {
    const p = out + <usize>r * ld;
    if (bias != 0 && perRow) b0 = b1 = v128.load32_splat(bias + (<usize>min(r, rows - 1) << 2));
    v128.store(p, activate(act, f32x4.add(v128.load(p), b0), alpha));
    v128.store(p, activate(act, f32x4.add(v128.load(p, 16), b1), alpha), 16);
  }
}

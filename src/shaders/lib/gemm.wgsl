// The tiled GEMM loop, C[M,N] = A[M,K] B[K,N], shared by every kernel that is a matrix
// product at heart (matmul; convolutions as implicit GEMMs). The including kernel says
// where A and B come from and what happens to C by defining three functions:
//   fn readA(row: u32, k: KA) -> f32        0 outside [0,M) x [0,K)
//   fn readB(k: KB, c: ColB) -> f32         0 outside [0,K) x [0,N)
//   fn writeC(row: u32, col: u32, v: f32)   once per element of C, inside [0,M) x [0,N)
// and runs `gemm(vec3u(M, N, K), wg.xy, lid.xy, li)` from an entry point declared
// `@compute @workgroup_size(TX, TY, 1u)`, dispatched on ceil(N / BN) x ceil(M / BM) groups.
// A's k, and B's row k and column col, reach the accessors as types of the kernel's own,
// made by
//   fn kA(k: u32) -> KA   fn kB(k: u32) -> KB   fn nextKB(k: KB) -> KB (that of k + 1)
//   fn colB(col: u32) -> ColB
// (matmul: `alias KA = u32` and identities). A convolution's accessors split an index into
// three with divisions; this way they split each once per slice and thread: without
// TRANS_B a thread stages whole columns of B's slice, k in order, stepping the tap from one
// k to the next, and without TRANS_A (TX * TY a multiple of BK) it keeps one k of A's
// slice. Dividing for every element took 10-20% of a conv pass on SwiftShader.
// Each workgroup computes a BM x BN tile of C, staging BK-deep slices of A and B in
// workgroup memory; each thread owns an RM x RN block of the tile (16 x 8, or 4 x 32 with
// WIDE) as 32 vec4 accumulators, updated by a written-out rank-1 step. On a CPU adapter
// (SwiftShader), where every workgroup-memory read is a per-lane gather and loops are never
// unrolled, 24 reads per 128 multiply-adds ran 2-2.5x as fast as a 4x4 block's 8 per 16
// (docs/DESIGN.md). Each output still adds its products one by one in k order.
//
// With SUM_A, the workgroups with tile.x = 0, which between them see every row once, also
// sum op(A)'s rows over k, in k order, from the staged slices: thread li the tile's rows li,
// li + TX * TY, ... into tileSums[0], tileSums[1], ...; SUM_B likewise op(B)'s columns on
// tile.y = 0. Summed in the rank-1 step instead, by the threads that hold a row, they cost
// 50% more time (measured on SwiftShader; a branch there costs its lanes whether taken or not).

// The order the staging loads walk A and B in, so that consecutive threads read
// consecutive addresses: TRANS_A when readA is contiguous along rows (A stored [K, M]),
// TRANS_B when readB is contiguous along k (B stored [N, K]). Results never depend on them.
override TRANS_A: bool = false;
override TRANS_B: bool = false;
// Rows and columns of C per thread, 16 x 8, or 4 x 32 with WIDE (for products of at most
// 8 rows, a channel or a few, which 16-row blocks would mostly fill with zeros). The
// written-out steps below are for exactly these two.
override WIDE: bool = false;
override RM: u32 = select(16u, 4u, WIDE);
override RN: u32 = select(8u, 32u, WIDE);
// A workgroup of TX x TY threads computes a BM x BN tile.
override TX: u32 = 8u;
override TY: u32 = 4u;
override BK: u32 = 16u;
override BM: u32 = TY * RM;
override BN: u32 = TX * RN;
override SUM_A: bool = false;
override SUM_B: bool = false;

// Tiles are stored k-major so the inner loop reads a thread's consecutive rows/columns.
var<workgroup> As: array<f32, BM * BK>;
var<workgroup> Bs: array<f32, BK * BN>;
// The thread's row (column) sums; at most 32: BM / (TX * TY) = RM / TX, BN / (TX * TY) = RN / TY.
var<private> tileSums: array<f32, 32>;

// Four consecutive floats of a staged tile.
fn tileA4(i: u32) -> vec4f {
  return vec4f(As[i], As[i + 1u], As[i + 2u], As[i + 3u]);
}

fn tileB4(i: u32) -> vec4f {
  return vec4f(Bs[i], Bs[i + 1u], Bs[i + 2u], Bs[i + 3u]);
}

#include "lib/gemm-rows.wgsl"

// dims = (M, N, K); tile = the workgroup id (x: column tile, y: row tile); lid and li =
// the thread's local id and local index.
fn gemm(dims: vec3u, tile: vec2u, lid: vec2u, li: u32) {
  gemmRuns(dims, tile, lid, li, vec4u(0u, dims.z, dims.z, 1u));
}

// The columns of C that column tile `tile` covers, [first, end), in a product N wide.
fn tileColumns(tile: u32, N: u32) -> vec2u {
  return vec2u(tile * BN, min(tile * BN + BN, N));
}

// gemm over only some of K: runs.w runs of runs.y k's, runs.z apart, from runs.x (clipped
// to K), in k order. The k's left out must be ones where A or B is 0 for this tile (a
// convolution's taps that fall in the padding for every pixel of the tile), and each run
// start and length a multiple of BK unless there is one run. Not with SUM_A or SUM_B.
fn gemmRuns(dims: vec3u, tile: vec2u, lid: vec2u, li: u32, runs: vec4u) {
  let threads = TX * TY;
  let row0 = tile.y * BM;
  let col0 = tile.x * BN;
  // A tile wholly outside C has nothing to compute: conv2d_dx.wgsl's stride phases share
  // the grid of the largest, so a smaller phase's last column tiles are empty.
  if (row0 >= dims.x || col0 >= dims.y) { return; }
  // acc[(RN / 4) r + h] = row r, columns 4h .. 4h + 3 of the thread's block.
  var acc: array<vec4f, 32>;
  let sumA = SUM_A && tile.x == 0u;
  let sumB = SUM_B && tile.y == 0u;
  for (var r = 0u; r < runs.w; r++) {
    let kEnd = min(runs.x + r * runs.z + runs.y, dims.z);
    for (var k0 = runs.x + r * runs.z; k0 < kEnd; k0 += BK) {
      if (!TRANS_A && threads % BK == 0u) {
        // The same order as below, where each thread keeps one k of the slice.
        let k = li % BK;
        let ka = kA(k0 + k);
        for (var m = li / BK; m < BM; m += threads / BK) {
          As[k * BM + m] = readA(row0 + m, ka);
        }
      } else {
        for (var i = li; i < BM * BK; i += threads) {
          var m: u32; var k: u32;
          if (TRANS_A) { m = i % BM; k = i / BM; } else { k = i % BK; m = i / BK; }
          As[k * BM + m] = readA(row0 + m, kA(k0 + k));
        }
      }
      if (TRANS_B) {
        for (var i = li; i < BK * BN; i += threads) {
          let k = i % BK;
          let n = i / BK;
          Bs[k * BN + n] = readB(kB(k0 + k), colB(col0 + n));
        }
      } else {
        // Consecutive threads take consecutive columns; BN is a multiple of TX * TY.
        for (var n = li; n < BN; n += threads) {
          let c = colB(col0 + n);
          var kk = kB(k0);
          for (var k = 0u; k < BK; k++) {
            Bs[k * BN + n] = readB(kk, c);
            kk = nextKB(kk);
          }
        }
      }
      workgroupBarrier();
      for (var k = 0u; k < BK; k++) {
        let ar = k * BM + lid.y * RM;
        let br = k * BN + lid.x * RN;
        // Written out: a loop over the rows would index acc dynamically, which SwiftShader
        // turns into gathers (2.6x slower measured).
        if (WIDE) {
          let a = tileA4(ar);
          let b0 = tileB4(br); let b1 = tileB4(br + 4u); let b2 = tileB4(br + 8u); let b3 = tileB4(br + 12u);
          let b4 = tileB4(br + 16u); let b5 = tileB4(br + 20u); let b6 = tileB4(br + 24u); let b7 = tileB4(br + 28u);
          acc[0] += a.x * b0; acc[1] += a.x * b1; acc[2] += a.x * b2; acc[3] += a.x * b3;
          acc[4] += a.x * b4; acc[5] += a.x * b5; acc[6] += a.x * b6; acc[7] += a.x * b7;
          acc[8] += a.y * b0; acc[9] += a.y * b1; acc[10] += a.y * b2; acc[11] += a.y * b3;
          acc[12] += a.y * b4; acc[13] += a.y * b5; acc[14] += a.y * b6; acc[15] += a.y * b7;
          acc[16] += a.z * b0; acc[17] += a.z * b1; acc[18] += a.z * b2; acc[19] += a.z * b3;
          acc[20] += a.z * b4; acc[21] += a.z * b5; acc[22] += a.z * b6; acc[23] += a.z * b7;
          acc[24] += a.w * b0; acc[25] += a.w * b1; acc[26] += a.w * b2; acc[27] += a.w * b3;
          acc[28] += a.w * b4; acc[29] += a.w * b5; acc[30] += a.w * b6; acc[31] += a.w * b7;
        } else {
          let b0 = tileB4(br);
          let b1 = tileB4(br + 4u);
          let a = rowsA(ar, li);
          let a0 = a[0]; let a1 = a[1]; let a2 = a[2]; let a3 = a[3];
          acc[0] += a0.x * b0; acc[1] += a0.x * b1; acc[2] += a0.y * b0; acc[3] += a0.y * b1;
          acc[4] += a0.z * b0; acc[5] += a0.z * b1; acc[6] += a0.w * b0; acc[7] += a0.w * b1;
          acc[8] += a1.x * b0; acc[9] += a1.x * b1; acc[10] += a1.y * b0; acc[11] += a1.y * b1;
          acc[12] += a1.z * b0; acc[13] += a1.z * b1; acc[14] += a1.w * b0; acc[15] += a1.w * b1;
          acc[16] += a2.x * b0; acc[17] += a2.x * b1; acc[18] += a2.y * b0; acc[19] += a2.y * b1;
          acc[20] += a2.z * b0; acc[21] += a2.z * b1; acc[22] += a2.w * b0; acc[23] += a2.w * b1;
          acc[24] += a3.x * b0; acc[25] += a3.x * b1; acc[26] += a3.y * b0; acc[27] += a3.y * b1;
          acc[28] += a3.z * b0; acc[29] += a3.z * b1; acc[30] += a3.w * b0; acc[31] += a3.w * b1;
        }
      }
      if (sumA) { sumSlice(li, BM); }
      if (sumB) { sumSlice(li, BN); }
      workgroupBarrier();
    }
  }
  for (var i = 0u; i < RM; i++) {
    let row = row0 + lid.y * RM + i;
    if (row >= dims.x) { break; }
    for (var j = 0u; j < RN; j++) {
      let col = col0 + lid.x * RN + j;
      if (col >= dims.y) { break; }
      writeC(row, col, acc[(RN / 4u) * i + j / 4u][j % 4u]);
    }
  }
}

// Adds the staged slice's k-run of rows (SUM_A, span BM) or columns (span BN) li, li +
// TX * TY, ... to tileSums, in k order.
fn sumSlice(li: u32, span: u32) {
  for (var r = li; r < span; r += TX * TY) {
    var s = tileSums[r / (TX * TY)];
    for (var k = 0u; k < BK; k++) {
      if (SUM_A) { s += As[k * BM + r]; } else { s += Bs[k * BN + r]; }
    }
    tileSums[r / (TX * TY)] = s;
  }
}

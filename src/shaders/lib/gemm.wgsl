// The tiled GEMM loop, C[M,N] = A[M,K] B[K,N], shared by every kernel that is a matrix
// product at heart (matmul; convolutions as implicit GEMMs). The including kernel says
// where A and B come from and what happens to C by defining three functions:
//   fn readA(row: u32, k: u32) -> f32       0 outside [0,M) x [0,K)
//   fn readB(k: u32, col: u32) -> f32       0 outside [0,K) x [0,N)
//   fn writeC(row: u32, col: u32, v: f32)   once per element of C, inside [0,M) x [0,N)
// and runs `gemm(vec3u(M, N, K), wg.xy, lid.xy, li)` from an entry point declared
// `@compute @workgroup_size(TX, TY, 1u)`, dispatched on ceil(N / BN) x ceil(M / BM) groups.
// Each workgroup computes a BM x BN tile of C, staging BK-deep slices of A and B in
// workgroup memory; each thread owns a 4x4 block of the tile.
//
// With SUM_A, gemm also returns the sums over k of op(A)'s rows, in k order, for the
// thread's 4 rows (lid.y * 4 + i), on the threads with lid.x = 0 of the workgroups with
// tile.x = 0, which between them see every row once; SUM_B likewise for op(B)'s columns
// (lid.x * 4 + j) on lid.y = 0 of tile.y = 0. Elsewhere, and without them, it returns 0.

// The order the staging loads walk A and B in, so that consecutive threads read
// consecutive addresses: TRANS_A when readA is contiguous along rows (A stored [K, M]),
// TRANS_B when readB is contiguous along k (B stored [N, K]). Results never depend on them.
override TRANS_A: bool = false;
override TRANS_B: bool = false;
// A workgroup of TX x TY threads computes a BM x BN tile (4x4 outputs per thread).
override TX: u32 = 16u;
override TY: u32 = 16u;
override BK: u32 = 16u;
override BM: u32 = TY * 4u;
override BN: u32 = TX * 4u;
override SUM_A: bool = false;
override SUM_B: bool = false;

// Tiles are stored k-major so the inner loop reads 4 consecutive rows/columns as a vec4.
var<workgroup> As: array<f32, BM * BK>;
var<workgroup> Bs: array<f32, BK * BN>;

// dims = (M, N, K); tile = the workgroup id (x: column tile, y: row tile); lid and li =
// the thread's local id and local index.
fn gemm(dims: vec3u, tile: vec2u, lid: vec2u, li: u32) -> vec4f {
  let threads = TX * TY;
  let row0 = tile.y * BM;
  let col0 = tile.x * BN;
  var acc: array<vec4f, 4>;
  let sumA = SUM_A && tile.x == 0u && lid.x == 0u;
  let sumB = SUM_B && tile.y == 0u && lid.y == 0u;
  var sums = vec4f(0.0);
  for (var k0 = 0u; k0 < dims.z; k0 += BK) {
    for (var i = li; i < BM * BK; i += threads) {
      var m: u32; var k: u32;
      if (TRANS_A) { m = i % BM; k = i / BM; } else { k = i % BK; m = i / BK; }
      As[k * BM + m] = readA(row0 + m, k0 + k);
    }
    for (var i = li; i < BK * BN; i += threads) {
      var n: u32; var k: u32;
      if (TRANS_B) { k = i % BK; n = i / BK; } else { n = i % BN; k = i / BN; }
      Bs[k * BN + n] = readB(k0 + k, col0 + n);
    }
    workgroupBarrier();
    for (var k = 0u; k < BK; k++) {
      let ar = k * BM + lid.y * 4u;
      let br = k * BN + lid.x * 4u;
      let av = vec4f(As[ar], As[ar + 1u], As[ar + 2u], As[ar + 3u]);
      let bv = vec4f(Bs[br], Bs[br + 1u], Bs[br + 2u], Bs[br + 3u]);
      acc[0] += av.x * bv;
      acc[1] += av.y * bv;
      acc[2] += av.z * bv;
      acc[3] += av.w * bv;
      if (sumA) { sums += av; }
      if (sumB) { sums += bv; }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let row = row0 + lid.y * 4u + i;
    if (row >= dims.x) { break; }
    for (var j = 0u; j < 4u; j++) {
      let col = col0 + lid.x * 4u + j;
      if (col >= dims.y) { break; }
      writeC(row, col, acc[i][j]);
    }
  }
  return sums;
}

// C[M,N] = act(op(A)[M,K] * op(B)[K,N] + bias[N])
// op() transposes in the read accessors (TRANS_A: A is stored [K,M]; TRANS_B: B is stored
// [N,K]), so no transposed copy is ever made. Each workgroup computes a BM x BN tile of C,
// staging BK-deep slices of A and B in workgroup memory; each thread owns a 4x4 block.

struct Params {
  M: u32,
  N: u32,
  K: u32,
  alpha: f32,
}

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override HAS_BIAS: bool = false;
override ACT: u32 = 0u; // 0 none, 1 relu, 2 leakyRelu(alpha), 3 tanh, 4 sigmoid
// A workgroup of TX x TY threads computes a BM x BN tile (4x4 outputs per thread).
override TX: u32 = 16u;
override TY: u32 = 16u;
override BK: u32 = 16u;
override BM: u32 = TY * 4u;
override BN: u32 = TX * 4u;

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

// Tiles are stored k-major so the inner loop reads 4 consecutive rows/columns as a vec4.
var<workgroup> As: array<f32, BM * BK>;
var<workgroup> Bs: array<f32, BK * BN>;

fn readA(row: u32, k: u32) -> f32 {
  if (row >= params.M || k >= params.K) { return 0.0; }
  if (TRANS_A) { return a[k * params.M + row]; }
  return a[row * params.K + k];
}

fn readB(k: u32, col: u32) -> f32 {
  if (k >= params.K || col >= params.N) { return 0.0; }
  if (TRANS_B) { return b[col * params.K + k]; }
  return b[k * params.N + col];
}

fn activate(v: f32) -> f32 {
  switch ACT {
    case 1u: { return max(v, 0.0); }
    case 2u: { return select(params.alpha * v, v, v > 0.0); }
    case 3u: {
      let t = exp(-2.0 * abs(v));
      return sign(v) * (1.0 - t) / (1.0 + t);
    }
    case 4u: {
      let e = exp(-abs(v));
      return select(e / (1.0 + e), 1.0 / (1.0 + e), v >= 0.0);
    }
    default: { return v; }
  }
}

@compute @workgroup_size(TX, TY, 1u)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let threads = TX * TY;
  let row0 = wg.y * BM;
  let col0 = wg.x * BN;
  var acc: array<vec4f, 4>;
  for (var k0 = 0u; k0 < params.K; k0 += BK) {
    // Consecutive threads read consecutive addresses of whichever layout A and B have.
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
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let row = row0 + lid.y * 4u + i;
    if (row >= params.M) { break; }
    for (var j = 0u; j < 4u; j++) {
      let col = col0 + lid.x * 4u + j;
      if (col >= params.N) { break; }
      var v = acc[i][j];
      if (HAS_BIAS) { v += bias[col]; }
      c[row * params.N + col] = activate(v);
    }
  }
}

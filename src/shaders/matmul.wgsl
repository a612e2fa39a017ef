// C[M,N] = act(op(A)[M,K] * op(B)[K,N] + bias[N]): the tiled loop of lib/gemm.wgsl with
// accessors that transpose on read (TRANS_A: A is stored [K,M]; TRANS_B: B is stored
// [N,K]), so no transposed copy is ever made, and bias + activation fused into the write.
#include "lib/gemm.wgsl"
#include "lib/epilogue.wgsl"

struct Params {
  M: u32,
  N: u32,
  K: u32,
  alpha: f32,
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
// @binding(2): bias, declared by lib/epilogue.wgsl
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

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

fn writeC(row: u32, col: u32, v: f32) {
  c[row * params.N + col] = epilogue(v, col, params.alpha);
}

@compute @workgroup_size(TX, TY, 1u)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(local_invocation_index) li: u32) {
  gemm(vec3u(params.M, params.N, params.K), wg.xy, lid.xy, li);
}

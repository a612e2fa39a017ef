// conv2d's forward pass (and convTranspose2d's input gradient) as an implicit GEMM, the
// tiled loop of lib/gemm.wgsl with the im2col indexing in the read accessors, so the
// [C*KH*KW, batch*OH*OW] patch matrix is never stored:
//   A = w as [O, C*KH*KW]                  row o, k = (c, kh, kw): w as it is stored
//   B = im2col(x) [C*KH*KW, batch*OH*OW]   col = (n, oh, ow): gathered from x, 0 in the padding
//   C -> y [batch, O, OH, OW]              act(v + bias[o]) written at (n, o, oh, ow)
// Consecutive columns are consecutive ow, so B's reads and C's writes run along rows of x
// and y (TRANS_B = false); A is read along k (TRANS_A = false).
#include "lib/gemm.wgsl"
#include "lib/epilogue.wgsl"
#include "lib/conv.wgsl"

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
// @binding(2): bias, declared by lib/epilogue.wgsl
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

fn readA(row: u32, k: u32) -> f32 {
  if (outsideA(row, k)) { return 0.0; }
  return w[row * dims.z + k];
}

fn readB(k: u32, col: u32) -> f32 {
  if (outsideB(k, col)) { return 0.0; }
  let t = unflatten3(k, params.KH, params.KW);
  let p = unflatten3(col, params.OH, params.OW);
  let i = inputIndex(params.n0 + p.x, t.x, p.y, p.z, t.y, t.z);
  if (i < 0) { return 0.0; }
  return x[i];
}

fn writeC(row: u32, col: u32, v: f32) {
  let p = unflatten3(col, params.OH, params.OW);
  y[(((params.n0 + p.x) * params.O + row) * params.OH + p.y) * params.OW + p.z] = epilogue(v, row, params.alpha);
}

@compute @workgroup_size(TX, TY, 1u)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let d = vec3u(params.O, params.batch * params.OH * params.OW, params.C * params.KH * params.KW);
  dims = d;
  gemm(d, wg.xy, lid.xy, li);
}

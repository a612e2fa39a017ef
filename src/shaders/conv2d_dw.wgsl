// conv2d's weight gradient (and convTranspose2d's, with the roles of x and gy swapped) as
// an implicit GEMM:
//   A = gy as [O, batch*OH*OW]              row o, k = (n, oh, ow)
//   B = im2col(x)ᵀ [batch*OH*OW, C*KH*KW]   col = (c, kh, kw): gathered from x, 0 in the padding
//   C -> part [splits, O, C*KH*KW]          this split's partial dw
// K (every output position of every image) is long and M x N (the weight) small, so K is
// split into chunks of kChunk, one per workgroup z, and splitk_sum.wgsl adds the partials.
// A and B are both read along k, consecutive k being consecutive ow (TRANS_B = true).
#include "lib/gemm.wgsl"
#include "lib/conv.wgsl"

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> gy: array<f32>;
@group(0) @binding(2) var<storage, read_write> part: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

// This workgroup's split of K: k from split * kChunk on.
var<private> split: u32;

fn readA(row: u32, k: u32) -> f32 {
  if (outsideA(row, k)) { return 0.0; }
  let p = unflatten3(split * params.kChunk + k, params.OH, params.OW);
  return gy[((p.x * params.O + row) * params.OH + p.y) * params.OW + p.z];
}

fn readB(k: u32, col: u32) -> f32 {
  if (outsideB(k, col)) { return 0.0; }
  let p = unflatten3(split * params.kChunk + k, params.OH, params.OW);
  let t = unflatten3(col, params.KH, params.KW);
  let i = inputIndex(p.x, t.x, p.y, p.z, t.y, t.z);
  if (i < 0) { return 0.0; }
  return x[i];
}

fn writeC(row: u32, col: u32, v: f32) {
  part[(split * dims.x + row) * dims.y + col] = v;
}

@compute @workgroup_size(TX, TY, 1u)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let total = params.batch * params.OH * params.OW;
  let start = wg.z * params.kChunk;
  let d = vec3u(params.O, params.C * params.KH * params.KW, min(params.kChunk, total - min(start, total)));
  split = wg.z;
  dims = d;
  gemm(d, wg.xy, lid.xy, li);
}

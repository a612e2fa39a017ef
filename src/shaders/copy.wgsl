// A strided 2-D copy: dst[r * dstStride + dstOff + c] = src[r * srcStride + srcOff + c]
// for r < rows, c < cols. concat writes each input into its column range of the output;
// slice (concat's backward) reads a column range back out.
#include "lib/grid.wgsl"

struct Params {
  rows: u32, cols: u32,
  srcStride: u32, dstStride: u32,
  srcOff: u32, dstOff: u32,
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = threadIndex(gid, nw);
  if (i >= params.rows * params.cols) { return; }
  let r = i / params.cols;
  let c = i % params.cols;
  dst[r * params.dstStride + params.dstOff + c] = src[r * params.srcStride + params.srcOff + c];
}

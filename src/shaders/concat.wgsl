// Up to four inputs of a concat in one pass. The output is viewed as [rows, width] and
// input j as [rows, cols_j] (its axis length times the trailing dims), placed at columns
// [off_j, off_j + cols_j). One dispatch covers output columns [base, base + span): off_j is
// counted from base, off0 = 0, and a slot past the inputs given has off_j = span, so no
// column reaches it.
#include "lib/grid.wgsl"

struct Params {
  rows: u32, width: u32,
  base: u32, span: u32,
  off1: u32, off2: u32, off3: u32,
  cols0: u32, cols1: u32, cols2: u32, cols3: u32,
}

@group(0) @binding(0) var<storage, read> s0: array<f32>;
@group(0) @binding(1) var<storage, read> s1: array<f32>;
@group(0) @binding(2) var<storage, read> s2: array<f32>;
@group(0) @binding(3) var<storage, read> s3: array<f32>;
@group(0) @binding(4) var<storage, read_write> dst: array<f32>;
@group(0) @binding(5) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = threadIndex(gid, nw);
  if (i >= params.rows * params.span) { return; }
  let r = i / params.span;
  let c = i % params.span;
  var v: f32;
  if (c >= params.off3) {
    v = s3[r * params.cols3 + c - params.off3];
  } else if (c >= params.off2) {
    v = s2[r * params.cols2 + c - params.off2];
  } else if (c >= params.off1) {
    v = s1[r * params.cols1 + c - params.off1];
  } else {
    v = s0[r * params.cols0 + c];
  }
  dst[r * params.width + params.base + c] = v;
}

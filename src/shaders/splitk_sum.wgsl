// The last step of a GEMM split along K (conv2d_dw.wgsl): out[i] = sum over s < splits of
// part[s * n + i], one thread per output walking down its column, so a handful of splits
// of a small result (a 8x1x5x5 weight) costs one short dispatch, not a workgroup tree each.
#include "lib/grid.wgsl"

struct Params {
  n: u32,
  splits: u32,
}

@group(0) @binding(0) var<storage, read> part: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

// The sum down column i of part [splits, n].
fn column(i: u32) -> f32 {
  var acc = 0.0;
  for (var s = 0u; s < params.splits; s++) { acc += part[s * params.n + i]; }
  return acc;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = threadIndex(gid, nw);
  if (i < params.n) { out[i] = column(i); }
}

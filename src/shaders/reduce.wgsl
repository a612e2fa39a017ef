// Sum over any set of axes, times `scale` (1 for sum, 1/count for mean). The input's dims
// are merged into kept dims (kshape/kstride, the output's layout) and reduced dims
// (rshape/rstride). Two layouts, chosen by the caller from the sizes:
// - `main`: one workgroup per output element; its threads stride over the reduced
//   elements and combine partial sums in a workgroup tree (few outputs, long reductions);
// - `wide`: one thread per output element looping over its reduced elements, with no
//   barriers (many outputs, e.g. a bias gradient: neighbouring threads read neighbouring
//   addresses).
#include "lib/tree.wgsl"
#include "lib/dims.wgsl"

struct Params {
  outSize: u32,
  redSize: u32,
  krank: u32,
  rrank: u32,
  // `main`: the length of the runs a thread sums in order (see there).
  run: u32,
  scale: f32,
  kshape: array<vec4u, 2>,
  kstride: array<vec4u, 2>,
  rshape: array<vec4u, 2>,
  rstride: array<vec4u, 2>,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

fn offsetOf(i: u32, rank: u32, shape: array<vec4u, 2>, stride: array<vec4u, 2>) -> u32 {
  var rem = i;
  var off = 0u;
  for (var d = i32(rank) - 1; d >= 0; d--) {
    let s = dim(shape, u32(d));
    off += (rem % s) * dim(stride, u32(d));
    rem = rem / s;
  }
  return off;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nw: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let o = groupIndex(wid, nw);
  if (o >= params.outSize) { return; }
  let base = offsetOf(o, params.krank, params.kshape, params.kstride);
  // A thread sums runs of `run` reduced elements along the innermost reduced dim (its
  // whole length when there are at least WG such runs, else 1), working out the offset of
  // each run's first element only: offsetOf divides once per reduced dim.
  let step = dim(params.rstride, params.rrank - 1u);
  var acc = 0.0;
  for (var r = lid * params.run; r < params.redSize; r += WG * params.run) {
    let at = base + offsetOf(r, params.rrank, params.rshape, params.rstride);
    for (var j = 0u; j < params.run; j++) {
      acc += x[at + j * step];
    }
  }
  let total = treeSum(lid, vec2f(acc, 0.0)).x;
  if (lid == 0u) { out[o] = total * params.scale; }
}

@compute @workgroup_size(WG)
fn wide(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let o = threadIndex(gid, nw);
  if (o >= params.outSize) { return; }
  let base = offsetOf(o, params.krank, params.kshape, params.kstride);
  var acc = 0.0;
  for (var r = 0u; r < params.redSize; r++) {
    acc += x[base + offsetOf(r, params.rrank, params.rshape, params.rstride)];
  }
  out[o] = acc * params.scale;
}

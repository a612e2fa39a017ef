// The walk every fused optimizer step makes over the parameter arena (src/optim/arena.ts),
// one element per thread: read the weight, fold PyTorch's L2 weight decay into its
// gradient, write back what the optimizer's rule makes of them. The including kernel
// defines the rule, `fn update(i: u32, w: f32, g: f32) -> f32` (element i's new weight
// from its weight w and decayed gradient g, updating its own state buffers at i), and a
// `params` uniform with members n (the element count) and wd (the decay).
#include "lib/grid.wgsl"

@group(0) @binding(0) var<storage, read_write> p: array<f32>;
@group(0) @binding(1) var<storage, read> grad: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = threadIndex(gid, nw);
  if (i >= params.n) { return; }
  let w = p[i];
  p[i] = update(i, w, grad[i] + params.wd * w);
}

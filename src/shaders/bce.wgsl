// The mean binary cross-entropy of logits in one pass and its gradient in one more, instead
// of an elementwise pass, a reduction and their backward chain. A GAN's losses are short (B
// or 2B logits), so `loss` gives the whole sum to one workgroup, sized to the sum by
// src/ops/tree-size.ts (4 threads for a GAN's 64 or 128 logits: at 256, its barriers took
// 0.6 ms a call on SwiftShader, against 0.05): its threads stride over the elements and
// meet in a tree. `grad` writes (sigmoid(x) - y) * g * scale per element,
// g the upstream gradient of the (scaled) mean, read from its buffer on the device.
#include "lib/tree.wgsl"
#include "lib/math.wgsl"

struct Params {
  n: u32,
  scale: f32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
// The upstream gradient, a single value: `grad` reads it, `loss` binds a dummy.
@group(0) @binding(3) var<storage, read> g: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn loss(@builtin(local_invocation_index) lid: u32) {
  var acc = 0.0;
  for (var i = lid; i < params.n; i += WG) {
    acc += bceLogits(x[i], y[i]);
  }
  let total = treeSum(lid, vec2f(acc, 0.0)).x;
  if (lid == 0u) { out[0] = total * params.scale; }
}

@compute @workgroup_size(WG)
fn grad(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = threadIndex(gid, nw);
  if (i >= params.n) { return; }
  out[i] = (sigmoid(x[i]) - y[i]) * g[0] * params.scale;
}

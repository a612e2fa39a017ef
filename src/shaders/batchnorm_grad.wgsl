// Backward of batchnorm.wgsl; per channel c, with xhat = (x - mean) * invStd and g = dL/dy:
//   dbeta = sum(g), dgamma = sum(g * xhat)
//   training: dx = gamma * invStd * (g - (sum(g) + xhat * sum(g * xhat)) / M)
//   eval (TRAINING false): dx = gamma * invStd * g, the statistics being constants
// Entries (each writes `out`, see lib/batchnorm.wgsl):
// - gradSums: one workgroup per channel, both sums in one tree; out = sums [2, C], rows
//   sum(g) and sum(g * xhat);
// - gradInput: out = dx, one thread per element, reading the sums in training.
#include "lib/batchnorm.wgsl"

override TRAINING: bool = true;

@group(0) @binding(5) var<storage, read> g: array<f32>;
@group(0) @binding(6) var<storage, read> sums: array<f32>;

// The pair gradSums adds up: (g, g * xhat).
fn term(i: u32, c: u32, shift: f32) -> vec2f {
  return g[i] * vec2f(1.0, xhat(i, c));
}

@compute @workgroup_size(WG)
fn gradSums(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nw: vec3u,
            @builtin(local_invocation_index) lid: u32) {
  let c = groupIndex(wid, nw);
  if (c >= params.c) { return; }
  let s = channelSum(c, lid, 0.0);
  if (lid == 0u) {
    out[c] = s.x;
    out[params.c + c] = s.y;
  }
}

@compute @workgroup_size(WG)
fn gradInput(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = threadIndex(gid, nw);
  if (i >= params.n) { return; }
  let c = channelOf(i);
  var d = g[i];
  if (TRAINING) { d -= (sums[c] + xhat(i, c) * sums[params.c + c]) / f32(params.m); }
  out[i] = gammaOf(c) * stat[params.c + c] * d;
}

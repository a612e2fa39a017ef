// Batch normalisation of NCHW input, forward (src/ops/batchnorm.ts); per channel c:
//   y = (x - mean[c]) * invStd[c] * gamma[c] + beta[c]
// Entries (each writes `out`, see lib/batchnorm.wgsl):
// - stats (training): one workgroup per channel; out = stat [3, C]. The mean and biased
//   variance of the channel's M elements by the corrected two-pass algorithm (Chan, Golub
//   & LeVeque): pass 1 sums x for a mean m0; pass 2 sums d = x - m0 and d^2 in one tree;
//   var = (sum d^2 - (sum d)^2 / M) / M, the second term removing the rounding error of m0
//   (and mean = m0 + sum d / M refining it). Never E[x^2] - E[x]^2, which in float32
//   loses every digit of the variance once |mean| >> std.
// - running: in place on out (a running statistic), one thread per channel:
//   out = (1 - momentum) * out + momentum * scale * stat[row]; once for the mean (row 0),
//   once for the variance (row 2, scale M / (M - 1): PyTorch keeps the unbiased one).
// - frozen (eval): out = stat from the running statistics, one thread per channel.
// - apply: out = y, one thread per element.
#include "lib/batchnorm.wgsl"

// Affine shift: without BETA it is 0 and the beta binding is unused.
override BETA: bool = false;

@group(0) @binding(5) var<storage, read> beta: array<f32>;
@group(0) @binding(6) var<storage, read> runMean: array<f32>;
@group(0) @binding(7) var<storage, read> runVar: array<f32>;

// Pass 1 (shift 0) sums x (x^2 unused); pass 2 (shift m0) sums d = x - m0 and d^2.
fn term(i: u32, c: u32, shift: f32) -> vec2f {
  let d = x[i] - shift;
  return vec2f(d, d * d);
}

@compute @workgroup_size(WG)
fn stats(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nw: vec3u,
         @builtin(local_invocation_index) lid: u32) {
  let c = groupIndex(wid, nw);
  if (c >= params.c) { return; }
  let m = f32(params.m);
  let m0 = channelSum(c, lid, 0.0).x / m;
  let s = channelSum(c, lid, m0);
  if (lid == 0u) {
    let v = max((s.y - s.x * s.x / m) / m, 0.0);
    out[c] = m0 + s.x / m;
    out[params.c + c] = inverseSqrt(v + params.eps);
    out[2u * params.c + c] = v;
  }
}

@compute @workgroup_size(WG)
fn running(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let c = threadIndex(gid, nw);
  if (c >= params.c) { return; }
  out[c] = (1.0 - params.momentum) * out[c] + params.momentum * params.scale * stat[params.row * params.c + c];
}

@compute @workgroup_size(WG)
fn frozen(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let c = threadIndex(gid, nw);
  if (c >= params.c) { return; }
  out[c] = runMean[c];
  out[params.c + c] = inverseSqrt(runVar[c] + params.eps);
  out[2u * params.c + c] = runVar[c];
}

@compute @workgroup_size(WG)
fn apply(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = threadIndex(gid, nw);
  if (i >= params.n) { return; }
  let c = channelOf(i);
  var y = xhat(i, c) * gammaOf(c);
  if (BETA) { y += beta[c]; }
  out[i] = y;
}

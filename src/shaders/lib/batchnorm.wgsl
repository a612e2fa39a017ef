// What batchnorm.wgsl (forward) and batchnorm_grad.wgsl (backward) share: the uniform, the
// bindings both use, NCHW indexing by channel, xhat, and the per-channel reduction
// channelSum, which adds up a pair the including kernel defines per element:
//   fn term(i: u32, c: u32, shift: f32) -> vec2f
// (element i of x, in channel c; `shift` is channelSum's argument, passed through).
// `stat` is the [3, C] tensor the forward pass saves for backward: rows mean,
// invStd = 1 / sqrt(var + eps) and the biased variance var.
// Every entry writes one tensor, `out`, and only reads the others. A binding an entry does
// not use gets the runtime's one dummy buffer, and Dawn rejects a dispatch that binds a
// buffer to a writable binding and to any other, so only `out` is writable and never unused.
#include "lib/tree.wgsl"

struct Params {
  n: u32,        // elements of x: N * C * H * W
  c: u32,        // channels
  hw: u32,       // H * W
  m: u32,        // elements per channel: N * H * W
  eps: f32,
  momentum: f32,
  row: u32,      // `running`: the row of stat it blends into the running statistic
  scale: f32,    // `running`: the factor on that row (M / (M - 1) for the unbiased variance)
}

// Affine scale: without GAMMA it is 1 and the gamma binding is unused.
override GAMMA: bool = false;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> stat: array<f32>;
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

// The channel of element i of x.
fn channelOf(i: u32) -> u32 {
  return (i / params.hw) % params.c;
}

// The index in x of element r of channel c, numbering its M elements r = n * hw + s.
fn channelElement(c: u32, r: u32) -> u32 {
  return ((r / params.hw) * params.c + c) * params.hw + r % params.hw;
}

// The normalised input (x - mean) * invStd of element i, in channel c.
fn xhat(i: u32, c: u32) -> f32 {
  return (x[i] - stat[c]) * stat[params.c + c];
}

fn gammaOf(c: u32) -> f32 {
  if (GAMMA) { return gamma[c]; }
  return 1.0;
}

// The sum of term(i, c, shift) over channel c's M elements, for entries with one workgroup
// per channel: the threads stride over the elements, then one tree (lib/tree.wgsl) adds
// their partial sums. Call from workgroup-uniform control flow; every thread gets the sum.
fn channelSum(c: u32, lid: u32, shift: f32) -> vec2f {
  var acc = vec2f(0.0, 0.0);
  for (var r = lid; r < params.m; r += WG) {
    acc += term(channelElement(c, r), c, shift);
  }
  return treeSum(lid, acc);
}

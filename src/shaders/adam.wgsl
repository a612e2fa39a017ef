// One fused Adam step over the whole parameter arena (Kingma & Ba 2015, with PyTorch's
// L2 weight decay added to the gradient):
//   g = grad + wd * p;  m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
//   p -= lr * (m / bc1) / (sqrt(v / bc2) + eps),  bc1 = 1 - b1^t, bc2 = 1 - b2^t
// The bias corrections are computed on the CPU and passed in, so the kernel has no pow.
#include "lib/optimizer.wgsl"

struct Params {
  n: u32,
  lr: f32,
  beta1: f32, beta2: f32,
  eps: f32,
  wd: f32,
  bc1: f32, bc2: f32,
}

@group(0) @binding(2) var<storage, read_write> m: array<f32>;
@group(0) @binding(3) var<storage, read_write> v: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

fn update(i: u32, w: f32, g: f32) -> f32 {
  let mi = params.beta1 * m[i] + (1.0 - params.beta1) * g;
  let vi = params.beta2 * v[i] + (1.0 - params.beta2) * g * g;
  m[i] = mi;
  v[i] = vi;
  return w - params.lr * (mi / params.bc1) / (sqrt(vi / params.bc2) + params.eps);
}

// One fused SGD step over the parameter arena, PyTorch's form of momentum:
//   g = grad + wd * p;  buf = mu * buf + g (buf = g on the first step);  p -= lr * buf
// With mu = 0 the momentum buffer is neither read nor written.
#include "lib/optimizer.wgsl"

struct Params {
  n: u32,
  lr: f32,
  momentum: f32,
  wd: f32,
  first: u32,
}

override MOMENTUM: bool = false;

@group(0) @binding(2) var<storage, read_write> buf: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

fn update(i: u32, w: f32, g: f32) -> f32 {
  var d = g;
  if (MOMENTUM) {
    d = select(params.momentum * buf[i] + g, g, params.first == 1u);
    buf[i] = d;
  }
  return w - params.lr * d;
}

// One fused SGD step over the parameter arena, PyTorch's form of momentum:
//   g = grad + wd * p;  buf = mu * buf + g (buf = g on the first step);  p -= lr * buf
// With mu = 0 the momentum buffer is neither read nor written.

struct Params {
  n: u32,
  lr: f32,
  momentum: f32,
  wd: f32,
  first: u32,
}

override WG: u32 = 256u;
override MOMENTUM: bool = false;

@group(0) @binding(0) var<storage, read_write> p: array<f32>;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> buf: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = gid.x + gid.y * nw.x * WG;
  if (i >= params.n) { return; }
  let w = p[i];
  var g = grad[i] + params.wd * w;
  if (MOMENTUM) {
    g = select(params.momentum * buf[i] + g, g, params.first == 1u);
    buf[i] = g;
  }
  p[i] = w - params.lr * g;
}

// Elementwise binary ops with NumPy broadcasting, and their gradients. The output has
// `rank` dims (at most 8) of `shape`; sa and sb are the element strides of a and b in
// those dims, 0 where an input is broadcast. BCAST=false is the same-shape fast path.
// OP is a row's position in BINARY (src/ops/broadcast.ts); each arm names its row, and
// test/shaders.test.ts checks them against the table.
#include "lib/grid.wgsl"
#include "lib/elementwise.wgsl"
#include "lib/dims.wgsl"
#include "lib/math.wgsl"

struct Params {
  n: u32,
  rank: u32,
  shape: array<vec4u, 2>,
  sa: array<vec4u, 2>,
  sb: array<vec4u, 2>,
}

override OP: u32 = 0u;
override SIDE: u32 = 0u; // grad: 0 = d/da, 1 = d/db
override BCAST: bool = false;

@group(0) @binding(4) var<uniform> params: Params;

fn f(x: f32, y: f32) -> f32 {
  switch OP {
    case 0u: { return x + y; } // add
    case 1u: { return x - y; } // sub
    case 2u: { return x * y; } // mul
    case 3u: { return x / y; } // div
    case 4u: { return max(x, y); } // maximum
    case 5u: { return bceLogits(x, y); } // bceLogits
    case 6u: { return x; } // first
    default: { return nan(); }
  }
}

fn dfa(x: f32, y: f32) -> f32 {
  switch OP {
    case 0u: { return 1.0; } // add
    case 1u: { return 1.0; } // sub
    case 2u: { return y; } // mul
    case 3u: { return 1.0 / y; } // div
    case 4u: { return select(0.0, 1.0, x >= y); } // maximum
    case 5u: { return sigmoid(x) - y; } // bceLogits
    case 6u: { return 1.0; } // first
    default: { return nan(); }
  }
}

fn dfb(x: f32, y: f32) -> f32 {
  switch OP {
    case 0u: { return 1.0; } // add
    case 1u: { return -1.0; } // sub
    case 2u: { return x; } // mul
    case 3u: { return -x / (y * y); } // div
    case 4u: { return select(0.0, 1.0, x < y); } // maximum
    case 5u: { return -x; } // bceLogits
    case 6u: { return 0.0; } // first
    default: { return nan(); }
  }
}

// Offsets of output element i in a and b.
fn offsets(i: u32) -> vec2u {
  if (!BCAST) { return vec2u(i, i); }
  var rem = i;
  var o = vec2u(0u, 0u);
  for (var d = i32(params.rank) - 1; d >= 0; d--) {
    let s = dim(params.shape, u32(d));
    let c = rem % s;
    rem = rem / s;
    o += c * vec2u(dim(params.sa, u32(d)), dim(params.sb, u32(d)));
  }
  return o;
}

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = threadIndex(gid, nw);
  if (i >= params.n) { return; }
  let o = offsets(i);
  out[i] = f(a[o.x], b[o.y]);
}

@compute @workgroup_size(WG)
fn grad(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = threadIndex(gid, nw);
  if (i >= params.n) { return; }
  let o = offsets(i);
  let x = a[o.x];
  let y = b[o.y];
  out[i] = g[i] * select(dfb(x, y), dfa(x, y), SIDE == 0u);
}

// In-place accumulation out += a, for gradients of leaves that already hold one.
@compute @workgroup_size(WG)
fn accumulate(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = threadIndex(gid, nw);
  if (i >= params.n) { return; }
  out[i] = out[i] + a[i];
}

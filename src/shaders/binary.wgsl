// Elementwise binary ops with NumPy broadcasting, and their gradients. The output has
// `rank` dims (at most 8) of `shape`; sa and sb are the element strides of a and b in
// those dims, 0 where an input is broadcast. BCAST=false is the same-shape fast path.

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
override WG: u32 = 256u;

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

fn f(x: f32, y: f32) -> f32 {
  switch OP {
    case 0u: { return x + y; }
    case 1u: { return x - y; }
    case 2u: { return x * y; }
    case 3u: { return x / y; }
    case 4u: { return max(x, y); }
    // BCE with logits x and targets y, stable for any x: max(x,0) - x*y + log(1 + exp(-|x|)).
    case 5u: {
      let t = exp(-abs(x));
      // log1p(t): float32 log(1 + t) loses up to 1e-4 of it for small t, so a series below 0.05.
      let l1p = select(log(1.0 + t), t * (1.0 - t * (0.5 - t * (1.0 / 3.0 - t * (0.25 - t * 0.2)))), t < 0.05);
      return max(x, 0.0) - x * y + l1p;
    }
    default: { return x; }
  }
}

fn sigmoid(v: f32) -> f32 {
  let e = exp(-abs(v));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), v >= 0.0);
}

fn dfa(x: f32, y: f32) -> f32 {
  switch OP {
    case 0u, 1u: { return 1.0; }
    case 2u: { return y; }
    case 3u: { return 1.0 / y; }
    case 4u: { return select(0.0, 1.0, x >= y); }
    case 5u: { return sigmoid(x) - y; }
    default: { return 1.0; }
  }
}

fn dfb(x: f32, y: f32) -> f32 {
  switch OP {
    case 0u: { return 1.0; }
    case 1u: { return -1.0; }
    case 2u: { return x; }
    case 3u: { return -x / (y * y); }
    case 4u: { return select(0.0, 1.0, x < y); }
    case 5u: { return -x; }
    default: { return 0.0; }
  }
}

fn dim(v: array<vec4u, 2>, d: u32) -> u32 {
  return v[d / 4u][d % 4u];
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

fn index(gid: vec3u, nw: vec3u) -> u32 {
  return gid.x + gid.y * nw.x * WG;
}

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = index(gid, nw);
  if (i >= params.n) { return; }
  let o = offsets(i);
  out[i] = f(a[o.x], b[o.y]);
}

@compute @workgroup_size(WG)
fn grad(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = index(gid, nw);
  if (i >= params.n) { return; }
  let o = offsets(i);
  let x = a[o.x];
  let y = b[o.y];
  out[i] = g[i] * select(dfb(x, y), dfa(x, y), SIDE == 0u);
}

// In-place accumulation out += a, for gradients of leaves that already hold one.
@compute @workgroup_size(WG)
fn accumulate(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = index(gid, nw);
  if (i >= params.n) { return; }
  out[i] = out[i] + a[i];
}

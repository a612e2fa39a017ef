// Elementwise unary ops and their gradients. OP selects the row of src/ops/unary.ts;
// the switch is resolved when the pipeline is created, so each op compiles to its own
// straight-line kernel. Rows use x (the input), y (the output) or both for the gradient.

struct Params {
  n: u32,
  alpha: f32,
}

override OP: u32 = 0u;
override WG: u32 = 256u;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

fn sigmoid(v: f32) -> f32 {
  let e = exp(-abs(v));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), v >= 0.0);
}

fn f(v: f32, a: f32) -> f32 {
  switch OP {
    case 0u: { return -v; }
    case 1u: { return exp(v); }
    case 2u: { return log(v); }
    case 3u: { return sqrt(v); }
    case 4u: { return max(v, 0.0); }
    case 5u: { return select(a * v, v, v > 0.0); }
    case 6u: {
      let t = exp(-2.0 * abs(v));
      return sign(v) * (1.0 - t) / (1.0 + t);
    }
    case 7u: { return sigmoid(v); }
    case 8u: { return v + a; }
    case 9u: { return v * a; }
    case 10u: { return max(v, a); }
    case 11u: { return abs(v); }
    case 12u: { return v * v; }
    default: { return v; }
  }
}

// d f / d x, in terms of x, y = f(x) and the scalar a.
fn df(xv: f32, yv: f32, a: f32) -> f32 {
  switch OP {
    case 0u: { return -1.0; }
    case 1u: { return yv; }
    case 2u: { return 1.0 / xv; }
    case 3u: { return 0.5 / yv; }
    case 4u: { return select(0.0, 1.0, yv > 0.0); }
    case 5u: { return select(a, 1.0, yv > 0.0); }
    case 6u: { return 1.0 - yv * yv; }
    case 7u: { return yv * (1.0 - yv); }
    case 8u: { return 1.0; }
    case 9u: { return a; }
    case 10u: { return select(0.0, 1.0, xv >= a); }
    case 11u: { return sign(xv); }
    case 12u: { return 2.0 * xv; }
    default: { return 1.0; }
  }
}

fn index(gid: vec3u, nw: vec3u) -> u32 {
  return gid.x + gid.y * nw.x * WG;
}

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = index(gid, nw);
  if (i >= params.n) { return; }
  out[i] = f(x[i], params.alpha);
}

@compute @workgroup_size(WG)
fn grad(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = index(gid, nw);
  if (i >= params.n) { return; }
  out[i] = g[i] * df(x[i], y[i], params.alpha);
}

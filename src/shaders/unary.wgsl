// Elementwise unary ops and their gradients. OP is a row's position in UNARY
// (src/ops/unary.ts); the switch is resolved when the pipeline is created, so each op
// compiles to its own straight-line kernel. Rows use x (the input), y (the output) or both
// for the gradient: a = x and b = y in the bindings of lib/elementwise.wgsl. Each arm
// names its row; test/shaders.test.ts checks them against UNARY.
#include "lib/grid.wgsl"
#include "lib/elementwise.wgsl"
#include "lib/activations.wgsl"

struct Params {
  n: u32,
  alpha: f32,
}

override OP: u32 = 0u;

@group(0) @binding(4) var<uniform> params: Params;

fn f(v: f32, a: f32) -> f32 {
  switch OP {
    case 0u: { return -v; } // neg
    case 1u: { return exp(v); } // exp
    case 2u: { return log(v); } // log
    case 3u: { return sqrt(v); } // sqrt
    case 4u: { return relu(v); } // relu
    case 5u: { return leakyRelu(v, a); } // leakyRelu
    case 6u: { return stableTanh(v); } // tanh
    case 7u: { return sigmoid(v); } // sigmoid
    case 8u: { return v + a; } // addScalar
    case 9u: { return v * a; } // mulScalar
    case 10u: { return max(v, a); } // maxScalar
    case 11u: { return abs(v); } // abs
    case 12u: { return v * v; } // square
    default: { return nan(); }
  }
}

// d f / d x, in terms of x, y = f(x) and the scalar a.
fn df(xv: f32, yv: f32, a: f32) -> f32 {
  switch OP {
    case 0u: { return -1.0; } // neg
    case 1u: { return yv; } // exp
    case 2u: { return 1.0 / xv; } // log
    case 3u: { return 0.5 / yv; } // sqrt
    case 4u: { return reluGrad(yv); } // relu
    case 5u: { return leakyReluGrad(yv, a); } // leakyRelu
    case 6u: { return tanhGrad(yv); } // tanh
    case 7u: { return sigmoidGrad(yv); } // sigmoid
    case 8u: { return 1.0; } // addScalar
    case 9u: { return a; } // mulScalar
    case 10u: { return select(0.0, 1.0, xv >= a); } // maxScalar
    case 11u: { return sign(xv); } // abs
    case 12u: { return 2.0 * xv; } // square
    default: { return nan(); }
  }
}

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = threadIndex(gid, nw);
  if (i >= params.n) { return; }
  out[i] = f(a[i], params.alpha);
}

@compute @workgroup_size(WG)
fn grad(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = threadIndex(gid, nw);
  if (i >= params.n) { return; }
  out[i] = g[i] * df(a[i], b[i], params.alpha);
}

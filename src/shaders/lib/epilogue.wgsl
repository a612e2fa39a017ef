// The fused write of the GEMM kernels that produce a layer's output (matmul, conv2d,
// conv2d_dx): act(v + bias[channel]). The including kernel binds its bias at binding 2
// (an unused dummy when HAS_BIAS is false).
#include "lib/activations.wgsl"

override HAS_BIAS: bool = false;
override ACT: u32 = 0u; // a position in ACTIVATIONS (src/cpu/activations.ts)

@group(0) @binding(2) var<storage, read> bias: array<f32>;

fn epilogue(v: f32, channel: u32, alpha: f32) -> f32 {
  var s = v;
  if (HAS_BIAS) { s += bias[channel]; }
  return activate(ACT, s, alpha);
}

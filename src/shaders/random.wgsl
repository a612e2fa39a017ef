// Entries: rand (uniform), randn (normal), dropout. Counter-based random numbers: element i of a draw is a pure function of (key, offset + i),
// key = pcg(seed), so any element can be recomputed anywhere (dropout's backward, the CPU
// reference in src/cpu/random.ts) without storing a mask or carrying state between threads.
// pcg is the PCG-RXS-M-XS hash of Jarzynski and Olano, "Hash Functions for GPU Rendering" (2020).
#include "lib/grid.wgsl"

struct Params {
  n: u32,
  key: u32,
  offset: u32,
  a: f32, // uniform: low;  normal: mean; dropout: p
  b: f32, // uniform: high; normal: std;  dropout: 1 / (1 - p)
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

fn pcg(v: u32) -> u32 {
  let s = v * 747796405u + 2891336453u;
  let w = ((s >> ((s >> 28u) + 4u)) ^ s) * 277803737u;
  return (w >> 22u) ^ w;
}

fn bits(ctr: u32) -> u32 {
  return pcg(pcg(ctr) ^ params.key);
}

// 24 random bits as a float in [0, 1).
fn unit(ctr: u32) -> f32 {
  return f32(bits(ctr) >> 8u) * (1.0 / 16777216.0);
}

@compute @workgroup_size(WG)
fn rand(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = threadIndex(gid, nw);
  if (i >= params.n) { return; }
  out[i] = params.a + (params.b - params.a) * unit(params.offset + i);
}

// cos(2 pi u) for u in [0, 1): the builtin cos may be off by 2^-11 (SwiftShader: 2e-4), so
// reduce exactly to a quarter turn and use Taylor polynomials, accurate to 2e-7.
fn cos2pi(u: f32) -> f32 {
  let w = abs(u - round(u));
  if (w <= 0.25) {
    let x = 6.283185307179586 * w;
    let z = x * x;
    return 1.0 + z * (-0.5 + z * (1.0 / 24.0 + z * (-1.0 / 720.0 + z * (1.0 / 40320.0 + z * (-1.0 / 3628800.0 + z * (1.0 / 479001600.0))))));
  }
  let x = 6.283185307179586 * (w - 0.25);
  let z = x * x;
  return -x * (1.0 + z * (-1.0 / 6.0 + z * (1.0 / 120.0 + z * (-1.0 / 5040.0 + z * (1.0 / 362880.0 + z * (-1.0 / 39916800.0 + z * (1.0 / 6227020800.0)))))));
}

// Box-Muller on the counters 2i and 2i+1; u1 is in (0, 1] so the log is finite.
@compute @workgroup_size(WG)
fn randn(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = threadIndex(gid, nw);
  if (i >= params.n) { return; }
  let c = params.offset + 2u * i;
  let u1 = f32((bits(c) >> 8u) + 1u) * (1.0 / 16777216.0);
  let u2 = unit(c + 1u);
  let z = sqrt(-2.0 * log(u1)) * cos2pi(u2);
  out[i] = params.a + params.b * z;
}

// Inverted dropout: zero with probability p, else scale by 1/(1-p).
@compute @workgroup_size(WG)
fn dropout(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = threadIndex(gid, nw);
  if (i >= params.n) { return; }
  out[i] = select(x[i] * params.b, 0.0, unit(params.offset + i) < params.a);
}

// 2-D average and max pooling over NCHW planes without padding (src/ops/pool.ts): windows
// of kh x kw at strides sh, sw, the output floor((H - kh) / sh) + 1 by floor((W - kw) / sw) + 1
// (PyTorch's floor: trailing rows and columns no window reaches are dropped). MAX picks max
// pooling, else average.
// - forward: one thread per output. Max scans its window row by row and keeps the first
//   maximum (strict >, as the CPU reference does, so ties resolve alike on both backends),
//   saving its position ky * kw + kx in the window to `arg` (a small integer, exact in f32).
// - grad: one thread per INPUT element gathers from every window covering it, so
//   overlapping windows (stride < kernel) need no atomics: average adds g / (kh * kw), max
//   adds g where the window's `arg` names this element. `src` is x in forward, g in grad.
// - gradTiled: where the windows tile the input exactly (stride = kernel, no row or column
//   dropped), one thread per OUTPUT writes its window's kh x kw inputs, the same floats as
//   grad's one-window sums with a third of the index arithmetic per element (the DCGAN's
//   2x2 average pools: grad split 8 divisions per input element).
#include "lib/grid.wgsl"

struct Params {
  n: u32, // threads: outputs in forward and gradTiled, inputs in grad
  h: u32, w: u32,
  oh: u32, ow: u32,
  kh: u32, kw: u32,
  sh: u32, sw: u32,
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
// Written by forward, read by grad. Unused for average pooling: the runtime's dummy buffer,
// bound to no other binding, so Dawn's writable-aliasing rule holds (docs/DESIGN.md).
@group(0) @binding(1) var<storage, read_write> arg: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

// Max pooling; average pooling when false.
override MAX: bool = false;

// Where output i's window starts in the input.
fn windowStart(i: u32) -> u32 {
  let per = params.oh * params.ow;
  let o = i % per;
  return (i / per) * params.h * params.w + (o / params.ow) * params.sh * params.w + (o % params.ow) * params.sw;
}

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = threadIndex(gid, nw);
  if (i >= params.n) { return; }
  let base = windowStart(i);
  var best = src[base];
  var at = 0u;
  var acc = 0.0;
  for (var ky = 0u; ky < params.kh; ky++) {
    for (var kx = 0u; kx < params.kw; kx++) {
      let v = src[base + ky * params.w + kx];
      if (MAX) {
        if (v > best) { best = v; at = ky * params.kw + kx; }
      } else {
        acc += v;
      }
    }
  }
  if (MAX) {
    out[i] = best;
    arg[i] = f32(at);
  } else {
    out[i] = acc / f32(params.kh * params.kw);
  }
}

// The first window whose span [o * s, o * s + k) covers position p: ceil((p - k + 1) / s), or 0.
fn firstWindow(p: u32, k: u32, s: u32) -> u32 {
  return select(0u, (p + s - k) / s, p + s >= k);
}

@compute @workgroup_size(WG)
fn grad(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = threadIndex(gid, nw);
  if (i >= params.n) { return; }
  let hw = params.h * params.w;
  let plane = i / hw;
  let iy = (i % hw) / params.w;
  let ix = i % params.w;
  // Windows oy in [y0, y1) and ox in [x0, x1) cover (iy, ix); none for a dropped row.
  let y1 = min(iy / params.sh + 1u, params.oh);
  let x1 = min(ix / params.sw + 1u, params.ow);
  var acc = 0.0;
  for (var oy = firstWindow(iy, params.kh, params.sh); oy < y1; oy++) {
    for (var ox = firstWindow(ix, params.kw, params.sw); ox < x1; ox++) {
      let j = (plane * params.oh + oy) * params.ow + ox;
      if (MAX) {
        let mine = (iy - oy * params.sh) * params.kw + ix - ox * params.sw;
        if (arg[j] == f32(mine)) { acc += src[j]; }
      } else {
        acc += src[j];
      }
    }
  }
  out[i] = select(acc / f32(params.kh * params.kw), acc, MAX);
}

@compute @workgroup_size(WG)
fn gradTiled(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = threadIndex(gid, nw);
  if (i >= params.n) { return; }
  let base = windowStart(i);
  let g = src[i];
  let avg = g / f32(params.kh * params.kw);
  for (var ky = 0u; ky < params.kh; ky++) {
    for (var kx = 0u; kx < params.kw; kx++) {
      var v = avg;
      if (MAX) { v = select(0.0, g, arg[i] == f32(ky * params.kw + kx)); }
      out[base + ky * params.w + kx] = v;
    }
  }
}

// conv2d's forward pass (and convTranspose2d's input gradient) as an implicit GEMM, the
// tiled loop of lib/gemm.wgsl with the im2col indexing in the read accessors, so the
// [C*KH*KW, batch*OH*OW] patch matrix is never stored:
//   A = w as [O, C*KH*KW]                  row o, k = (c, kh, kw): w as it is stored
//   B = im2col(x) [C*KH*KW, batch*OH*OW]   col = (n, oh, ow): gathered from x, 0 in the padding
//   C -> y [batch, O, OH, OW]              act(v + bias[o]) written at (n, o, oh, ow)
// Consecutive columns are consecutive ow, so B's reads and C's writes run along rows of x
// and y (TRANS_B = false); A is read along k (TRANS_A = false).
#include "lib/gemm.wgsl"
#include "lib/epilogue.wgsl"
#include "lib/conv.wgsl"

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
// @binding(2): bias, declared by lib/epilogue.wgsl
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

// A (w as stored) needs nothing but k.
alias KA = u32;
fn kA(k: u32) -> u32 { return k; }

fn readA(row: u32, k: u32) -> f32 {
  if (row >= dims.x || k >= dims.z) { return 0.0; }
  return w[row * dims.z + k];
}

// A column of B, output pixel (n, oh, ow): where image n starts in x, and the top-left
// corner of the pixel's window (in the padded frame, so it may be negative).
struct ColB {
  base: u32,
  org: vec2i,
  ok: bool,
}

fn colB(col: u32) -> ColB {
  let p = unflatten3(col, params.OH, params.OW);
  let org = vec2i(p.yz * vec2u(params.sh, params.sw)) - vec2i(i32(params.pt), i32(params.pl));
  return ColB((params.n0 + p.x) * params.C * params.H * params.W, org, col < dims.y);
}

// A row of B, k = (c, kh, kw): the tap (kh, kw) of the window, its offset (kh*dh, kw*dw),
// and where channel c starts in an image.
struct KB {
  k: u32,
  w: Walk,
}

fn tapStep() -> vec2i {
  return vec2i(i32(params.dh), i32(params.dw));
}

fn kB(k: u32) -> KB {
  return KB(k, walkFrom(unflatten3(k, params.KH, params.KW), tapStep(), params.H * params.W));
}

fn nextKB(b: KB) -> KB {
  return KB(b.k + 1u, walkNext(b.w, vec2u(params.KH, params.KW), tapStep(), params.H * params.W));
}

fn readB(k: KB, c: ColB) -> f32 {
  let at = c.org + k.w.at; // (ih, iw)
  if (!c.ok || k.k >= dims.z || !inPlane(at, vec2u(params.H, params.W))) { return 0.0; }
  return x[c.base + k.w.plane + u32(at.x) * params.W + u32(at.y)];
}

fn writeC(row: u32, col: u32, v: f32) {
  let p = unflatten3(col, params.OH, params.OW);
  y[(((params.n0 + p.x) * params.O + row) * params.OH + p.y) * params.OW + p.z] = epilogue(v, row, params.alpha);
}

@compute @workgroup_size(TX, TY, 1u)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let d = vec3u(params.O, params.batch * params.OH * params.OW, params.C * params.KH * params.KW);
  dims = d;
  gemm(d, wg.xy, lid.xy, li);
}

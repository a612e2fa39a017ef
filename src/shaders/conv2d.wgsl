// conv2d's forward pass (and convTranspose2d's input gradient) as an implicit GEMM, the
// tiled loop of lib/gemm.wgsl with the im2col indexing in the read accessors, so the
// [C*KH*KW, batch*OH*OW] patch matrix is never stored:
//   A = w as [O, KH*KW*C]                  row o, k = (kh, kw, c)
//   B = im2col(x) [KH*KW*C, OH*OW*batch]   col = (oh, ow, n): gathered from x, 0 in the padding
//   C -> y [batch, O, OH, OW]              act(v + bias[o]) written at (n, o, oh, ow)
// k runs tap by tap and a column tile holds few pixels (the batch is the fastest column),
// so a tile skips the taps that fall in the padding for all its pixels (gemmRuns), as in
// conv2d_dx.wgsl.
#include "lib/gemm.wgsl"
#include "lib/epilogue.wgsl"
#include "lib/conv.wgsl"

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
// @binding(2): bias, declared by lib/epilogue.wgsl
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

// A row of A, k = (kh, kw, c): where w[0, c, kh, kw] is.
struct KA {
  off: u32,
  ok: bool,
}

fn kA(k: u32) -> KA {
  let t = unflatten3(k, params.KW, params.C);
  return KA((t.z * params.KH + t.x) * params.KW + t.y, k < dims.z);
}

fn readA(row: u32, k: KA) -> f32 {
  if (row >= dims.x || !k.ok) { return 0.0; }
  return w[row * dims.z + k.off];
}

// A column of B, output pixel (oh, ow) of image n: where image n starts in x, and the
// top-left corner of the pixel's window (in the padded frame, so it may be negative).
struct ColB {
  base: u32,
  org: vec2i,
  ok: bool,
}

fn colB(col: u32) -> ColB {
  let p = unflatten3(col, params.OW, params.batch);
  let org = vec2i(p.xy * vec2u(params.sh, params.sw)) - vec2i(i32(params.pt), i32(params.pl));
  return ColB((params.n0 + p.z) * params.C * params.H * params.W, org, col < dims.y);
}

// A row of B, k = (kh, kw, c): the tap (kh, kw) of the window, its offset (kh*dh, kw*dw),
// and where channel c starts in an image.
struct KB {
  k: u32,
  w: Walk,
}

fn tapStep() -> vec2i {
  return vec2i(i32(params.dh), i32(params.dw));
}

fn kB(k: u32) -> KB {
  return KB(k, walkFrom(k, vec2u(params.KH, params.KW), params.C, tapStep(), params.H * params.W));
}

fn nextKB(b: KB) -> KB {
  return KB(b.k + 1u, walkNext(b.w, vec2u(params.KH, params.KW), params.C, tapStep(), params.H * params.W));
}

fn readB(k: KB, c: ColB) -> f32 {
  let at = c.org + k.w.at; // (ih, iw)
  if (!c.ok || k.k >= dims.z || !inPlane(at, vec2u(params.H, params.W))) { return 0.0; }
  return x[c.base + k.w.plane + u32(at.x) * params.W + u32(at.y)];
}

fn writeC(row: u32, col: u32, v: f32) {
  let p = unflatten3(col, params.OW, params.batch);
  y[(((params.n0 + p.z) * params.O + row) * params.OH + p.x) * params.OW + p.y] = epilogue(v, row, params.alpha);
}

@compute @workgroup_size(TX, TY, 1u)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let d = vec3u(params.O, params.batch * params.OH * params.OW, params.C * params.KH * params.KW);
  dims = d;
  let span = tileSpan(tileColumns(wg.x, d.y), params.batch, params.OW);
  let s = vec2i(i32(params.sh), i32(params.sw));
  let jh = liveRange(-i32(params.pt), s.x, i32(params.dh), span.xy, params.KH, params.H);
  let jw = liveRange(-i32(params.pl), s.y, i32(params.dw), span.zw, params.KW, params.W);
  gemmRuns(d, wg.xy, lid.xy, li, gridRuns(jh, jw, vec2u(params.KH, params.KW), params.C, BK));
}

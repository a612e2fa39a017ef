// conv2d's weight gradient (and convTranspose2d's, with the roles of x and gy swapped) as
// an implicit GEMM:
//   A = gy as [O, OH*OW*batch]              row o, k = (oh, ow, n)
//   B = im2col(x)ᵀ [OH*OW*batch, KH*KW*C]   col = (kh, kw, c): gathered from x, 0 in the padding
//   C -> part [splits, O, C, KH, KW]        this split's partial dw
// K (every output position of every image) is long and M x N (the weight) small, so K may
// be split into chunks of kChunk, one per workgroup z, and splitk_sum.wgsl adds the partials.
// Columns run tap by tap and k pixel by pixel (the batch fastest), so an unsplit K skips the
// pixels whose window puts the tile's taps in the padding (gemmRuns), as conv2d.wgsl skips
// taps. TRANS_B = false, so B's staging steps k instead of dividing.
#include "lib/gemm.wgsl"
#include "lib/conv.wgsl"

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> gy: array<f32>;
@group(0) @binding(2) var<storage, read_write> part: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

// This workgroup's split of K: k from split * kChunk on.
var<private> split: u32;

// A row of A, k = (oh, ow, n) of this split: where gy[n, 0, oh, ow] is.
struct KA {
  off: u32,
  ok: bool,
}

fn kA(k: u32) -> KA {
  let p = unflatten3(split * params.kChunk + k, params.OW, params.batch);
  return KA((p.z * params.O * params.OH + p.x) * params.OW + p.y, k < dims.z);
}

fn readA(row: u32, k: KA) -> f32 {
  if (row >= dims.x || !k.ok) { return 0.0; }
  return gy[k.off + row * params.OH * params.OW];
}

// A column of B, weight position (kh, kw, c): where channel c starts in an image of x,
// and the tap's offset from a window's corner, less the padding.
struct ColB {
  off: u32,
  tap: vec2i,
  ok: bool,
}

fn colB(col: u32) -> ColB {
  let t = unflatten3(col, params.KW, params.C);
  let tap = vec2i(t.xy * vec2u(params.dh, params.dw)) - vec2i(i32(params.pt), i32(params.pl));
  return ColB(t.z * params.H * params.W, tap, col < dims.y);
}

// A row of B, k = (oh, ow, n) of this split: the output pixel, the corner of its window
// (oh*sh, ow*sw), and where image n starts in x.
struct KB {
  k: u32,
  w: Walk,
}

fn pixelStep() -> vec2i {
  return vec2i(i32(params.sh), i32(params.sw));
}

fn kB(k: u32) -> KB {
  return KB(k, walkFrom(split * params.kChunk + k, vec2u(params.OH, params.OW), params.batch, pixelStep(), params.C * params.H * params.W));
}

fn nextKB(b: KB) -> KB {
  return KB(b.k + 1u, walkNext(b.w, vec2u(params.OH, params.OW), params.batch, pixelStep(), params.C * params.H * params.W));
}

fn readB(k: KB, c: ColB) -> f32 {
  let at = k.w.at + c.tap; // (ih, iw)
  if (!c.ok || k.k >= dims.z || !inPlane(at, vec2u(params.H, params.W))) { return 0.0; }
  return x[k.w.plane + c.off + u32(at.x) * params.W + u32(at.y)];
}

fn writeC(row: u32, col: u32, v: f32) {
  let t = unflatten3(col, params.KW, params.C); // (kh, kw, c)
  part[(split * dims.x + row) * dims.y + (t.z * params.KH + t.x) * params.KW + t.y] = v;
}

@compute @workgroup_size(TX, TY, 1u)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let total = params.batch * params.OH * params.OW;
  let start = wg.z * params.kChunk;
  let d = vec3u(params.O, params.C * params.KH * params.KW, min(params.kChunk, total - min(start, total)));
  split = wg.z;
  dims = d;
  var runs = vec4u(0u, d.z, d.z, 1u);
  if (params.kChunk >= total) {
    // Unsplit: the output rows and columns where some tap of the tile reads inside x.
    let span = tileSpan(tileColumns(wg.x, d.y), params.C, params.KW);
    let jh = liveRange(-i32(params.pt), i32(params.dh), i32(params.sh), span.xy, params.OH, params.H);
    let jw = liveRange(-i32(params.pl), i32(params.dw), i32(params.sw), span.zw, params.OW, params.W);
    runs = gridRuns(jh, jw, vec2u(params.OH, params.OW), params.batch, BK);
  }
  gemmRuns(d, wg.xy, lid.xy, li, runs);
}

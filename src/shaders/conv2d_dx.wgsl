// conv2d's input gradient (and convTranspose2d's forward pass) as implicit GEMMs, one per
// stride phase:
//   dx[n,c,h,w] = sum_{o,kh,kw} w[o,c,kh,kw] gy[n,o,oh,ow]  over the taps for which
//   oh = (h + pt - kh*dh) / sh is an integer in [0, OH) (and likewise ow).
// Every h with h % sh = ph takes the same kh's, kh = kh0 + j * steph (steph = sh / gcd(sh, dh)),
// so the output pixels of one phase (ph, pw) = workgroup z form a dense GEMM
//   A = w as [C, nh*nw*O]               row c, k = (jh, jw, o)
//   B = gy as [nh*nw*O, Hp*Wp*batch]    col = (ih, iw, n) for h = ph + ih*sh, w = pw + iw*sw
//   C -> dx [batch, C, H, W]            act(v + bias[c]) written at (n, c, h, w)
// and nothing is multiplied by the zeros a col2im of a strided convolution would insert.
// k runs tap by tap and a column tile holds few pixels (the batch is the fastest column),
// so a tile skips the taps that fall outside gy for all its pixels (gemmRuns): on the
// DCGAN's 3x3 and 6x6 planes a 5x5 kernel's border taps are a quarter of the products.
#include "lib/gemm.wgsl"
#include "lib/epilogue.wgsl"
#include "lib/conv.wgsl"

@group(0) @binding(0) var<storage, read> gy: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
// @binding(2): bias, declared by lib/epilogue.wgsl
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

// A stride phase: the output pixels (h, w) with h % sh = at.x, w % sw = at.y; its first
// taps (kh0, kw0), tap counts (nh, nw), and its rows and columns (Hp, Wp). Pixel
// (ih, iw) of the phase and tap (jh, jw) read gy at (oh, ow) = q0 + (ih, iw) - (jh, jw) * dq,
// q0 and dq from lib/conv.wgsl's phaseOrigin and phaseShift, so the GEMM's accessors
// divide by nothing but the tap and pixel counts.
struct Phase {
  at: vec2u,
  tap0: vec2u,
  ntap: vec2u,
  size: vec2u,
  q0: vec2i,
  dq: vec2i,
}

// This workgroup's phase.
var<private> phase: Phase;

// A row of A, k = (jh, jw, o): where w[o, 0, kh, kw] is, for the tap (kh, kw) of (jh, jw).
struct KA {
  off: u32,
  ok: bool,
}

fn kA(k: u32) -> KA {
  let t = unflatten3(k, phase.ntap.y, params.O);
  let kh = phase.tap0.x + t.x * params.steph;
  let kw = phase.tap0.y + t.y * params.stepw;
  return KA((t.z * params.C * params.KH + kh) * params.KW + kw, k < dims.z);
}

fn readA(row: u32, k: KA) -> f32 {
  if (row >= dims.x || !k.ok) { return 0.0; }
  return w[k.off + row * params.KH * params.KW];
}

// A column of B, pixel (ih, iw) of image n of the phase: where image n starts in gy, and
// the position of gy it reads at tap (0, 0).
struct ColB {
  base: u32,
  at: vec2i,
  ok: bool,
}

fn colB(col: u32) -> ColB {
  let p = unflatten3(col, phase.size.y, params.batch);
  return ColB((params.n0 + p.z) * params.O * params.OH * params.OW, phase.q0 + vec2i(p.xy), col < dims.y);
}

// A row of B, k = (jh, jw, o): the phase tap (jh, jw), how far it moves the position
// read, (jh, jw) * dq, and where channel o starts in an image of gy.
struct KB {
  k: u32,
  w: Walk,
}

fn kB(k: u32) -> KB {
  return KB(k, walkFrom(k, phase.ntap, params.O, phase.dq, params.OH * params.OW));
}

fn nextKB(b: KB) -> KB {
  return KB(b.k + 1u, walkNext(b.w, phase.ntap, params.O, phase.dq, params.OH * params.OW));
}

fn readB(k: KB, c: ColB) -> f32 {
  let q = c.at - k.w.at; // (oh, ow)
  if (!c.ok || k.k >= dims.z || !inPlane(q, vec2u(params.OH, params.OW))) { return 0.0; }
  return gy[c.base + k.w.plane + u32(q.x) * params.OW + u32(q.y)];
}

fn writeC(row: u32, col: u32, v: f32) {
  let p = unflatten3(col, phase.size.y, params.batch);
  let at = phase.at + vec2u(p.x * params.sh, p.y * params.sw); // (h, w)
  dx[(((params.n0 + p.z) * params.C + row) * params.H + at.x) * params.W + at.y] = epilogue(v, row, params.alpha);
}

@compute @workgroup_size(TX, TY, 1u)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let ph = vec2u(wg.z / params.sw, wg.z % params.sw);
  let th = phaseTaps(ph.x, params.pt, params.sh, params.dh, params.steph, params.KH);
  let tw = phaseTaps(ph.y, params.pl, params.sw, params.dw, params.stepw, params.KW);
  let hp = phaseSize(ph.x, params.sh, params.H);
  let wp = phaseSize(ph.y, params.sw, params.W);
  let d = vec3u(params.C, params.batch * hp * wp, params.O * th.y * tw.y);
  let tap0 = vec2u(th.x, tw.x);
  let q0 = phaseOrigin(ph, tap0);
  let dq = phaseShift();
  // The grid is as wide as the largest phase (convTranspose2d 2x2 -> 3x3 at stride 2 has
  // phases of 4, 2, 2 and 1 pixels per image); gemmRuns skips the tiles past this one's.
  phase = Phase(ph, tap0, vec2u(th.y, tw.y), vec2u(hp, wp), q0, dq);
  dims = d;
  let span = tileSpan(tileColumns(wg.x, d.y), params.batch, wp);
  let jh = liveRange(q0.x, 1, -dq.x, span.xy, th.y, params.OH);
  let jw = liveRange(q0.y, 1, -dq.y, span.zw, tw.y, params.OW);
  gemmRuns(d, wg.xy, lid.xy, li, gridRuns(jh, jw, vec2u(th.y, tw.y), params.O, BK));
}

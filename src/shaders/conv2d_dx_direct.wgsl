// conv2d's input gradient (convTranspose2d's forward) for layers of few input channels,
// computed directly, without a GEMM:
//   dx[n,c,h,w] = act(bias[c] + sum_{kh,kw: oh, ow whole and in range} sum_o w[o,c,kh,kw] gy[n,o,oh,ow])
// with oh = (h + pt - kh*dh) / sh (and likewise ow). conv2d_dx.wgsl's GEMM has C rows; with
// at most 8 of them each staged value of gy is used at most 8 times, so the staging (index
// arithmetic, a gather and a store per value) costs more than the products (src/ops/
// conv-gemm.ts says where this one is taken). A thread computes its pixels in CB channels
// at once, so each read of gy serves all of them.
//
// The pixels of one stride phase (h % sh, w % sw), workgroup z, take the same taps (lib/
// conv.wgsl's phaseTaps), so the 4-lane groups of a CPU adapter and the warps of a GPU do
// not split on them. A thread computes RUN = 8 neighbouring pixels of a phase row, as two
// vec4s: at tap jw they read gy at ow = s .. s + 7, and the next tap at s + dq
// (phaseShift). Where dq = 1 (stride 1, or stride 2 with dilation 1) that window slides
// by one, so the 8 products of a tap cost one read of gy and one of w; a thread per pixel
// made two reads per product, and on SwiftShader every read is a per-lane gather (D's
// 1->8 input gradient ran 2.2-2.7x, G's 64->1 forward 1.6-1.7x as fast with the runs).
// Each pixel adds its products in the order kh, o, kw.
#include "lib/grid.wgsl"
#include "lib/epilogue.wgsl"
#include "lib/conv.wgsl"

@group(0) @binding(0) var<storage, read> gy: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
// @binding(2): bias, declared by lib/epilogue.wgsl
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

// Pixels per thread along a phase row (the two vec4s of an accumulator pair below).
const RUN = 8u;
// Channels per thread (1, 2, 4 or 8): the reads of gy are shared by them.
override CB: u32 = 1u;

// Accumulators: acc[2j], acc[2j + 1] = pixels iw0 .. iw0 + 3 and iw0 + 4 .. iw0 + 7 of the
// thread's channel j; only constant indices in the loop (a dynamic one is a gather on
// SwiftShader). wOff[j]: channel j's offset in w from channel 0's.
var<private> acc: array<vec4f, 16>;
var<private> wOff: array<u32, 8>;

// gy at column q of the gy row that starts at `row`; 0 outside [0, OW).
fn gyAt(row: u32, q: i32) -> f32 {
  let v = gy[row + u32(clamp(q, 0, i32(params.OW) - 1))];
  return select(0.0, v, q >= 0 && q < i32(params.OW));
}

// One tap for every channel of the thread: w at k (+ wOff[j]) times the 8 pixels' gy (a, b).
fn tap(k: u32, a: vec4f, b: vec4f) {
  let w0 = w[k]; acc[0] += w0 * a; acc[1] += w0 * b;
  if (CB > 1u) { let w1 = w[k + wOff[1]]; acc[2] += w1 * a; acc[3] += w1 * b; }
  if (CB > 2u) {
    let w2 = w[k + wOff[2]]; acc[4] += w2 * a; acc[5] += w2 * b;
    let w3 = w[k + wOff[3]]; acc[6] += w3 * a; acc[7] += w3 * b;
  }
  if (CB > 4u) {
    let w4 = w[k + wOff[4]]; acc[8] += w4 * a; acc[9] += w4 * b;
    let w5 = w[k + wOff[5]]; acc[10] += w5 * a; acc[11] += w5 * b;
    let w6 = w[k + wOff[6]]; acc[12] += w6 * a; acc[13] += w6 * b;
    let w7 = w[k + wOff[7]]; acc[14] += w7 * a; acc[15] += w7 * b;
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nw: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let ph = vec2u(wg.z / params.sw, wg.z % params.sw);
  let hp = phaseSize(ph.x, params.sh, params.H);
  let wp = phaseSize(ph.y, params.sw, params.W);
  let runs = (wp + RUN - 1u) / RUN;
  let blocks = (params.C + CB - 1u) / CB;
  let i = groupIndex(wg, nw) * WG + lid; // x and y as lib/grid.wgsl splits them
  if (i >= params.batch * blocks * hp * runs) { return; }
  // This thread's pixels (ih, iw0 .. iw0 + RUN - 1) of image n, channels c0 .. c0 + CB - 1,
  // in the phase's grid. Past C (a last, partial block) a channel repeats C - 1: its sums
  // are made and never written.
  let p = unflatten3(i, blocks * hp, runs); // (n, block * hp + ih, run)
  let c0 = (p.y / hp) * CB;
  let ih = p.y - (c0 / CB) * hp;
  let iw0 = p.z * RUN;
  let n = params.n0 + p.x;
  let plane = params.KH * params.KW;
  for (var j = 1u; j < CB; j++) { wOff[j] = (min(c0 + j, params.C - 1u) - c0) * plane; }
  let th = phaseTaps(ph.x, params.pt, params.sh, params.dh, params.steph, params.KH);
  let tw = phaseTaps(ph.y, params.pl, params.sw, params.dw, params.stepw, params.KW);
  let q0 = phaseOrigin(ph, vec2u(th.x, tw.x));
  let dq = phaseShift();
  for (var jh = 0u; jh < th.y; jh++) {
    let oh = q0.x + i32(ih) - i32(jh) * dq.x;
    if (oh < 0 || oh >= i32(params.OH)) { continue; }
    let kh = th.x + jh * params.steph;
    for (var o = 0u; o < params.O; o++) {
      let row = ((n * params.O + o) * params.OH + u32(oh)) * params.OW;
      let wRow = ((o * params.C + c0) * params.KH + kh) * params.KW + tw.x;
      // Taps jw = nw - 1 down to 0; pixel iw0 + r reads ow = s + r.
      var s = q0.y + i32(iw0) - (i32(tw.y) - 1) * dq.y;
      if (dq.y == 1) {
        var a = vec4f(0.0, gyAt(row, s), gyAt(row, s + 1), gyAt(row, s + 2));
        var b = vec4f(gyAt(row, s + 3), gyAt(row, s + 4), gyAt(row, s + 5), gyAt(row, s + 6));
        for (var jw = tw.y; jw > 0u; jw--) {
          a = vec4f(a.yzw, b.x);
          b = vec4f(b.yzw, gyAt(row, s + 7));
          tap(wRow + (jw - 1u) * params.stepw, a, b);
          s += 1;
        }
      } else {
        for (var jw = tw.y; jw > 0u; jw--) {
          tap(wRow + (jw - 1u) * params.stepw,
              vec4f(gyAt(row, s), gyAt(row, s + 1), gyAt(row, s + 2), gyAt(row, s + 3)),
              vec4f(gyAt(row, s + 4), gyAt(row, s + 5), gyAt(row, s + 6), gyAt(row, s + 7)));
          s += dq.y;
        }
      }
    }
  }
  let h = ph.x + ih * params.sh;
  for (var j = 0u; j < min(CB, params.C - c0); j++) {
    let lo = acc[2u * j];
    let hi = acc[2u * j + 1u];
    let base = ((n * params.C + c0 + j) * params.H + h) * params.W + ph.y;
    for (var r = 0u; r < min(RUN, wp - iw0); r++) {
      let v = select(hi[r % 4u], lo[r % 4u], r < 4u);
      dx[base + (iw0 + r) * params.sw] = epilogue(v, c0 + j, params.alpha);
    }
  }
}

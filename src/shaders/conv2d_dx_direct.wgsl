// conv2d's input gradient (convTranspose2d's forward) for layers of few input channels,
// computed directly, without a GEMM:
//   dx[n,c,h,w] = act(bias[c] + sum_{kh,kw: oh, ow whole and in range} sum_o w[o,c,kh,kw] gy[n,o,oh,ow])
// with oh = (h + pt - kh*dh) / sh (and likewise ow). conv2d_dx.wgsl's GEMM has C rows; with
// 1 or 2 of them its 4-row blocks are mostly zeros and each staged value of gy is used once
// or twice, so the staging (index arithmetic, a gather and a store per value) costs
// more than the products (src/ops/conv-gemm.ts says where this one is taken).
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

// Pixels per thread along a phase row (the two vec4s below).
const RUN = 8u;

// gy at column q of the gy row that starts at `row`; 0 outside [0, OW).
fn gyAt(row: u32, q: i32) -> f32 {
  let v = gy[row + u32(clamp(q, 0, i32(params.OW) - 1))];
  return select(0.0, v, q >= 0 && q < i32(params.OW));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nw: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let ph = vec2u(wg.z / params.sw, wg.z % params.sw);
  let hp = phaseSize(ph.x, params.sh, params.H);
  let wp = phaseSize(ph.y, params.sw, params.W);
  let runs = (wp + RUN - 1u) / RUN;
  let i = groupIndex(wg, nw) * WG + lid; // x and y as lib/grid.wgsl splits them
  if (i >= params.batch * params.C * hp * runs) { return; }
  // This thread's pixels (ih, iw0 .. iw0 + RUN - 1) of image n, channel c, in the phase's grid.
  let p = unflatten3(i, params.C * hp, runs); // (n, c * hp + ih, run)
  let c = p.y / hp;
  let ih = p.y - c * hp;
  let iw0 = p.z * RUN;
  let n = params.n0 + p.x;
  let th = phaseTaps(ph.x, params.pt, params.sh, params.dh, params.steph, params.KH);
  let tw = phaseTaps(ph.y, params.pl, params.sw, params.dw, params.stepw, params.KW);
  let q0 = phaseOrigin(ph, vec2u(th.x, tw.x));
  let dq = phaseShift();
  var lo = vec4f(0.0); // pixels iw0 .. iw0 + 3
  var hi = vec4f(0.0); // pixels iw0 + 4 .. iw0 + 7
  for (var jh = 0u; jh < th.y; jh++) {
    let oh = q0.x + i32(ih) - i32(jh) * dq.x;
    if (oh < 0 || oh >= i32(params.OH)) { continue; }
    let kh = th.x + jh * params.steph;
    for (var o = 0u; o < params.O; o++) {
      let row = ((n * params.O + o) * params.OH + u32(oh)) * params.OW;
      let wRow = ((o * params.C + c) * params.KH + kh) * params.KW + tw.x;
      // Taps jw = nw - 1 down to 0; pixel iw0 + r reads ow = s + r.
      var s = q0.y + i32(iw0) - (i32(tw.y) - 1) * dq.y;
      if (dq.y == 1) {
        var a = vec4f(0.0, gyAt(row, s), gyAt(row, s + 1), gyAt(row, s + 2));
        var b = vec4f(gyAt(row, s + 3), gyAt(row, s + 4), gyAt(row, s + 5), gyAt(row, s + 6));
        for (var jw = tw.y; jw > 0u; jw--) {
          a = vec4f(a.yzw, b.x);
          b = vec4f(b.yzw, gyAt(row, s + 7));
          let wv = w[wRow + (jw - 1u) * params.stepw];
          lo += wv * a;
          hi += wv * b;
          s += 1;
        }
      } else {
        for (var jw = tw.y; jw > 0u; jw--) {
          let wv = w[wRow + (jw - 1u) * params.stepw];
          lo += wv * vec4f(gyAt(row, s), gyAt(row, s + 1), gyAt(row, s + 2), gyAt(row, s + 3));
          hi += wv * vec4f(gyAt(row, s + 4), gyAt(row, s + 5), gyAt(row, s + 6), gyAt(row, s + 7));
          s += dq.y;
        }
      }
    }
  }
  let h = ph.x + ih * params.sh;
  let base = ((n * params.C + c) * params.H + h) * params.W + ph.y;
  for (var r = 0u; r < min(RUN, wp - iw0); r++) {
    let v = select(hi[r % 4u], lo[r % 4u], r < 4u);
    dx[base + (iw0 + r) * params.sw] = epilogue(v, c, params.alpha);
  }
}

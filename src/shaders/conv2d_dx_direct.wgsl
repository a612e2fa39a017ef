// conv2d's input gradient (convTranspose2d's forward) for layers of few input channels,
// computed directly: one thread per element of dx,
//   dx[n,c,h,w] = act(bias[c] + sum_{kh,kw: oh, ow whole and in range} sum_o w[o,c,kh,kw] gy[n,o,oh,ow])
// with oh = (h + pt - kh*dh) / sh (and likewise ow). conv2d_dx.wgsl's GEMM has C rows; with
// 1 or 2 of them its 4-row blocks are mostly zeros and each staged value of gy is used once
// or twice, so the staging (index arithmetic, a gather and a store per value) costs
// more than the products (src/ops/conv-gemm.ts says where this one is taken).
// The pixels of one stride phase (h % sh, w % sw), workgroup z, take the same taps, so the
// 4-lane groups of a CPU adapter and the warps of a GPU do not split on them.
#include "lib/grid.wgsl"
#include "lib/epilogue.wgsl"
#include "lib/conv.wgsl"

@group(0) @binding(0) var<storage, read> gy: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
// @binding(2): bias, declared by lib/epilogue.wgsl
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nw: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  // The phase (ph, pw), and this thread's pixel (n, c, ih, iw) of the phase's grid.
  let ph = wg.z / params.sw;
  let pw = wg.z % params.sw;
  let hp = phaseSize(ph, params.sh, params.H);
  let wp = phaseSize(pw, params.sw, params.W);
  let i = groupIndex(wg, nw) * WG + lid; // x and y as lib/grid.wgsl splits them
  if (i >= params.batch * params.C * hp * wp) { return; }
  let p = unflatten3(i, params.C * hp, wp); // (n, c * hp + ih, iw)
  let c = p.y / hp;
  let h = ph + (p.y - c * hp) * params.sh;
  let x = pw + p.z * params.sw;
  let n = params.n0 + p.x;
  let plane = params.OH * params.OW;
  let wStride = params.C * params.KH * params.KW;
  var acc = 0.0;
  for (var kh = 0u; kh < params.KH; kh++) {
    // oh * sh = h + pt - kh * dh, whole and in [0, OH).
    let th = i32(h + params.pt) - i32(kh * params.dh);
    if (th < 0 || u32(th) % params.sh != 0u || u32(th) / params.sh >= params.OH) { continue; }
    let oh = u32(th) / params.sh;
    for (var kw = 0u; kw < params.KW; kw++) {
      let tw = i32(x + params.pl) - i32(kw * params.dw);
      if (tw < 0 || u32(tw) % params.sw != 0u || u32(tw) / params.sw >= params.OW) { continue; }
      var gi = (n * params.O * params.OH + oh) * params.OW + u32(tw) / params.sw;
      var wi = (c * params.KH + kh) * params.KW + kw;
      for (var o = 0u; o < params.O; o++) {
        acc += w[wi] * gy[gi];
        gi += plane;
        wi += wStride;
      }
    }
  }
  dx[((n * params.C + c) * params.H + h) * params.W + x] = epilogue(acc, c, params.alpha);
}

// conv2d's weight gradient (convTranspose2d's, with x and gy swapped) for layers of few
// output channels, computed directly, without a GEMM:
//   dw[o,c,kh,kw] = sum_{n,oh,ow} gy[n,o,oh,ow] x[n, c, oh*sh - pt + kh*dh, ow*sw - pl + kw*dw]
// conv2d_dw.wgsl's GEMM has O rows and C*KH*KW columns; D's 1->8 layer makes that 8 x 25,
// which its smallest tile (16 x 32) pads to 2.5 times the products, in workgroups of 4
// threads, while K (every pixel of the batch) is long. Here a thread takes one (c, kh), up
// to OB = 8 channels o and up to 8 taps kw, over a chunk of output rows (n, oh), so each
// read of gy serves 8 taps and each read of x OB channels. Chunks are partial sums,
// part [chunks, O, C, KH, KW], that splitk_sum.wgsl adds up (src/ops/conv-gemm.ts).
//
// Along a row the window of 8 taps moves by sw; with dw = 1 and sw = 1 or 2 the thread keeps
// it in two vec4s and reads only the sw values that enter it (on SwiftShader every read is a
// per-lane gather). Each dw sums its pixels in order n, oh, ow.
#include "lib/grid.wgsl"
#include "lib/conv.wgsl"

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> gy: array<f32>;
@group(0) @binding(2) var<storage, read_write> part: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

// Output channels per thread (1, 2, 4 or 8): a read of x serves all of them.
override OB: u32 = 1u;
// Whether KW > 4: the taps kw = 4 .. 7 (the second vec4 of each accumulator pair).
override WIDE_KW: bool = false;

// acc[2j], acc[2j + 1]: channel o0 + j's taps kw = 0 .. 3 and 4 .. 7; only constant indices
// in the loop (a dynamic one is a gather on SwiftShader). gOff[j]: where channel o0 + j's
// plane of gy starts, from channel o0's.
var<private> acc: array<vec4f, 16>;
var<private> gOff: array<u32, 8>;

// x at column iw of the x row that starts at `row`; 0 outside [0, W) (and for a row
// outside the image: `inside` false).
fn xAt(row: u32, iw: i32, inside: bool) -> f32 {
  let v = x[row + u32(clamp(iw, 0, i32(params.W) - 1))];
  return select(0.0, v, inside && iw >= 0 && iw < i32(params.W));
}

// One output pixel: gy at `at` (+ gOff[j]) times the window's 8 values of x (a, b).
fn pixel(at: u32, a: vec4f, b: vec4f) {
  let g0 = gy[at]; acc[0] += g0 * a; if (WIDE_KW) { acc[1] += g0 * b; }
  if (OB > 1u) { let g1 = gy[at + gOff[1]]; acc[2] += g1 * a; if (WIDE_KW) { acc[3] += g1 * b; } }
  if (OB > 2u) {
    let g2 = gy[at + gOff[2]]; acc[4] += g2 * a; if (WIDE_KW) { acc[5] += g2 * b; }
    let g3 = gy[at + gOff[3]]; acc[6] += g3 * a; if (WIDE_KW) { acc[7] += g3 * b; }
  }
  if (OB > 4u) {
    let g4 = gy[at + gOff[4]]; acc[8] += g4 * a; if (WIDE_KW) { acc[9] += g4 * b; }
    let g5 = gy[at + gOff[5]]; acc[10] += g5 * a; if (WIDE_KW) { acc[11] += g5 * b; }
    let g6 = gy[at + gOff[6]]; acc[12] += g6 * a; if (WIDE_KW) { acc[13] += g6 * b; }
    let g7 = gy[at + gOff[7]]; acc[14] += g7 * a; if (WIDE_KW) { acc[15] += g7 * b; }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let blocks = (params.O + OB - 1u) / OB;
  let rows = params.batch * params.OH;
  let chunks = (rows + params.kChunk - 1u) / params.kChunk;
  let i = threadIndex(gid, nw);
  if (i >= chunks * blocks * params.C * params.KH) { return; }
  // (chunk, block, c, kh), kh fastest.
  let p = unflatten3(i, blocks, params.C * params.KH);
  let chunk = p.x;
  let o0 = p.y * OB;
  let c = p.z / params.KH;
  let kh = p.z - c * params.KH;
  let plane = params.OH * params.OW;
  // Past O (a last, partial block) a channel repeats O - 1: its sums are made and never written.
  for (var j = 1u; j < OB; j++) { gOff[j] = (min(o0 + j, params.O - 1u) - o0) * plane; }
  let dwi = i32(params.dw);
  for (var r = chunk * params.kChunk; r < min(rows, (chunk + 1u) * params.kChunk); r++) {
    let n = r / params.OH;
    let oh = r - n * params.OH;
    let ih = i32(oh * params.sh + kh * params.dh) - i32(params.pt);
    let inside = ih >= 0 && ih < i32(params.H);
    let xRow = ((params.n0 + n) * params.C + c) * params.H * params.W + u32(clamp(ih, 0, i32(params.H) - 1)) * params.W;
    let gRow = ((params.n0 + n) * params.O + o0) * plane + oh * params.OW;
    var s = -i32(params.pl); // the window's first column, ow * sw - pl
    if (params.dw == 1u && params.sw <= 2u) {
      // The window before pixel 0, shifted in as the loop begins.
      let sw = i32(params.sw);
      var a = vec4f(0.0);
      var b = vec4f(0.0);
      if (sw == 1) {
        a = vec4f(0.0, xAt(xRow, s, inside), xAt(xRow, s + 1, inside), xAt(xRow, s + 2, inside));
        b = vec4f(xAt(xRow, s + 3, inside), xAt(xRow, s + 4, inside), xAt(xRow, s + 5, inside), xAt(xRow, s + 6, inside));
      } else {
        a = vec4f(0.0, 0.0, xAt(xRow, s, inside), xAt(xRow, s + 1, inside));
        b = vec4f(xAt(xRow, s + 2, inside), xAt(xRow, s + 3, inside), xAt(xRow, s + 4, inside), xAt(xRow, s + 5, inside));
      }
      for (var ow = 0u; ow < params.OW; ow++) {
        if (sw == 1) {
          a = vec4f(a.yzw, b.x);
          b = vec4f(b.yzw, xAt(xRow, s + 7, inside));
        } else {
          a = vec4f(a.zw, b.xy);
          b = vec4f(b.zw, xAt(xRow, s + 6, inside), xAt(xRow, s + 7, inside));
        }
        pixel(gRow + ow, a, b);
        s += sw;
      }
    } else {
      for (var ow = 0u; ow < params.OW; ow++) {
        let a = vec4f(xAt(xRow, s, inside), xAt(xRow, s + dwi, inside), xAt(xRow, s + 2 * dwi, inside), xAt(xRow, s + 3 * dwi, inside));
        var b = vec4f(0.0);
        if (WIDE_KW) {
          b = vec4f(xAt(xRow, s + 4 * dwi, inside), xAt(xRow, s + 5 * dwi, inside), xAt(xRow, s + 6 * dwi, inside), xAt(xRow, s + 7 * dwi, inside));
        }
        pixel(gRow + ow, a, b);
        s += i32(params.sw);
      }
    }
  }
  let taps = params.C * params.KH * params.KW;
  let at = (c * params.KH + kh) * params.KW;
  for (var j = 0u; j < min(OB, params.O - o0); j++) {
    let lo = acc[2u * j];
    let hi = acc[2u * j + 1u];
    let base = (chunk * params.O + o0 + j) * taps + at;
    for (var kw = 0u; kw < params.KW; kw++) {
      part[base + kw] = select(hi[kw % 4u], lo[kw % 4u], kw < 4u);
    }
  }
}

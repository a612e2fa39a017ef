// The geometry the three convolution GEMMs share (conv2d.wgsl, conv2d_dx.wgsl,
// conv2d_dw.wgsl), always from conv2d's side (src/cpu/conv.ts ConvGeometry): input
// x [batch, C, H, W], weight w [O, C, KH, KW], output y [batch, O, OH, OW],
//   y[n,o,oh,ow] = sum_{c,kh,kw} w[o,c,kh,kw] x[n, c, oh*sh - pt + kh*dh, ow*sw - pl + kw*dw]
// with x read as 0 outside; the bottom/right padding is implied by OH and OW. A dispatch
// covers images n0 .. n0 + batch - 1 of its tensors (the runtime splits a batch whose
// column tiles pass the 65535-workgroup limit).
struct Params {
  batch: u32,
  n0: u32,
  C: u32,
  H: u32,
  W: u32,
  O: u32,
  OH: u32,
  OW: u32,
  KH: u32,
  KW: u32,
  sh: u32,
  sw: u32,
  dh: u32,
  dw: u32,
  pt: u32,
  pl: u32,
  // conv2d_dx: the tap step sh / gcd(sh, dh), sw / gcd(sw, dw); conv2d_dw: the K-chunk length.
  steph: u32,
  stepw: u32,
  kChunk: u32,
  alpha: f32,
}

// This workgroup's GEMM (M, N, K), set by the entry point before it runs gemm() (which
// takes its own copy: a loop bound must be uniform, which a var<private> is not).
var<private> dims: vec3u;

// i as (i / (b*c), (i / c) % b, i % c): a flat index into [a, b, c] as its three indices,
// with two divisions (the remainders by multiply-subtract: a division is a long sequence
// on GPUs, and scalar on SwiftShader).
fn unflatten3(i: u32, b: u32, c: u32) -> vec3u {
  let q = i / c;
  let a = q / b;
  return vec3u(a, q - a * b, i - q * c);
}

// Whether position p lies inside a plane of `size` (not in the padding around it).
fn inPlane(p: vec2i, size: vec2u) -> bool {
  return all(p >= vec2i(0)) && all(p < vec2i(size));
}

// The GEMMs' k walks over a grid, then over planes, the plane fastest: conv2d's taps (kh,
// kw) then channels, conv2d_dx's phase taps (jh, jw) then channels, conv2d_dw's pixels
// (oh, ow) then images. A Walk is such a k: its place t in the n.x x n.y grid, t scaled by
// the per-row and per-column offsets d, and its plane's index and offset, all kept by adding.
struct Walk {
  t: vec2u,
  at: vec2i,
  p: u32,
  plane: u32,
}

fn walkFrom(k: u32, n: vec2u, planes: u32, d: vec2i, planeStep: u32) -> Walk {
  let u = unflatten3(k, n.y, planes);
  return Walk(u.xy, vec2i(u.xy) * d, u.z, u.z * planeStep);
}

// The next k: one plane on, wrapping to the next place of the row, then to the next row,
// with compares and selects instead of the divisions unflatten3 takes.
fn walkNext(w: Walk, n: vec2u, planes: u32, d: vec2i, planeStep: u32) -> Walk {
  var r = w;
  r.p += 1u;
  r.plane += planeStep;
  let wrapP = r.p == planes;
  r.p = select(r.p, 0u, wrapP);
  r.plane = select(r.plane, 0u, wrapP);
  r.t.y = select(r.t.y, r.t.y + 1u, wrapP);
  r.at.y = select(r.at.y, r.at.y + d.y, wrapP);
  let wrapW = r.t.y == n.y;
  r.t.y = select(r.t.y, 0u, wrapW);
  r.at.y = select(r.at.y, 0, wrapW);
  r.t.x = select(r.t.x, r.t.x + 1u, wrapW);
  r.at.x = select(r.at.x, r.at.x + d.x, wrapW);
  return r;
}

// The pixels of GEMM columns c.x ..< c.y (lib/gemm.wgsl's tileColumns), where columns
// are (row, column, image) over a plane `width` wide: the rows they span, and the columns
// (all of them once they wrap to a second row), as (first row, last row, first column,
// last column).
fn tileSpan(c: vec2u, batch: u32, width: u32) -> vec4u {
  let first = min(c.x, c.y - 1u) / batch;
  let last = (c.y - 1u) / batch;
  let rows = vec2u(first / width, last / width);
  return vec4u(rows, select(vec2u(0u, width - 1u), vec2u(first % width, last % width), rows.x == rows.y));
}

// Along one axis, the j < n that some i in span reaches inside a plane of `size`, at
// q = base + i*di + j*dj (di >= 0), as (first, last); first > last when none. With i a
// tile's pixels and j the taps: the taps to visit; with i the taps and j the pixels: the pixels.
fn liveRange(base: i32, di: i32, dj: i32, span: vec2u, n: u32, size: u32) -> vec2u {
  var lo = n;
  var hi = 0u;
  for (var j = 0u; j < n; j++) {
    let q = base + i32(j) * dj;
    if (q + i32(span.y) * di >= 0 && q + i32(span.x) * di < i32(size)) {
      lo = min(lo, j);
      hi = j;
    }
  }
  return vec2u(lo, hi);
}

// gemmRuns' runs for a k of (jh, jw, plane) with `planes` planes per grid place (a Walk's
// k), over the places jh.x ..= jh.y by jw.x ..= jw.y of an n.x x n.y grid: a run per jh.
// All of K (one run) unless planes is a multiple of the slice depth bk, which keeps each run
// start on a slice.
fn gridRuns(jh: vec2u, jw: vec2u, n: vec2u, planes: u32, bk: u32) -> vec4u {
  let K = n.x * n.y * planes;
  if (planes % bk != 0u) { return vec4u(0u, K, K, 1u); }
  let count = select(0u, jh.y + 1u - jh.x, jh.x <= jh.y && jw.x <= jw.y);
  return vec4u((jh.x * n.y + jw.x) * planes, (jw.y + 1u - jw.x) * planes, n.y * planes, count);
}

// Rows h < size with h % s = ph: the pixels of one stride phase along an axis (conv2d_dx's
// GEMM and conv2d_dx_direct.wgsl split dx by phase).
fn phaseSize(ph: u32, s: u32, size: u32) -> u32 {
  return select(0u, (size - ph + s - 1u) / s, ph < size);
}

// (first tap, tap count) of phase ph along one axis: the kh < K with
// (ph + pad - kh*dil) % s == 0 are kh0, kh0 + step, ...; (0, 0) when there is none.
fn phaseTaps(ph: u32, pad: u32, s: u32, dil: u32, step: u32, K: u32) -> vec2u {
  for (var k = 0u; k < min(step, K); k++) {
    // -k*dil = k*dil*(s - 1) (mod s), which keeps the sum unsigned.
    if ((ph + pad + k * dil * (s - 1u)) % s == 0u) { return vec2u(k, (K - k + step - 1u) / step); }
  }
  return vec2u(0u, 0u);
}

// For the taps (kh0 + jh*steph, kw0 + jw*stepw) of phase ph = (h % sh, w % sw), the
// position of gy that pixel (ih, iw) of the phase reads at tap (jh, jw) is
//   (oh, ow) = phaseOrigin(ph, tap0) + (ih, iw) - (jh, jw) * phaseShift()
// exactly: (ph + pad - tap0*dil) is a multiple of s, and so is step*dil.
fn phaseOrigin(ph: vec2u, tap0: vec2u) -> vec2i {
  let s = vec2i(i32(params.sh), i32(params.sw));
  let dil = vec2i(i32(params.dh), i32(params.dw));
  return (vec2i(ph + vec2u(params.pt, params.pl)) - vec2i(tap0) * dil) / s;
}

fn phaseShift() -> vec2i {
  return vec2i(i32(params.steph * params.dh / params.sh), i32(params.stepw * params.dw / params.sw));
}

// The binary elementwise ops (src/ops/broadcast.ts's BINARY rows) and their gradients,
// four float32 lanes at a time, over an output seen as [rows, cols]: each input either
// runs along a row (column stride 1) or holds one value per row (column stride 0), and
// steps by its own row stride, 0 for a row vector broadcast over rows. That covers the
// same-shape case, a [C] bias over [N, C], a [N, 1] column and a scalar; broadcast.ts
// sends other broadcasts to the CPU reference. An op code is the row's position in BINARY.
// The tail of a row goes through the same vector code, one lane used.

const ADD = 0;
const SUB = 1;
const MUL = 2;
const DIV = 3;
const MAXIMUM = 4;
const BCE_LOGITS = 5;

/** max(x, 0) - x y + log1p(e^-|x|) in float64, as the CPU reference computes it. */
// @ts-ignore: decorator
@inline function bce(x: f32, y: f32): f64 {
  const v = <f64>x;
  return Math.max(v, 0) - v * <f64>y + Math.log1p(Math.exp(-Math.abs(v)));
}

/** d bce / dx = sigmoid(x) - y in float64: sigmoid near 1 with y = 1 cancels, so float32 would lose it. */
// @ts-ignore: decorator
@inline function bceDx(x: f32, y: f32): f64 {
  const e = Math.exp(-Math.abs(<f64>x));
  return (x >= 0 ? 1 / (1 + e) : e / (1 + e)) - <f64>y;
}

// @ts-ignore: decorator
@inline function lane(side: i32, a: f32, b: f32): f32 {
  return <f32>(side == 2 ? bce(a, b) : bceDx(a, b));
}

/** bce (side 2) or its derivative in x (side 0) lane by lane, through float64. */
// @ts-ignore: decorator
@inline function lanes(side: i32, a: v128, b: v128): v128 {
  let r = f32x4.splat(lane(side, f32x4.extract_lane(a, 0), f32x4.extract_lane(b, 0)));
  r = f32x4.replace_lane(r, 1, lane(side, f32x4.extract_lane(a, 1), f32x4.extract_lane(b, 1)));
  r = f32x4.replace_lane(r, 2, lane(side, f32x4.extract_lane(a, 2), f32x4.extract_lane(b, 2)));
  return f32x4.replace_lane(r, 3, lane(side, f32x4.extract_lane(a, 3), f32x4.extract_lane(b, 3)));
}

// @ts-ignore: decorator
@inline function forward4(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case ADD: return f32x4.add(a, b);
    case SUB: return f32x4.sub(a, b);
    case MUL: return f32x4.mul(a, b);
    case DIV: return f32x4.div(a, b);
    case MAXIMUM: return f32x4.max(a, b);
    case BCE_LOGITS: return lanes(2, a, b);
    default: return a; // first: a broadcast copy
  }
}

/** d op / d a (side 0) or d op / d b (side 1). */
// @ts-ignore: decorator
@inline function derivative4(op: i32, side: i32, a: v128, b: v128): v128 {
  const one = f32x4.splat(1), zero = f32x4.splat(0);
  switch (op) {
    case ADD: return one;
    case SUB: return side == 0 ? one : f32x4.splat(-1);
    case MUL: return side == 0 ? b : a;
    case DIV: return side == 0 ? f32x4.div(one, b) : f32x4.neg(f32x4.div(a, f32x4.mul(b, b)));
    case MAXIMUM: return v128.bitselect(one, zero, side == 0 ? f32x4.ge(a, b) : f32x4.lt(a, b));
    case BCE_LOGITS: return side == 0 ? lanes(0, a, b) : f32x4.neg(a);
    default: return side == 0 ? one : zero;
  }
}

/** Four values of an input at `p`: loaded along the row, or the row's one value `v` where it is broadcast. */
// @ts-ignore: decorator
@inline function read4(p: usize, bcast: bool, v: v128): v128 {
  return bcast ? v : v128.load(p);
}

/**
 * out[r, c] = op(a[r aRow + c (0 if aBcast)], b[...]) over rows x cols (out contiguous);
 * with `side` 0 or 1, out = g * d op / d side instead (g contiguous like out).
 */
export function binary(op: i32, side: i32, rows: i32, cols: i32, a: usize, aRow: i32, aBcast: bool,
  b: usize, bRow: i32, bBcast: bool, g: usize, out: usize): void {
  const c4 = cols & ~3;
  for (let r = 0; r < rows; r++) {
    const ar = a + (<usize>(r * aRow) << 2), br = b + (<usize>(r * bRow) << 2);
    const o = <usize>(r * cols) << 2;
    const av = f32x4.splat(load<f32>(ar)), bv = f32x4.splat(load<f32>(br));
    for (let c = 0; c < c4; c += 4) {
      const at = <usize>c << 2;
      const x = read4(ar + at, aBcast, av), y = read4(br + at, bBcast, bv);
      v128.store(out + o + at, g ? f32x4.mul(v128.load(g + o + at), derivative4(op, side, x, y)) : forward4(op, x, y));
    }
    for (let c = c4; c < cols; c++) {
      const at = <usize>c << 2;
      const x = aBcast ? av : f32x4.splat(load<f32>(ar + at)), y = bBcast ? bv : f32x4.splat(load<f32>(br + at));
      store<f32>(out + o + at, g ? load<f32>(g + o + at) * f32x4.extract_lane(derivative4(op, side, x, y), 0) : f32x4.extract_lane(forward4(op, x, y), 0));
    }
  }
}

/** out[0] = k * the sum of bce(x[i], y[i]) over n, in float64 in order (src/ops/loss.ts's fused mean). */
export function bceLoss(n: i32, x: usize, y: usize, out: usize, k: f64): void {
  let acc: f64 = 0;
  for (let i = 0; i < n; i++) acc += bce(load<f32>(x + (<usize>i << 2)), load<f32>(y + (<usize>i << 2)));
  store<f32>(out, <f32>(acc * k));
}

/** out[i] = (sigmoid(x[i]) - y[i]) * up: the fused mean's gradient, up being the upstream value times its scale. */
export function bceGrad(n: i32, x: usize, y: usize, out: usize, up: f64): void {
  for (let i = 0; i < n; i++) {
    const at = <usize>i << 2;
    store<f32>(out + at, <f32>(bceDx(load<f32>(x + at), load<f32>(y + at)) * up));
  }
}

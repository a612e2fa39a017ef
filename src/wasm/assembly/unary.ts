// The unary elementwise ops (src/ops/unary.ts's UNARY rows) and their gradients, four
// float32 lanes at a time. An op code is the row's position in UNARY, as the OP override
// of unary.wgsl. The tail of an array that is not a multiple of 4 goes through the same
// vector code, one lane used, so a value does not depend on where it sits.
import { ACT_LEAKY_RELU, ACT_RELU, ACT_SIGMOID, ACT_TANH, activate } from './simd';

const NEG = 0;
const EXP = 1;
const LOG = 2;
const SQRT = 3;
const RELU = 4;
const LEAKY_RELU = 5;
const TANH = 6;
const SIGMOID = 7;
const ADD_SCALAR = 8;
const MUL_SCALAR = 9;
const MAX_SCALAR = 10;
const ABS = 11;
const SQUARE = 12;

/** f(v) lane by lane through float64, where no vector form is as accurate as the CPU reference's Math. */
// @ts-ignore: decorator
@inline function f64Op(op: i32, x: f32): f32 {
  return <f32>(op == EXP ? Math.exp(<f64>x) : Math.log(<f64>x));
}

// @ts-ignore: decorator
@inline function viaF64(op: i32, v: v128): v128 {
  let r = f32x4.splat(f64Op(op, f32x4.extract_lane(v, 0)));
  r = f32x4.replace_lane(r, 1, f64Op(op, f32x4.extract_lane(v, 1)));
  r = f32x4.replace_lane(r, 2, f64Op(op, f32x4.extract_lane(v, 2)));
  return f32x4.replace_lane(r, 3, f64Op(op, f32x4.extract_lane(v, 3)));
}

/** sign(v): -1, 0 or 1, NaN for NaN (Math.sign). */
// @ts-ignore: decorator
@inline function sign4(v: v128): v128 {
  const one = f32x4.splat(1);
  const s = f32x4.sub(v128.and(one, f32x4.gt(v, f32x4.splat(0))), v128.and(one, f32x4.lt(v, f32x4.splat(0))));
  return v128.bitselect(v, s, f32x4.ne(v, v));
}

/** 1 where `mask` is set, else `other` (a derivative that is a step). */
// @ts-ignore: decorator
@inline function step4(mask: v128, other: v128): v128 {
  return v128.bitselect(f32x4.splat(1), other, mask);
}

// @ts-ignore: decorator
@inline function forward4(op: i32, x: v128, a: f32): v128 {
  switch (op) {
    case NEG: return f32x4.neg(x);
    case EXP: case LOG: return viaF64(op, x);
    case SQRT: return f32x4.sqrt(x);
    case RELU: return activate(ACT_RELU, x, a);
    case LEAKY_RELU: return activate(ACT_LEAKY_RELU, x, a);
    case TANH: return activate(ACT_TANH, x, a);
    case SIGMOID: return activate(ACT_SIGMOID, x, a);
    case ADD_SCALAR: return f32x4.add(x, f32x4.splat(a));
    case MUL_SCALAR: return f32x4.mul(x, f32x4.splat(a));
    case MAX_SCALAR: return f32x4.max(x, f32x4.splat(a));
    case ABS: return f32x4.abs(x);
    default: return f32x4.mul(x, x);
  }
}

/** f'(x) in terms of x or y = f(x), as the row's derivative reads them. */
// @ts-ignore: decorator
@inline function derivative4(op: i32, x: v128, y: v128, a: f32): v128 {
  const zero = f32x4.splat(0);
  switch (op) {
    case NEG: return f32x4.splat(-1);
    case EXP: return y;
    case LOG: return f32x4.div(f32x4.splat(1), x);
    case SQRT: return f32x4.div(f32x4.splat(0.5), y);
    case RELU: return step4(f32x4.gt(y, zero), zero);
    case LEAKY_RELU: return step4(f32x4.gt(y, zero), f32x4.splat(a));
    // (1 - y)(1 + y), not 1 - y²: near |y| = 1 the square's rounding would be all that is left.
    case TANH: return f32x4.mul(f32x4.sub(f32x4.splat(1), y), f32x4.add(f32x4.splat(1), y));
    case SIGMOID: return f32x4.mul(y, f32x4.sub(f32x4.splat(1), y));
    case ADD_SCALAR: return f32x4.splat(1);
    case MUL_SCALAR: return f32x4.splat(a);
    case MAX_SCALAR: return step4(f32x4.ge(x, f32x4.splat(a)), zero);
    case ABS: return sign4(x);
    default: return f32x4.add(x, x);
  }
}

/** out[i] = f(x[i]) for the op `op`, with the scalar `a` where the op takes one. */
export function unary(op: i32, n: i32, x: usize, out: usize, a: f32): void {
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const at = <usize>i << 2;
    v128.store(out + at, forward4(op, v128.load(x + at), a));
  }
  for (let i = n4; i < n; i++) {
    const at = <usize>i << 2;
    store<f32>(out + at, f32x4.extract_lane(forward4(op, f32x4.splat(load<f32>(x + at)), a), 0));
  }
}

/** out[i] = g[i] f'(x[i]) for the op `op`; x or y = f(x) may be 0 (null) where the op's derivative does not read it. */
export function unaryGrad(op: i32, n: i32, x: usize, y: usize, g: usize, out: usize, a: f32): void {
  const zero = f32x4.splat(0);
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const at = <usize>i << 2;
    const xv = x ? v128.load(x + at) : zero;
    const yv = y ? v128.load(y + at) : zero;
    v128.store(out + at, f32x4.mul(v128.load(g + at), derivative4(op, xv, yv, a)));
  }
  for (let i = n4; i < n; i++) {
    const at = <usize>i << 2;
    const xv = x ? f32x4.splat(load<f32>(x + at)) : zero;
    const yv = y ? f32x4.splat(load<f32>(y + at)) : zero;
    store<f32>(out + at, load<f32>(g + at) * f32x4.extract_lane(derivative4(op, xv, yv, a), 0));
  }
}

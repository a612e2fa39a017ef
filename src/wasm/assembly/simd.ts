// Vector helpers of the kernels: the multiply-add of the GEMM and the activations of its
// epilogue, four float32 lanes at a time. Every lane goes through the same instructions,
// so a value does not depend on where in a tile it sits.

/**
 * a * b + c. With relaxed SIMD (the module built with `--enable relaxed-simd`) this is
 * `f32x4.relaxed_madd`, one fused instruction where the hardware has it (x86 FMA, ARM
 * fmla): the product is then not rounded on its own, so results can differ from the plain
 * build in the last bits. Without relaxed SIMD it is a multiply and an add.
 */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** The activation codes: positions in src/cpu/activations.ts's ACTIVATIONS. */
export const ACT_NONE = 0;
export const ACT_RELU = 1;
export const ACT_LEAKY_RELU = 2;
export const ACT_TANH = 3;
export const ACT_SIGMOID = 4;

/**
 * e^x for x <= 0 (Cephes' expf: x = n ln 2 + r with |r| <= ln(2)/2, a degree-6 polynomial
 * in r, then the exponent bits set to n), within 2 ulp; below -87 it gives about 1e-38.
 */
// @ts-ignore: decorator
@inline function expNeg(x: v128): v128 {
  x = f32x4.max(x, f32x4.splat(-87.0));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

const SIGN: i32 = 0x80000000;

/** tanh(v) = sign(v) (1 - e^-2|v|) / (1 + e^-2|v|), and its Taylor series below |v| = 1/16, where that quotient cancels. */
// @ts-ignore: decorator
@inline function tanh4(v: v128): v128 {
  const ax = f32x4.abs(v);
  const t = expNeg(f32x4.mul(ax, f32x4.splat(-2)));
  const big = f32x4.div(f32x4.sub(f32x4.splat(1), t), f32x4.add(f32x4.splat(1), t));
  const x2 = f32x4.mul(ax, ax);
  let s = f32x4.splat(-17.0 / 315.0);
  s = f32x4.add(f32x4.mul(s, x2), f32x4.splat(2.0 / 15.0));
  s = f32x4.add(f32x4.mul(s, x2), f32x4.splat(-1.0 / 3.0));
  const small = f32x4.add(f32x4.mul(f32x4.mul(s, x2), ax), ax);
  const r = v128.bitselect(small, big, f32x4.lt(ax, f32x4.splat(0.0625)));
  return v128.or(r, v128.and(v, i32x4.splat(SIGN)));
}

/** sigmoid(v) = 1 / (1 + e^-v) for v >= 0, e^v / (1 + e^v) below, as the CPU reference computes it. */
// @ts-ignore: decorator
@inline function sigmoid4(v: v128): v128 {
  const e = expNeg(f32x4.neg(f32x4.abs(v)));
  const r = f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), e));
  return v128.bitselect(r, f32x4.mul(e, r), f32x4.ge(v, f32x4.splat(0)));
}

/** act(v) lane by lane; NaN stays NaN except under relu and leakyRelu, which map it to 0 and NaN like the CPU reference's `v > 0 ? v : ...`. */
// @ts-ignore: decorator
@inline export function activate(act: i32, v: v128, alpha: f32): v128 {
  if (act == ACT_RELU) return v128.and(v, f32x4.gt(v, f32x4.splat(0)));
  if (act == ACT_LEAKY_RELU) return v128.bitselect(v, f32x4.mul(v, f32x4.splat(alpha)), f32x4.gt(v, f32x4.splat(0)));
  if (act == ACT_TANH) return tanh4(v);
  if (act == ACT_SIGMOID) return sigmoid4(v);
  return v;
}

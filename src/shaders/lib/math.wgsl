// Scalar functions shared by the kernels; the CPU references in src/cpu/ compute the same
// formulas, which is what keeps the two backends within float32 rounding of each other.

// A quiet NaN, returned by every op-code switch for a code its TypeScript table has no row
// for, so a table and its switch that fall out of step give NaN, never a plausible number.
// The bits go through a `let`: a NaN constant expression is a shader-creation error.
fn nan() -> f32 {
  let bits = 0x7fc00000u;
  return bitcast<f32>(bits);
}

// 1 / (1 + exp(-v)); exp only ever sees -|v|, so it cannot overflow.
fn sigmoid(v: f32) -> f32 {
  let e = exp(-abs(v));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), v >= 0.0);
}

// tanh from exp(-2|v|), which cannot overflow for large |v|.
fn stableTanh(v: f32) -> f32 {
  let t = exp(-2.0 * abs(v));
  return sign(v) * (1.0 - t) / (1.0 + t);
}

// BCE with logits x and targets y, stable for any x: max(x,0) - x*y + log(1 + exp(-|x|)).
// float32 log(1 + t) loses up to 1e-4 of log1p(t) for small t, so a series below 0.05.
fn bceLogits(x: f32, y: f32) -> f32 {
  let t = exp(-abs(x));
  let l1p = select(log(1.0 + t), t * (1.0 - t * (0.5 - t * (1.0 / 3.0 - t * (0.25 - t * 0.2)))), t < 0.05);
  return max(x, 0.0) - x * y + l1p;
}

// Sums over the trailing or the leading elements of a row-major array (src/ops/reduce.ts's
// plans after merging dims: a row sum, a loss's mean, a bias gradient's column sums), in
// float64 like the CPU reference. Column sums add in the reference's order, so they equal
// it exactly; row sums keep four running sums, which can move the float32 result by an ulp.
// Any other plan (reduced dims between kept ones: batchnorm's sums over [N, C, H, W] but C)
// takes sumGathered, the reference's loop over offset tables, equal to it exactly.

/** out[k] = scale * sum over r of x[k R + r], for k < K. */
export function sumRows(K: i32, R: i32, x: usize, out: usize, scale: f64): void {
  const r4 = R & ~3;
  for (let k = 0; k < K; k++) {
    const row = x + (<usize>k * <usize>R << 2);
    let lo = f64x2.splat(0), hi = f64x2.splat(0);
    for (let r = 0; r < r4; r += 4) {
      const v = v128.load(row + (<usize>r << 2));
      lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
      hi = f64x2.add(hi, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
    }
    const s = f64x2.add(lo, hi);
    let t = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
    for (let r = r4; r < R; r++) t += <f64>load<f32>(row + (<usize>r << 2));
    store<f32>(out + (<usize>k << 2), <f32>(t * scale));
  }
}

/** out[k] = scale * sum over r of x[r K + k], for k < K: four columns at a time down the rows. */
export function sumColumns(K: i32, R: i32, x: usize, out: usize, scale: f64): void {
  const k4 = K & ~3;
  const stride = <usize>K << 2;
  for (let k = 0; k < k4; k += 4) {
    let p = x + (<usize>k << 2);
    let lo = f64x2.splat(0), hi = f64x2.splat(0);
    for (let r = 0; r < R; r++, p += stride) {
      const v = v128.load(p);
      lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
      hi = f64x2.add(hi, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
    }
    const S = f64x2.splat(scale);
    const f = f32x4.demote_f64x2_zero(f64x2.mul(lo, S));
    const g = f32x4.demote_f64x2_zero(f64x2.mul(hi, S));
    v128.store(out + (<usize>k << 2), v128.shuffle<f32>(f, g, 0, 1, 4, 5));
  }
  for (let k = k4; k < K; k++) {
    let t: f64 = 0;
    for (let r = 0; r < R; r++) t += <f64>load<f32>(x + ((<usize>r * <usize>K + <usize>k) << 2));
    store<f32>(out + (<usize>k << 2), <f32>(t * scale));
  }
}

/**
 * out[k] = scale * sum over r of x[koff[k] + roff[r]], for k < K, r < R in order, in
 * float64: koff and roff (int32 element offsets) are the kept and the reduced dims' offsets.
 */
export function sumGathered(K: i32, R: i32, x: usize, koff: usize, roff: usize, out: usize, scale: f64): void {
  for (let k = 0; k < K; k++) {
    const base = x + (<usize>load<i32>(koff + (<usize>k << 2)) << 2);
    let t: f64 = 0;
    for (let r = 0; r < R; r++) t += <f64>load<f32>(base + (<usize>load<i32>(roff + (<usize>r << 2)) << 2));
    store<f32>(out + (<usize>k << 2), <f32>(t * scale));
  }
}

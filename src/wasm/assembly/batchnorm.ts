// Batch normalisation's four passes over x [N, C, H, W] (src/cpu/batchnorm.ts, entry for
// entry), in float64 like the CPU reference and in its order of operations, so the results
// equal it bit for bit. The elementwise passes take two positions at a time (f64x2 over
// each channel's run of H W floats, widened from float32); the sums keep the reference's
// order, one element at a time.

// @ts-ignore: decorator
@inline function f(p: usize, i: usize): f64 {
  return <f64>load<f32>(p + (i << 2));
}

/** Two float32 at `p` widened to float64. */
// @ts-ignore: decorator
@inline function load2(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

/** Two float64 rounded to float32 and stored at `p`. */
// @ts-ignore: decorator
@inline function store2(p: usize, v: v128): void {
  v128.store64_lane(p, f32x4.demote_f64x2_zero(v), 0);
}

/**
 * stat [3, C] = per channel: mean, 1 / sqrt(var + eps) and the biased var, by the corrected
 * two-pass algorithm (mean m0 = sum(x) / M, then over d = x - m0: var = (sum d² - (sum d)² / M) / M).
 */
export function bnStats(C: i32, hw: i32, m: i32, x: usize, stat: usize, eps: f64): void {
  const N = m / hw;
  for (let c = 0; c < C; c++) {
    let s: f64 = 0;
    for (let b = 0; b < N; b++) {
      const base = <usize>(b * C + c) * <usize>hw;
      for (let i = 0; i < hw; i++) s += f(x, base + i);
    }
    const m0 = s / m;
    let d1: f64 = 0, d2: f64 = 0;
    for (let b = 0; b < N; b++) {
      const base = <usize>(b * C + c) * <usize>hw;
      for (let i = 0; i < hw; i++) {
        const d = f(x, base + i) - m0;
        d1 += d;
        d2 += d * d;
      }
    }
    const v = Math.max((d2 - (d1 * d1) / m) / m, 0);
    store<f32>(stat + (<usize>c << 2), <f32>(m0 + d1 / m));
    store<f32>(stat + (<usize>(C + c) << 2), <f32>(1 / Math.sqrt(v + eps)));
    store<f32>(stat + (<usize>(2 * C + c) << 2), <f32>v);
  }
}

/** out = (x - mean) k + beta with k = invStd gamma per channel (gamma 1 and beta 0 where their pointer is 0). */
export function bnApply(C: i32, hw: i32, m: i32, x: usize, stat: usize, gamma: usize, beta: usize, out: usize): void {
  const N = m / hw;
  const hw2 = hw & ~1;
  for (let c = 0; c < C; c++) {
    const mean = f(stat, c);
    const k = f(stat, C + c) * (gamma ? f(gamma, c) : 1);
    const bb = beta ? f(beta, c) : 0;
    const M = f64x2.splat(mean), K = f64x2.splat(k), B = f64x2.splat(bb);
    for (let b = 0; b < N; b++) {
      const base = <usize>(b * C + c) * <usize>hw << 2;
      for (let i = 0; i < hw2; i += 2) {
        const at = base + (<usize>i << 2);
        store2(out + at, f64x2.add(f64x2.mul(f64x2.sub(load2(x + at), M), K), B));
      }
      if (hw2 < hw) {
        const at = base + (<usize>hw2 << 2);
        store<f32>(out + at, <f32>((<f64>load<f32>(x + at) - mean) * k + bb));
      }
    }
  }
}

/** sums [2, C] = per channel: sum(g) and sum(g xhat), xhat = (x - mean) invStd. */
export function bnGradSums(C: i32, hw: i32, m: i32, x: usize, g: usize, stat: usize, sums: usize): void {
  const N = m / hw;
  for (let c = 0; c < C; c++) {
    const mean = f(stat, c), inv = f(stat, C + c);
    let s0: f64 = 0, s1: f64 = 0;
    for (let b = 0; b < N; b++) {
      const base = <usize>(b * C + c) * <usize>hw;
      for (let i = 0; i < hw; i++) {
        const gv = f(g, base + i);
        s0 += gv;
        s1 += gv * (f(x, base + i) - mean) * inv;
      }
    }
    store<f32>(sums + (<usize>c << 2), <f32>s0);
    store<f32>(sums + (<usize>(C + c) << 2), <f32>s1);
  }
}

/**
 * dx = k (g - (sum(g) + xhat sum(g xhat)) / M) with k = gamma invStd in training; dx = k g
 * in eval (sums 0).
 */
export function bnGradInput(C: i32, hw: i32, m: i32, x: usize, g: usize, stat: usize, gamma: usize, sums: usize, out: usize): void {
  const N = m / hw;
  const hw2 = hw & ~1;
  for (let c = 0; c < C; c++) {
    const mean = f(stat, c), inv = f(stat, C + c);
    const k = inv * (gamma ? f(gamma, c) : 1);
    const s0 = sums ? f(sums, c) : 0, s1 = sums ? f(sums, C + c) : 0;
    const Mn = f64x2.splat(mean), I = f64x2.splat(inv), K = f64x2.splat(k), S0 = f64x2.splat(s0), S1 = f64x2.splat(s1), Mc = f64x2.splat(<f64>m);
    for (let b = 0; b < N; b++) {
      const base = <usize>(b * C + c) * <usize>hw << 2;
      for (let i = 0; i < hw2; i += 2) {
        const at = base + (<usize>i << 2);
        let d = load2(g + at);
        if (sums) d = f64x2.sub(d, f64x2.div(f64x2.add(S0, f64x2.mul(f64x2.mul(f64x2.sub(load2(x + at), Mn), I), S1)), Mc));
        store2(out + at, f64x2.mul(K, d));
      }
      if (hw2 < hw) {
        const at = base + (<usize>hw2 << 2);
        let d = <f64>load<f32>(g + at);
        if (sums) d = d - (s0 + (<f64>load<f32>(x + at) - mean) * inv * s1) / m;
        store<f32>(out + at, <f32>(k * d));
      }
    }
  }
}

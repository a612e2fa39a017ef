// The counter-based generator of random.wgsl and src/cpu/random.ts: draw i is a hash of
// (key, offset + i). The arithmetic is the CPU reference's, u32 hashing and float64
// transforms rounded once to float32, so a seed gives the reference's numbers bit for bit
// (log and cos are AssemblyScript's, which agree with the engine's to well under a
// float32 ulp). The hash shifts each value by an amount of its own, which 128-bit SIMD
// has no instruction for, so these loops are scalar.

/** PCG-RXS-M-XS 32-bit hash (Jarzynski & Olano 2020). */
// @ts-ignore: decorator
@inline function pcg(v: u32): u32 {
  const s = v * 747796405 + 2891336453;
  const w = ((s >>> ((s >>> 28) + 4)) ^ s) * 277803737;
  return (w >>> 22) ^ w;
}

// @ts-ignore: decorator
@inline function bits(key: u32, ctr: u32): u32 {
  return pcg(pcg(ctr) ^ key);
}

/** A uniform in [0, 1) with 24 bits, exact in float32. */
// @ts-ignore: decorator
@inline function unit(key: u32, ctr: u32): f64 {
  return <f64>(bits(key, ctr) >>> 8) / 16777216;
}

/** out[i] = lo + (hi - lo) u_i. */
export function rand(n: i32, key: u32, offset: u32, lo: f64, hi: f64, out: usize): void {
  for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), <f32>(lo + (hi - lo) * unit(key, offset + <u32>i)));
}

/** out[i] = mean + std sqrt(-2 ln u1) cos(2 pi u2) (Box-Muller), from counters offset + 2i and offset + 2i + 1. */
export function randn(n: i32, key: u32, offset: u32, mean: f64, std: f64, out: usize): void {
  for (let i = 0; i < n; i++) {
    const c = offset + 2 * <u32>i;
    const u1 = <f64>((bits(key, c) >>> 8) + 1) / 16777216;
    const u2 = unit(key, c + 1);
    store<f32>(out + (<usize>i << 2), <f32>(mean + std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)));
  }
}

/** out[i] = 0 where u_i < p, else x[i] scale (inverted dropout). */
export function dropout(n: i32, key: u32, offset: u32, p: f64, scale: f64, x: usize, out: usize): void {
  for (let i = 0; i < n; i++) {
    const at = <usize>i << 2;
    store<f32>(out + at, unit(key, offset + <u32>i) < p ? 0 : <f32>(<f64>load<f32>(x + at) * scale));
  }
}

// Average and max pooling over planes of h x w (src/cpu/pool.ts, entry for entry): the
// same scan order (the first maximum of a window, row by row, wins) and float64 sums, so
// the results equal the CPU reference bit for bit. A window's rows are a few floats apart
// and of a few floats each, too short for vectors to pay; these loops are scalar.

// @ts-ignore: decorator
@inline function f(p: usize, i: i32): f32 {
  return load<f32>(p + (<usize>i << 2));
}

/** The index in the input of output o's window corner. */
// @ts-ignore: decorator
@inline function corner(o: i32, h: i32, w: i32, oh: i32, ow: i32, sh: i32, sw: i32): i32 {
  const per = oh * ow;
  const r = o % per;
  return (o / per) * h * w + (r / ow) * sh * w + (r % ow) * sw;
}

/** out = window mean, or window max with its position ky kw + kx in `arg` (max when arg != 0). */
export function poolForward(planes: i32, h: i32, w: i32, oh: i32, ow: i32, kh: i32, kw: i32, sh: i32, sw: i32, x: usize, out: usize, arg: usize): void {
  const n = planes * oh * ow;
  for (let o = 0; o < n; o++) {
    const base = corner(o, h, w, oh, ow, sh, sw);
    let best = f(x, base);
    let at = 0;
    let acc: f64 = 0;
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        const v = f(x, base + ky * w + kx);
        acc += v;
        if (v > best) {
          best = v;
          at = ky * kw + kx;
        }
      }
    }
    const to = out + (<usize>o << 2);
    if (arg) {
      store<f32>(to, best);
      store<f32>(arg + (<usize>o << 2), <f32>at);
    } else {
      store<f32>(to, <f32>(acc / <f64>(kh * kw)));
    }
  }
}

/** dx: each output's g goes to its argmax (arg != 0), or g / (kh kw) to every element of its window. */
export function poolBackward(planes: i32, h: i32, w: i32, oh: i32, ow: i32, kh: i32, kw: i32, sh: i32, sw: i32, g: usize, dx: usize, arg: usize): void {
  memory.fill(dx, 0, <usize>(planes * h * w) << 2);
  const n = planes * oh * ow;
  const share = 1 / <f64>(kh * kw);
  for (let o = 0; o < n; o++) {
    const base = corner(o, h, w, oh, ow, sh, sw);
    const gv = <f64>f(g, o);
    if (arg) {
      const at = <i32>f(arg, o);
      const p = dx + (<usize>(base + (at / kw) * w + (at % kw)) << 2);
      store<f32>(p, <f32>(<f64>load<f32>(p) + gv));
      continue;
    }
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        const p = dx + (<usize>(base + ky * w + kx) << 2);
        store<f32>(p, <f32>(<f64>load<f32>(p) + gv * share));
      }
    }
  }
}

// The optimizers' fused updates over a flat arena, four float32 lanes at a time.

/**
 * One Adam step over n parameters in place (the formula of src/cpu/optim.ts's adam):
 * g' = g + wd p; m = b1 m + (1-b1) g'; v = b2 v + (1-b2) g'^2; p -= lr (m/bc1) / (sqrt(v/bc2) + eps).
 * The coefficients arrive as float64 and are rounded to float32 once.
 */
export function adam(n: i32, p: usize, g: usize, m: usize, v: usize,
  lr: f64, beta1: f64, beta2: f64, eps: f64, wd: f64, bc1: f64, bc2: f64): void {
  const WD = f32x4.splat(<f32>wd);
  const B1 = f32x4.splat(<f32>beta1), C1 = f32x4.splat(<f32>(1 - beta1));
  const B2 = f32x4.splat(<f32>beta2), C2 = f32x4.splat(<f32>(1 - beta2));
  const LR = f32x4.splat(<f32>(lr / bc1)), BC2 = f32x4.splat(<f32>(1 / bc2)), EPS = f32x4.splat(<f32>eps);
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const at = <usize>i << 2;
    const pv = v128.load(p + at);
    const gv = f32x4.add(v128.load(g + at), f32x4.mul(WD, pv));
    const mv = f32x4.add(f32x4.mul(B1, v128.load(m + at)), f32x4.mul(C1, gv));
    const vv = f32x4.add(f32x4.mul(B2, v128.load(v + at)), f32x4.mul(C2, f32x4.mul(gv, gv)));
    v128.store(m + at, mv);
    v128.store(v + at, vv);
    v128.store(p + at, f32x4.sub(pv, f32x4.div(f32x4.mul(LR, mv), f32x4.add(f32x4.sqrt(f32x4.mul(vv, BC2)), EPS))));
  }
  for (let i = n4; i < n; i++) {
    const at = <usize>i << 2;
    const pv = load<f32>(p + at);
    const gv = load<f32>(g + at) + <f32>wd * pv;
    const mv = <f32>beta1 * load<f32>(m + at) + <f32>(1 - beta1) * gv;
    const vv = <f32>beta2 * load<f32>(v + at) + <f32>(1 - beta2) * gv * gv;
    store<f32>(m + at, mv);
    store<f32>(v + at, vv);
    store<f32>(p + at, pv - (<f32>(lr / bc1) * mv) / (sqrt<f32>(vv * <f32>(1 / bc2)) + <f32>eps));
  }
}

/**
 * One SGD step over n parameters in place (src/cpu/optim.ts's sgd): g' = g + wd p; with a
 * momentum buffer (buf != 0) buf = mu buf + g' (buf = g' on the first step) and g' = buf;
 * then p -= lr g'.
 */
export function sgd(n: i32, p: usize, g: usize, buf: usize, lr: f64, momentum: f64, wd: f64, first: bool): void {
  const WD = f32x4.splat(<f32>wd), LR = f32x4.splat(<f32>lr);
  const MU = f32x4.splat(<f32>momentum);
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const at = <usize>i << 2;
    const pv = v128.load(p + at);
    let gv = f32x4.add(v128.load(g + at), f32x4.mul(WD, pv));
    if (buf) {
      if (!first) gv = f32x4.add(f32x4.mul(MU, v128.load(buf + at)), gv);
      v128.store(buf + at, gv);
    }
    v128.store(p + at, f32x4.sub(pv, f32x4.mul(LR, gv)));
  }
  for (let i = n4; i < n; i++) {
    const at = <usize>i << 2;
    const pv = load<f32>(p + at);
    let gv = load<f32>(g + at) + <f32>wd * pv;
    if (buf) {
      if (!first) gv = <f32>momentum * load<f32>(buf + at) + gv;
      store<f32>(buf + at, gv);
    }
    store<f32>(p + at, pv - <f32>lr * gv);
  }
}

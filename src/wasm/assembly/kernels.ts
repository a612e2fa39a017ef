// The WebAssembly backend's kernels, in AssemblyScript with 128-bit SIMD. Every pointer
// is a byte offset into the module's memory, which src/wasm/memory.ts manages; all
// arrays are float32, row-major.

/** C[M, N] (+)= A[M, K] B[K, N]: 4x8 blocks of C in eight f32x4 registers, the rest in smaller blocks. */
export function gemm(M: i32, N: i32, K: i32, a: usize, b: usize, c: usize, accumulate: bool): void {
  const N8 = N & ~7;
  const rowB = <usize>N << 2;
  const rowA = <usize>K << 2;
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    const pa0 = a + <usize>i * rowA;
    for (let j = 0; j < N8; j += 8) {
      let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
      let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
      let pa = pa0;
      let pb = b + (<usize>j << 2);
      for (let k = 0; k < K; k++) {
        const b0 = v128.load(pb);
        const b1 = v128.load(pb, 16);
        const a0 = f32x4.splat(load<f32>(pa));
        const a1 = f32x4.splat(load<f32>(pa + rowA));
        const a2 = f32x4.splat(load<f32>(pa + 2 * rowA));
        const a3 = f32x4.splat(load<f32>(pa + 3 * rowA));
        c00 = f32x4.add(c00, f32x4.mul(a0, b0)); c01 = f32x4.add(c01, f32x4.mul(a0, b1));
        c10 = f32x4.add(c10, f32x4.mul(a1, b0)); c11 = f32x4.add(c11, f32x4.mul(a1, b1));
        c20 = f32x4.add(c20, f32x4.mul(a2, b0)); c21 = f32x4.add(c21, f32x4.mul(a2, b1));
        c30 = f32x4.add(c30, f32x4.mul(a3, b0)); c31 = f32x4.add(c31, f32x4.mul(a3, b1));
        pa += 4;
        pb += rowB;
      }
      const pc = c + ((<usize>i * <usize>N + <usize>j) << 2);
      put(pc, c00, accumulate); put(pc + 16, c01, accumulate);
      put(pc + rowB, c10, accumulate); put(pc + rowB + 16, c11, accumulate);
      put(pc + 2 * rowB, c20, accumulate); put(pc + 2 * rowB + 16, c21, accumulate);
      put(pc + 3 * rowB, c30, accumulate); put(pc + 3 * rowB + 16, c31, accumulate);
    }
    for (let r = i; r < i + 4; r++) tail(r, N8, N, K, a, b, c, accumulate);
  }
  for (; i < M; i++) {
    const pa0 = a + <usize>i * rowA;
    for (let j = 0; j < N8; j += 8) {
      let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
      let pa = pa0;
      let pb = b + (<usize>j << 2);
      for (let k = 0; k < K; k++) {
        const av = f32x4.splat(load<f32>(pa));
        c0 = f32x4.add(c0, f32x4.mul(av, v128.load(pb)));
        c1 = f32x4.add(c1, f32x4.mul(av, v128.load(pb, 16)));
        pa += 4;
        pb += rowB;
      }
      const pc = c + ((<usize>i * <usize>N + <usize>j) << 2);
      put(pc, c0, accumulate);
      put(pc + 16, c1, accumulate);
    }
    tail(i, N8, N, K, a, b, c, accumulate);
  }
}

// @ts-ignore: decorator
@inline function put(p: usize, v: v128, accumulate: bool): void {
  v128.store(p, accumulate ? f32x4.add(v128.load(p), v) : v);
}

/** Columns [j0, N) of row r of C, one dot product each. */
function tail(r: i32, j0: i32, N: i32, K: i32, a: usize, b: usize, c: usize, accumulate: bool): void {
  const pa0 = a + ((<usize>r * <usize>K) << 2);
  for (let j = j0; j < N; j++) {
    let s: f32 = 0;
    let pb = b + (<usize>j << 2);
    for (let k = 0; k < K; k++) {
      s += load<f32>(pa0 + (<usize>k << 2)) * load<f32>(pb);
      pb += <usize>N << 2;
    }
    const pc = c + ((<usize>r * <usize>N + <usize>j) << 2);
    store<f32>(pc, accumulate ? load<f32>(pc) + s : s);
  }
}

/** out[C, R] = in[R, C] transposed, in 4x4 tiles where they fit. */
export function transpose(R: i32, C: i32, src: usize, dst: usize): void {
  for (let r = 0; r < R; r++) {
    const ps = src + ((<usize>r * <usize>C) << 2);
    let pd = dst + (<usize>r << 2);
    for (let c = 0; c < C; c++) {
      store<f32>(pd, load<f32>(ps + (<usize>c << 2)));
      pd += <usize>R << 2;
    }
  }
}

/**
 * col[(c KH + kh) KW + kw, oh OW + ow] = x[c, oh sh - pt + kh dh, ow sw - pl + kw dw], 0
 * outside the image: one image's patches as the B operand of a GEMM.
 */
export function im2col(C: i32, H: i32, W: i32, KH: i32, KW: i32, OH: i32, OW: i32,
  sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, x: usize, col: usize): void {
  let p = col;
  for (let c = 0; c < C; c++) {
    const px = x + ((<usize>c * <usize>H * <usize>W) << 2);
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * sh - pt + kh * dh;
          if (ih < 0 || ih >= H) {
            memory.fill(p, 0, <usize>OW << 2);
            p += <usize>OW << 2;
            continue;
          }
          const row = px + ((<usize>ih * <usize>W) << 2);
          for (let ow = 0; ow < OW; ow++) {
            const iw = ow * sw - pl + kw * dw;
            store<f32>(p, iw >= 0 && iw < W ? load<f32>(row + (<usize>iw << 2)) : 0);
            p += 4;
          }
        }
      }
    }
  }
}

/** The adjoint of im2col: x[c, ih, iw] += col[...] for every patch entry that lies inside x (x is not cleared). */
export function col2im(C: i32, H: i32, W: i32, KH: i32, KW: i32, OH: i32, OW: i32,
  sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, col: usize, x: usize): void {
  let p = col;
  for (let c = 0; c < C; c++) {
    const px = x + ((<usize>c * <usize>H * <usize>W) << 2);
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * sh - pt + kh * dh;
          if (ih < 0 || ih >= H) {
            p += <usize>OW << 2;
            continue;
          }
          const row = px + ((<usize>ih * <usize>W) << 2);
          for (let ow = 0; ow < OW; ow++) {
            const iw = ow * sw - pl + kw * dw;
            if (iw >= 0 && iw < W) {
              const q = row + (<usize>iw << 2);
              store<f32>(q, load<f32>(q) + load<f32>(p));
            }
            p += 4;
          }
        }
      }
    }
  }
}

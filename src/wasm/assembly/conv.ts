// The convolutions' patch matrices: im2col lays one image's patches out as the B operand
// of a GEMM, col2im adds such a matrix back into an image (the input gradient), and the
// three passes of conv2d split into tasks that threads can take: by image, or for the
// weight gradient (a sum over images) by columns of the result.
import { gemmBlock, gemmScratchBytes, share } from './gemm';
import { activate } from './simd';

/**
 * Rows [r0, r1) of one image's patch matrix, the B operand of a GEMM: col[r - r0, oh OW + ow]
 * = x[c, oh sh - pt + kh dh, ow sw - pl + kw dw] for r = (c KH + kh) KW + kw, 0 outside the image.
 */
export function im2col(C: i32, H: i32, W: i32, KH: i32, KW: i32, OH: i32, OW: i32,
  sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, x: usize, col: usize, r0: i32, r1: i32): void {
  let p = col;
  for (let r = r0; r < r1; r++) {
    const c = r / (KH * KW);
    const kh = (r / KW) % KH;
    const kw = r % KW;
    const px = x + ((<usize>c * <usize>H * <usize>W) << 2);
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

/**
 * Task `task` of `tasks` of the forward pass, y [N, O, OH OW] = act(conv2d(x, w) + bias[o]):
 * its share of the images, each through im2col and W [O, CKK] times the patches [CKK, OH OW].
 * scratch: gemmScratchBytes(), then CKK OH OW floats.
 */
export function convForward(N: i32, C: i32, H: i32, W: i32, O: i32, KH: i32, KW: i32, OH: i32, OW: i32,
  sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, x: usize, w: usize, y: usize, bias: usize, act: i32, alpha: f32,
  task: i32, tasks: i32, scratch: usize): void {
  const P = OH * OW;
  const CKK = C * KH * KW;
  const col = scratch + <usize>gemmScratchBytes();
  for (let n = share(N, task, tasks); n < share(N, task + 1, tasks); n++) {
    im2col(C, H, W, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl, x + (<usize>n * C * H * W << 2), col, 0, CKK);
    gemmBlock(CKK, w, CKK, false, col, P, false, y + (<usize>n * O * P << 2), P, false, bias, true, act, alpha, 0, O, 0, P, scratch);
  }
}

/**
 * Task `task` of `tasks` of the input gradient, dx [N, C, H W] = act(conv2d's input gradient
 * of gy + bias[c]): its share of the images, each Wᵀ [CKK, O] times gy [O, OH OW] (W read
 * transposed where it lies), then col2im into the cleared image and bias + activation.
 * scratch: gemmScratchBytes(), then CKK OH OW floats.
 */
export function convInputGrad(N: i32, C: i32, H: i32, W: i32, O: i32, KH: i32, KW: i32, OH: i32, OW: i32,
  sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, gy: usize, w: usize, dx: usize, bias: usize, act: i32, alpha: f32,
  task: i32, tasks: i32, scratch: usize): void {
  const P = OH * OW;
  const CKK = C * KH * KW;
  const col = scratch + <usize>gemmScratchBytes();
  for (let n = share(N, task, tasks); n < share(N, task + 1, tasks); n++) {
    gemmBlock(O, w, CKK, true, gy + (<usize>n * O * P << 2), P, false, col, P, false, 0, false, 0, 0, 0, CKK, 0, P, scratch);
    const img = dx + (<usize>n * C * H * W << 2);
    memory.fill(img, 0, <usize>C * H * W << 2);
    col2im(C, H, W, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl, col, img);
    biasAct(C, H * W, img, bias, act, alpha);
  }
}

/**
 * Task `task` of `tasks` of the weight gradient, dw [O, CKK] = the sum over images of
 * gy [O, OH OW] times the patches transposed: its share of dw's 8-column tiles, summed over
 * every image in order (only its rows of each patch matrix are built), so no two tasks
 * write the same element. scratch: gemmScratchBytes(), then (CKK / tasks + 8) OH OW floats.
 */
export function convWeightGrad(N: i32, C: i32, H: i32, W: i32, O: i32, KH: i32, KW: i32, OH: i32, OW: i32,
  sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, x: usize, gy: usize, dW: usize,
  task: i32, tasks: i32, scratch: usize): void {
  const P = OH * OW;
  const CKK = C * KH * KW;
  const tiles = (CKK + 7) >> 3;
  const r0 = share(tiles, task, tasks) << 3;
  const r1 = min(CKK, share(tiles, task + 1, tasks) << 3);
  if (r0 >= r1) return;
  const col = scratch + <usize>gemmScratchBytes();
  for (let n = 0; n < N; n++) {
    im2col(C, H, W, KH, KW, OH, OW, sh, sw, dh, dw, pt, pl, x + (<usize>n * C * H * W << 2), col, r0, r1);
    gemmBlock(P, gy + (<usize>n * O * P << 2), P, false, col, P, true, dW + (<usize>r0 << 2), CKK, n > 0, 0, false, 0, 0, 0, O, 0, r1 - r0, scratch);
  }
}

/** m[rows, cols] = act(m + bias[row]) in place (bias 0: none); the last cols % 4 of a row go through the same vector code. */
function biasAct(rows: i32, cols: i32, m: usize, bias: usize, act: i32, alpha: f32): void {
  if (bias == 0 && act == 0) return;
  const cols4 = cols & ~3;
  let p = m;
  for (let r = 0; r < rows; r++) {
    const bv = bias != 0 ? v128.load32_splat(bias + (<usize>r << 2)) : f32x4.splat(0);
    for (let j = 0; j < cols4; j += 4) {
      v128.store(p, activate(act, f32x4.add(v128.load(p), bv), alpha));
      p += 16;
    }
    for (let j = cols4; j < cols; j++) {
      const v = activate(act, f32x4.add(f32x4.splat(load<f32>(p)), bv), alpha);
      store<f32>(p, f32x4.extract_lane(v, 0));
      p += 4;
    }
  }
}

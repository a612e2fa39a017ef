/**
 * 2-D average and max pooling over NCHW input without padding (pool.wgsl, the CPU reference
 * in src/cpu/pool.ts). Max pooling saves the argmax of each window (its position
 * ky * kw + kx, exact in f32) rather than recomputing the maxima in backward: backward then
 * reads one number per covering window instead of rescanning kh * kw inputs for each, and
 * routes the gradient to exactly the element forward picked, ties included.
 */
import * as cpu from '../cpu/pool.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { kernel } from '../gpu/kernel.js';
import { record } from '../autograd/tape.js';
import type { Tensor } from '../tensor.js';
import { arr, backendOf, empty, gs, isGpu, isWasm, ws } from './util.js';

const forwardK = kernel({ shader: 'pool', entry: 'forward' });
const gradK = kernel({ shader: 'pool', entry: 'grad' });
const gradTiledK = kernel({ shader: 'pool', entry: 'gradTiled' });

/** A window or stride size: one number for both dims, or [height, width]. */
export type Size2 = number | readonly [number, number];

type PoolOp = 'avgPool2d' | 'maxPool2d';

function size2(op: PoolOp, what: string, v: Size2): [number, number] {
  const p = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? [v[0], v[1]] : null;
  if (!p || !p.every((d) => Number.isInteger(d) && d > 0)) throw new ValueError(`${op}: ${what} must be a positive integer or two of them [h, w], got ${JSON.stringify(v)}`);
  return p as [number, number];
}

/** The pooling geometry, refusing an input smaller than the window (an empty output). */
function geometry(op: PoolOp, x: Tensor, kernelSize: Size2, stride: Size2): cpu.PoolGeom {
  backendOf(op, x);
  if (x.rank !== 4) throw new ShapeError(`${op}: expected input [N, C, H, W], got ${fmtShape(x.shape)}`);
  const [kh, kw] = size2(op, 'kernel', kernelSize);
  const [sh, sw] = size2(op, 'stride', stride);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  // PyTorch's floor: rows and columns past the last full window are dropped.
  const oh = Math.floor((h - kh) / sh) + 1;
  const ow = Math.floor((w - kw) / sw) + 1;
  if (oh < 1 || ow < 1) {
    throw new ShapeError(`${op}: kernel [${kh},${kw}] does not fit input ${fmtShape(x.shape)} (spatial [${h},${w}]): output size would be [${n},${c},${oh},${ow}]`);
  }
  return { planes: n * c, h, w, oh, ow, kh, kw, sh, sw };
}

/**
 * Forward (src = x) or backward (src = g) of max pooling when `arg` is given, else of
 * average pooling: pool.wgsl, the wasm kernel (src/wasm/assembly/pool.ts) or the CPU reference.
 */
function launch(k: typeof forwardK, p: cpu.PoolGeom, src: Tensor, arg: Tensor | null, out: Tensor): void {
  const b = out.backend;
  if (isWasm(b)) {
    const kern = k === forwardK ? b.k.poolForward : b.k.poolBackward;
    return kern(p.planes, p.h, p.w, p.oh, p.ow, p.kh, p.kw, p.sh, p.sw, ws(src).ptr, ws(out).ptr, arg ? ws(arg).ptr : 0);
  }
  if (!isGpu(b)) return (k === forwardK ? cpu.poolForward : cpu.poolBackward)(arr(src), arr(out), arg && arr(arg), p);
  // Windows that tile the input exactly: a thread per window writes its inputs' gradients.
  const tiled = k === gradK && p.sh === p.kh && p.sw === p.kw && p.oh * p.sh === p.h && p.ow * p.sw === p.w;
  const threads = tiled ? src.size : out.size;
  b.dispatch(tiled ? gradTiledK : k, {
    bindings: { src: gs(src), arg: arg && gs(arg), out: gs(out) },
    params: { n: threads, h: p.h, w: p.w, oh: p.oh, ow: p.ow, kh: p.kh, kw: p.kw, sh: p.sh, sw: p.sw },
    constants: { MAX: arg !== null },
    threads,
  });
}

function pool(op: PoolOp, x: Tensor, kernelSize: Size2, stride: Size2): Tensor {
  const p = geometry(op, x, kernelSize, stride);
  const shape = [x.shape[0]!, x.shape[1]!, p.oh, p.ow];
  const out = empty(shape, x.backend);
  const arg = op === 'maxPool2d' ? empty(shape, x.backend) : null;
  launch(forwardK, p, x, arg, out);
  record(out, op, [x], (g) => {
    const dx = empty(x.shape, x.backend);
    launch(gradK, p, g, arg, dx);
    arg?.dispose();
    return [dx];
  });
  // Not recorded: no backward will read the argmax.
  if (!out.node) arg?.dispose();
  return out;
}

/**
 * Average pooling of x [N, C, H, W] (torch.nn.functional.avg_pool2d without padding):
 *   out[n, c, i, j] = mean of x[n, c, i*sh + ky, j*sw + kx] over ky < kh, kx < kw,
 * output [N, C, floor((H - kh) / sh) + 1, floor((W - kw) / sw) + 1]. `stride` defaults
 * to the kernel. Backward spreads g / (kh * kw) over each window (overlaps add).
 */
export function avgPool2d(x: Tensor, kernelSize: Size2, stride: Size2 = kernelSize): Tensor {
  return pool('avgPool2d', x, kernelSize, stride);
}

/**
 * Max pooling of x [N, C, H, W] (torch.nn.functional.max_pool2d without padding):
 *   out[n, c, i, j] = max of x[n, c, i*sh + ky, j*sw + kx] over ky < kh, kx < kw,
 * same output size as avgPool2d. Backward routes each output's gradient to its window's
 * argmax, the first maximum in row-major scan order on ties (on both backends).
 */
export function maxPool2d(x: Tensor, kernelSize: Size2, stride: Size2 = kernelSize): Tensor {
  return pool('maxPool2d', x, kernelSize, stride);
}

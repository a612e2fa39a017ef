/** Sum and mean over axes (reduce.wgsl), and sumTo, the reduction behind broadcasting's backward. */
import * as cpu from '../cpu/reduce.js';
import { ShapeError, fmtShape } from '../errors.js';
import { kernel } from '../gpu/kernel.js';
import { treeKernels } from './tree-size.js';
import { record } from '../autograd/tape.js';
import type { Tensor } from '../tensor.js';
import { expand } from './broadcast.js';
import { unary } from './unary.js';
import { arr, backendOf, empty, gs, isGpu, isWasm, pad8, sameShape, strides, ws, type Shape } from './util.js';
import * as wasm from '../wasm/ops.js';

const treeK = treeKernels({ shader: 'reduce' });
const wideK = kernel({ shader: 'reduce', entry: 'wide' });

/** Outputs from which one thread per output beats one workgroup per output. */
export const WIDE_REDUCE_OUTPUTS = 256;
/**
 * Reductions this short go one thread per output whatever the output count: a workgroup's
 * barrier tree costs more than a thread's short loop (a bias gradient over a batch of 64,
 * a loss's mean). On SwiftShader, the MLP GAN's 10 tree reductions of 1 to 128 outputs
 * took 147 ms of a 364 ms iteration (bench --profile).
 */
export const WIDE_REDUCE_MAX_LOOP = 1024;

function normAxes(op: string, shape: Shape, axes: number | readonly number[] | undefined): Set<number> {
  if (axes === undefined) return new Set(shape.map((_, i) => i));
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = new Set<number>();
  for (const a of list) {
    if (!Number.isInteger(a) || a < -shape.length || a >= shape.length) throw new ShapeError(`${op}: axis ${a} is out of range for shape ${fmtShape(shape)}`);
    const n = a < 0 ? a + shape.length : a;
    if (out.has(n)) throw new ShapeError(`${op}: axis ${a} is repeated`);
    out.add(n);
  }
  return out;
}

/** Merges runs of kept and of reduced dims into the plan the kernel walks. */
function makePlan(shape: Shape, axes: Set<number>): cpu.ReducePlan {
  const st = strides(shape);
  const p: cpu.ReducePlan = { outSize: 1, redSize: 1, kshape: [], kstride: [], rshape: [], rstride: [] };
  let prev: boolean | null = null;
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const red = axes.has(d);
    const [sh, sd] = red ? [p.rshape, p.rstride] : [p.kshape, p.kstride];
    if (prev === red) {
      sh[sh.length - 1]! *= shape[d]!;
      sd[sd.length - 1] = st[d]!;
    } else {
      sh.push(shape[d]!);
      sd.push(st[d]!);
    }
    prev = red;
    if (red) p.redSize *= shape[d]!;
    else p.outSize *= shape[d]!;
  }
  return p;
}

/** The sum (times 1/count for a mean) of `x` over `axes`, kept as size-1 dims; not recorded. */
function reduceRaw(op: string, x: Tensor, axes: Set<number>, mean: boolean): Tensor {
  const b = backendOf(op, x);
  const p = makePlan(x.shape, axes);
  const scale = mean ? 1 / p.redSize : 1;
  const out = empty(x.shape.map((d, i) => (axes.has(i) ? 1 : d)), b);
  if (isGpu(b)) {
    const wide = p.outSize >= WIDE_REDUCE_OUTPUTS || p.redSize <= WIDE_REDUCE_MAX_LOOP;
    const k = wide ? wideK : treeK(p.redSize);
    // `main`'s threads sum whole runs of the innermost reduced dim when each gets one.
    const inner = p.rshape.at(-1) ?? 1;
    const run = p.redSize / inner >= k.workgroupSize! ? inner : 1;
    b.dispatch(k, {
      bindings: { x: gs(x), out: gs(out) },
      params: {
        outSize: p.outSize, redSize: p.redSize, krank: p.kshape.length, rrank: p.rshape.length, run, scale,
        kshape: pad8(p.kshape), kstride: pad8(p.kstride), rshape: pad8(p.rshape), rstride: pad8(p.rstride),
      },
      // `main` gives each output a workgroup of WG threads; `wide` each output a thread.
      threads: wide ? p.outSize : p.outSize * k.workgroupSize!,
    });
  } else if (isWasm(b)) {
    wasm.reduce(b, ws(x), ws(out), p, scale);
  } else {
    cpu.reduce(arr(x), arr(out), p, scale);
  }
  return out;
}

function reduce(op: 'sum' | 'mean', x: Tensor, axes: Set<number>, keepDims: boolean): Tensor {
  const kept = reduceRaw(op, x, axes, op === 'mean');
  const keptShape = kept.shape;
  const out = keepDims ? kept : kept.viewAs(x.shape.filter((_, i) => !axes.has(i)));
  if (out !== kept) kept.dispose();
  return record(out, op, [x], (g) => {
    const gk = g.viewAs(keptShape);
    // x.size / out.size is the count each output summed, so this is reduceRaw's 1 / count.
    const scaled = op === 'mean' ? unary('mulScalar', gk, 1 / (x.size / out.size)) : gk;
    const full = expand(scaled, x.shape);
    if (scaled !== gk) scaled.dispose();
    gk.dispose();
    return [full];
  });
}

/** Sum over `axes` (all when omitted); `keepDims` keeps them as size 1 (torch.sum). */
export function sum(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  return reduce('sum', x, normAxes('sum', x.shape, axes), keepDims);
}

/** Mean over `axes` (all when omitted); `keepDims` keeps them as size 1 (torch.mean). */
export function mean(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  return reduce('mean', x, normAxes('mean', x.shape, axes), keepDims);
}

/**
 * Sums `x` down to `shape` (the broadcasting it came from); a view when nothing needs summing.
 * Used by backward rules, so it does not record.
 */
export function sumTo(x: Tensor, shape: Shape): Tensor {
  if (sameShape(x.shape, shape)) return x.viewAs(shape);
  const off = x.shape.length - shape.length;
  const axes = new Set<number>();
  x.shape.forEach((d, i) => {
    if (i < off || (shape[i - off] === 1 && d !== 1)) axes.add(i);
  });
  const r = reduceRaw('sumTo', x, axes, false);
  const v = r.viewAs(shape);
  r.dispose();
  return v;
}

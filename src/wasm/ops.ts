/**
 * The wasm kernels that need more than a call: matmul and the three convolution passes,
 * each one kernel of src/wasm/assembly/ (the GEMM reads transposed operands where they lie
 * and applies bias and activation as it writes C), cut into tasks for the backend's
 * threads when the work is large enough to pay for waking them (a task is a fixed share
 * of the output, computed by the same instructions whichever thread takes it, so the
 * thread count never changes a number); the optimizer steps; and the plans that map a
 * broadcast or a reduction onto a kernel, or say that none fits. The other ops call their
 * kernel directly (`backend.k`).
 */
import { ACTIVATIONS, type Activation } from '../cpu/activations.js';
import type { ConvGeometry } from '../cpu/conv.js';
import type { Broadcast } from '../cpu/elementwise.js';
import type { ReducePlan } from '../cpu/reduce.js';
import type { AdamArgs, SgdArgs } from '../cpu/optim.js';
import type { WasmBackend } from './backend.js';
import type { WasmStorage } from './heap.js';

/** The activation's code in the kernels: its position in ACTIVATIONS (simd.ts's ACT_ constants). */
const actCode = (act: Activation): number => ACTIVATIONS.indexOf(act);

/**
 * Tasks per thread when the work allows: threads claim them one at a time, so a thread that
 * the OS preempts holds up only a small piece while the others take the rest.
 */
const TASKS_PER_THREAD = 4;

/** How many tasks `macs` multiply-adds of work split into on this backend, at most `most`. */
function taskCount(w: WasmBackend, macs: number, most: number): number {
  if (w.threads === 1) return 1;
  return Math.max(1, Math.min(w.threads * TASKS_PER_THREAD, most, w.minTaskMacs > 0 ? Math.floor(macs / w.minTaskMacs) : Infinity));
}

/** c [M, N] = act(op(a) op(b) + bias[N]), a stored [K, M] when transA, b stored [N, K] when transB. */
export function matmul(w: WasmBackend, a: WasmStorage, b: WasmStorage, c: WasmStorage, M: number, N: number, K: number,
  transA: boolean, transB: boolean, bias: WasmStorage | null, act: Activation, alpha: number): void {
  // Split C by its 8-column tiles (each task packs only its own columns of B) unless there are too few of them.
  const colTiles = Math.ceil(N / 8);
  const rowTiles = Math.ceil(M / 4);
  const splitRows = colTiles < 2 * w.threads * TASKS_PER_THREAD && rowTiles > colTiles;
  const tasks = taskCount(w, M * N * K, splitRows ? rowTiles : colTiles);
  w.parallel('gemm', [M, N, K, a.ptr, transA ? M : K, +transA, b.ptr, transB ? K : N, +transB, c.ptr, N, 0,
    bias?.ptr ?? 0, 0, actCode(act), alpha, +splitRows], tasks);
}

/** Tasks of a conv pass split by image: one per image, up to this many (a job counts its tasks in 16 bits). */
const MAX_IMAGE_TASKS = 1024;

const geom = (g: ConvGeometry): number[] => [g.N, g.C, g.H, g.W, g.O, g.KH, g.KW, g.OH, g.OW, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl];

/** y [N, O, OH, OW] = act(conv2d(x, w) + bias[o]): a task per image, W [O, CKK] times its patches [CKK, OH OW]. */
export function convForward(k: WasmBackend, x: WasmStorage, wt: WasmStorage, y: WasmStorage, g: ConvGeometry, bias: WasmStorage | null, act: Activation, alpha: number): void {
  const P = g.OH * g.OW;
  const CKK = g.C * g.KH * g.KW;
  const tasks = taskCount(k, g.N * g.O * P * CKK, g.N) > 1 ? Math.min(g.N, MAX_IMAGE_TASKS) : 1;
  k.parallel('convForward', [...geom(g), x.ptr, wt.ptr, y.ptr, bias?.ptr ?? 0, actCode(act), alpha], tasks, CKK * P * 4);
}

/** dx [N, C, H, W] = act(conv2d's input gradient of gy + bias[c]): a task per image, Wᵀ [CKK, O] times gy [O, OH OW], then col2im. */
export function convInputGrad(k: WasmBackend, gy: WasmStorage, wt: WasmStorage, dx: WasmStorage, g: ConvGeometry, bias: WasmStorage | null, act: Activation, alpha: number): void {
  const P = g.OH * g.OW;
  const CKK = g.C * g.KH * g.KW;
  const tasks = taskCount(k, g.N * g.O * P * CKK, g.N) > 1 ? Math.min(g.N, MAX_IMAGE_TASKS) : 1;
  k.parallel('convInputGrad', [...geom(g), gy.ptr, wt.ptr, dx.ptr, bias?.ptr ?? 0, actCode(act), alpha], tasks, CKK * P * 4);
}

/** dw [O, C, KH, KW] = sum over images of gy [O, OH OW] times the patches transposed [OH OW, CKK]: a task per run of dw's columns. */
export function convWeightGrad(k: WasmBackend, x: WasmStorage, gy: WasmStorage, dw: WasmStorage, g: ConvGeometry): void {
  if (g.N === 0) {
    dw.data.fill(0);
    return;
  }
  const P = g.OH * g.OW;
  const CKK = g.C * g.KH * g.KW;
  const tiles = Math.ceil(CKK / 8);
  const tasks = taskCount(k, g.N * g.O * P * CKK, tiles);
  // A task builds only its rows of each patch matrix: at most ceil(tiles / tasks) tiles of 8.
  k.parallel('convWeightGrad', [...geom(g), x.ptr, gy.ptr, dw.ptr], tasks, Math.ceil(tiles / tasks) * 8 * P * 4);
}

/** One Adam step in place over n parameters (optim.ts's kernel; the CPU reference's formula in float32). */
export function adam(w: WasmBackend, p: WasmStorage, g: WasmStorage, m: WasmStorage, v: WasmStorage, n: number, a: AdamArgs): void {
  w.k.adam(n, p.ptr, g.ptr, m.ptr, v.ptr, a.lr, a.beta1, a.beta2, a.eps, a.wd, a.bc1, a.bc2);
}

/** One SGD step in place over n parameters, with momentum when `buf` is given (optim.ts's kernel). */
export function sgd(w: WasmBackend, p: WasmStorage, g: WasmStorage, buf: WasmStorage | null, n: number, a: SgdArgs): void {
  w.k.sgd(n, p.ptr, g.ptr, buf?.ptr ?? 0, a.lr, a.momentum, a.wd, a.first);
}

/** A broadcast's dims after dropping those of size 1 and merging those contiguous in both inputs: [size, a's stride, b's stride]. */
function mergedDims(bc: Broadcast | null, n: number): [n: number, sa: number, sb: number][] {
  if (!bc) return [[n, 1, 1]];
  const dims: [n: number, sa: number, sb: number][] = [];
  bc.shape.forEach((d, i) => {
    if (d === 1) return;
    const last = dims.at(-1);
    const [sa, sb] = [bc.sa[i]!, bc.sb[i]!];
    if (last && last[1] === sa * d && last[2] === sb * d) dims[dims.length - 1] = [last[0] * d, sa, sb];
    else dims.push([d, sa, sb]);
  });
  return dims;
}

/**
 * out = op(a, b) over n outputs broadcast as `bc` says (null: same shapes), or with `g`
 * given, out = g * d op / d side: binary.ts's kernel (op code `op`) on [rows, cols] blocks.
 * A block is the last two merged dims when the last one runs along both inputs or is
 * broadcast (stride 1 or 0: a bias over rows, a [N, 1] column, a scalar), else the last
 * dim alone as rows of one column (a transposing copy); the dims before are a loop here,
 * one call per block (a [1, C, 1, 1] scale over [N, C, H, W]: N calls of C x HW).
 */
export function binary(w: WasmBackend, op: number, side: number, a: WasmStorage, b: WasmStorage, g: WasmStorage | null, out: WasmStorage, n: number, bc: Broadcast | null): void {
  const dims = mergedDims(bc, n);
  const [cols, ca, cb] = dims.at(-1) ?? [1, 0, 0];
  const vector = (ca === 0 || ca === 1) && (cb === 0 || cb === 1);
  const outer = dims.slice(0, vector ? -2 : -1);
  const [rows, ra, rb] = vector ? (dims.length >= 2 ? dims.at(-2)! : [1, 0, 0]) : [cols, ca, cb];
  const block = vector ? rows * cols : rows;
  const blocks = outer.reduce((p, d) => p * d[0], 1);
  for (let o = 0; o < blocks; o++) {
    let rem = o;
    let offA = 0;
    let offB = 0;
    for (let d = outer.length - 1; d >= 0; d--) {
      const [m, sa, sb] = outer[d]!;
      const i = rem % m;
      rem = (rem - i) / m;
      offA += i * sa;
      offB += i * sb;
    }
    const at = o * block * 4;
    w.k.binary(op, side, rows, vector ? cols : 1, a.ptr + offA * 4, ra, vector && ca === 0, b.ptr + offB * 4, rb, vector && cb === 0,
      g ? g.ptr + at : 0, out.ptr + at);
  }
}

/** Element offsets of each index of `shape` (row-major) through `stride`, as an int32 table in the heap; release it with `w.heap.release`. */
function offsetTable(w: WasmBackend, count: number, shape: readonly number[], stride: readonly number[]): number {
  const at = w.heap.alloc(count * 4);
  const t = new Int32Array(w.heap.memory.buffer, at, count);
  const idx = new Array<number>(shape.length).fill(0);
  let off = 0;
  for (let i = 0; i < count; i++) {
    t[i] = off;
    // Next index, last dim fastest.
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d]!++;
      off += stride[d]!;
      if (idx[d]! < shape[d]!) break;
      off -= idx[d]! * stride[d]!;
      idx[d] = 0;
    }
  }
  return at;
}

/**
 * out = scale * the sum of x over the reduced dims of plan `p`: a row sum (the reduced dims
 * trailing), a column sum (leading), or any other plan through offset tables (reduced dims
 * in the middle, as batchnorm's over [N, C, H, W] but C).
 */
export function reduce(w: WasmBackend, x: WasmStorage, out: WasmStorage, p: ReducePlan, scale: number): void {
  if (p.rshape.length <= 1 && p.kshape.length <= 1) {
    if (p.rshape.length === 0 || (p.rstride[0] === 1 && (p.kshape.length === 0 || p.kstride[0] === p.redSize))) {
      w.k.sumRows(p.outSize, p.redSize, x.ptr, out.ptr, scale);
      return;
    }
    if (p.kshape.length === 1 && p.kstride[0] === 1 && p.rstride[0] === p.outSize) {
      w.k.sumColumns(p.outSize, p.redSize, x.ptr, out.ptr, scale);
      return;
    }
  }
  const koff = offsetTable(w, p.outSize, p.kshape, p.kstride);
  const roff = offsetTable(w, p.redSize, p.rshape, p.rstride);
  try {
    w.k.sumGathered(p.outSize, p.redSize, x.ptr, koff, roff, out.ptr, scale);
  } finally {
    w.heap.release(roff, p.redSize * 4);
    w.heap.release(koff, p.outSize * 4);
  }
}

/**
 * matmul: C = act(op(A) op(B) + bias) with op() a transpose done in the kernel's read
 * accessors, and bias + activation fused into the write epilogue (matmul.wgsl).
 */
import { ACTIVATIONS, type Activation } from '../cpu/activations.js';
import * as cpu from '../cpu/matmul.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { kernel, opCodes } from '../gpu/kernel.js';
import { record } from '../autograd/tape.js';
import type { Tensor } from '../tensor.js';
import { SQUARE_TILES, gemmTile, squareTile, type SquareTileSize } from './gemm-tile.js';
import { sum } from './reduce.js';
import { unaryGrad } from './unary.js';
import { arr, backendOf, empty, gs, isGpu, isWasm, ws } from './util.js';
import * as wasm from '../wasm/ops.js';

export type { Activation } from '../cpu/activations.js';

export interface MatmulOptions {
  /** Read A as its transpose: A is stored [K, M]. */
  transA?: boolean;
  /** Read B as its transpose: B is stored [N, K] (a Linear layer's [out, in] weight). */
  transB?: boolean;
  /** Added to every row: shape [N]. */
  bias?: Tensor | null;
  activation?: Activation;
  /** Slope of leakyRelu for x < 0, in [0, 1). */
  alpha?: number;
  /** WebGPU workgroup tile (BM = BN); chosen from the output size when omitted. */
  tile?: SquareTileSize;
}

const matmulK = kernel({ shader: 'matmul' });
/** ACT override values: positions in ACTIVATIONS, the arms of `activate` in lib/activations.wgsl. */
export const ACT_CODE = opCodes(ACTIVATIONS);

/** Checks a fused epilogue's activation and leakyRelu slope (matmul's, the convolutions'). */
export function checkActivation(op: string, activation: Activation, alpha: number): void {
  if (!Object.hasOwn(ACT_CODE, activation)) throw new ValueError(`${op}: unknown activation ${JSON.stringify(activation)}`);
  if (activation === 'leakyRelu' && !(alpha >= 0 && alpha < 1)) throw new ValueError(`${op}: leakyRelu alpha must be in [0, 1), got ${alpha}`);
}

/** [M, K, N] of op(A) op(B), or a ShapeError naming both shapes. */
export function matmulShape(a: Tensor, b: Tensor, transA: boolean, transB: boolean): [number, number, number] {
  if (a.rank !== 2 || b.rank !== 2) throw new ShapeError(`matmul: both operands must be 2-D, got ${fmtShape(a.shape)} x ${fmtShape(b.shape)}`);
  const [M, K] = transA ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
  const [K2, N] = transB ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
  if (K !== K2) {
    const ta = transA ? 'ᵀ' : '';
    const tb = transB ? 'ᵀ' : '';
    throw new ShapeError(`matmul: inner dimensions differ: ${fmtShape(a.shape)}${ta} x ${fmtShape(b.shape)}${tb} (${K} vs ${K2})`);
  }
  return [M, K, N];
}

/** C[M,N] = act(op(A)[M,K] op(B)[K,N] + bias[N]). */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const { transA = false, transB = false, bias = null, activation = 'none', alpha = 0 } = opts;
  const bk = backendOf('matmul', a, b, ...(bias ? [bias] : []));
  const [M, K, N] = matmulShape(a, b, transA, transB);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== N)) throw new ShapeError(`matmul: bias must have shape [${N}], got ${fmtShape(bias.shape)}`);
  checkActivation('matmul', activation, alpha);
  if (opts.tile !== undefined && !SQUARE_TILES.includes(opts.tile)) throw new ValueError(`matmul: tile must be ${SQUARE_TILES.slice(0, -1).join(', ')} or ${SQUARE_TILES.at(-1)}, got ${opts.tile}`);
  const out = empty([M, N], bk);
  if (isGpu(bk)) {
    gpuMatmul(a, b, out, [M, N, K], { transA, transB, bias, act: activation, alpha, tile: opts.tile });
  } else if (isWasm(bk)) {
    wasm.matmul(bk, ws(a), ws(b), ws(out), M, N, K, transA, transB, bias && ws(bias), activation, alpha);
  } else {
    cpu.matmul(arr(a), arr(b), arr(out), M, N, K, transA, transB, bias && arr(bias), activation, alpha);
  }
  const inputs = bias ? [a, b, bias] : [a, b];
  return record(out, 'matmul', inputs, (g) => {
    if (isGpu(bk)) return gpuBackward(a, b, bias, out, g, [M, N, K], transA, transB, activation, alpha);
    // The activation's derivative is read from the output, so the pre-activation is never stored.
    const gp = activation === 'none' ? g : unaryGrad(activation, null, out, g, alpha);
    const dA = !a.requiresGrad ? null
      : transA ? matmul(b, gp, { transA: transB, transB: true })
      : matmul(gp, b, { transB: !transB });
    const dB = !b.requiresGrad ? null
      : transB ? matmul(gp, a, { transA: true, transB: transA })
      : matmul(a, gp, { transA: !transA });
    const dBias = bias?.requiresGrad ? sum(gp, 0) : null;
    if (gp !== g) gp.dispose();
    return bias ? [dA, dB, dBias] : [dA, dB];
  });
}

/** What a backward GEMM does with its gradient operand g: undo the layer's activation as it reads g, and sum it. */
interface GradOperand {
  /** Which operand is g. */
  of: 'a' | 'b';
  /** The layer's output, stored like g: act'(y) scales g ('none': g as it is). */
  y: Tensor;
  act: Activation;
  /** Gets g's sums over k (op(A)'s rows, op(B)'s columns): the bias gradient. */
  sums: Tensor | null;
}

interface GpuMatmulOptions {
  transA: boolean;
  transB: boolean;
  bias: Tensor | null;
  act: Activation;
  alpha: number;
  tile?: SquareTileSize;
  grad?: GradOperand;
}

/** One dispatch of matmul.wgsl: out[M, N] = act(op(a) op(b) + bias), or a backward GEMM with its fusions. */
function gpuMatmul(a: Tensor, b: Tensor, out: Tensor, [M, N, K]: [number, number, number], o: GpuMatmulOptions): void {
  const bk = out.backend;
  if (!isGpu(bk)) throw new Error('gpuMatmul: not a WebGPU tensor');
  const t = o.tile ? squareTile(o.tile) : gemmTile(M, N);
  const g = o.grad;
  bk.dispatch(matmulK, {
    bindings: { a: gs(a), b: gs(b), bias: o.bias && gs(o.bias), c: gs(out), y: g && g.act !== 'none' ? gs(g.y) : null, sums: g?.sums ? gs(g.sums) : null },
    params: { M, N, K, alpha: o.alpha },
    constants: {
      TRANS_A: o.transA, TRANS_B: o.transB, HAS_BIAS: o.bias !== null, ACT: ACT_CODE[o.act], TX: t.TX, TY: t.TY, WIDE: t.WIDE,
      GRAD_ACT: g ? ACT_CODE[g.act] : 0, GRAD_B: g?.of === 'b', SUM_A: g?.of === 'a' && g.sums !== null, SUM_B: g?.of === 'b' && g.sums !== null,
    },
    workgroups: [Math.ceil(N / t.BN), Math.ceil(M / t.BM)],
  });
}

/**
 * gpuBackward makes g * act'(y) once (one more dispatch) where the two GEMMs would undo the
 * activation for each element of g at least this many times between them: once per tile
 * that stages it. In the MLP GAN, D's first layer's weight gradient (784 x 128, thirteen
 * column tiles over g) went 11.2 -> 9.6-9.9 ms and an iteration's GPU time 61.0-64.5 ->
 * 58.5-60.2 ms (Chromium, SwiftShader, profiled runs). A test lowers it to take every case.
 */
export const MATMUL_LIMITS = { undoOnceAt: 3 };

/**
 * matmul's backward on WebGPU in two dispatches: each GEMM reads the incoming gradient
 * through the activation's derivative (so g * act'(y) is never written; or in three, with
 * it written once, per MATMUL_LIMITS), and the weight-gradient GEMM also sums it into the
 * bias gradient. The numbers are those of the unfused path: the same products, and the bias
 * sums in the same order as reduce.wgsl's.
 */
function gpuBackward(a: Tensor, b: Tensor, bias: Tensor | null, y: Tensor, g: Tensor, [M, N, K]: [number, number, number],
  transA: boolean, transB: boolean, act: Activation, alpha: number): (Tensor | null)[] {
  const bk = y.backend;
  // Where the GEMMs would undo the activation for the same element of g several times (once
  // per tile that stages it), g * act'(y) is made once instead.
  let undos = 0;
  if (a.requiresGrad) undos += transA ? Math.ceil(K / gemmTile(K, M).BM) : Math.ceil(K / gemmTile(M, K).BN);
  if (b.requiresGrad) undos += transB ? Math.ceil(K / gemmTile(N, K).BN) : Math.ceil(K / gemmTile(K, N).BM);
  if (act !== 'none' && undos >= MATMUL_LIMITS.undoOnceAt) {
    const gp = unaryGrad(act, null, y, g, alpha);
    const out = gpuBackward(a, b, bias, gp, gp, [M, N, K], transA, transB, 'none', alpha);
    gp.dispose();
    return out;
  }
  const plain = { bias: null, act: 'none', alpha } as const;
  const wantBias = bias?.requiresGrad === true;
  // The bias sums ride on the dB GEMM; without one (B frozen), g * act'(y) is made and summed.
  let dBias: Tensor | null = null;
  if (wantBias && !b.requiresGrad) {
    const gp = act === 'none' ? g : unaryGrad(act, null, y, g, alpha);
    dBias = sum(gp, 0);
    if (gp !== g) gp.dispose();
  } else if (wantBias) {
    dBias = empty([N], bk);
  }
  let dA: Tensor | null = null;
  if (a.requiresGrad) {
    dA = empty(transA ? [K, M] : [M, K], bk);
    if (transA) gpuMatmul(b, g, dA, [K, M, N], { ...plain, transA: transB, transB: true, grad: { of: 'b', y, act, sums: null } });
    else gpuMatmul(g, b, dA, [M, K, N], { ...plain, transA: false, transB: !transB, grad: { of: 'a', y, act, sums: null } });
  }
  let dB: Tensor | null = null;
  if (b.requiresGrad) {
    dB = empty(transB ? [N, K] : [K, N], bk);
    const sums = wantBias ? dBias : null;
    if (transB) gpuMatmul(g, a, dB, [N, K, M], { ...plain, transA: true, transB: transA, grad: { of: 'a', y, act, sums } });
    else gpuMatmul(a, g, dB, [K, N, M], { ...plain, transA: !transA, transB: false, grad: { of: 'b', y, act, sums } });
  }
  return bias ? [dA, dB, dBias] : [dA, dB];
}

/**
 * The three passes of a 2-D convolution, each an implicit GEMM on the GPU (the tiled loop
 * of lib/gemm.wgsl with the im2col indexing in the accessors, no patch matrix in memory)
 * and a plain loop nest on the CPU (src/cpu/conv.ts). Raw: nothing here is recorded;
 * conv.ts composes them into conv2d and convTranspose2d and their backward rules.
 */
import type { Activation } from '../cpu/activations.js';
import * as cpu from '../cpu/conv.js';
import type { ConvGeometry } from '../cpu/conv.js';
import { ShapeError } from '../errors.js';
import { kernel } from '../gpu/kernel.js';
import { grid, type GpuRuntime } from '../gpu/runtime.js';
import type { Tensor } from '../tensor.js';
import { BK, gemmTile } from './gemm-tile.js';
import { ACT_CODE } from './matmul.js';
import { arr, empty, gs, isGpu, isWasm, ws } from './util.js';
import * as wasm from '../wasm/ops.js';

const forwardK = kernel({ shader: 'conv2d' });
const inputGradK = kernel({ shader: 'conv2d_dx' });
const inputGradDirectK = kernel({ shader: 'conv2d_dx_direct', workgroupSize: 64 });
const weightGradK = kernel({ shader: 'conv2d_dw' });
const weightGradDirectK = kernel({ shader: 'conv2d_dw_direct', workgroupSize: 64 });
const splitSumK = kernel({ shader: 'splitk_sum' });

/**
 * maxGroups: workgroups one dispatch may have along x (WebGPU's default limit); a batch
 * whose column tiles pass it is dispatched in chunks of images. directMaxC: input gradients
 * of at most this many channels go to conv2d_dx_direct.wgsl; dwDirectMaxO: weight gradients
 * of at most this many output channels to conv2d_dw_direct.wgsl. Tests change them to send
 * every case down each path.
 */
export const CONV_LIMITS = { maxGroups: 65535, directMaxC: 8, dwDirectMaxO: 8 };

/**
 * The weight gradient splits its long K until about this many workgroups run... On a CPU
 * adapter 32: its cores are busy with any 32 tiles, and a split only adds partial sums to
 * write and add up (SwiftShader, Dawn in Node: convT 256→128's weight gradient at batch 64,
 * 2 splits → 1, 268-279 → 229 ms; 128→64 at batch 16, 2 → 1, 75-78 → 68-69). A GPU's
 * hundreds of cores want 128 (not measured here: no GPU).
 */
const TARGET_GROUPS = { gpu: 128, cpu: 32 };
/** ...but never into chunks shorter than this. */
const MIN_CHUNK = 256;
/** Pixels of a phase row per thread in conv2d_dx_direct.wgsl (its RUN). */
const DIRECT_RUN = 8;
/** Channels per thread in conv2d_dx_direct.wgsl at most (its CB; acc holds 8 channels' runs). */
const DIRECT_MAX_CB = 8;
/** Output channels per thread in conv2d_dw_direct.wgsl at most (its OB; acc holds 8 channels' taps). */
const DW_DIRECT_MAX_OB = 8;
/** Taps along a kernel row that conv2d_dw_direct.wgsl's window holds (two vec4s). */
const DW_DIRECT_MAX_KW = 8;
/** Threads conv2d_dw_direct.wgsl aims for (its chunks of rows: fewer threads, fewer partial sums). */
const DW_DIRECT_THREADS = { gpu: 16384, cpu: 1024 };

/** Channels a direct kernel's thread computes: the next power of two at least `n`, at most `max`. */
function channelBlock(n: number, max: number): number {
  return Math.min(max, 2 ** Math.ceil(Math.log2(n)));
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** The `params` uniform of lib/conv.wgsl. */
function geomParams(g: ConvGeometry, more: Record<string, number>): Record<string, number> {
  const { C, H, W, O, OH, OW, KH, KW, sh, sw, dh, dw, pt, pl } = g;
  return { batch: g.N, n0: 0, C, H, W, O, OH, OW, KH, KW, sh, sw, dh, dw, pt, pl, ...more };
}

/** Runs `fn(n0, batch)` over chunks of images whose `perImage` columns each fit one dispatch of BN-wide tiles. */
function overBatch(op: string, N: number, perImage: number, BN: number, fn: (n0: number, batch: number) => void): void {
  const chunk = Math.floor((CONV_LIMITS.maxGroups * BN) / perImage);
  if (chunk < 1) throw new ShapeError(`${op}: one image has ${perImage} output positions, more than one dispatch covers (${CONV_LIMITS.maxGroups * BN})`);
  for (let n0 = 0; n0 < N; n0 += chunk) fn(n0, Math.min(chunk, N - n0));
}

/**
 * y [N, O, OH, OW] = act(conv2d(x, w) + bias[o]): the GEMM M = O, N = N*OH*OW,
 * K = C*KH*KW (conv2d.wgsl). conv2d's forward, convTranspose2d's input gradient.
 */
export function convForward(x: Tensor, w: Tensor, g: ConvGeometry, bias: Tensor | null, act: Activation, alpha: number): Tensor {
  const b = x.backend;
  const y = empty([g.N, g.O, g.OH, g.OW], b);
  if (isGpu(b)) {
    const perImage = g.OH * g.OW;
    const t = gemmTile(g.O, g.N * perImage);
    overBatch('conv2d', g.N, perImage, t.BN, (n0, batch) => b.dispatch(forwardK, {
      bindings: { x: gs(x), w: gs(w), bias: bias && gs(bias), y: gs(y) },
      params: geomParams(g, { n0, batch, alpha }),
      constants: { HAS_BIAS: bias !== null, ACT: ACT_CODE[act], TX: t.TX, TY: t.TY, WIDE: t.WIDE },
      workgroups: [Math.ceil((batch * perImage) / t.BN), Math.ceil(g.O / t.BM)],
    }));
  } else if (isWasm(b)) {
    wasm.convForward(b, ws(x), ws(w), ws(y), g, bias && ws(bias), act, alpha);
  } else {
    cpu.convForward(arr(x), arr(w), arr(y), g, bias && arr(bias), act, alpha);
  }
  return y;
}

/**
 * dx [N, C, H, W] = act(conv2d's input gradient of gy + bias[c]): one GEMM per stride
 * phase (workgroup z), M = C, N = N*ceil(H/sh)*ceil(W/sw) at most, K = O * the phase's
 * taps (conv2d_dx.wgsl). conv2d's input gradient, convTranspose2d's forward.
 */
export function convInputGrad(gy: Tensor, w: Tensor, g: ConvGeometry, bias: Tensor | null, act: Activation, alpha: number): Tensor {
  const b = gy.backend;
  const dx = empty([g.N, g.C, g.H, g.W], b);
  const steps = { steph: g.sh / gcd(g.sh, g.dh), stepw: g.sw / gcd(g.sw, g.dw) };
  if (isGpu(b) && g.C <= CONV_LIMITS.directMaxC) {
    // Few rows: conv2d_dx_direct.wgsl, a thread per run of 8 pixels of a phase row in CB
    // channels, a phase per workgroup z.
    const CB = channelBlock(g.C, DIRECT_MAX_CB);
    const perPhase = g.N * Math.ceil(g.C / CB) * Math.ceil(g.H / g.sh) * Math.ceil(Math.ceil(g.W / g.sw) / DIRECT_RUN);
    const [gx, gyN] = grid(Math.ceil(perPhase / inputGradDirectK.workgroupSize!));
    b.dispatch(inputGradDirectK, {
      bindings: { gy: gs(gy), w: gs(w), bias: bias && gs(bias), dx: gs(dx) },
      params: geomParams(g, { alpha, ...steps }),
      constants: { HAS_BIAS: bias !== null, ACT: ACT_CODE[act], CB },
      workgroups: [gx, gyN, g.sh * g.sw],
    });
  } else if (isGpu(b)) {
    const perImage = Math.ceil(g.H / g.sh) * Math.ceil(g.W / g.sw);
    const t = gemmTile(g.C, g.N * perImage);
    overBatch('conv2d input gradient', g.N, perImage, t.BN, (n0, batch) => b.dispatch(inputGradK, {
      bindings: { gy: gs(gy), w: gs(w), bias: bias && gs(bias), dx: gs(dx) },
      params: geomParams(g, { n0, batch, alpha, ...steps }),
      constants: { HAS_BIAS: bias !== null, ACT: ACT_CODE[act], TX: t.TX, TY: t.TY, WIDE: t.WIDE },
      workgroups: [Math.ceil((batch * perImage) / t.BN), Math.ceil(g.C / t.BM), g.sh * g.sw],
    }));
  } else if (isWasm(b)) {
    wasm.convInputGrad(b, ws(gy), ws(w), ws(dx), g, bias && ws(bias), act, alpha);
  } else {
    cpu.convInputGrad(arr(gy), arr(w), arr(dx), g, bias && arr(bias), act, alpha);
  }
  return dx;
}

/**
 * dw [O, C, KH, KW] = sum over n, oh, ow of gy x-patch: the GEMM M = O, N = C*KH*KW,
 * K = N*OH*OW, split along K over workgroup z into partials that splitk_sum.wgsl
 * adds up (conv2d_dw.wgsl). convTranspose2d's weight gradient is this with x and gy swapped.
 */
export function convWeightGrad(x: Tensor, gy: Tensor, g: ConvGeometry): Tensor {
  const b = x.backend;
  const wShape = [g.O, g.C, g.KH, g.KW];
  if (!isGpu(b)) {
    const dw = empty(wShape, b);
    if (isWasm(b)) wasm.convWeightGrad(b, ws(x), ws(gy), ws(dw), g);
    else cpu.convWeightGrad(arr(x), arr(gy), arr(dw), g);
    return dw;
  }
  if (g.O <= CONV_LIMITS.dwDirectMaxO && g.KW <= DW_DIRECT_MAX_KW) return weightGradDirect(b, x, gy, g);
  const K = g.N * g.OH * g.OW;
  const cols = g.C * g.KH * g.KW;
  const t = gemmTile(g.O, cols);
  const tiles = Math.ceil(g.O / t.BM) * Math.ceil(cols / t.BN);
  const target = b.cpuAdapter ? TARGET_GROUPS.cpu : TARGET_GROUPS.gpu;
  const want = Math.max(1, Math.min(Math.ceil(target / tiles), Math.floor(K / MIN_CHUNK), CONV_LIMITS.maxGroups));
  const kChunk = Math.ceil(K / want / BK) * BK;
  const splits = Math.ceil(K / kChunk);
  const part = empty([splits, ...wShape], b);
  b.dispatch(weightGradK, {
    bindings: { x: gs(x), gy: gs(gy), part: gs(part) },
    params: geomParams(g, { kChunk }),
    constants: { TX: t.TX, TY: t.TY, WIDE: t.WIDE },
    workgroups: [Math.ceil(cols / t.BN), Math.ceil(g.O / t.BM), splits],
  });
  return sumSplits(b, part, wShape);
}

/** dw from its partial sums part [splits, ...wShape] (splitk_sum.wgsl); part is consumed. */
function sumSplits(b: GpuRuntime, part: Tensor, wShape: number[]): Tensor {
  const splits = part.shape[0]!;
  if (splits === 1) {
    const dw = part.viewAs(wShape);
    part.dispose();
    return dw;
  }
  const dw = empty(wShape, b);
  b.dispatch(splitSumK, { bindings: { part: gs(part), out: gs(dw) }, params: { n: dw.size, splits }, threads: dw.size });
  part.dispose();
  return dw;
}

/**
 * The weight gradient of a layer of few output channels (conv2d_dw_direct.wgsl): a thread
 * per (c, kh), block of OB channels and chunk of output rows (n, oh), the chunks' partial
 * sums added by splitk_sum.wgsl.
 */
function weightGradDirect(b: GpuRuntime, x: Tensor, gy: Tensor, g: ConvGeometry): Tensor {
  const OB = channelBlock(g.O, DW_DIRECT_MAX_OB);
  const perChunk = Math.ceil(g.O / OB) * g.C * g.KH; // threads per chunk of rows
  const rows = g.N * g.OH;
  const target = b.cpuAdapter ? DW_DIRECT_THREADS.cpu : DW_DIRECT_THREADS.gpu;
  const rowsPer = Math.ceil(rows / Math.max(1, Math.min(rows, Math.ceil(target / perChunk))));
  const chunks = Math.ceil(rows / rowsPer);
  const part = empty([chunks, g.O, g.C, g.KH, g.KW], b);
  b.dispatch(weightGradDirectK, {
    bindings: { x: gs(x), gy: gs(gy), part: gs(part) },
    params: geomParams(g, { kChunk: rowsPer }),
    constants: { OB, WIDE_KW: g.KW > 4 },
    threads: chunks * perChunk,
  });
  return sumSplits(b, part, [g.O, g.C, g.KH, g.KW]);
}

/**
 * batchNorm2d over NCHW input (batchnorm.wgsl forward, batchnorm_grad.wgsl backward, the
 * CPU reference in src/cpu/batchnorm.ts). The forward pass saves `stat` [3, C] (rows mean,
 * invStd, biased variance) for backward instead of recomputing it. The running statistics
 * are module buffers: updated in place by a kernel, never recorded on the tape.
 */
import * as cpu from '../cpu/batchnorm.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { kernel, type Kernel } from '../gpu/kernel.js';
import { treeKernels } from './tree-size.js';
import { record } from '../autograd/tape.js';
import type { Tensor } from '../tensor.js';
import { arr, backendOf, empty, gs, isGpu, isWasm, ws } from './util.js';
import type { WasmBackend } from '../wasm/backend.js';

// One workgroup per channel, sized to the channel's M elements (src/ops/tree-size.ts).
const statsK = treeKernels({ shader: 'batchnorm', entry: 'stats' });
const runningK = kernel({ shader: 'batchnorm', entry: 'running' });
const frozenK = kernel({ shader: 'batchnorm', entry: 'frozen' });
const applyK = kernel({ shader: 'batchnorm', entry: 'apply' });
const sumsK = treeKernels({ shader: 'batchnorm_grad', entry: 'gradSums' });
const gradInputK = kernel({ shader: 'batchnorm_grad', entry: 'gradInput' });

export interface BatchNormOptions {
  /**
   * true: normalise with the batch's statistics and move the running ones toward them;
   * false (eval): normalise with the running statistics.
   */
  training: boolean;
  /** [C], updated in place in training; required in eval. Give both or neither. */
  runningMean?: Tensor | null;
  /** [C] of the unbiased variance, updated in place in training; required in eval. */
  runningVar?: Tensor | null;
  /** running = (1 - momentum) * running + momentum * batch statistic; default 0.1. */
  momentum?: number;
  /** Added to the variance under the square root; default 1e-5. */
  eps?: number;
}

type Binding = 'x' | 'stat' | 'gamma' | 'out' | 'beta' | 'runMean' | 'runVar' | 'g' | 'sums';

interface Launch {
  geom: cpu.BnGeom & { n: number };
  /** The tensors bound by name; the rest of both files' bindings get the dummy buffer. */
  bind: Partial<Record<Binding, Tensor | null>>;
  /** One workgroup per channel (the reductions) or one thread per `threads`. */
  threads: number | 'perChannel';
  params?: { eps?: number; momentum?: number; row?: number; scale?: number };
  constants?: Record<string, boolean>;
}

/** A tensor's byte offset in the wasm heap, 0 for none (the kernels' null). */
const ptr = (t: Tensor | null): number => (t ? ws(t).ptr : 0);

/**
 * Runs one entry: on the GPU a dispatch (every entry shares lib/batchnorm.wgsl's uniform
 * layout), on wasm its kernel `onWasm` where it has one (src/wasm/assembly/batchnorm.ts),
 * elsewhere its CPU reference `ref`.
 */
function launch(k: Kernel, l: Launch, ref: () => void, onWasm?: (w: WasmBackend) => void): void {
  const b = l.bind.out!.backend;
  if (isWasm(b) && onWasm) return onWasm(b);
  if (!isGpu(b)) return ref();
  const bindings = Object.fromEntries(
    (['x', 'stat', 'gamma', 'out', 'beta', 'runMean', 'runVar', 'g', 'sums'] as const).map((n) => [n, l.bind[n] ? gs(l.bind[n]) : null]),
  );
  b.dispatch(k, {
    bindings,
    params: { ...l.geom, ...l.params },
    ...(l.constants ? { constants: l.constants } : {}),
    threads: l.threads === 'perChannel' ? l.geom.c * k.workgroupSize! : l.threads,
  });
}

function checkChannels(what: string, t: Tensor, C: number, x: Tensor): void {
  if (t.rank !== 1 || t.shape[0] !== C) throw new ShapeError(`batchNorm2d: ${what} must be [${C}] for input ${fmtShape(x.shape)}, got ${fmtShape(t.shape)}`);
}

/** Checks the options and returns them with defaults. */
function options(x: Tensor, gamma: Tensor | null, beta: Tensor | null, o: BatchNormOptions) {
  if (x.rank !== 4) throw new ShapeError(`batchNorm2d: expected input [N, C, H, W], got ${fmtShape(x.shape)}`);
  if (typeof o?.training !== 'boolean') throw new ValueError(`batchNorm2d: options.training must be true or false, got ${String(o?.training)}`);
  const { training, runningMean = null, runningVar = null, momentum = 0.1, eps = 1e-5 } = o;
  const C = x.shape[1]!;
  backendOf('batchNorm2d', x, ...[gamma, beta, runningMean, runningVar].filter((t): t is Tensor => t !== null));
  if (gamma) checkChannels('gamma', gamma, C, x);
  if (beta) checkChannels('beta', beta, C, x);
  if ((runningMean === null) !== (runningVar === null)) throw new ValueError('batchNorm2d: give both runningMean and runningVar, or neither');
  if (runningMean) checkChannels('runningMean', runningMean, C, x);
  if (runningVar) checkChannels('runningVar', runningVar, C, x);
  if (!training && !runningMean) throw new ValueError('batchNorm2d: eval mode (training: false) normalises with runningMean and runningVar; give both');
  if (!(momentum >= 0 && momentum <= 1)) throw new ValueError(`batchNorm2d: momentum must be in [0, 1], got ${momentum}`);
  if (!(eps > 0 && Number.isFinite(eps))) throw new ValueError(`batchNorm2d: eps must be positive and finite, got ${eps}`);
  const geom = { n: x.size, c: C, hw: x.shape[2]! * x.shape[3]!, m: x.size / C };
  if (training && geom.m < 2) throw new ValueError(`batchNorm2d: expected more than 1 value per channel when training, got input size ${fmtShape(x.shape)}`);
  return { training, runningMean, runningVar, momentum, eps, geom };
}

/**
 * Batch normalisation of x [N, C, H, W] per channel c (torch.nn.functional.batch_norm):
 *   y = (x - mean[c]) / sqrt(var[c] + eps) * gamma[c] + beta[c]
 * gamma and beta are [C], or null for 1 and 0 (affine off). Training: mean and the biased
 * var over N, H, W of this batch (a numerically stable two-pass reduction), and when given,
 *   runningMean = (1 - momentum) runningMean + momentum mean
 *   runningVar = (1 - momentum) runningVar + momentum var * M / (M - 1)   (M = N H W)
 * in place. Eval: mean and var are the running statistics.
 * Backward (xhat = (x - mean) / sqrt(var + eps)): dgamma = sum(g xhat), dbeta = sum(g);
 * dx = gamma / sqrt(var + eps) * (g - (sum(g) + xhat sum(g xhat)) / M) in training,
 * gamma / sqrt(var + eps) * g in eval.
 */
export function batchNorm2d(x: Tensor, gamma: Tensor | null, beta: Tensor | null, opts: BatchNormOptions): Tensor {
  const { training, runningMean, runningVar, momentum, eps, geom } = options(x, gamma, beta, opts);
  const b = x.backend;
  const stat = empty([3, geom.c], b);
  if (training) {
    launch(statsK(geom.m), { geom, bind: { x, out: stat }, threads: 'perChannel', params: { eps } },
      () => cpu.stats(arr(x), arr(stat), geom, eps),
      (w) => w.k.bnStats(geom.c, geom.hw, geom.m, ptr(x), ptr(stat), eps));
    if (runningMean && runningVar) {
      // Two in-place blends of one [C] buffer each: rows 0 (mean) and 2 (biased variance).
      for (const [run, row, scale] of [[runningMean, 0, 1], [runningVar, 2, geom.m / (geom.m - 1)]] as const) {
        launch(runningK, { geom, bind: { stat, out: run }, threads: geom.c, params: { momentum, row, scale } },
          () => cpu.running(arr(run), arr(stat), row, geom.c, momentum, scale));
      }
    }
  } else {
    launch(frozenK, { geom, bind: { runMean: runningMean, runVar: runningVar, out: stat }, threads: geom.c, params: { eps } },
      () => cpu.frozen(arr(runningMean!), arr(runningVar!), arr(stat), geom.c, eps));
  }
  const out = empty(x.shape, b);
  launch(applyK, { geom, bind: { x, stat, gamma, beta, out }, threads: geom.n, constants: { GAMMA: gamma !== null, BETA: beta !== null } },
    () => cpu.apply(arr(x), arr(stat), gamma && arr(gamma), beta && arr(beta), arr(out), geom),
    (w) => w.k.bnApply(geom.c, geom.hw, geom.m, ptr(x), ptr(stat), ptr(gamma), ptr(beta), ptr(out)));

  const inputs = [x, ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
  record(out, 'batchNorm2d', inputs, (g) => {
    const grads = batchNormGrad(x, g, gamma, beta, stat, training, geom);
    stat.dispose();
    return grads;
  });
  // Not recorded: nothing will read the saved statistics.
  if (!out.node) stat.dispose();
  return out;
}

/** The gradients of [x, gamma?, beta?] (null where one needs none); not recorded. */
function batchNormGrad(x: Tensor, g: Tensor, gamma: Tensor | null, beta: Tensor | null, stat: Tensor, training: boolean, geom: Launch['geom']): (Tensor | null)[] {
  const b = x.backend;
  const needGamma = gamma?.requiresGrad ?? false;
  const needBeta = beta?.requiresGrad ?? false;
  // Training's dx reads both sums too; eval's needs them only for gamma's and beta's gradients.
  const sums = needGamma || needBeta || (training && x.requiresGrad) ? empty([2, geom.c], b) : null;
  if (sums) {
    launch(sumsK(geom.m), { geom, bind: { x, g, stat, out: sums }, threads: 'perChannel' },
      () => cpu.gradSums(arr(x), arr(g), arr(stat), arr(sums), geom),
      (w) => w.k.bnGradSums(geom.c, geom.hw, geom.m, ptr(x), ptr(g), ptr(stat), ptr(sums)));
  }
  const dx = x.requiresGrad ? empty(x.shape, b) : null;
  if (dx) {
    const rowSums = training ? sums : null;
    launch(gradInputK, { geom, bind: { x, g, stat, gamma, sums: rowSums, out: dx }, threads: geom.n, constants: { GAMMA: gamma !== null, TRAINING: training } },
      () => cpu.gradInput(arr(x), arr(g), arr(stat), gamma && arr(gamma), rowSums && arr(rowSums), arr(dx), geom),
      (w) => w.k.bnGradInput(geom.c, geom.hw, geom.m, ptr(x), ptr(g), ptr(stat), ptr(gamma), ptr(rowSums), ptr(dx)));
  }
  const grads: (Tensor | null)[] = [dx];
  // Row 1 of sums is dgamma, row 0 dbeta: each copied out as its own [C] tensor.
  if (gamma) grads.push(needGamma ? rowOf(sums!, 1) : null);
  if (beta) grads.push(needBeta ? rowOf(sums!, 0) : null);
  sums?.dispose();
  return grads;
}

/** A copy of row `r` of a 2-D tensor as a tensor of its own (a buffer copy, any offset). */
function rowOf(t: Tensor, r: number): Tensor {
  const n = t.shape[1]!;
  const out = empty([n], t.backend);
  t.backend.copy(t.backend.view(t.storage, r * n, n), out.storage, n);
  return out;
}

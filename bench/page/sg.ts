/**
 * The rows in shadergrad, on whichever backend `init()` made current (WebGPU or the CPU
 * reference). Each run ends when the GPU has finished its work (`settle`); inputs are made
 * once per row, outputs and gradients freed after each run.
 */
import { Adam, Generator, backend, batchNorm2d, conv2d, convTranspose2d, flush, gpu, matmul, noGrad, ones, randn, zeros, type Tensor } from 'shadergrad';
import { GanTrainer, PRESETS, buildModels, type GanConfig } from 'shadergrad/gan';
import type { AdamSpec, BatchNormSpec, ConvLayer, ConvSpec, MatmulSpec, Spec, TrainSpec } from './cases.js';
import { syntheticDigits, type Impl } from './impl.js';
// Internal (this page is the repository's own): run a row on a backend that is not the current one.
import { withBackend } from '../../src/context.js';
import type { Backend } from '../../src/backend.js';

/** Submits what is encoded and waits for the GPU to finish it (nothing to wait for on the CPU). */
export async function settle(): Promise<void> {
  flush();
  if (backend().kind === 'webgpu') await gpu().device.queue.onSubmittedWorkDone();
}

/** Frees the gradients that backward() left in `ts`, so every run does the same work. */
function clearGrads(ts: Tensor[]): void {
  for (const t of ts) {
    t.grad?.dispose();
    t.grad = null;
  }
}

function matmulImpl(s: MatmulSpec): Impl {
  const a = randn(s.transA ? [s.k, s.m] : [s.m, s.k]).keep();
  const b = randn(s.transB ? [s.n, s.k] : [s.k, s.n]).keep();
  return {
    async run() {
      const cs = Array.from({ length: s.calls }, () => matmul(a, b, { transA: s.transA, transB: s.transB }));
      await settle();
      for (const c of cs) c.dispose();
    },
    dispose: () => [a, b].forEach((t) => t.dispose()),
  };
}

/** conv2d or convTranspose2d of the layer, as the DCGAN calls it. */
function layerOp(l: ConvLayer): (x: Tensor, w: Tensor) => Tensor {
  if (!l.transposed) return (x, w) => conv2d(x, w, { stride: l.stride, padding: l.pad[0] });
  return (x, w) => convTranspose2d(x, w, { stride: l.stride, padding: l.pad[0], outputPadding: l.pad[0] - l.pad[1] });
}

/**
 * A pass of a layer: the forward alone, or backward() through a forward that ran before
 * the timer started (`prepare`), with only the input or only the weight requiring grad.
 */
function convImpl(s: ConvSpec): Impl {
  const { layer: l, batch: N } = s;
  const [inShape, outShape] = l.transposed ? [[N, l.O, l.OH, l.OH], [N, l.C, l.H, l.H]] : [[N, l.C, l.H, l.H], [N, l.O, l.OH, l.OH]];
  // OIHW for conv2d; convTranspose2d's IOHW is the same array: [in = O, out = C, k, k].
  const x = randn(inShape).keep();
  const w = randn([l.O, l.C, l.k, l.k]).keep();
  const gy = randn(outShape).keep();
  const op = layerOp(l);
  if (s.pass === 'forward') {
    return {
      async run() {
        const y = noGrad(() => op(x, w));
        await settle();
        y.dispose();
      },
      dispose: () => [x, w, gy].forEach((t) => t.dispose()),
    };
  }
  const leaf = s.pass === 'input grad' ? x : w;
  leaf.requireGrad();
  let y: Tensor | null = null;
  return {
    async prepare() {
      y = op(x, w);
      await settle();
    },
    async run() {
      y!.backward(gy);
      await settle();
      y!.dispose();
      clearGrads([leaf]);
    },
    dispose: () => [x, w, gy].forEach((t) => t.dispose()),
  };
}

function batchNormImpl(s: BatchNormSpec): Impl {
  const C = s.shape[1];
  const x = randn(s.shape).keep().requireGrad();
  const gy = randn(s.shape).keep();
  const gamma = ones([C]).keep().requireGrad();
  const beta = zeros([C]).keep().requireGrad();
  return {
    async run() {
      // The DCGAN's batchnorm constants (TensorFlow's momentum and eps); no running statistics.
      const y = batchNorm2d(x, gamma, beta, { training: true, eps: 1e-3 });
      y.backward(gy);
      await settle();
      y.dispose();
      clearGrads([x, gamma, beta]);
    },
    dispose: () => [x, gy, gamma, beta].forEach((t) => t.dispose()),
  };
}

function adamImpl(s: AdamSpec): Impl {
  const { G, D } = buildModels(PRESETS[s.model], new Generator(1));
  const params = [...G.parameters(), ...D.parameters()];
  const opt = new Adam(params, { lr: 1e-3, betas: [0.5, 0.999] });
  opt.zeroGrad();
  return {
    async run() {
      opt.step();
      await settle();
    },
    dispose: () => params.forEach((p) => p.dispose()),
  };
}

/**
 * `s.iterations` GanTrainer iterations (k = 1: a D step and a G step) queued back to back,
 * as TrainingRun does, then awaited; the logged numbers read back after the timer stops.
 * The DCGAN is the tutorial's, as bench/page/tf-gan.ts builds it for TF.js: the preset's
 * extras that keep its training from collapsing (dropout, minibatch features) are off, so
 * both libraries do the same work.
 */
function trainImpl(s: TrainSpec): Impl {
  const config: GanConfig = s.model === 'dcgan' ? { ...PRESETS.dcgan, dDropout: 0, dBatchnorm: false, dMinibatchStd: undefined } : PRESETS[s.model];
  const trainer = new GanTrainer(config, { batchSize: s.batch, lr: 2e-4, seed: 1 }, syntheticDigits(s.batch));
  return {
    async run() {
      for (let i = 0; i < s.iterations; i++) trainer.queueStep();
      await settle();
    },
    async after() {
      for (const log of await trainer.readLogs()) {
        if (!Number.isFinite(log.dLoss) || !Number.isFinite(log.gLoss)) throw new Error(`shadergrad ${s.model}: loss ${log.dLoss}/${log.gLoss} at step ${log.step}`);
      }
    },
    dispose: () => {
      for (const p of [...trainer.G.parameters(), ...trainer.D.parameters()]) p.dispose();
    },
  };
}

/**
 * A row on backend `b` while another backend is current: the impl is built and each of its
 * calls runs with `b` current (every tensor the impls create, they create before their
 * first await), so the CPU reference and wasm are timed round by round beside WebGPU.
 */
export function pinnedImpl(b: Backend, spec: Spec): Impl {
  const inner = withBackend(b, () => shadergradImpl(spec));
  const on = <T>(f: () => T): T => withBackend(b, f);
  return {
    ...(inner.prepare && { prepare: () => on(() => inner.prepare!()) }),
    run: () => on(() => inner.run()),
    ...(inner.after && { after: () => on(() => inner.after!()) }),
    dispose: () => on(() => inner.dispose()),
  };
}

/** shadergrad's version of a row. */
export function shadergradImpl(spec: Spec): Impl {
  switch (spec.kind) {
    case 'matmul': return matmulImpl(spec);
    case 'conv': return convImpl(spec);
    case 'batchnorm': return batchNormImpl(spec);
    case 'adam': return adamImpl(spec);
    case 'train': return trainImpl(spec);
  }
}

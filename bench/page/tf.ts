/// <reference types="vite/client" />
/**
 * The rows in TensorFlow.js, on its WebGPU, WASM and CPU backends, with TF.js's own
 * defaults and layouts (NHWC, dense weights [in, out]). TF.js has one current backend:
 * every call of a row's impl is made with its backend current (`tfImpl`). Each run ends
 * with TF.js's queue submitted and the GPU done (`tfSettle`), the same wait as
 * shadergrad's; WASM and CPU run each kernel as it is called.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
// Vite serves these from node_modules, so the page loads them with no network.
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { AdamSpec, BatchNormSpec, ConvLayer, ConvSpec, MatmulSpec, Spec } from './cases.js';
import type { Impl } from './impl.js';
import { mlpParamShapes, tfTrainImpl } from './tf-gan.js';
import type { BenchResult } from './types.js';

export type TfBackend = 'webgpu' | 'wasm' | 'cpu';

/**
 * Initialises TF.js's WASM, CPU and WebGPU backends (WebGPU left current). Returns the
 * device WebGPU runs on and which WASM binary loaded: SIMD, or threaded SIMD where the
 * page is cross-origin isolated (SharedArrayBuffer), with XNNPACK's thread count.
 */
export async function initTf(): Promise<{ device: GPUDevice; wasm: NonNullable<BenchResult['tfjsWasm']> }> {
  setWasmPaths({ 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd });
  for (const name of ['wasm', 'cpu', 'webgpu'] satisfies TfBackend[]) {
    if (!(await tf.setBackend(name))) throw new Error(`TF.js: the ${name} backend did not initialise`);
  }
  await tf.ready();
  const [simd, threads] = await Promise.all([tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'), tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')]);
  const binary = simd && threads ? 'tfjs-backend-wasm-threaded-simd.wasm' : simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm';
  return { device: (tf.backend() as WebGPUBackend).device, wasm: { binary, threads: getThreadsCount(), crossOriginIsolated: globalThis.crossOriginIsolated === true } };
}

/**
 * Makes `name` TF.js's current backend. For a backend already initialised, `setBackend`
 * does all its work before its first await, so the switch is made by the time it returns.
 */
function use(name: TfBackend): void {
  if (tf.getBackend() === name) return;
  tf.setBackend(name).catch(() => {});
  if (tf.getBackend() !== name) throw new Error(`TF.js: the ${name} backend did not become current (is it initialised?)`);
}

/**
 * Submits TF.js's queued commands and waits for the GPU to finish them. The pass is ended
 * first, as TF.js's own readbacks do: `submitQueue()` alone finishes an encoder whose pass
 * is still open, which WebGPU rejects, so nothing would run. On WASM and CPU there is
 * nothing queued to wait for.
 */
export async function tfSettle(): Promise<void> {
  if (tf.getBackend() !== 'webgpu') return;
  const b = tf.backend() as WebGPUBackend;
  b.ensureCommandEncoderReady();
  b.endComputePassEncoder();
  b.submitQueue();
  await b.device.queue.onSubmittedWorkDone();
}

/** Runs `fn` in a tidy, waits for the GPU, then frees what it returned. */
async function timed(fn: () => tf.Tensor | tf.Tensor[]): Promise<void> {
  const out = tf.tidy(fn);
  await tfSettle();
  tf.dispose(out);
}

function matmulImpl(s: MatmulSpec): Impl {
  const a = tf.randomNormal(s.transA ? [s.k, s.m] : [s.m, s.k]);
  const b = tf.randomNormal(s.transB ? [s.n, s.k] : [s.k, s.n]);
  return { run: () => timed(() => Array.from({ length: s.calls }, () => tf.matMul(a, b, s.transA, s.transB))), dispose: () => tf.dispose([a, b]) };
}

/** PyTorch's (before, after) padding as TF.js's explicit NHWC padding. */
const explicitPad = (l: ConvLayer): [[number, number], [number, number], [number, number], [number, number]] =>
  [[0, 0], [l.pad[0], l.pad[1]], [l.pad[0], l.pad[1]], [0, 0]];

/**
 * A pass of a layer in conv2d's terms: the conv maps a [N, H, H, C] input to [N, OH, OH, O]
 * with filter [k, k, C, O]; a transposed layer runs it backwards. Each pass is the one
 * kernel TF.js's gradients call (Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter).
 */
function convImpl(s: ConvSpec): Impl {
  const { layer: l, batch: N } = s;
  const convIn = tf.randomNormal([N, l.H, l.H, l.C]);
  const convOut = tf.randomNormal([N, l.OH, l.OH, l.O]);
  const filter = tf.randomNormal([l.k, l.k, l.C, l.O]) as tf.Tensor4D;
  const pad = explicitPad(l);
  const conv = (x: tf.Tensor): tf.Tensor => tf.conv2d(x as tf.Tensor4D, filter, l.stride, pad);
  const convBackInput = (dy: tf.Tensor): tf.Tensor => tf.conv2dTranspose(dy as tf.Tensor4D, filter, [N, l.H, l.H, l.C], l.stride, pad);
  const convBackFilter = (x: tf.Tensor, dy: tf.Tensor): tf.Tensor =>
    tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: l.stride, pad, dataFormat: 'NHWC', filterShape: [l.k, l.k, l.C, l.O] } as never) as tf.Tensor;
  // A conv's input grad is a transposed conv's forward and the other way round; the weight
  // grad of either correlates the conv's input side with its output side.
  const pass: Record<ConvSpec['pass'], () => tf.Tensor> = l.transposed
    ? { forward: () => convBackInput(convOut), 'input grad': () => conv(convIn), 'weight grad': () => convBackFilter(convIn, convOut) }
    : { forward: () => conv(convIn), 'input grad': () => convBackInput(convOut), 'weight grad': () => convBackFilter(convIn, convOut) };
  const f = pass[s.pass];
  return { run: () => timed(f), dispose: () => tf.dispose([convIn, convOut, filter]) };
}

function batchNormImpl(s: BatchNormSpec): Impl {
  const [N, C, H, W] = s.shape;
  const x = tf.randomNormal([N, H, W, C]);
  const dy = tf.randomNormal([N, H, W, C]);
  const gamma = tf.ones([C]);
  const beta = tf.zeros([C]);
  // Training mode, as tf.layers.batchNormalization computes it: the batch's moments, then normalise.
  const grads = tf.grads((xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const { mean, variance } = tf.moments(xx, [0, 1, 2]);
    return tf.batchNorm(xx, mean, variance, b, g, 1e-3);
  });
  return { run: () => timed(() => grads([x, gamma, beta], dy)), dispose: () => tf.dispose([x, dy, gamma, beta]) };
}

function adamImpl(s: AdamSpec): Impl {
  const vars = mlpParamShapes(s.model).map((shape) => tf.variable(tf.randomNormal(shape, 0, 0.05)));
  const grads = Object.fromEntries(vars.map((v) => [v.name, tf.zerosLike(v)]));
  const opt = tf.train.adam(1e-3, 0.5, 0.999, 1e-8);
  return {
    async run() {
      opt.applyGradients(grads);
      await tfSettle();
    },
    dispose: () => {
      opt.dispose();
      tf.dispose([...vars, ...Object.values(grads)]);
    },
  };
}

function rowImpl(spec: Spec): Impl {
  switch (spec.kind) {
    case 'matmul': return matmulImpl(spec);
    case 'conv': return convImpl(spec);
    case 'batchnorm': return batchNormImpl(spec);
    case 'adam': return adamImpl(spec);
    case 'train': return tfTrainImpl(spec, tfSettle);
  }
}

/**
 * TF.js's version of a row on backend `name`: built, and each of its calls made, with that
 * backend current. The switch happens in `prepare`, before the timer starts, so `run`
 * finds its backend current already.
 */
export function tfImpl(name: TfBackend, spec: Spec): Impl {
  const on = <T>(f: () => T): T => {
    use(name);
    return f();
  };
  const inner = on(() => rowImpl(spec));
  return {
    prepare: () => on(() => inner.prepare?.() ?? Promise.resolve()),
    run: () => on(() => inner.run()),
    ...(inner.after && { after: () => on(() => inner.after!()) }),
    dispose: () => on(() => inner.dispose()),
  };
}

/** TF.js's version, e.g. 4.22.0. */
export const tfVersion = (): string => tf.version.tfjs;

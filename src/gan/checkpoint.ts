/**
 * GAN checkpoints as safetensors (format `shadergrad-gan/2`): weights and module buffers
 * (batchnorm's running statistics) under PyTorch's names and layouts (`generator.0.weight`
 * is [out, in], `discriminator.1.weight` the MLP D's first Linear after its Flatten),
 * optimizer moments as `optimizer.generator.exp_avg.0.weight` etc., and the model config
 * (with its `kind` and `imageShape`), training options and trainer state (step, epoch,
 * batch, generator counters, optimizer step and lr) as JSON strings in the metadata.
 * Loading checks all of it before building anything, so a bad file is refused whole.
 *
 * Format history: `/1` held only MLP GANs on flat [B, 784] images, whose D had no Flatten
 * (its layers were numbered from 0); it is refused with a message saying so.
 */
import type { Digits } from '../data/types.js';
import { FormatError } from '../errors.js';
import { decodeSafetensors, encodeSafetensors, type SafetensorsInput } from '../io/safetensors.js';
import { Generator, randn } from '../ops/random.js';
import { noGrad } from '../autograd/tape.js';
import { scope } from '../scope.js';
import { checkFinite, loadStateDict, stateDict, type NamedArray } from '../nn/state.js';
import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import { buildModels, checkConfig, pixels, type GanConfig } from './models.js';
import { GanTrainer, checkOptions, type TrainOptions, type TrainerState } from './trainer.js';

export const CHECKPOINT_FORMAT = 'shadergrad-gan/2';

export interface GanCheckpoint {
  config: GanConfig;
  /** All metadata strings, the caller's extras included. */
  metadata: Record<string, string>;
  options: TrainOptions;
  state: TrainerState;
  tensors: Record<string, NamedArray>;
}

function slotNames(opt: Optimizer): string[] {
  if (opt.name === 'Adam') return ['exp_avg', 'exp_avg_sq'];
  return opt.arena.slots.length ? ['momentum_buffer'] : [];
}

async function optimizerTensors(opt: Optimizer, model: Module, who: string, out: Record<string, SafetensorsInput>): Promise<void> {
  const names = model.namedParameters().map(([n]) => n);
  const slots = slotNames(opt);
  for (let s = 0; s < slots.length; s++) {
    const values = await opt.arena.read(s);
    values.forEach((v, i) => {
      out[`optimizer.${who}.${slots[s]}.${names[i]}`] = { dtype: 'F32', shape: [...opt.params[i]!.shape], data: v };
    });
  }
}

/**
 * Serialises the trainer: weights, buffers, optimizer state, config, options and counters;
 * `extra` adds metadata of the caller's (the CLI records the digits trained on). Steps
 * queued but not yet read back need no flushing: the log is not part of a checkpoint.
 */
export async function saveCheckpoint(t: GanTrainer, extra: Record<string, string> = {}): Promise<Uint8Array> {
  const tensors: Record<string, SafetensorsInput> = {};
  for (const [who, m] of [['generator', t.G], ['discriminator', t.D]] as const) {
    for (const [name, v] of Object.entries(await stateDict(m))) tensors[`${who}.${name}`] = { dtype: 'F32', shape: v.shape, data: v.data };
  }
  await optimizerTensors(t.optG, t.G, 'generator', tensors);
  await optimizerTensors(t.optD, t.D, 'discriminator', tensors);
  return encodeSafetensors(tensors, {
    ...extra,
    format: CHECKPOINT_FORMAT,
    config: JSON.stringify(t.config),
    options: JSON.stringify(t.options),
    state: JSON.stringify(t.state()),
  });
}

function parseJson(meta: Record<string, string>, key: string): unknown {
  const raw = meta[key];
  if (raw === undefined) throw new FormatError(`checkpoint: metadata has no "${key}"`);
  try {
    return JSON.parse(raw);
  } catch {
    throw new FormatError(`checkpoint: metadata "${key}" is not valid JSON`);
  }
}

function checkState(s: unknown): TrainerState {
  const st = s as TrainerState;
  const nat = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
  const gen = (g: unknown) => { const x = g as Generator['state']; return x && nat(x.seed) && nat(x.stream) && nat(x.offset); };
  const opt = (o: unknown) => { const x = o as { t: number; lr: number }; return x && nat(x.t) && typeof x.lr === 'number' && x.lr >= 0; };
  if (!st || !nat(st.step) || !nat(st.epoch) || !nat(st.batchIndex) || !gen(st.noise) || !gen(st.dropout) || !opt(st.optG) || !opt(st.optD) || (st.warmupLeft !== undefined && !nat(st.warmupLeft))) {
    throw new FormatError('checkpoint: metadata "state" is missing fields or has bad values');
  }
  return st;
}

/** Parses and validates a checkpoint file (no tensors are created). */
export function readCheckpoint(bytes: Uint8Array): GanCheckpoint {
  const file = decodeSafetensors(bytes);
  const meta = file.metadata;
  if (meta.format === 'shadergrad-gan/1') {
    throw new FormatError(`checkpoint: this file is shadergrad-gan/1, from before image-shaped models (its discriminator's layers are numbered differently), and this version reads only ${CHECKPOINT_FORMAT}; train it again`);
  }
  if (meta.format !== CHECKPOINT_FORMAT) throw new FormatError(`checkpoint: format is ${JSON.stringify(meta.format)}, expected ${CHECKPOINT_FORMAT}`);
  let config: GanConfig;
  let options: TrainOptions;
  try {
    config = checkConfig(parseJson(meta, 'config') as GanConfig);
    options = checkOptions(parseJson(meta, 'options') as TrainOptions);
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw new FormatError(`checkpoint: ${(e as Error).message}`);
  }
  const state = checkState(parseJson(meta, 'state'));
  const tensors: Record<string, NamedArray> = {};
  for (const [name, t] of Object.entries(file.tensors)) {
    // Weights or optimizer moments of NaN/Inf would sample garbage or poison a resumed run.
    checkFinite('checkpoint', name, t.data);
    tensors[name] = { shape: t.shape, data: t.data };
  }
  return { config, metadata: meta, options, state, tensors };
}

function loadOptimizer(opt: Optimizer, model: Module, who: string, tensors: Record<string, NamedArray>): void {
  const names = model.namedParameters().map(([n]) => n);
  slotNames(opt).forEach((slot, s) => {
    opt.arena.write(s, names.map((n, i) => {
      const key = `optimizer.${who}.${slot}.${n}`;
      const t = tensors[key];
      if (!t) throw new FormatError(`checkpoint: missing optimizer tensor "${key}"`);
      if (t.data.length !== opt.params[i]!.size) throw new FormatError(`checkpoint: optimizer tensor "${key}" has ${t.data.length} values, expected ${opt.params[i]!.size}`);
      return t.data;
    }));
  });
}

/** A trainer that continues exactly where the checkpoint's run stopped. */
export function resumeTrainer(ck: GanCheckpoint, data: Digits): GanTrainer {
  const t = new GanTrainer(ck.config, ck.options, data);
  const weights: Record<string, NamedArray> = {};
  for (const [k, v] of Object.entries(ck.tensors)) if (!k.startsWith('optimizer.')) weights[k] = v;
  loadStateDict(t.G, weights, 'generator.');
  loadStateDict(t.D, weights, 'discriminator.');
  loadOptimizer(t.optG, t.G, 'generator', ck.tensors);
  loadOptimizer(t.optD, t.D, 'discriminator', ck.tensors);
  t.restore(ck.state);
  return t;
}

/**
 * Just the generator of a checkpoint (weights and buffers), for sampling and evaluation.
 * It is in training mode, as built: call `G.eval()` before sampling.
 */
export function loadGenerator(ck: GanCheckpoint): Module {
  const { G, D } = buildModels(ck.config, new Generator(0));
  // D is built only because a kind builds both; free its weights at once.
  for (const t of [...D.parameters(), ...D.buffers()]) t.dispose();
  const weights: Record<string, NamedArray> = {};
  for (const [k, v] of Object.entries(ck.tensors)) if (k.startsWith('generator.')) weights[k] = v;
  loadStateDict(G, weights, 'generator.');
  return G;
}

/**
 * n samples of a generator built from `config`, [n, C, H, W] flat, in [-1, 1], drawn in
 * batches of 500 from noise of Generator(seed) with G in eval mode (it goes back to the
 * mode it was in afterwards). The same seed gives the same samples on both backends.
 */
export async function drawSamples(G: Module, config: GanConfig, n: number, seed: number): Promise<Float32Array> {
  const gen = new Generator(seed);
  const size = pixels(config.imageShape);
  const out = new Float32Array(n * size);
  const wasTraining = G.training;
  G.eval();
  try {
    for (let at = 0; at < n; at += 500) {
      const m = Math.min(500, n - at);
      const t = noGrad(() => scope(() => G.forward(randn([m, config.zDim], { generator: gen }))));
      out.set(await t.data(), at * size);
      t.dispose();
    }
  } finally {
    G.train(wasTraining);
  }
  return out;
}

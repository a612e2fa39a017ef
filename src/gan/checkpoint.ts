/**
 * GAN checkpoints as safetensors: weights under PyTorch's names and layouts
 * (`generator.0.weight` is [out, in]), optimizer moments as `optimizer.generator.exp_avg.0.weight`
 * etc., and the model config, training options and trainer state (step, epoch, batch,
 * generator counters, optimizer step and lr) as JSON strings in the metadata. Loading
 * checks all of it before building anything, so a bad file is refused whole.
 */
import type { Digits } from '../data/types.js';
import { FormatError } from '../errors.js';
import { decodeSafetensors, encodeSafetensors, type SafetensorsInput } from '../io/safetensors.js';
import { Generator } from '../ops/random.js';
import { loadStateDict, stateDict, type NamedArray } from '../nn/state.js';
import type { Sequential } from '../nn/layers.js';
import type { Optimizer } from '../optim/optimizer.js';
import { buildGenerator, checkConfig, type MlpGanConfig } from './models.js';
import { GanTrainer, checkOptions, type TrainOptions, type TrainerState } from './trainer.js';

export const CHECKPOINT_FORMAT = 'shadergrad-gan/1';

export interface GanCheckpoint {
  config: MlpGanConfig;
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

async function optimizerTensors(opt: Optimizer, model: Sequential, who: string, out: Record<string, SafetensorsInput>): Promise<void> {
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
 * Serialises the trainer: weights, optimizer state, config, options and counters;
 * `extra` adds metadata of the caller's (the CLI records the digits trained on).
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
  if (!st || !nat(st.step) || !nat(st.epoch) || !nat(st.batchIndex) || !gen(st.noise) || !gen(st.dropout) || !opt(st.optG) || !opt(st.optD)) {
    throw new FormatError('checkpoint: metadata "state" is missing fields or has bad values');
  }
  return st;
}

/** Parses and validates a checkpoint file (no tensors are created). */
export function readCheckpoint(bytes: Uint8Array): GanCheckpoint {
  const file = decodeSafetensors(bytes);
  const meta = file.metadata;
  if (meta.format !== CHECKPOINT_FORMAT) throw new FormatError(`checkpoint: format is ${JSON.stringify(meta.format)}, expected ${CHECKPOINT_FORMAT}`);
  let config: MlpGanConfig;
  let options: TrainOptions;
  try {
    config = checkConfig(parseJson(meta, 'config') as MlpGanConfig);
    options = checkOptions(parseJson(meta, 'options') as TrainOptions);
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw new FormatError(`checkpoint: ${(e as Error).message}`);
  }
  const state = checkState(parseJson(meta, 'state'));
  const tensors: Record<string, NamedArray> = {};
  for (const [name, t] of Object.entries(file.tensors)) tensors[name] = { shape: t.shape, data: t.data };
  return { config, metadata: meta, options, state, tensors };
}

function loadOptimizer(opt: Optimizer, model: Sequential, who: string, tensors: Record<string, NamedArray>): void {
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

/** Just the generator of a checkpoint, for sampling and evaluation. */
export function loadGenerator(ck: GanCheckpoint): Sequential {
  const G = buildGenerator(ck.config, new Generator(0));
  const weights: Record<string, NamedArray> = {};
  for (const [k, v] of Object.entries(ck.tensors)) if (k.startsWith('generator.')) weights[k] = v;
  loadStateDict(G, weights, 'generator.');
  return G;
}

/**
 * The GAN models. A config is a tagged union (`GanConfig`, keyed by `kind`); every kind
 * shares `zDim` and `imageShape` and has one row in `MODEL_KINDS`, which validates its own
 * fields and builds its G and D. G maps noise [B, zDim] to images [B, C, H, W] in [-1, 1];
 * D maps images [B, C, H, W] to logits [B, 1]. Adding a model kind is one more member of
 * the union and one more row of the table.
 *
 * The MLP GAN of the NumPy tutorials (docs/DESIGN.md): G z -> hidden ReLU layers -> C*H*W tanh
 * -> Reshape(C, H, W); D Flatten -> hidden LeakyReLU layers (optional dropout, as in
 * Goodfellow et al. 2014) -> 1 logit. Sizes are config; presets give the tutorial's networks.
 */
import { ValueError } from '../errors.js';
import type { Generator } from '../ops/random.js';
import { Dropout, Flatten, LeakyReLU, Linear, ReLU, Reshape, Sequential, Tanh } from '../nn/layers.js';
import type { Module } from '../nn/module.js';
import type { InitScheme } from '../nn/init.js';
import type { TrainOptions } from './trainer.js';
import { buildDcgan, checkDcgan, DCGAN_MNIST, type DcganConfig } from './dcgan.js';

/** An image shape: channels, height, width. */
export type ImageShape = [number, number, number];

export interface MlpGanConfig {
  kind: 'mlp';
  zDim: number;
  /** [C, H, W] of G's output and D's input ([1, 28, 28] for MNIST). */
  imageShape: ImageShape;
  gHidden: number[];
  dHidden: number[];
  /** Negative slope of D's leaky ReLUs. */
  dAlpha: number;
  /** Dropout probability after each hidden layer of D (0 = none). */
  dDropout: number;
  init: InitScheme;
}

/** Every model kind's config. */
export type GanConfig = MlpGanConfig | DcganConfig;
export type { DcganConfig } from './dcgan.js';
export type ModelKind = GanConfig['kind'];

/** A generator and its discriminator. */
export interface GanModels {
  G: Module;
  D: Module;
}

/** One row of {@link MODEL_KINDS}: what a model kind knows about itself. */
export interface ModelKindSpec<C extends GanConfig> {
  /** Validates the kind's own fields (zDim and imageShape are already checked) and returns a clean copy. */
  check(c: C): C;
  /**
   * Builds G then D, drawing initial weights from `init` in that order (so a seed gives
   * the same weights every time); D's dropout, if any, draws from `dropout`.
   */
  build(c: C, init: Generator, dropout?: Generator): GanModels;
}

function checkSizes(name: string, v: unknown): void {
  if (!Array.isArray(v) || v.some((x) => !Number.isInteger(x) || x <= 0 || x > 65536)) {
    throw new ValueError(`MLP GAN config: ${name} must be a list of positive layer sizes, got ${JSON.stringify(v)}`);
  }
}

function checkMlp(c: MlpGanConfig): MlpGanConfig {
  checkSizes('gHidden', c.gHidden);
  checkSizes('dHidden', c.dHidden);
  if (!(c.dAlpha >= 0 && c.dAlpha < 1)) throw new ValueError(`MLP GAN config: dAlpha must be in [0, 1), got ${c.dAlpha}`);
  if (!(c.dDropout >= 0 && c.dDropout < 1)) throw new ValueError(`MLP GAN config: dDropout must be in [0, 1), got ${c.dDropout}`);
  if (!['xavier', 'he', 'pytorch', 'normal'].includes(c.init)) throw new ValueError(`MLP GAN config: unknown init ${JSON.stringify(c.init)}`);
  return { ...c, gHidden: [...c.gHidden], dHidden: [...c.dHidden] };
}

/** G: z -> [Linear, ReLU]* -> Linear -> Tanh -> Reshape(C, H, W). */
function mlpGenerator(c: MlpGanConfig, generator: Generator): Sequential {
  const layers: Module[] = [];
  let prev = c.zDim;
  for (const h of c.gHidden) {
    layers.push(new Linear(prev, h, { init: c.init, generator }), new ReLU());
    prev = h;
  }
  layers.push(new Linear(prev, pixels(c.imageShape), { init: c.init, generator }), new Tanh(), new Reshape(...c.imageShape));
  return new Sequential(...layers);
}

/** D: x -> Flatten -> [Linear, LeakyReLU, Dropout?]* -> Linear (a logit). */
function mlpDiscriminator(c: MlpGanConfig, generator: Generator, dropoutGenerator?: Generator): Sequential {
  const layers: Module[] = [new Flatten()];
  let prev = pixels(c.imageShape);
  for (const h of c.dHidden) {
    layers.push(new Linear(prev, h, { init: c.init, generator, alpha: c.dAlpha }), new LeakyReLU(c.dAlpha));
    if (c.dDropout > 0) layers.push(new Dropout(c.dDropout, dropoutGenerator));
    prev = h;
  }
  layers.push(new Linear(prev, 1, { init: c.init, generator }));
  return new Sequential(...layers);
}

/** The model kinds: one row per member of `GanConfig`. */
export const MODEL_KINDS: { [K in ModelKind]: ModelKindSpec<Extract<GanConfig, { kind: K }>> } = {
  mlp: {
    check: checkMlp,
    build: (c, init, dropout) => {
      const G = mlpGenerator(c, init);
      return { G, D: mlpDiscriminator(c, init, dropout) };
    },
  },
  dcgan: { check: checkDcgan, build: (c, init, dropout) => buildDcgan(c, init, dropout) },
};

/** The presets the CLI's --model offers. */
export const PRESETS = {
  // The NumPy tutorial: G 100-128-784, D 784-128-1.
  'mlp-small': { kind: 'mlp', zDim: 100, gHidden: [128], dHidden: [128], imageShape: [1, 28, 28], dAlpha: 0.01, dDropout: 0, init: 'xavier' },
  // Its larger variant: two hidden layers.
  'mlp-large': { kind: 'mlp', zDim: 100, gHidden: [200, 560], dHidden: [560, 200], imageShape: [1, 28, 28], dAlpha: 0.01, dDropout: 0, init: 'xavier' },
  // The TensorFlow tutorial's DCGAN (src/gan/dcgan.ts).
  dcgan: DCGAN_MNIST,
} satisfies Record<string, GanConfig>;

export type PresetName = keyof typeof PRESETS;

/** A preset's training defaults: its run length and the options it changes from DEFAULT_OPTIONS. */
export type PresetTraining = { steps: number } & Partial<TrainOptions>;

/**
 * How each preset trains unless told otherwise: the defaults of the CLI's flags and of the
 * demo page's controls. Options not named here are DEFAULT_OPTIONS'.
 */
export const PRESET_TRAINING: Record<PresetName, PresetTraining> = {
  'mlp-small': { steps: 3000 },
  'mlp-large': { steps: 3000 },
  dcgan: { steps: 1000, lr: 1e-4, lrD: 4e-4, dWarmup: 100, modeSeeking: 0.05 },
};

/** C * H * W. */
export function pixels(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** `1x28x28`, how messages print an image shape. */
export function fmtImageShape(shape: readonly number[]): string {
  return shape.join('x');
}

function spec(kind: unknown): ModelKindSpec<GanConfig> {
  if (typeof kind !== 'string' || !Object.hasOwn(MODEL_KINDS, kind)) {
    throw new ValueError(`GAN config: unknown model kind ${JSON.stringify(kind)}; expected one of ${Object.keys(MODEL_KINDS).join(', ')}`);
  }
  // The table's rows are typed per kind; indexed by a runtime kind, each row accepts its own config.
  return MODEL_KINDS[kind as ModelKind] as ModelKindSpec<GanConfig>;
}

/** Validates a config (from a preset, flags or a checkpoint) and returns a clean copy. */
export function checkConfig(c: GanConfig): GanConfig {
  const row = spec(c?.kind);
  if (!Number.isInteger(c.zDim) || c.zDim <= 0 || c.zDim > 1 << 20) throw new ValueError(`GAN config: zDim must be a positive integer, got ${c.zDim}`);
  const s = c.imageShape as unknown;
  if (!Array.isArray(s) || s.length !== 3 || s.some((d) => !Number.isInteger(d) || d <= 0 || d > 4096) || pixels(s) > 1 << 24) {
    throw new ValueError(`GAN config: imageShape must be [channels, height, width] of positive integers, got ${JSON.stringify(s)}`);
  }
  return row.check({ ...c, imageShape: [...c.imageShape] as ImageShape });
}

/** G and D of a config (validated first); initial weights come from `init`, D's dropout masks from `dropout`. */
export function buildModels(c: GanConfig, init: Generator, dropout?: Generator): GanModels {
  const clean = checkConfig(c);
  return spec(clean.kind).build(clean, init, dropout);
}

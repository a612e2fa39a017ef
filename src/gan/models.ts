/**
 * The MLP GAN of the NumPy tutorials (DESIGN.md): G z -> hidden ReLU layers -> 784 tanh,
 * D 784 -> hidden LeakyReLU layers (optional dropout, as in Goodfellow et al. 2014) -> 1 logit.
 * Sizes are config; presets give the tutorial's networks.
 */
import { ValueError } from '../errors.js';
import type { Generator } from '../ops/random.js';
import { Dropout, LeakyReLU, Linear, ReLU, Sequential, Tanh } from '../nn/layers.js';
import type { Module } from '../nn/module.js';
import type { InitScheme } from '../nn/init.js';

export interface MlpGanConfig {
  kind: 'mlp';
  zDim: number;
  gHidden: number[];
  dHidden: number[];
  /** Pixels per image (28 * 28). */
  imageSize: number;
  /** Negative slope of D's leaky ReLUs. */
  dAlpha: number;
  /** Dropout probability after each hidden layer of D (0 = none). */
  dDropout: number;
  init: InitScheme;
}

export type PresetName = 'mlp-small' | 'mlp-large';

export const PRESETS: { [K in PresetName]: MlpGanConfig } = {
  // The NumPy tutorial: G 100-128-784, D 784-128-1.
  'mlp-small': { kind: 'mlp', zDim: 100, gHidden: [128], dHidden: [128], imageSize: 784, dAlpha: 0.01, dDropout: 0, init: 'xavier' },
  // Its larger variant: two hidden layers.
  'mlp-large': { kind: 'mlp', zDim: 100, gHidden: [200, 560], dHidden: [560, 200], imageSize: 784, dAlpha: 0.01, dDropout: 0, init: 'xavier' },
};

function checkSizes(name: string, v: unknown, allowEmpty: boolean): void {
  if (!Array.isArray(v) || (!allowEmpty && v.length === 0) || v.some((x) => !Number.isInteger(x) || x <= 0 || x > 65536)) {
    throw new ValueError(`MLP GAN config: ${name} must be a list of positive layer sizes, got ${JSON.stringify(v)}`);
  }
}

/** Validates a config (from a preset, flags or a checkpoint) and returns a clean copy. */
export function checkConfig(c: MlpGanConfig): MlpGanConfig {
  if (!c || c.kind !== 'mlp') throw new ValueError(`GAN config: unknown model kind ${JSON.stringify(c?.kind)}`);
  for (const [n, v] of [['zDim', c.zDim], ['imageSize', c.imageSize]] as const) {
    if (!Number.isInteger(v) || v <= 0 || v > 1 << 20) throw new ValueError(`MLP GAN config: ${n} must be a positive integer, got ${v}`);
  }
  checkSizes('gHidden', c.gHidden, true);
  checkSizes('dHidden', c.dHidden, true);
  if (!(c.dAlpha >= 0 && c.dAlpha < 1)) throw new ValueError(`MLP GAN config: dAlpha must be in [0, 1), got ${c.dAlpha}`);
  if (!(c.dDropout >= 0 && c.dDropout < 1)) throw new ValueError(`MLP GAN config: dDropout must be in [0, 1), got ${c.dDropout}`);
  if (!['xavier', 'he', 'pytorch', 'normal'].includes(c.init)) throw new ValueError(`MLP GAN config: unknown init ${JSON.stringify(c.init)}`);
  return { ...c, gHidden: [...c.gHidden], dHidden: [...c.dHidden] };
}

/** G: z -> [Linear, ReLU]* -> Linear -> Tanh. */
export function buildGenerator(c: MlpGanConfig, generator: Generator): Sequential {
  const layers: Module[] = [];
  let prev = c.zDim;
  for (const h of c.gHidden) {
    layers.push(new Linear(prev, h, { init: c.init, generator }), new ReLU());
    prev = h;
  }
  layers.push(new Linear(prev, c.imageSize, { init: c.init, generator }), new Tanh());
  return new Sequential(...layers);
}

/** D: x -> [Linear, LeakyReLU, Dropout?]* -> Linear (a logit). */
export function buildDiscriminator(c: MlpGanConfig, generator: Generator, dropoutGenerator?: Generator): Sequential {
  const layers: Module[] = [];
  let prev = c.imageSize;
  for (const h of c.dHidden) {
    layers.push(new Linear(prev, h, { init: c.init, generator, alpha: c.dAlpha }), new LeakyReLU(c.dAlpha));
    if (c.dDropout > 0) layers.push(new Dropout(c.dDropout, dropoutGenerator));
    prev = h;
  }
  layers.push(new Linear(prev, 1, { init: c.init, generator }));
  return new Sequential(...layers);
}

/**
 * The GAN trainer's options: their type and defaults, and the ranges `checkOptions`
 * accepts, which the CLI's flags share.
 */
import { ValueError } from '../errors.js';

export interface TrainOptions {
  batchSize: number;
  /** Discriminator steps per generator step. */
  k: number;
  loss: 'nonsaturating' | 'minimax';
  optimizer: 'adam' | 'sgd';
  lr: number;
  /**
   * The discriminator's learning rate when it differs from G's `lr` (absent: `lr` for both).
   * A faster D (Heusel et al. 2017's two time-scale rule) keeps up with G.
   */
  lrD?: number;
  /** Adam's betas. */
  betas: [number, number];
  /** SGD's momentum. */
  momentum: number;
  /** Step decay per epoch: lr_e = lr_{e-1} / (1 + decay * e); 0 keeps lr fixed. */
  decay: number;
  seed: number;
  /** Samples in the fixed noise batch used for progress grids. */
  fixedSamples: number;
  /**
   * Discriminator-only steps before the first generator step (0: none). A D that starts from
   * tiny weights gives G a gradient that is nearly the same for every sample, and Adam scales
   * it up to full steps, so G's samples all move one way and collapse to one image before D
   * can tell them apart; a D warmed up against G's first samples already does.
   */
  dWarmup: number;
  /**
   * Weight of the mode-seeking term in G's loss (Mao et al. 2019; 0: none). G's batch is
   * split into pairs (z1, z2), and G minimises mean(d(z1, z2) / d(G(z1), G(z2))), d the mean
   * absolute difference: a G whose samples collapse to one image makes the ratio blow up.
   * It acts on G alone; D's loss is unchanged.
   */
  modeSeeking: number;
}

export const DEFAULT_OPTIONS: TrainOptions = {
  batchSize: 64, k: 1, loss: 'nonsaturating', optimizer: 'adam', lr: 1e-3, betas: [0.5, 0.999],
  momentum: 0.5, decay: 0, seed: 1, fixedSamples: 64, dWarmup: 0, modeSeeking: 0,
};

/** A range of numbers: [min, max], either end open where said, integers only where said. */
export interface Limit {
  min: number;
  max: number;
  integer?: boolean;
  minOpen?: boolean;
  maxOpen?: boolean;
}

/**
 * The ranges `checkOptions` accepts: the one source of the numbers, which the CLI's flags
 * use too (so a flag the CLI accepts is never refused by the trainer afterwards).
 */
export const OPTION_LIMITS = {
  batchSize: { min: 1, max: 65536, integer: true },
  k: { min: 1, max: 100, integer: true },
  seed: { min: 0, max: 2 ** 32 - 1, integer: true },
  fixedSamples: { min: 1, max: 1024, integer: true },
  lr: { min: 0, max: 10, minOpen: true, maxOpen: true },
  beta: { min: 0, max: 1, maxOpen: true },
  momentum: { min: 0, max: 1, maxOpen: true },
  decay: { min: 0, max: 1000 },
  dWarmup: { min: 0, max: 100_000, integer: true },
  modeSeeking: { min: 0, max: 100 },
} as const satisfies Record<string, Limit>;

/** `[1, 65536]`, `(0, 10)`: a limit as a range. */
export function fmtLimit(l: Limit): string {
  return `${l.minOpen ? '(' : '['}${l.min}, ${l.max}${l.maxOpen ? ')' : ']'}`;
}

/** True when `v` is a finite number in the limit's range (and an integer where it must be). */
export function withinLimit(v: number, l: Limit): boolean {
  if (typeof v !== 'number' || !Number.isFinite(v) || (l.integer && !Number.isInteger(v))) return false;
  return (l.minOpen ? v > l.min : v >= l.min) && (l.maxOpen ? v < l.max : v <= l.max);
}

/** Validates training options (from flags or a checkpoint) and returns a clean copy. */
export function checkOptions(o: TrainOptions): TrainOptions {
  const check = (name: string, v: number, l: Limit) => {
    if (!withinLimit(v, l)) throw new ValueError(`train: ${name} must be ${l.integer ? 'an integer' : 'a number'} in ${fmtLimit(l)}, got ${v}`);
  };
  const L = OPTION_LIMITS;
  check('batchSize', o.batchSize, L.batchSize);
  check('k', o.k, L.k);
  check('seed', o.seed, L.seed);
  check('fixedSamples', o.fixedSamples, L.fixedSamples);
  if (o.loss !== 'nonsaturating' && o.loss !== 'minimax') throw new ValueError(`train: loss must be nonsaturating or minimax, got ${JSON.stringify(o.loss)}`);
  if (o.optimizer !== 'adam' && o.optimizer !== 'sgd') throw new ValueError(`train: optimizer must be adam or sgd, got ${JSON.stringify(o.optimizer)}`);
  check('lr', o.lr, L.lr);
  if (o.lrD !== undefined) check('lrD', o.lrD, L.lr);
  if (!Array.isArray(o.betas) || o.betas.length !== 2) throw new ValueError(`train: betas must be two numbers, got ${JSON.stringify(o.betas)}`);
  check('betas[0]', o.betas[0], L.beta);
  check('betas[1]', o.betas[1], L.beta);
  check('momentum', o.momentum, L.momentum);
  check('decay', o.decay, L.decay);
  // Checkpoints written before the option existed have none: they had no warm-up.
  const dWarmup = o.dWarmup ?? 0;
  check('dWarmup', dWarmup, L.dWarmup);
  const modeSeeking = o.modeSeeking ?? 0;
  check('modeSeeking', modeSeeking, L.modeSeeking);
  if (modeSeeking > 0 && o.batchSize < 2) throw new ValueError(`train: modeSeeking compares pairs of samples and needs a batch of at least 2, got ${o.batchSize} (a modeSeeking of 0 trains on batches of 1)`);
  return { ...o, betas: [...o.betas] as [number, number], dWarmup, modeSeeking };
}

/**
 * The GAN trainer (Goodfellow et al. 2014, Algorithm 1): k discriminator steps on real and
 * generated batches, then one generator step with the non-saturating -log D(G(z)) or the
 * original minimax log(1 - D(G(z))). During the generator step D's weights do not require
 * grad, so their gradients are never computed. Each step logs D loss, G loss, mean D(x)
 * and mean D(G(z)) with one readback.
 */
import type { Batch, Digits } from '../data/types.js';
import { batches } from '../data/dataset.js';
import { ValueError } from '../errors.js';
import { noGrad } from '../autograd/tape.js';
import { add, concat, mean, neg, reshape, sigmoid, bceWithLogits, full, randn, tensor, Generator } from '../ops/index.js';
import { Adam, SGD, StepDecay, type Optimizer } from '../optim/index.js';
import type { Sequential } from '../nn/layers.js';
import { scope } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { CollapseMonitor, meanPairwiseDistance } from './monitor.js';
import { buildDiscriminator, buildGenerator, checkConfig, type MlpGanConfig } from './models.js';

export interface TrainOptions {
  batchSize: number;
  /** Discriminator steps per generator step. */
  k: number;
  loss: 'nonsaturating' | 'minimax';
  optimizer: 'adam' | 'sgd';
  lr: number;
  /** Adam's betas. */
  betas: [number, number];
  /** SGD's momentum. */
  momentum: number;
  /** Step decay per epoch: lr_e = lr_{e-1} / (1 + decay * e); 0 keeps lr fixed. */
  decay: number;
  seed: number;
  /** Samples in the fixed noise batch used for progress grids. */
  fixedSamples: number;
}

export const DEFAULT_OPTIONS: TrainOptions = {
  batchSize: 64, k: 1, loss: 'nonsaturating', optimizer: 'adam', lr: 1e-3, betas: [0.5, 0.999],
  momentum: 0.5, decay: 0, seed: 1, fixedSamples: 64,
};

export interface StepLog {
  step: number;
  epoch: number;
  dLoss: number;
  gLoss: number;
  /** Mean D(x) over the last real batch. */
  dReal: number;
  /** Mean D(G(z)) over the last fake batch of the D step. */
  dFake: number;
  lr: number;
  warning?: string;
}

/** Where the trainer is: what a checkpoint must hold to resume exactly. */
export interface TrainerState {
  step: number;
  epoch: number;
  batchIndex: number;
  noise: Generator['state'];
  dropout: Generator['state'];
  optG: { t: number; lr: number };
  optD: { t: number; lr: number };
}

export function checkOptions(o: TrainOptions): TrainOptions {
  const int = (n: string, v: number, lo: number, hi: number) => {
    if (!Number.isInteger(v) || v < lo || v > hi) throw new ValueError(`train: ${n} must be an integer in [${lo}, ${hi}], got ${v}`);
  };
  int('batchSize', o.batchSize, 1, 65536);
  int('k', o.k, 1, 100);
  int('seed', o.seed, 0, 2 ** 32 - 1);
  int('fixedSamples', o.fixedSamples, 1, 1024);
  if (o.loss !== 'nonsaturating' && o.loss !== 'minimax') throw new ValueError(`train: loss must be nonsaturating or minimax, got ${JSON.stringify(o.loss)}`);
  if (o.optimizer !== 'adam' && o.optimizer !== 'sgd') throw new ValueError(`train: optimizer must be adam or sgd, got ${JSON.stringify(o.optimizer)}`);
  if (!(o.lr > 0 && o.lr < 10)) throw new ValueError(`train: lr must be in (0, 10), got ${o.lr}`);
  if (!(o.decay >= 0 && Number.isFinite(o.decay))) throw new ValueError(`train: decay must be a finite number >= 0, got ${o.decay}`);
  return { ...o, betas: [...o.betas] as [number, number] };
}

export class GanTrainer {
  readonly config: MlpGanConfig;
  readonly options: TrainOptions;
  readonly G: Sequential;
  readonly D: Sequential;
  readonly optG: Optimizer;
  readonly optD: Optimizer;
  readonly fixedZ: Tensor;
  step = 0;
  epoch = 0;
  batchIndex = 0;
  private readonly noise: Generator;
  private readonly dropoutGen: Generator;
  private readonly schedules: StepDecay[];
  private iter: Iterator<Batch>;
  private readonly ones: Tensor;
  private readonly zeros: Tensor;
  readonly monitor: CollapseMonitor;

  /** `data` holds the training images in [-1, 1]. */
  constructor(config: MlpGanConfig, options: Partial<TrainOptions>, readonly data: Digits) {
    this.config = checkConfig(config);
    this.options = checkOptions({ ...DEFAULT_OPTIONS, ...options });
    const o = this.options;
    if (data.height * data.width !== this.config.imageSize) throw new ValueError(`train: images have ${data.height}x${data.width} pixels, the model expects ${this.config.imageSize}`);
    if (data.n < o.batchSize) throw new ValueError(`train: batch size ${o.batchSize} is larger than the ${data.n} training images`);
    const init = new Generator(o.seed);
    this.noise = new Generator((o.seed + 1) >>> 0);
    this.dropoutGen = new Generator((o.seed + 2) >>> 0);
    this.G = buildGenerator(this.config, init);
    this.D = buildDiscriminator(this.config, init, this.dropoutGen);
    const make = (m: Sequential): Optimizer => o.optimizer === 'adam'
      ? new Adam(m.parameters(), { lr: o.lr, betas: o.betas })
      : new SGD(m.parameters(), { lr: o.lr, momentum: o.momentum });
    this.optG = make(this.G);
    this.optD = make(this.D);
    this.schedules = o.decay > 0 ? [new StepDecay(this.optG, o.decay), new StepDecay(this.optD, o.decay)] : [];
    this.fixedZ = randn([o.fixedSamples, this.config.zDim], { generator: new Generator((o.seed + 3) >>> 0) }).keep();
    this.ones = full([o.batchSize, 1], 1).keep();
    this.zeros = full([o.batchSize, 1], 0).keep();
    this.iter = this.epochIterator();
    const realSpread = meanPairwiseDistance(data.images, data.n, this.config.imageSize);
    this.monitor = new CollapseMonitor(realSpread);
  }

  private epochIterator(): Iterator<Batch> {
    return batches(this.data, this.options.batchSize, { seed: this.options.seed, epoch: this.epoch });
  }

  private nextBatch(): Float32Array {
    let r = this.iter.next();
    if (r.done) {
      this.epoch++;
      for (const s of this.schedules) s.step(this.epoch);
      this.batchIndex = 0;
      this.iter = this.epochIterator();
      r = this.iter.next();
    }
    this.batchIndex++;
    return (r.value as Batch).images;
  }

  private noiseBatch(): Tensor {
    return randn([this.options.batchSize, this.config.zDim], { generator: this.noise });
  }

  /** One discriminator step; returns [dLoss, mean D(x), mean D(G(z))] as a [3] tensor. */
  private discriminatorStep(): Tensor {
    return scope(() => {
      const B = this.options.batchSize;
      const x = tensor(this.nextBatch(), [B, this.config.imageSize]);
      const fake = noGrad(() => this.G.forward(this.noiseBatch()));
      this.optD.zeroGrad();
      const real = this.D.forward(x);
      const fakeLogits = this.D.forward(fake);
      const loss = add(bceWithLogits(real, this.ones), bceWithLogits(fakeLogits, this.zeros));
      loss.backward();
      this.optD.step();
      return noGrad(() => concat([reshape(loss, [1]), reshape(mean(sigmoid(real)), [1]), reshape(mean(sigmoid(fakeLogits)), [1])]));
    });
  }

  /** One generator step with D frozen; returns the G loss as a [1] tensor. */
  private generatorStep(): Tensor {
    return scope(() => {
      this.D.requiresGrad(false);
      try {
        this.optG.zeroGrad();
        const logits = this.D.forward(this.G.forward(this.noiseBatch()));
        // Non-saturating: -log D(G(z)) = bce(logits, 1). Minimax: log(1 - D(G(z))) = -bce(logits, 0).
        const loss = this.options.loss === 'nonsaturating' ? bceWithLogits(logits, this.ones) : neg(bceWithLogits(logits, this.zeros));
        loss.backward();
        this.optG.step();
        return noGrad(() => reshape(loss, [1]));
      } finally {
        this.D.requiresGrad(true);
      }
    });
  }

  /** k discriminator steps and one generator step; reads the step's numbers back once. */
  async trainStep(): Promise<StepLog> {
    let dStats: Tensor | null = null;
    for (let i = 0; i < this.options.k; i++) {
      dStats?.dispose();
      dStats = this.discriminatorStep();
    }
    const gLoss = this.generatorStep();
    const all = scope(() => concat([dStats!, gLoss]));
    dStats!.dispose();
    gLoss.dispose();
    const v = await all.data();
    all.dispose();
    this.step++;
    const log: StepLog = { step: this.step, epoch: this.epoch, dLoss: v[0]!, gLoss: v[3]!, dReal: v[1]!, dFake: v[2]!, lr: this.optG.lr };
    if (!Number.isFinite(log.dLoss) || !Number.isFinite(log.gLoss)) throw new ValueError(`train: loss became ${log.dLoss}/${log.gLoss} at step ${this.step}; lower the learning rate`);
    const w = this.monitor.step(log.dFake, this.step);
    if (w) log.warning = w;
    return log;
  }

  /** Generator samples in [-1, 1] for `z` (the fixed progress noise by default). */
  async sample(z: Tensor = this.fixedZ): Promise<Float32Array> {
    const out = noGrad(() => this.G.forward(z));
    const v = await out.data();
    out.dispose();
    return v;
  }

  state(): TrainerState {
    return {
      step: this.step, epoch: this.epoch, batchIndex: this.batchIndex,
      noise: this.noise.state, dropout: this.dropoutGen.state,
      optG: { t: this.optG.t, lr: this.optG.lr }, optD: { t: this.optD.t, lr: this.optD.lr },
    };
  }

  /** Restores the counters of `state` (weights and optimizer moments are loaded separately). */
  restore(s: TrainerState): void {
    this.step = s.step;
    this.epoch = s.epoch;
    this.noise.state = s.noise;
    this.dropoutGen.state = s.dropout;
    this.optG.t = s.optG.t;
    this.optG.lr = s.optG.lr;
    this.optD.t = s.optD.t;
    this.optD.lr = s.optD.lr;
    this.iter = this.epochIterator();
    this.batchIndex = 0;
    for (let i = 0; i < s.batchIndex; i++) {
      if (this.iter.next().done) throw new ValueError(`checkpoint: batch ${s.batchIndex} of epoch ${s.epoch} does not exist for this data`);
      this.batchIndex++;
    }
  }
}

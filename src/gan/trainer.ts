/**
 * The GAN trainer (Goodfellow et al. 2014, Algorithm 1): k discriminator steps on real and
 * generated batches, then one generator step with the non-saturating -log D(G(z)) or the
 * original minimax log(1 - D(G(z))). During the generator step D's weights do not require
 * grad, so their gradients are never computed. G and D are any models of `MODEL_KINDS`
 * over image tensors [B, C, H, W].
 *
 * Each step records D loss, mean D(x), mean D(G(z)) and G loss in a small [4] tensor that
 * stays on the device: `queueStep()` runs a step without waiting for the GPU, and
 * `readLogs()` reads every queued step's numbers back in one transfer, so a run can read
 * back every N steps and still log every step with its own numbers.
 */
import type { Batch, Digits } from '../data/types.js';
import { batches } from '../data/dataset.js';
import { ValueError } from '../errors.js';
import { noGrad } from '../autograd/tape.js';
import { abs, add, concat, div, mean, mul, neg, reshape, sigmoid, slice, sub, bceWithLogits, full, randn, tensor, Generator } from '../ops/index.js';
import { scaledBceWithLogits } from '../ops/loss.js';
import { Adam, SGD, StepDecay, type Optimizer } from '../optim/index.js';
import type { Module } from '../nn/module.js';
import { BatchNorm2d } from '../nn/conv.js';
import { MinibatchStd } from '../nn/minibatch.js';
import { flush } from '../runtime-api.js';
import { scope } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { CollapseMonitor, meanPairwiseDistance } from './monitor.js';
import { DEFAULT_OPTIONS, checkOptions, type TrainOptions } from './options.js';

export { DEFAULT_OPTIONS, OPTION_LIMITS, checkOptions, fmtLimit, withinLimit, type Limit, type TrainOptions } from './options.js';
import { buildModels, checkConfig, fmtImageShape, pixels, type GanConfig } from './models.js';

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
  /** D-only warm-up steps still to take (absent in checkpoints that predate it: none). */
  warmupLeft?: number;
}

/** Throws a ValueError when a step's D or G loss is not finite (the run has diverged). */
export function checkFinite(log: StepLog): void {
  if (!Number.isFinite(log.dLoss) || !Number.isFinite(log.gLoss)) {
    throw new ValueError(`train: loss became ${log.dLoss}/${log.gLoss} at step ${log.step}; lower the learning rate`);
  }
}

/**
 * Whether a module mixes the samples of its batch (batchnorm's batch statistics, the
 * minibatch-stddev feature): D then sees the real and the fake batch separately, as the
 * model was written, never as one batch of both.
 */
function couplesBatch(m: Module): boolean {
  return m instanceof BatchNorm2d || m instanceof MinibatchStd || m.namedChildren().some(([, c]) => couplesBatch(c));
}

/**
 * Mao et al. 2019's mode-seeking term: the first and second halves of the batch as pairs,
 * mean over pairs of d(z1, z2) / (d(G(z1), G(z2)) + 1e-5), d the mean absolute difference.
 * Small while G maps different noise to different images; large when G collapses.
 */
export function modeSeekingTerm(z: Tensor, images: Tensor): Tensor {
  const B = z.shape[0]!;
  const h = Math.floor(B / 2);
  const flat = reshape(images, [B, images.size / B]);
  const dist = (t: Tensor): Tensor => mean(abs(sub(slice(t, 0, 0, h), slice(t, 0, h, h))), 1);
  const dz = noGrad(() => dist(z));
  return mean(div(dz, add(dist(flat), 1e-5)));
}

/** A step whose numbers are still on the device. */
interface PendingStep {
  step: number;
  epoch: number;
  lr: number;
  /** [dLoss, mean D(x), mean D(G(z)), gLoss]. */
  stats: Tensor;
}

/**
 * Trains a G and D built from a {@link GanConfig} on grayscale images. `data` holds the
 * training images in [-1, 1] (`toSigned` of a loaded set), flat, `height x width` each; they
 * go to the device as [B, 1, H, W] batches and must match the config's `imageShape`.
 */
export class GanTrainer {
  readonly config: GanConfig;
  readonly options: TrainOptions;
  readonly G: Module;
  readonly D: Module;
  readonly optG: Optimizer;
  readonly optD: Optimizer;
  /** The fixed noise of the progress grids, [fixedSamples, zDim]. */
  readonly fixedZ: Tensor;
  /** Steps done (queued ones included). */
  step = 0;
  epoch = 0;
  batchIndex = 0;
  readonly monitor: CollapseMonitor;
  private readonly noise: Generator;
  private readonly dropoutGen: Generator;
  private readonly schedules: StepDecay[];
  private iter: Iterator<Batch>;
  private readonly ones: Tensor;
  private readonly zeros: Tensor;
  /** [2B, 1]: B ones then B zeros, the labels of a joint D step; null when D couples its batch. */
  private readonly jointLabels: Tensor | null;
  private pending: PendingStep[] = [];
  /** D-only warm-up steps still to take before the first generator step. */
  private warmupLeft: number;

  constructor(config: GanConfig, options: Partial<TrainOptions>, readonly data: Digits) {
    this.config = checkConfig(config);
    this.options = checkOptions({ ...DEFAULT_OPTIONS, ...options });
    const o = this.options;
    const [C, H, W] = this.config.imageShape;
    // Digits are grayscale: one channel.
    if (C !== 1 || data.height !== H || data.width !== W) {
      throw new ValueError(`train: the images are ${fmtImageShape([1, data.height, data.width])} (channels x height x width) but the ${this.config.kind} model expects ${fmtImageShape(this.config.imageShape)}`);
    }
    if (data.n < o.batchSize) throw new ValueError(`train: batch size ${o.batchSize} is larger than the ${data.n} training images`);
    const init = new Generator(o.seed);
    this.noise = new Generator((o.seed + 1) >>> 0);
    this.dropoutGen = new Generator((o.seed + 2) >>> 0);
    ({ G: this.G, D: this.D } = buildModels(this.config, init, this.dropoutGen));
    const make = (m: Module, lr: number): Optimizer => o.optimizer === 'adam'
      ? new Adam(m.parameters(), { lr, betas: o.betas })
      : new SGD(m.parameters(), { lr, momentum: o.momentum });
    this.optG = make(this.G, o.lr);
    this.optD = make(this.D, o.lrD ?? o.lr);
    // An iteration (k D steps and a G step) is one submit: queueStep() flushes at its end.
    this.optG.autoSubmit = this.optD.autoSubmit = false;
    this.schedules = o.decay > 0 ? [new StepDecay(this.optG, o.decay), new StepDecay(this.optD, o.decay)] : [];
    this.fixedZ = randn([o.fixedSamples, this.config.zDim], { generator: new Generator((o.seed + 3) >>> 0) }).keep();
    this.ones = full([o.batchSize, 1], 1).keep();
    this.zeros = full([o.batchSize, 1], 0).keep();
    this.jointLabels = couplesBatch(this.D) ? null : scope(() => concat([this.ones, this.zeros])).keep();
    this.iter = this.epochIterator();
    this.warmupLeft = o.dWarmup;
    this.monitor = new CollapseMonitor(meanPairwiseDistance(data.images, data.n, pixels(this.config.imageShape)));
  }

  /** Steps whose numbers are still on the device, waiting for `readLogs()`. */
  get pendingLogs(): number {
    return this.pending.length;
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

  /**
   * One discriminator step; returns dLoss, mean D(x) and mean D(G(z)) as kept pieces
   * ([1] and [2], or three [1]s) that the step's one concat of logged numbers joins.
   */
  private discriminatorStep(): Tensor[] {
    return scope(() => {
      const B = this.options.batchSize;
      const x = tensor(this.nextBatch(), [B, ...this.config.imageShape]);
      const fake = noGrad(() => this.G.forward(this.noiseBatch()));
      this.optD.zeroGrad();
      if (this.jointLabels) {
        // The real and the fake batch as one batch of 2B rows: half the matmuls' launches,
        // and each weight gradient computed once. The sum of the two batches' mean BCEs is
        // twice the mean over the 2B rows.
        const logits = this.D.forward(concat([x, fake]));
        const loss = scaledBceWithLogits(logits, this.jointLabels, 2);
        loss.backward();
        this.optD.step();
        return noGrad(() => [reshape(loss, [1]), mean(sigmoid(reshape(logits, [2, B])), 1)]);
      }
      const real = this.D.forward(x);
      const fakeLogits = this.D.forward(fake);
      const loss = add(bceWithLogits(real, this.ones), bceWithLogits(fakeLogits, this.zeros));
      loss.backward();
      this.optD.step();
      return noGrad(() => [reshape(loss, [1]), reshape(mean(sigmoid(real)), [1]), reshape(mean(sigmoid(fakeLogits)), [1])]);
    });
  }

  /** One generator step with D frozen; returns the G loss as a [1] tensor. */
  private generatorStep(): Tensor {
    return scope(() => {
      this.D.requiresGrad(false);
      try {
        this.optG.zeroGrad();
        const z = this.noiseBatch();
        const fake = this.G.forward(z);
        const logits = this.D.forward(fake);
        // Non-saturating: -log D(G(z)) = bce(logits, 1). Minimax: log(1 - D(G(z))) = -bce(logits, 0).
        const loss = this.options.loss === 'nonsaturating' ? bceWithLogits(logits, this.ones) : neg(bceWithLogits(logits, this.zeros));
        const total = this.options.modeSeeking > 0 ? add(loss, mul(modeSeekingTerm(z, fake), this.options.modeSeeking)) : loss;
        total.backward();
        this.optG.step();
        // The log keeps the adversarial loss alone, comparable with runs without the term.
        return noGrad(() => reshape(loss, [1]));
      } finally {
        this.D.requiresGrad(true);
      }
    });
  }

  /** D-only warm-up steps still to take before the first generator step. */
  get warmupRemaining(): number {
    return this.warmupLeft;
  }

  /**
   * One of the `dWarmup` D-only steps, if any is left (false otherwise). `queueStep()` takes
   * those left itself; a `TrainingRun` takes them one at a time, yielding in between, so a
   * long warm-up stays interruptible and a page stays responsive.
   */
  queueWarmupStep(): boolean {
    if (this.warmupLeft === 0) return false;
    for (const t of this.discriminatorStep()) t.dispose();
    this.warmupLeft--;
    flush();
    return true;
  }

  /**
   * k discriminator steps and one generator step (the first step starts with the
   * `dWarmup` discriminator-only steps), without reading anything back: the step's four
   * numbers stay on the device until `readLogs()`.
   */
  queueStep(): void {
    while (this.queueWarmupStep());
    let dStats: Tensor[] = [];
    for (let i = 0; i < this.options.k; i++) {
      for (const t of dStats) t.dispose();
      dStats = this.discriminatorStep();
    }
    const gLoss = this.generatorStep();
    const stats = scope(() => concat([...dStats, gLoss])).keep();
    for (const t of [...dStats, gLoss]) t.dispose();
    flush();
    this.step++;
    this.pending.push({ step: this.step, epoch: this.epoch, lr: this.optG.lr, stats });
  }

  /**
   * Reads the numbers of every queued step back in one transfer and returns their logs in
   * step order (each with its own D loss, G loss, D(x), D(G(z)), epoch and lr, and the
   * collapse monitor's warning). It does not judge them: pass each to `checkFinite`.
   */
  async readLogs(): Promise<StepLog[]> {
    const batch = this.pending;
    if (batch.length === 0) return [];
    this.pending = [];
    let v: Float32Array;
    const all = batch.length === 1 ? batch[0]!.stats : scope(() => concat(batch.map((p) => p.stats)));
    try {
      v = await all.data();
    } finally {
      all.dispose();
      for (const p of batch) p.stats.dispose();
    }
    return batch.map((p, i) => {
      const log: StepLog = { step: p.step, epoch: p.epoch, dLoss: v[4 * i]!, gLoss: v[4 * i + 3]!, dReal: v[4 * i + 1]!, dFake: v[4 * i + 2]!, lr: p.lr };
      const w = this.monitor.step(log.dFake, log.step);
      if (w) log.warning = w;
      return log;
    });
  }

  /** One step, read back at once: its log (throws ValueError for a non-finite loss). */
  async trainStep(): Promise<StepLog> {
    this.queueStep();
    const logs = await this.readLogs();
    logs.forEach(checkFinite);
    return logs[logs.length - 1]!;
  }

  /**
   * Generator samples for `z` (the fixed progress noise by default), [N, C, H, W] flat,
   * in [-1, 1]. G runs in eval mode (batchnorm uses its running statistics) and goes back
   * to the mode it was in.
   */
  async sample(z: Tensor = this.fixedZ): Promise<Float32Array> {
    const wasTraining = this.G.training;
    this.G.eval();
    try {
      const out = noGrad(() => scope(() => this.G.forward(z)));
      const v = await out.data();
      out.dispose();
      return v;
    } finally {
      this.G.train(wasTraining);
    }
  }

  /**
   * Frees the trainer's device memory: the weights, gradients and moments (the optimizers'
   * arenas), the models' buffers, the fixed noise, the label batches and any step numbers
   * not yet read back. The trainer cannot be used afterwards.
   */
  dispose(): void {
    for (const p of this.pending) p.stats.dispose();
    this.pending = [];
    this.optG.arena.release();
    this.optD.arena.release();
    for (const b of [...this.G.buffers(), ...this.D.buffers()]) b.dispose();
    for (const t of [this.fixedZ, this.ones, this.zeros, this.jointLabels]) t?.dispose();
  }

  /** The counters a checkpoint needs to resume exactly. */
  state(): TrainerState {
    return {
      step: this.step, epoch: this.epoch, batchIndex: this.batchIndex,
      noise: this.noise.state, dropout: this.dropoutGen.state,
      optG: { t: this.optG.t, lr: this.optG.lr }, optD: { t: this.optD.t, lr: this.optD.lr },
      warmupLeft: this.warmupLeft,
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
    this.warmupLeft = s.warmupLeft ?? 0;
    this.iter = this.epochIterator();
    this.batchIndex = 0;
    for (let i = 0; i < s.batchIndex; i++) {
      if (this.iter.next().done) throw new ValueError(`checkpoint: batch ${s.batchIndex} of epoch ${s.epoch} does not exist for this data`);
      this.batchIndex++;
    }
  }
}

/** Learning-rate schedules. */
import { ValueError } from '../errors.js';
import type { Optimizer } from './optimizer.js';

/**
 * The step decay of the NumPy GAN tutorial: at the end of epoch e,
 * lr_e = lr_{e-1} / (1 + decay * e).
 */
export class StepDecay {
  constructor(readonly optimizer: Optimizer, readonly decay: number) {
    if (typeof decay !== 'number' || !Number.isFinite(decay) || decay < 0) throw new ValueError(`StepDecay: decay must be a finite number >= 0, got ${decay}`);
  }

  /** Applies the decay for the epoch that just ended; returns the new learning rate. */
  step(epoch: number): number {
    if (!Number.isInteger(epoch) || epoch < 0) throw new ValueError(`StepDecay: epoch must be an integer >= 0, got ${epoch}`);
    this.optimizer.lr = this.optimizer.lr / (1 + this.decay * epoch);
    return this.optimizer.lr;
  }
}

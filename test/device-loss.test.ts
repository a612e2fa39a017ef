/**
 * A lost WebGPU device in the middle of a training run: the run fails with a DeviceError
 * that says the device was lost and why, the last checkpoint it emitted is whole and
 * resumes on another backend, and init() gives a working device again.
 */
import { describe, expect, it } from 'vitest';
import { DeviceError, gpu, init, tensor } from '../src/index.js';
import { PRESETS, type MlpGanConfig } from '../src/gan/models.js';
import { readCheckpoint, resumeTrainer } from '../src/gan/checkpoint.js';
import { TrainingRun } from '../src/gan/run.js';
import { GanTrainer } from '../src/gan/trainer.js';
import type { Digits } from '../src/data/types.js';
import { randomArray } from './fixtures.js';
import { skipReason } from './helpers.js';

const TINY: MlpGanConfig = { ...PRESETS['mlp-small'], zDim: 8, gHidden: [16], dHidden: [16] };
const OPTS = { batchSize: 8, seed: 4, lr: 2e-3, fixedSamples: 4 };
const data = (): Digits => ({ images: randomArray(40 * 784, 9), labels: new Uint8Array(40).fill(3), n: 40, height: 28, width: 28 });

describe.skipIf(skipReason('webgpu'))('device loss', () => {
  it('mid-training: a DeviceError naming the loss, the last checkpoint resumes, init() recovers', async () => {
    await init({ backend: 'webgpu', verbose: false });
    const run = new TrainingRun(new GanTrainer(TINY, OPTS, data()), { steps: 50, checkpointEvery: 2, logEvery: 1, sampleEvery: 100 });
    let last: { step: number; bytes: Uint8Array } | null = null;
    let error: unknown = null;
    try {
      for await (const e of run) {
        if (e.type === 'checkpoint') last = { step: e.step, bytes: e.bytes };
        if (e.type === 'step' && e.log.step === 5) gpu().device.destroy();
      }
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DeviceError);
    expect((error as Error).message).toMatch(/WebGPU device lost \(destroyed/);
    expect(last?.step).toBe(4);

    await init({ backend: 'cpu' });
    const resumed = resumeTrainer(readCheckpoint(last!.bytes), data());
    expect(resumed.step).toBe(4);
    const log = await resumed.trainStep();
    expect(log.step).toBe(5);
    expect(Number.isFinite(log.dLoss)).toBe(true);

    await init({ backend: 'webgpu', verbose: false });
    expect(Array.from(await tensor([1, 2, 3], [3]).add(1).data())).toEqual([2, 3, 4]);
  });
});

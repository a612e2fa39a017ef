/**
 * The training run object (src/gan/run.ts) on the CPU backend: its event order, grid and
 * checkpoint schedule, deferred readback, stop, pause, and that it yields to the event loop.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { StateError, ValueError, init } from '../src/index.js';
import { PRESETS, type MlpGanConfig } from '../src/gan/models.js';
import { readCheckpoint, resumeTrainer, saveCheckpoint } from '../src/gan/checkpoint.js';
import { TrainingRun, type RunEvent } from '../src/gan/run.js';
import { GanTrainer, type StepLog } from '../src/gan/trainer.js';
import { GRID_BACKGROUND } from '../src/gan/grid.js';
import type { Digits } from '../src/data/types.js';
import { gifFrames, randomArray } from './fixtures.js';

const TINY: MlpGanConfig = { ...PRESETS['mlp-small'], zDim: 8, gHidden: [16], dHidden: [16], dDropout: 0.2 };
const OPTS = { batchSize: 8, seed: 3, lr: 2e-3, fixedSamples: 4 };

function fakeData(): Digits {
  const n = 40;
  return { images: randomArray(n * 784, 77), labels: new Uint8Array(n).fill(3), n, height: 28, width: 28 };
}

const trainer = () => new GanTrainer(TINY, OPTS, fakeData());

/** The logs of `n` steps read back one at a time: the answer deferred readback must match. */
async function stepwise(n: number): Promise<StepLog[]> {
  const t = trainer();
  const out: StepLog[] = [];
  for (let i = 0; i < n; i++) out.push(await t.trainStep());
  return out;
}

/** `type:step` labels of events, `checkpoint:7:final` for the last checkpoint. */
function label(e: RunEvent): string {
  switch (e.type) {
    case 'start': return `start:${e.step}`;
    case 'step': return `step:${e.log.step}`;
    case 'warning': return `warning:${e.step}`;
    case 'grid': return `grid:${e.step}`;
    case 'checkpoint': return `checkpoint:${e.step}${e.final ? ':final' : ''}`;
    case 'end': return 'end';
  }
}

/** Mean Euclidean distance over pairs of the first m 784-pixel images. */
function spread(images: Float32Array, m: number): number {
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < m; i++) {
    for (let j = i + 1; j < m; j++) {
      let d2 = 0;
      for (let p = 0; p < 784; p++) d2 += (images[i * 784 + p]! - images[j * 784 + p]!) ** 2;
      sum += Math.sqrt(d2);
      pairs++;
    }
  }
  return sum / pairs;
}

beforeAll(async () => {
  await init({ backend: 'cpu' });
});

describe('TrainingRun', () => {
  it('emits its events in order: grids every sampleEvery, checkpoints every checkpointEvery, the final checkpoint before the last grid', async () => {
    const t = trainer();
    const reads: number[] = [];
    const readLogs = t.readLogs.bind(t);
    t.readLogs = async () => {
      const logs = await readLogs();
      if (logs.length) reads.push(logs[logs.length - 1]!.step);
      return logs;
    };
    const run = new TrainingRun(t, { steps: 7, sampleEvery: 3, checkpointEvery: 2, logEvery: 4, metadata: { digits: '3' } });
    const events: RunEvent[] = [];
    for await (const e of run) events.push(e);
    // Each grid is followed by a warning: an untrained G's samples are far less varied than uniform noise "images".
    expect(events.map(label)).toEqual([
      'start:0', 'grid:0', 'warning:0',
      'step:1', 'step:2', 'checkpoint:2',
      'step:3', 'grid:3', 'warning:3',
      'step:4', 'checkpoint:4',
      'step:5', 'step:6', 'grid:6', 'warning:6', 'checkpoint:6',
      'step:7', 'checkpoint:7:final', 'grid:7', 'warning:7', 'end',
    ]);
    const grid0 = events[1] as Extract<RunEvent, { type: 'grid' }>;
    const realSpread = spread(fakeData().images, 32);
    expect(spread(grid0.samples, 4)).toBeLessThan(0.2 * realSpread);
    expect((events[2] as Extract<RunEvent, { type: 'warning' }>).message).toMatch(/^step 0: samples are all alike/);
    // Readbacks only where logEvery (4), a grid (3, 6), a checkpoint (2, 4, 6) or the end (7) needs them.
    expect(reads).toEqual([2, 3, 4, 6, 7]);
    const logs = events.flatMap((e) => (e.type === 'step' ? [e.log] : []));
    expect(logs).toEqual(await stepwise(7));

    for (const e of events) {
      if (e.type !== 'checkpoint') continue;
      const ck = readCheckpoint(e.bytes);
      expect(ck.state.step).toBe(e.step);
      expect(ck.metadata.digits).toBe('3');
    }
    const final = events.find((e) => e.type === 'checkpoint' && e.final) as Extract<RunEvent, { type: 'checkpoint' }>;
    expect(final.bytes).toEqual(await saveCheckpoint(t, { digits: '3' }));

    const end = events[events.length - 1] as Extract<RunEvent, { type: 'end' }>;
    const r = end.result;
    expect([r.step, r.stepsRun, r.stopped]).toEqual([7, 7, false]);
    expect(r.history).toEqual(logs);
    expect(gifFrames(r.gif)).toBe(4);
    expect(run.frames).toHaveLength(4);
    // 4 samples in a 2x2 grid of 28x28 with 2 px padding: 2 + 2 * (28 + 2) = 62 px.
    const grid = (events[events.length - 3] as Extract<RunEvent, { type: 'grid' }>).grid;
    expect([grid.width, grid.height]).toEqual([62, 62]);
    const samples = await t.sample();
    expect(r.samples).toEqual(samples);
    // Pixel (2, 2) is sample 0's first pixel, v in [-1, 1] -> round((v + 1) / 2 * 255); (0, 0) is padding.
    expect(grid.pixels[2 * 62 + 2]).toBe(Math.round((samples[0]! + 1) * 127.5));
    expect(grid.pixels[0]).toBe(GRID_BACKGROUND);
    expect(r.lossSvg).toMatch(/^<svg[\s\S]*D loss[\s\S]*<\/svg>$/);
    expect([...r.samplesPng.subarray(1, 4)]).toEqual([0x50, 0x4e, 0x47]);
  });

  it('logs the same losses with logEvery 1 and 10, and both equal stepping one readback at a time', async () => {
    const history = async (logEvery: number) => (await new TrainingRun(trainer(), { steps: 25, logEvery, sampleEvery: 1000, checkpointEvery: 0 }).start()).history;
    const one = await history(1);
    const ten = await history(10);
    expect(one.map((l) => l.step)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(ten).toEqual(one);
    expect(one).toEqual(await stepwise(25));
    expect(one[24]!.epoch).toBe(4); // 40 images, batches of 8: steps 21..25 are epoch 4
  });

  it('stop() from a timer ends the run after the current step with a final checkpoint that resumes exactly', async () => {
    const t = trainer();
    const run = new TrainingRun(t, { steps: 1_000_000, logEvery: 10, sampleEvery: 50, checkpointEvery: 0 });
    const labels: string[] = [];
    // A timer can only fire if the loop yields to the event loop (the CPU backend never waits otherwise).
    setTimeout(() => run.stop(), 300);
    const result = await run.start((e) => void (e.type !== 'warning' && labels.push(label(e))));
    const n = result.step;
    expect(result.stopped).toBe(true);
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(1_000_000);
    const steps = labels.filter((l) => l.startsWith('step:'));
    expect(steps).toEqual(Array.from({ length: n }, (_, i) => `step:${i + 1}`));
    const tail = n % 50 === 0 ? [`checkpoint:${n}:final`, 'end'] : [`checkpoint:${n}:final`, `grid:${n}`, 'end'];
    expect(labels.slice(-tail.length)).toEqual(tail);
    // The final checkpoint continues as an uninterrupted trainer does.
    const bytes = await saveCheckpoint(t);
    const resumed = resumeTrainer(readCheckpoint(bytes), fakeData());
    expect(resumed.step).toBe(n);
    const whole = await stepwise(n + 2);
    expect([await resumed.trainStep(), await resumed.trainStep()]).toEqual(whole.slice(n));
  });

  it('takes D warm-up steps one per turn of the event loop; stopped in the middle, its checkpoint resumes the warm-up exactly', async () => {
    const opts = { ...OPTS, dWarmup: 5 };
    const whole: StepLog[] = [];
    const straight = new GanTrainer(TINY, opts, fakeData());
    for (let i = 0; i < 3; i++) whole.push(await straight.trainStep());

    const t = new GanTrainer(TINY, opts, fakeData());
    const run = new TrainingRun(t, { steps: 3, checkpointEvery: 0 });
    // Each warm-up step is followed by a turn of the event loop, so an immediate set by one runs before the next.
    let turns = 0;
    const warm = t.queueWarmupStep.bind(t);
    t.queueWarmupStep = () => {
      const took = warm();
      if (took) setImmediate(() => (++turns === 2 ? run.stop() : undefined));
      return took;
    };
    const result = await run.start();
    expect(result.step).toBe(0);
    expect(t.warmupRemaining).toBe(3);
    const ck = readCheckpoint(await saveCheckpoint(t));
    expect(ck.state.warmupLeft).toBe(3);
    expect(ck.state.optD.t).toBe(2);
    const resumed = resumeTrainer(ck, fakeData());
    const rest: StepLog[] = [];
    for (let i = 0; i < 3; i++) rest.push(await resumed.trainStep());
    expect(rest).toEqual(whole);
  });

  it('pause() holds the loop with every step read back until resume()', async () => {
    const t = trainer();
    const run = new TrainingRun(t, { steps: 30, logEvery: 10, sampleEvery: 1000, checkpointEvery: 0 });
    const seen: number[] = [];
    let heldAt = -1;
    const result = await run.start(async (e) => {
      if (e.type !== 'step') return;
      seen.push(e.log.step);
      if (e.log.step === 10) {
        run.pause();
        setTimeout(() => {
          heldAt = t.step;
          expect(run.paused).toBe(true);
          run.resume();
        }, 100);
      }
    });
    // Step 10's events asked for the pause: the loop held right after step 10 until resume().
    expect(heldAt).toBe(10);
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(result.stopped).toBe(false);
  });

  it('a non-finite loss at readback throws after the steps before it were emitted', async () => {
    const t = trainer();
    const readLogs = t.readLogs.bind(t);
    t.readLogs = async () => (await readLogs()).map((l) => (l.step === 3 ? { ...l, gLoss: NaN } : l));
    const seen: number[] = [];
    await expect(new TrainingRun(t, { steps: 10, logEvery: 5 }).start((e) => void (e.type === 'step' && seen.push(e.log.step))))
      .rejects.toThrow(/loss became .*NaN at step 3/);
    expect(seen).toEqual([1, 2]);
  });

  it('refuses bad options and a second iteration', async () => {
    expect(() => new TrainingRun(trainer(), { steps: 5, sampleEvery: 0 })).toThrow(ValueError);
    expect(() => new TrainingRun(trainer(), { steps: 5, logEvery: 1.5 })).toThrow(/logEvery must be an integer/);
    const run = new TrainingRun(trainer(), { steps: 1 });
    await run.start();
    expect(() => run[Symbol.asyncIterator]()).toThrow(StateError);
  });
});

/**
 * A training run: the step loop around a {@link GanTrainer} with everything a person
 * watching it wants, shared by the CLI and the browser demo. It owns the progress grids
 * of the fixed noise (one every `sampleEvery` steps, which are also the GIF's frames), the
 * history of step logs, the loss plot, and periodic checkpoints; it does no I/O of its own
 * (the caller writes the checkpoint bytes and pictures it is handed) and imports nothing
 * from Node, so it runs in a browser as is.
 *
 * It is an async iterable of {@link RunEvent}s:
 *
 * ```ts
 * const run = new TrainingRun(trainer, { steps: 3000, checkpointEvery: 500 });
 * process.on('SIGINT', () => run.stop());
 * for await (const e of run) {
 *   if (e.type === 'step') log.write(JSON.stringify(e.log));
 *   if (e.type === 'checkpoint') await writeAtomic(path, e.bytes);  // the run waits for it
 *   if (e.type === 'end') save(e.result);
 * }
 * ```
 *
 * or, with a callback, `const result = await run.start((e) => ...)`. The loop waits for the
 * consumer at every event, so a checkpoint is written before training goes on.
 *
 * Order: `start`, a grid of step `trainer.step`, then per step in step order its `step`
 * event (and a `warning` after it when the collapse monitor has one), then that step's
 * `grid` (every `sampleEvery` steps; a `warning` follows it when the samples are all
 * alike) and `checkpoint` (every `checkpointEvery` steps); at
 * the end the final `checkpoint` (always, `final: true`, before any picture), a last `grid`
 * when the last step had none, and `end` with the pictures. Every event about step s comes
 * after the `step` events of steps <= s.
 *
 * Losses are read back every `logEvery` steps (and before every grid, checkpoint, pause
 * and the end), so the GPU is not drained every step; every step is still logged with its
 * own numbers, and a non-finite loss throws a ValueError at that readback, after the
 * `step` events of the steps before it.
 *
 * The loop yields to the event loop after every step, and after each of the trainer's
 * D-only warm-up steps (setImmediate in Node, a
 * MessageChannel task in browsers), so a SIGINT handler runs even on the CPU backend and
 * a page stays responsive. `stop()` ends the loop after the current step, still emitting
 * the final checkpoint, grid and `end`; `pause()` holds it after the current step until
 * `resume()` or `stop()`.
 */
import { StateError, ValueError } from '../errors.js';
import { saveCheckpoint } from './checkpoint.js';
import { encodeGif } from './gif.js';
import { grayImages, imageGrid, type GrayImage } from './grid.js';
import { pixels } from './models.js';
import { linePlotSvg } from './plot.js';
import { encodePng } from './png.js';
import { checkFinite, type GanTrainer, type StepLog } from './trainer.js';

export interface RunOptions {
  /** Train until the trainer's step reaches this (a total: steps before a resume count). */
  steps: number;
  /** Steps between progress grids (GIF frames); default 100. */
  sampleEvery?: number;
  /** Steps between loss readbacks; default 10. */
  logEvery?: number;
  /** Steps between periodic checkpoints; default 500; 0 = only the final one. */
  checkpointEvery?: number;
  /** Metadata added to every checkpoint (the CLI records the digits and the model). */
  metadata?: Record<string, string>;
  /** Logs of the steps before a resume, so the loss plot covers the whole run. */
  history?: StepLog[];
  /** Title of the loss plot; default "<kind> GAN". */
  title?: string;
  /** How long each GIF frame shows, in ms; default 150. */
  frameDelayMs?: number;
}

export const DEFAULT_RUN_OPTIONS = { sampleEvery: 100, logEvery: 10, checkpointEvery: 500, frameDelayMs: 150 } as const;

/** What a run leaves: its numbers and its pictures, encoded. */
export interface RunResult {
  /** The trainer's step at the end. */
  step: number;
  /** Steps trained by this run (not counting those before a resume). */
  stepsRun: number;
  /** True when `stop()` ended the run before `steps`. */
  stopped: boolean;
  /** Wall time of the run in seconds, pauses excluded. */
  seconds: number;
  /** Every step's log (the ones passed in `history` first). */
  history: StepLog[];
  /** The fixed noise's samples at the end, [N, C, H, W] flat, in [-1, 1]. */
  samples: Float32Array;
  /** Their grid at 2x, as a grayscale PNG. */
  samplesPng: Uint8Array;
  /** Every progress grid as an animated GIF. */
  gif: Uint8Array;
  /** D loss, G loss, mean D(x) and mean D(G(z)) per step, as an SVG line plot. */
  lossSvg: string;
}

export type RunEvent =
  | { type: 'start'; step: number; steps: number }
  | { type: 'step'; log: StepLog }
  | { type: 'warning'; step: number; message: string }
  | { type: 'grid'; step: number; grid: GrayImage; samples: Float32Array }
  | { type: 'checkpoint'; step: number; bytes: Uint8Array; final: boolean }
  | { type: 'end'; result: RunResult };

/** Resolves on the next turn of the event loop, after pending I/O, timers and signals. */
const nextTask: () => Promise<void> = (() => {
  if (typeof setImmediate === 'function') return () => new Promise<void>((r) => setImmediate(r));
  if (typeof MessageChannel === 'function') {
    // Browsers clamp nested setTimeout(0) to 4 ms; a message task is not clamped.
    const waiting: (() => void)[] = [];
    let channel: MessageChannel | null = null;
    return () => new Promise<void>((r) => {
      if (!channel) {
        channel = new MessageChannel();
        channel.port1.onmessage = () => waiting.shift()?.();
      }
      waiting.push(r);
      channel.port2.postMessage(0);
    });
  }
  return () => new Promise<void>((r) => setTimeout(r, 0));
})();

function checkEvery(name: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min || v > 1e9) throw new ValueError(`TrainingRun: ${name} must be an integer in [${min}, 1e9], got ${v}`);
  return v;
}

/** A training run over a trainer; see the file's comment for its events. Iterate it once. */
export class TrainingRun implements AsyncIterable<RunEvent> {
  readonly steps: number;
  readonly sampleEvery: number;
  readonly logEvery: number;
  readonly checkpointEvery: number;
  /** Every step's log so far, in order. */
  readonly history: StepLog[];
  /** Every progress grid so far: the GIF's frames. */
  readonly frames: GrayImage[] = [];
  private readonly metadata: Record<string, string>;
  private readonly title: string;
  private readonly frameDelayMs: number;
  private stopRequested = false;
  private gate: { promise: Promise<void>; open: () => void } | null = null;
  private started = false;
  private lastSamples: Float32Array | null = null;
  private lastGridStep = -1;

  constructor(readonly trainer: GanTrainer, options: RunOptions) {
    this.steps = checkEvery('steps', options.steps, 0);
    this.sampleEvery = checkEvery('sampleEvery', options.sampleEvery ?? DEFAULT_RUN_OPTIONS.sampleEvery, 1);
    this.logEvery = checkEvery('logEvery', options.logEvery ?? DEFAULT_RUN_OPTIONS.logEvery, 1);
    this.checkpointEvery = checkEvery('checkpointEvery', options.checkpointEvery ?? DEFAULT_RUN_OPTIONS.checkpointEvery, 0);
    this.frameDelayMs = options.frameDelayMs ?? DEFAULT_RUN_OPTIONS.frameDelayMs;
    this.metadata = { ...options.metadata };
    this.history = [...(options.history ?? [])];
    this.title = options.title ?? `${trainer.config.kind} GAN`;
  }

  /** Ends the run after the current step; the final checkpoint, grid and `end` still come. */
  stop(): void {
    this.stopRequested = true;
    this.gate?.open();
  }

  /** True once `stop()` was called. */
  get stopping(): boolean {
    return this.stopRequested;
  }

  /** Holds the loop after the current step (its logs read back) until `resume()` or `stop()`. */
  pause(): void {
    if (this.gate || this.stopRequested) return;
    let open!: () => void;
    const promise = new Promise<void>((r) => (open = r));
    this.gate = { promise, open: () => { this.gate = null; open(); } };
  }

  resume(): void {
    this.gate?.open();
  }

  get paused(): boolean {
    return this.gate !== null;
  }

  /** Runs to the end, handing each event to `onEvent` (awaited); returns the result. */
  async start(onEvent: (e: RunEvent) => void | Promise<void> = () => {}): Promise<RunResult> {
    let result: RunResult | null = null;
    for await (const e of this) {
      await onEvent(e);
      if (e.type === 'end') result = e.result;
    }
    return result!;
  }

  [Symbol.asyncIterator](): AsyncIterator<RunEvent> {
    if (this.started) throw new StateError('TrainingRun: a run can be iterated only once; make a new one over the trainer');
    this.started = true;
    return this.events();
  }

  private async *events(): AsyncGenerator<RunEvent> {
    const t = this.trainer;
    const first = t.step;
    const t0 = performance.now();
    let pausedMs = 0;
    yield { type: 'start', step: t.step, steps: this.steps };
    yield* this.grid();
    while (t.step < this.steps && !this.stopRequested) {
      // D's warm-up steps, one per turn of the loop: no logs, grids or checkpoints of their own.
      if (!t.queueWarmupStep()) {
        t.queueStep();
        const s = t.step;
        const last = s >= this.steps || this.stopRequested;
        const gridDue = s % this.sampleEvery === 0;
        const checkpointDue = this.checkpointEvery > 0 && s % this.checkpointEvery === 0 && !last;
        if (last || gridDue || checkpointDue || this.paused || s % this.logEvery === 0) yield* this.readLogs();
        if (gridDue) yield* this.grid();
        if (checkpointDue) yield await this.checkpoint(false);
      }
      await nextTask();
      if (this.gate && !this.stopRequested) {
        yield* this.readLogs();
        const p0 = performance.now();
        await this.gate?.promise;
        pausedMs += performance.now() - p0;
      }
    }
    yield* this.readLogs();
    const seconds = (performance.now() - t0 - pausedMs) / 1000;
    // The weights first: a consumer that fails on a picture has already saved them.
    yield await this.checkpoint(true);
    if (this.lastGridStep !== t.step) yield* this.grid();
    yield { type: 'end', result: this.result(first, seconds) };
  }

  private async *readLogs(): AsyncGenerator<RunEvent> {
    for (const log of await this.trainer.readLogs()) {
      checkFinite(log);
      this.history.push(log);
      yield { type: 'step', log };
      if (log.warning) yield { type: 'warning', step: log.step, message: log.warning };
    }
  }

  /** The fixed noise's grid now (also a GIF frame), and a warning when its samples are all alike. */
  private async *grid(): AsyncGenerator<RunEvent> {
    const t = this.trainer;
    const [, h, w] = t.config.imageShape;
    const n = t.options.fixedSamples;
    const samples = await t.sample();
    const grid = imageGrid(grayImages(samples, n, t.config.imageShape), n, h, w);
    this.frames.push(grid);
    this.lastSamples = samples;
    this.lastGridStep = t.step;
    yield { type: 'grid', step: t.step, grid, samples };
    const warning = t.monitor.samples(samples, n, pixels(t.config.imageShape), t.step);
    if (warning) yield { type: 'warning', step: t.step, message: warning };
  }

  private async checkpoint(final: boolean): Promise<RunEvent> {
    return { type: 'checkpoint', step: this.trainer.step, bytes: await saveCheckpoint(this.trainer, this.metadata), final };
  }

  private result(first: number, seconds: number): RunResult {
    const t = this.trainer;
    const [, h, w] = t.config.imageShape;
    const n = t.options.fixedSamples;
    const samples = this.lastSamples!;
    const big = imageGrid(grayImages(samples, n, t.config.imageShape), n, h, w, { scale: 2 });
    const grid0 = this.frames[0]!;
    const series = (name: string, key: 'dLoss' | 'gLoss' | 'dReal' | 'dFake') => ({ name, values: this.history.map((l) => l[key]) });
    return {
      step: t.step,
      stepsRun: t.step - first,
      stopped: t.step < this.steps,
      seconds,
      history: this.history,
      samples,
      samplesPng: encodePng(big.pixels, big.width, big.height),
      gif: encodeGif(this.frames.map((f) => f.pixels), grid0.width, grid0.height, { delayMs: this.frameDelayMs }),
      lossSvg: linePlotSvg(
        [series('D loss', 'dLoss'), series('G loss', 'gLoss'), series('mean D(x)', 'dReal'), series('mean D(G(z))', 'dFake')],
        { title: this.title, xLabel: 'step', smooth: 0.95 },
      ),
    };
  }
}

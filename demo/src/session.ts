/**
 * One training run of the page: a GanTrainer and the TrainingRun the CLI drives too, its
 * events appended to a Recorder. The page keeps no training logic of its own; this file
 * only consumes events, and finds moments when the trainer is idle so that a checkpoint
 * can be saved in the middle of a run.
 */
import {
  DEFAULT_RUN_OPTIONS, GanTrainer, PRESETS, TrainingRun, encodeGif, linePlotSvg, saveCheckpoint,
  type RunEvent, type RunResult, type StepLog,
} from 'shadergrad/gan';
import type { Digits } from 'shadergrad/data';
import type { Settings } from './controls.js';
import { Recorder } from './recorder.js';

export class Session {
  readonly trainer: GanTrainer;
  readonly run: TrainingRun;
  readonly recorder = new Recorder();
  readonly settings: Settings;
  /** The checkpoint metadata, as the CLI writes it, so `shadergrad train --resume` takes a page's checkpoint. */
  readonly metadata: Record<string, string>;
  readonly title: string;
  /** Resolves when the run's loop has ended, however it ended (see `error`). */
  readonly finished: Promise<void>;
  result: RunResult | null = null;
  finalCheckpoint: Uint8Array | null = null;
  error: unknown = null;
  private ended = false;
  private userPaused = false;
  /** Saves in progress that hold the run paused. */
  private holds = 0;
  /** Work to run at the next event, while the run waits for this loop. */
  private atNextEvent: (() => Promise<void>)[] = [];
  private readonly firstStep: number;

  /** Builds the trainer (a ValueError for settings it refuses) and starts the run. */
  constructor(settings: Settings, data: Digits, private readonly onEvent: (e: RunEvent) => void) {
    this.settings = settings;
    const digits = settings.digits.join(',');
    this.metadata = { digits, model: settings.model, data: 'mnist' };
    this.title = `${settings.model} on digits ${digits}`;
    this.trainer = new GanTrainer(PRESETS[settings.model], settings.options, data);
    this.firstStep = this.trainer.step;
    this.run = new TrainingRun(this.trainer, {
      steps: settings.steps, sampleEvery: settings.sampleEvery, logEvery: settings.logEvery,
      checkpointEvery: 0, metadata: this.metadata, title: this.title,
    });
    this.finished = this.loop();
  }

  private async loop(): Promise<void> {
    try {
      for await (const e of this.run) {
        if (e.type === 'checkpoint' && e.final) this.finalCheckpoint = e.bytes;
        if (e.type === 'end') this.result = e.result;
        this.recorder.record(e);
        this.onEvent(e);
        // The run is suspended at this event until the loop asks for the next one.
        while (this.atNextEvent.length) await this.atNextEvent.shift()!();
      }
    } catch (e) {
      this.error = e;
    } finally {
      this.ended = true;
      while (this.atNextEvent.length) await this.atNextEvent.shift()!();
    }
  }

  get done(): boolean {
    return this.ended;
  }

  get paused(): boolean {
    return this.userPaused;
  }

  pause(): void {
    this.userPaused = true;
    this.run.pause();
  }

  resume(): void {
    this.userPaused = false;
    this.recorder.rate.reset(performance.now(), this.recorder.lastStep);
    // A save in progress resumes the run when it is done.
    if (this.holds === 0) this.run.resume();
  }

  /** Ends the run after the current step; its final checkpoint, grid and `end` still come. */
  stop(): void {
    this.userPaused = false;
    this.run.stop();
  }

  /**
   * Runs `fn` while the trainer takes no step: pauses the run, and resumes it afterwards
   * unless the user had paused it. A paused run queues no step before `resume()` once it
   * has queued its first; before that, `fn` waits for the next event, where the run is
   * suspended until this loop continues.
   */
  async withTrainerIdle<T>(fn: () => Promise<T>): Promise<T> {
    if (this.ended) return fn();
    this.holds++;
    this.run.pause();
    try {
      if (this.trainer.step > this.firstStep || this.run.stopping) return await fn();
      return await new Promise<T>((resolve, reject) => this.atNextEvent.push(() => fn().then(resolve, reject)));
    } finally {
      this.holds--;
      if (this.holds === 0 && !this.userPaused && !this.ended) {
        this.recorder.rate.reset(performance.now(), this.recorder.lastStep);
        this.run.resume();
      }
    }
  }

  /** The checkpoint now, with the step it holds: the final one after the run, else saved mid-run. */
  async checkpoint(): Promise<{ bytes: Uint8Array; step: number }> {
    if (this.ended && this.finalCheckpoint) return { bytes: this.finalCheckpoint, step: this.trainer.step };
    return this.withTrainerIdle(async () => ({ bytes: await saveCheckpoint(this.trainer, this.metadata), step: this.trainer.step }));
  }

  /**
   * The progress GIF of the grids so far (null before the first). Mid-run it is encoded
   * here as TrainingRun's result encodes it, from the run's public frames.
   */
  gif(): Uint8Array | null {
    if (this.result) return this.result.gif;
    const frames = this.run.frames;
    if (frames.length === 0) return null;
    return encodeGif(frames.map((f) => f.pixels), frames[0]!.width, frames[0]!.height, { delayMs: DEFAULT_RUN_OPTIONS.frameDelayMs });
  }

  /** The loss plot of the steps so far (null before the first), as TrainingRun's result draws it. */
  lossSvg(): string | null {
    if (this.result) return this.result.lossSvg;
    const h = this.run.history;
    if (h.length === 0) return null;
    const series = (name: string, key: keyof Pick<StepLog, 'dLoss' | 'gLoss' | 'dReal' | 'dFake'>) => ({ name, values: h.map((l) => l[key]) });
    return linePlotSvg(
      [series('D loss', 'dLoss'), series('G loss', 'gLoss'), series('mean D(x)', 'dReal'), series('mean D(G(z))', 'dFake')],
      { title: this.title, xLabel: 'step', smooth: 0.95 },
    );
  }

  /** Frees the trainer's device memory once the run has ended. */
  dispose(): void {
    if (!this.ended) throw new Error('Session.dispose: the run has not ended; stop() it and await finished');
    this.trainer.dispose();
  }
}

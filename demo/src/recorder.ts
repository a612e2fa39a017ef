/**
 * What a run has shown so far, as plain arrays: the step loop only appends here, and the
 * page draws from these on its own animation frames, so training never waits on drawing.
 */
import type { GrayImage, RunEvent } from 'shadergrad/gan';

export class Recorder {
  readonly step: number[] = [];
  readonly epoch: number[] = [];
  readonly dLoss: number[] = [];
  readonly gLoss: number[] = [];
  readonly dReal: number[] = [];
  readonly dFake: number[] = [];
  readonly warnings: string[] = [];
  /** The latest sample grid of the fixed noise; `grids` counts them all. */
  grid: { step: number; image: GrayImage } | null = null;
  grids = 0;
  /** The step the run trains to. */
  target = 0;
  /** Bumped on every change, so a view redraws only when something is new. */
  version = 0;
  readonly rate = new Rate();

  record(e: RunEvent, now = performance.now()): void {
    if (e.type === 'start') {
      this.target = e.steps;
      this.rate.add(now, e.step);
    } else if (e.type === 'step') {
      const l = e.log;
      this.step.push(l.step);
      this.epoch.push(l.epoch);
      this.dLoss.push(l.dLoss);
      this.gLoss.push(l.gLoss);
      this.dReal.push(l.dReal);
      this.dFake.push(l.dFake);
      this.rate.add(now, l.step);
    } else if (e.type === 'grid') {
      this.grid = { step: e.step, image: e.grid };
      this.grids++;
    } else if (e.type === 'warning') {
      this.warnings.push(`step ${e.step}: ${e.message}`);
    } else {
      return;
    }
    this.version++;
  }

  /** The last step read back (0 before any). */
  get lastStep(): number {
    return this.step.length ? this.step[this.step.length - 1]! : 0;
  }
}

/**
 * Steps per second over the last few seconds of readbacks. Steps are read back in bursts
 * (ten logs at once), so points that arrive together count as one: the burst's last step
 * at the time it arrived.
 */
export class Rate {
  private points: { t: number; step: number }[] = [];
  private static readonly WINDOW_MS = 4000;

  add(t: number, step: number): void {
    const last = this.points[this.points.length - 1];
    if (last && t - last.t < 1) {
      last.step = step;
      return;
    }
    this.points.push({ t, step });
    // Keep at least two points, and drop the old ones once the rest still span the window.
    while (this.points.length > 2 && t - this.points[1]!.t >= Rate.WINDOW_MS) this.points.shift();
  }

  /** Forget the past: after a pause, the time paused is not training time. */
  reset(t: number, step: number): void {
    this.points = [{ t, step }];
  }

  /** Steps per second, or null until two readbacks are apart in time. */
  perSecond(): number | null {
    const a = this.points[0];
    const b = this.points[this.points.length - 1];
    if (!a || !b || b.t - a.t < 1) return null;
    return ((b.step - a.step) * 1000) / (b.t - a.t);
  }
}

/**
 * Draws a session: the sample grid, the two charts and the numbers under the grid, on
 * requestAnimationFrame and only when the recorder has something new. The training loop
 * calls `invalidate()` and moves on; one frame draws whatever arrived since the last.
 */
import { canvasHash, drawGray } from './canvas.js';
import { drawChart } from './charts.js';
import { byId } from './controls.js';
import type { Session } from './session.js';

const COLORS = { d: '#2563eb', g: '#ea580c', real: '#16a34a', fake: '#dc2626' };
const SMOOTH = 0.9;

export class View {
  private readonly grid = byId<HTMLCanvasElement>('grid');
  private readonly gridStep = byId('grid-step');
  private readonly lossChart = byId<HTMLCanvasElement>('loss-chart');
  private readonly dChart = byId<HTMLCanvasElement>('d-chart');
  private readonly progress = byId<HTMLProgressElement>('progress');
  private readonly stepText = byId('stat-step');
  private readonly rateText = byId('stat-rate');
  private readonly epochText = byId('stat-epoch');
  private readonly etaText = byId('stat-eta');
  private readonly warnings = byId<HTMLUListElement>('warnings');
  private session: Session | null = null;
  private drawnVersion = -1;
  private drawnGrids = 0;
  private scheduled = false;

  constructor() {
    // The charts fit their boxes: a resize redraws them.
    new ResizeObserver(() => this.invalidate(true)).observe(this.lossChart);
  }

  /** Shows `s` (null: the empty state after a reset). */
  show(s: Session | null): void {
    this.session = s;
    this.drawnGrids = 0;
    this.warnings.replaceChildren();
    if (!s) {
      const ctx = this.grid.getContext('2d', { willReadFrequently: true })!;
      ctx.clearRect(0, 0, this.grid.width, this.grid.height);
      this.gridStep.textContent = '';
    }
    this.invalidate(true);
  }

  /** Asks for a frame; `force` redraws even when the recorder has nothing new (a resize, a state change). */
  invalidate(force = false): void {
    if (force) this.drawnVersion = -1;
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.draw();
    });
  }

  private draw(): void {
    const s = this.session;
    const r = s?.recorder;
    if (r && r.version === this.drawnVersion) return this.drawNumbers();
    this.drawnVersion = r?.version ?? -1;
    if (s && r?.grid && r.grids !== this.drawnGrids) {
      this.drawnGrids = r.grids;
      drawGray(this.grid, r.grid.image);
      this.gridStep.textContent = `step ${r.grid.step}`;
      window.__demo.grids.push({ step: r.grid.step, hash: canvasHash(this.grid) });
    }
    const x = r?.step ?? [];
    drawChart(this.lossChart, x, [
      { name: 'D loss', color: COLORS.d, values: r?.dLoss ?? [] },
      { name: 'G loss', color: COLORS.g, values: r?.gLoss ?? [] },
    ], { smooth: SMOOTH });
    drawChart(this.dChart, x, [
      { name: 'mean D(x), real', color: COLORS.real, values: r?.dReal ?? [] },
      { name: 'mean D(G(z)), fake', color: COLORS.fake, values: r?.dFake ?? [] },
    ], { smooth: SMOOTH, yRange: [0, 1], guide: 0.5 });
    if (r) {
      for (const w of r.warnings.slice(this.warnings.children.length)) {
        const li = document.createElement('li');
        li.textContent = w;
        this.warnings.append(li);
      }
    }
    this.drawNumbers();
  }

  /** Step, rate, epoch and time left; cheap, so drawn on every frame asked for. */
  private drawNumbers(): void {
    const s = this.session;
    const r = s?.recorder;
    const step = r?.lastStep ?? 0;
    const target = r?.target || s?.settings.steps || 0;
    this.progress.max = Math.max(1, target);
    this.progress.value = step;
    this.stepText.textContent = s ? `${step} / ${target}` : '–';
    const rate = s && !s.done && !s.paused ? r!.rate.perSecond() : null;
    const result = s?.result;
    if (result) this.rateText.textContent = `${fmtRate(result.stepsRun / Math.max(result.seconds, 1e-3))} (average)`;
    else this.rateText.textContent = rate === null ? '–' : fmtRate(rate);
    this.epochText.textContent = r?.epoch.length ? String(r.epoch[r.epoch.length - 1]) : '–';
    this.etaText.textContent = rate && rate > 0 && target > step ? duration((target - step) / rate) : '–';
  }
}

function fmtRate(perSecond: number): string {
  return perSecond.toFixed(perSecond < 10 ? 2 : 1);
}

function duration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

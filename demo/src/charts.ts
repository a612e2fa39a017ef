/**
 * Line charts on a canvas, redrawn whole from the recorder's arrays on an animation frame.
 * Each series is drawn twice, TensorBoard's way: the raw values faint, an exponential
 * moving average (debiased, so it starts at the first value) on top. Past one point per
 * pixel column the raw line becomes a min-max band per column, so a 3000-step run costs
 * no more to draw than a 300-step one.
 */
import { niceTicks } from 'shadergrad/gan';

export interface ChartSeries {
  name: string;
  color: string;
  values: readonly number[];
}

export interface ChartOptions {
  /** Fixed y range; by default the data's, with a little room. */
  yRange?: [number, number];
  /** A dashed horizontal line (0.5: where D cannot tell real from fake). */
  guide?: number;
  /** EMA weight in [0, 1). */
  smooth: number;
}

const M = { left: 44, right: 10, top: 24, bottom: 22 };
const AXIS = '#8a94a6';
const GRID = '#e6e9ef';
const TEXT = '#4a5263';

/** Sizes the canvas's backing store to its CSS box at the screen's pixel ratio; returns the CSS size. */
function fit(canvas: HTMLCanvasElement): { w: number; h: number; ctx: CanvasRenderingContext2D } {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 480;
  const h = canvas.clientHeight || 200;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { w, h, ctx };
}

function ema(values: readonly number[], weight: number): number[] {
  const out: number[] = [];
  let acc = 0;
  let norm = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) {
      out.push(NaN);
      continue;
    }
    acc = weight * acc + (1 - weight) * v;
    norm = weight * norm + (1 - weight);
    out.push(acc / norm);
  }
  return out;
}

function dataRange(series: readonly ChartSeries[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    for (const v of s.values) {
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (lo > hi) return [0, 1];
  const pad = (hi - lo) * 0.08 || Math.abs(hi) * 0.1 || 1;
  return [Math.max(0, lo - pad), hi + pad];
}

/** Draws `series` against `x` (step numbers) on `canvas`. */
export function drawChart(canvas: HTMLCanvasElement, x: readonly number[], series: readonly ChartSeries[], opts: ChartOptions): void {
  const { w, h, ctx } = fit(canvas);
  ctx.clearRect(0, 0, w, h);
  const pw = w - M.left - M.right;
  const ph = h - M.top - M.bottom;
  const n = x.length;
  const x0 = n ? x[0]! : 0;
  const x1 = n > 1 ? x[n - 1]! : x0 + 1;
  const [y0, y1] = opts.yRange ?? dataRange(series);
  const sx = (v: number) => M.left + ((v - x0) / (x1 - x0 || 1)) * pw;
  const sy = (v: number) => M.top + (1 - (v - y0) / (y1 - y0 || 1)) * ph;

  ctx.font = '11px system-ui, sans-serif';
  ctx.lineWidth = 1;
  const yt = niceTicks(y0, y1, 4);
  ctx.fillStyle = TEXT;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const v of yt.values) {
    ctx.strokeStyle = GRID;
    line(ctx, M.left, sy(v), M.left + pw, sy(v));
    ctx.fillText(v.toFixed(yt.decimals), M.left - 6, sy(v));
  }
  const xt = niceTicks(x0, x1, 5, true);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const v of n ? xt.values : []) ctx.fillText(String(v), sx(v), M.top + ph + 5);
  ctx.strokeStyle = AXIS;
  line(ctx, M.left, M.top + ph, M.left + pw, M.top + ph);
  if (opts.guide !== undefined) {
    ctx.setLineDash([4, 4]);
    line(ctx, M.left, sy(opts.guide), M.left + pw, sy(opts.guide));
    ctx.setLineDash([]);
  }

  ctx.save();
  ctx.beginPath();
  ctx.rect(M.left, M.top, pw, ph);
  ctx.clip();
  for (const s of series) {
    ctx.strokeStyle = s.color;
    ctx.fillStyle = s.color;
    ctx.globalAlpha = 0.25;
    if (n > pw) band(ctx, s.values, n, pw, M.left, sy);
    else path(ctx, x, s.values, sx, sy, 1);
    ctx.globalAlpha = 1;
    path(ctx, x, ema(s.values, opts.smooth), sx, sy, n > pw ? Math.ceil(n / pw) : 1, 1.8);
  }
  ctx.restore();
  legend(ctx, series, M.left, 6);
}

function line(ctx: CanvasRenderingContext2D, ax: number, ay: number, bx: number, by: number): void {
  ctx.beginPath();
  ctx.moveTo(Math.round(ax) + 0.5, Math.round(ay) + 0.5);
  ctx.lineTo(Math.round(bx) + 0.5, Math.round(by) + 0.5);
  ctx.stroke();
}

/** A polyline through every `stride`-th point (and the last); non-finite values break it. */
function path(
  ctx: CanvasRenderingContext2D, x: readonly number[], y: readonly number[],
  sx: (v: number) => number, sy: (v: number) => number, stride: number, width = 1,
): void {
  ctx.lineWidth = width;
  ctx.beginPath();
  let pen = false;
  for (let i = 0; i < y.length; i += stride) {
    const at = i + stride >= y.length ? y.length - 1 : i;
    const v = y[at]!;
    if (!Number.isFinite(v)) {
      pen = false;
      continue;
    }
    if (pen) ctx.lineTo(sx(x[at]!), sy(v));
    else ctx.moveTo(sx(x[at]!), sy(v));
    pen = true;
  }
  ctx.stroke();
}

/** The raw values as one vertical min-max bar per pixel column. */
function band(ctx: CanvasRenderingContext2D, y: readonly number[], n: number, columns: number, left: number, sy: (v: number) => number): void {
  for (let c = 0; c < columns; c++) {
    const from = Math.floor((c * n) / columns);
    const to = Math.max(from + 1, Math.floor(((c + 1) * n) / columns));
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = from; i < to; i++) {
      const v = y[i]!;
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (lo > hi) continue;
    ctx.fillRect(left + c, sy(hi), 1, Math.max(1, sy(lo) - sy(hi)));
  }
}

function legend(ctx: CanvasRenderingContext2D, series: readonly ChartSeries[], x: number, y: number): void {
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  ctx.font = '12px system-ui, sans-serif';
  for (const s of series) {
    ctx.fillStyle = s.color;
    ctx.fillRect(x, y + 4, 12, 3);
    ctx.fillStyle = TEXT;
    ctx.fillText(s.name, x + 16, y);
    x += 16 + ctx.measureText(s.name).width + 18;
  }
}

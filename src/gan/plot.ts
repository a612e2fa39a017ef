/**
 * Loss curves as a self-contained SVG: no fonts, scripts or stylesheets to fetch, so the
 * same string can be written to disk by the CLI or set as `innerHTML` by the demo page.
 * The x axis is the step index; series may differ in length and hold NaN/Infinity
 * (a diverged step), which are left out as gaps.
 */
import { ValueError } from '../errors.js';

/** One curve of {@link linePlotSvg}. */
export interface PlotSeries {
  name: string;
  values: number[];
  /** Any SVG color; default from a 10-color palette by position. */
  color?: string;
}

/** Options of {@link linePlotSvg}. */
export interface PlotOptions {
  width?: number;
  height?: number;
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** EMA weight in [0, 1) (TensorBoard's slider); > 0 draws the smoothed curve over a faint raw one. */
  smooth?: number;
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const M = { left: 64, right: 16, top: 36, bottom: 48 };

/** Escape text for use in SVG content and attribute values. */
function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Round to 2 decimals: pixel coordinates need no more, and it keeps the file small. */
function px(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/**
 * About `target` "nice" tick values (1, 2 or 5 times a power of ten apart) inside
 * [lo, hi], with the number of decimals that prints them without noise. `integer`
 * keeps the step >= 1, for step counts.
 */
export function niceTicks(lo: number, hi: number, target = 5, integer = false): { values: number[]; decimals: number } {
  if (!(hi > lo)) return { values: [lo], decimals: Math.max(0, -Math.floor(Math.log10(Math.abs(lo) || 1))) };
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  // Of the 1-2-5 steps around the raw one, take the one whose tick count is closest to
  // the target (the larger step on a tie): fixed thresholds give 7 ticks on some ranges.
  const count = (st: number): number => Math.floor(hi / st + 1e-9) - Math.ceil(lo / st - 1e-9) + 1;
  let step = 0;
  for (const f of [1, 2, 5, 10, 20]) {
    const st = integer ? Math.max(1, f * mag) : f * mag;
    if (!step || Math.abs(count(st) - target) <= Math.abs(count(step) - target)) step = st;
  }
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const values: number[] = [];
  for (let i = Math.ceil(lo / step - 1e-9); i * step <= hi + step * 1e-9; i++) {
    values.push(Number((i * step).toFixed(decimals)));
  }
  return { values, decimals };
}

/** Tick labels: fixed decimals, exponents for extreme magnitudes, `k` for step counts. */
function fmt(v: number, decimals: number, kilo = false): string {
  const a = Math.abs(v);
  if (kilo && a !== 0) return `${v / 1000}k`;
  if (a !== 0 && (a >= 1e6 || decimals > 6)) return v.toExponential(1);
  return v.toFixed(decimals);
}

/** EMA with bias correction (as TensorBoard), skipping non-finite values and keeping them as gaps. */
function ema(values: number[], w: number): number[] {
  let s = 0;
  let n = 0;
  return values.map((v) => {
    if (!Number.isFinite(v)) return NaN;
    s = w * s + (1 - w) * v;
    n++;
    return s / (1 - w ** n);
  });
}

/**
 * Polyline point lists for one series: finite runs become separate lines (gaps at NaN).
 * When there are more values than twice the plot's pixel columns, each column keeps only
 * its min and max in index order, which preserves the visible envelope of a noisy curve
 * while a 100k-step series shrinks to a few hundred points.
 */
function lines(values: number[], x: (i: number) => number, y: (v: number) => number, cols: number): string[] {
  const runs: string[] = [];
  let cur: string[] = [];
  const flush = (): void => {
    if (cur.length === 1) cur.push(cur[0]); // a lone point: a zero-length line shows as a round dot
    if (cur.length) runs.push(cur.join(' '));
    cur = [];
  };
  const add = (i: number, v: number): void => {
    if (Number.isFinite(v)) cur.push(`${px(x(i))},${px(y(v))}`);
    else flush();
  };
  const n = values.length;
  if (n <= 2 * cols) {
    values.forEach((v, i) => add(i, v));
  } else {
    for (let c = 0; c < cols; c++) {
      const a = Math.floor((c * n) / cols);
      const b = Math.floor(((c + 1) * n) / cols);
      let lo = -1;
      let hi = -1;
      for (let i = a; i < b; i++) {
        const v = values[i];
        if (!Number.isFinite(v)) continue;
        if (lo < 0 || v < values[lo]) lo = i;
        if (hi < 0 || v > values[hi]) hi = i;
      }
      if (lo < 0) flush(); // a column with no finite value is a gap
      else if (lo === hi) add(lo, values[lo]);
      else for (const i of lo < hi ? [lo, hi] : [hi, lo]) add(i, values[i]);
    }
  }
  flush();
  return runs;
}

/**
 * Render loss curves (D loss, G loss, D(x), D(G(z)) ...) as a standalone SVG string: a
 * title, axes with about five nice ticks each, light grid lines, one polyline per finite run
 * of each series and a legend. The y range is the exact min..max of all finite values, so
 * the extremes touch the plot's bottom and top edges. Non-finite values are skipped as
 * gaps; `smooth` in [0, 1) adds an EMA curve over a faint raw one; long series are
 * downsampled to min/max per pixel column. All text is XML-escaped. With no series or no
 * finite value the plot says "no data". Throws `ValueError` for a bad size or `smooth`.
 */
export function linePlotSvg(series: PlotSeries[], opts: PlotOptions = {}): string {
  const W = opts.width ?? 720;
  const H = opts.height ?? 360;
  const smooth = opts.smooth ?? 0;
  if (!Number.isFinite(W) || !Number.isFinite(H) || W < 160 || H < 120) {
    throw new ValueError(`linePlotSvg: width and height must be >= 160 x 120, got ${W} x ${H}`);
  }
  if (!(smooth >= 0 && smooth < 1)) {
    throw new ValueError(`linePlotSvg: smooth must be in [0, 1), got ${smooth}`);
  }
  if (!Array.isArray(series)) throw new ValueError('linePlotSvg: series must be an array');
  series.forEach((s, i) => {
    if (!s || typeof s.name !== 'string' || !Array.isArray(s.values)) {
      throw new ValueError(`linePlotSvg: series ${i} needs a string name and a number[] of values`);
    }
  });

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
  ];
  if (opts.title) {
    out.push(`<text x="${px(W / 2)}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(opts.title)}</text>`);
  }
  const x0 = M.left;
  const x1 = W - M.right;
  const y0 = H - M.bottom; // bottom edge of the plot area
  const y1 = M.top; // top edge

  let lo = Infinity;
  let hi = -Infinity;
  let n = 0;
  for (const s of series) {
    n = Math.max(n, s.values.length);
    for (const v of s.values) {
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (lo > hi) {
    out.push(`<rect x="${x0}" y="${y1}" width="${x1 - x0}" height="${y0 - y1}" fill="none" stroke="#999"/>`);
    out.push(`<text class="no-data" x="${px((x0 + x1) / 2)}" y="${px((y0 + y1) / 2)}" text-anchor="middle" fill="#666" font-size="16">no data</text>`);
    out.push('</svg>');
    return out.join('\n');
  }

  // A flat curve would divide by zero: give it a band around its value, keeping it centered.
  const [ylo, yhi] = hi > lo ? [lo, hi] : [lo - (Math.abs(lo) || 1) * 0.1, hi + (Math.abs(hi) || 1) * 0.1];
  const xmax = Math.max(1, n - 1);
  const X = (i: number): number => x0 + (i / xmax) * (x1 - x0);
  const Y = (v: number): number => y0 - ((v - ylo) / (yhi - ylo)) * (y0 - y1);

  // Grid lines and ticks.
  const yt = niceTicks(ylo, yhi);
  for (const v of yt.values) {
    const y = px(Y(v));
    out.push(`<line x1="${x0}" y1="${y}" x2="${x1}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${x0 - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmt(v, yt.decimals)}</text>`);
  }
  const xt = niceTicks(0, xmax, 5, true);
  // All step labels in thousands or none, so "5000" never sits beside "10k".
  const kilo = xmax >= 10000 && xt.values.every((v) => v % 1000 === 0);
  for (const v of xt.values) {
    const x = px(X(v));
    out.push(`<line x1="${x}" y1="${y1}" x2="${x}" y2="${y0}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${x}" y="${y0 + 16}" text-anchor="middle">${fmt(v, 0, kilo)}</text>`);
  }
  out.push(`<rect x="${x0}" y="${y1}" width="${x1 - x0}" height="${y0 - y1}" fill="none" stroke="#333"/>`);
  if (opts.xLabel) {
    out.push(`<text x="${px((x0 + x1) / 2)}" y="${H - 10}" text-anchor="middle">${esc(opts.xLabel)}</text>`);
  }
  if (opts.yLabel) {
    const cy = px((y0 + y1) / 2);
    out.push(`<text x="14" y="${cy}" text-anchor="middle" transform="rotate(-90 14 ${cy})">${esc(opts.yLabel)}</text>`);
  }

  // Curves, clipped so a downsampled envelope never spills over the frame.
  // The clip is 2 px larger than the frame so curves at the extremes keep their full stroke;
  // its id carries the size because plots of one size share the same rectangle when inlined.
  const clip = `sg-plot-clip-${W}x${H}`;
  out.push(`<clipPath id="${clip}"><rect x="${x0 - 2}" y="${y1 - 2}" width="${x1 - x0 + 4}" height="${y0 - y1 + 4}"/></clipPath>`);
  out.push(`<g clip-path="url(#${clip})" fill="none" stroke-width="1.5" stroke-linejoin="round" stroke-linecap="round">`);
  const cols = Math.max(1, Math.round(x1 - x0));
  series.forEach((s, k) => {
    const color = esc(s.color ?? PALETTE[k % PALETTE.length]);
    const draw = (vals: number[], cls: string, extra: string): void => {
      for (const pts of lines(vals, X, Y, cols)) {
        out.push(`<polyline class="${cls}" data-series="${k}" stroke="${color}"${extra} points="${pts}"/>`);
      }
    };
    if (smooth > 0) {
      draw(s.values, 'raw', ' stroke-opacity="0.25" stroke-width="1"');
      draw(ema(s.values, smooth), 'smooth', '');
    } else {
      draw(s.values, 'line', '');
    }
  });
  out.push('</g>');

  // Legend in the top-right corner, on a translucent box so curves under it stay visible.
  const lw = 28 + Math.max(...series.map((s) => s.name.length)) * 7;
  const lx = x1 - lw - 8;
  out.push(`<g class="legend"><rect x="${lx}" y="${y1 + 8}" width="${lw}" height="${series.length * 18 + 6}" fill="#ffffff" fill-opacity="0.8" stroke="#ccc"/>`);
  series.forEach((s, k) => {
    const ly = y1 + 20 + k * 18;
    const color = esc(s.color ?? PALETTE[k % PALETTE.length]);
    out.push(`<line x1="${lx + 6}" y1="${ly}" x2="${lx + 22}" y2="${ly}" stroke="${color}" stroke-width="2.5"/>`);
    out.push(`<text x="${lx + 26}" y="${ly}" dominant-baseline="middle">${esc(s.name)}</text>`);
  });
  out.push('</g>', '</svg>');
  return out.join('\n');
}

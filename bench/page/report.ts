/** The result as markdown tables: used by the page and by bench/run.ts. */
import { LIBS, measured, type BenchResult, type Cell, type Counts, type LibName, type Row, type Unsupported } from './types.js';

const LABEL: Record<LibName, string> = {
  shadergrad: 'shadergrad WebGPU', tfjs: 'TF.js WebGPU', cpu: 'shadergrad CPU ref', wasm: 'shadergrad wasm', 'tfjs-wasm': 'TF.js WASM', 'tfjs-cpu': 'TF.js CPU',
};

/**
 * The ratios printed, each `a ÷ b` of times measured in the same run: above 1x, `b` is
 * faster. shadergrad WebGPU against TF.js WebGPU and the CPU reference; shadergrad wasm
 * against the CPU reference and TF.js's WASM and CPU backends.
 */
const RATIOS: [LibName, LibName, string][] = [
  ['tfjs', 'shadergrad', 'TF.js ÷ shadergrad'], ['cpu', 'shadergrad', 'CPU ÷ shadergrad'],
  ['cpu', 'wasm', 'CPU ÷ wasm'], ['tfjs-wasm', 'wasm', 'TF.js WASM ÷ wasm'], ['tfjs-cpu', 'wasm', 'TF.js CPU ÷ wasm'],
];

const fmtMs = (ms: number): string => (ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0));
const fmtRate = (r: number): string => (r < 1 ? r.toFixed(3) : r < 100 ? r.toFixed(2) : r.toFixed(0));
const ratio = (a: Cell | Unsupported | undefined, b: Cell | Unsupported | undefined): string => (measured(a) && measured(b) ? `${(a.ms / b.ms).toFixed(2)}x` : '–');

/** Footnotes of the unsupported cells: one number per distinct library and reason. */
class Notes {
  readonly lines: string[] = [];
  ref(lib: LibName, why: string): number {
    const line = `${LABEL[lib]}: ${why}`;
    const i = this.lines.indexOf(line);
    return i >= 0 ? i + 1 : this.lines.push(line);
  }
}

function cell(lib: LibName, c: Cell | Unsupported | undefined, unit: Row['unit'], notes: Notes): string {
  if (!c) return '–';
  if (!measured(c)) return `unsupported [${notes.ref(lib, c.unsupported)}]`;
  return c.rate === null || !unit ? `${fmtMs(c.ms)} ms` : `${fmtMs(c.ms)} ms, ${fmtRate(c.rate)}`;
}

/** A table of rows: one column per library, then the ratios. */
function table(first: string, rows: Row[], withUnit: boolean, notes: Notes): string[] {
  const heads = [first, ...(withUnit ? ['unit'] : []), ...LIBS.map((l) => LABEL[l]), ...RATIOS.map(([, , h]) => h)];
  const out = [`| ${heads.join(' | ')} |`, `|${heads.map(() => '---').join('|')}|`];
  for (const x of rows) {
    const unit = withUnit ? x.unit : null;
    const cols = [x.name, ...(withUnit ? [x.unit ?? ''] : []), ...LIBS.map((l) => cell(l, x.cells[l], unit, notes)), ...RATIOS.map(([a, b]) => ratio(x.cells[a], x.cells[b]))];
    out.push(`| ${cols.join(' | ')} |`);
  }
  return out;
}

const COUNT_COLS: [keyof Counts, string][] = [
  ['submits', 'submits'], ['dispatches', 'dispatches'], ['writes', 'buffer writes'],
  ['bindGroups', 'bind groups created'], ['buffers', 'buffers created'], ['readbacks', 'readbacks'],
];

/** The markdown report of a result. */
export function markdown(r: BenchResult): string {
  const out: string[] = [];
  const notes = new Notes();
  const w = r.tfjsWasm;
  const threads = (n: number): string => `${n} thread${n === 1 ? '' : 's'}`;
  const wasm = r.wasmThreads ? `; shadergrad wasm on ${threads(r.wasmThreads)}` : '';
  const tfWasm = w ? ` (WASM: ${w.binary}, ${threads(w.threads)}${w.crossOriginIsolated ? '' : '; the page is not cross-origin isolated, so neither wasm has threads'})` : '';
  const twins = r.subgroups ? ' (shadergrad: subgroups twins)' : '';
  out.push(`Adapter: ${r.adapter}${twins}; TF.js ${r.tfjsVersion}${tfWasm}${wasm}; ${r.mode} mode${r.profile ? ', profiled' : ''}; ${r.startedAt}.`);
  out.push('Cells: median ms per run after warm-up (GPU work awaited) and GFLOP/s or GB/s. Ratios are times of the same run: above 1x, the second library named (shadergrad WebGPU, or shadergrad wasm) is faster. All six run round by round, interleaved.');
  out.push('');
  const kernels = r.rows.filter((x) => x.group !== 'train');
  if (kernels.length) out.push(...table('kernel', kernels, true, notes), '');
  const train = r.rows.filter((x) => x.group === 'train');
  if (train.length) {
    out.push(...table('training iteration', train, false, notes), '');
    out.push(`| WebGPU calls per iteration | library | ${COUNT_COLS.map(([, h]) => h).join(' | ')} |`);
    out.push(`|---|---|${COUNT_COLS.map(() => '---').join('|')}|`);
    for (const x of train) {
      for (const lib of ['shadergrad', 'tfjs'] as const) {
        const c = x.cells[lib];
        const per = x.iterations ?? 1;
        if (measured(c) && c.counts) out.push(`| ${x.name} | ${LABEL[lib]} | ${COUNT_COLS.map(([key]) => c.counts![key] / per).join(' | ')} |`);
      }
    }
    out.push('');
  }
  if (notes.lines.length) {
    out.push('Unsupported: what the library threw when it ran the row.');
    out.push('');
    notes.lines.forEach((n, i) => out.push(`${i + 1}. ${n}`));
    out.push('');
  }
  for (const p of r.profiles) {
    const total = p.kernels.reduce((a, k) => a + k.totalMs, 0);
    const what = p.source === 'timestamp-query' ? 'GPU time (timestamps around each dispatch)' : 'CPU-side encode time (no timestamp-query)';
    out.push(`Profile: ${p.workload}, ${LABEL[p.lib]}, ${what}, per iteration over ${p.iterations} iterations: ${fmtMs(total / p.iterations)} ms in ${p.kernels.reduce((a, k) => a + k.calls, 0) / p.iterations} dispatches.`);
    out.push('');
    out.push('| kernel | dispatches | ms | share |');
    out.push('|---|---|---|---|');
    for (const k of p.kernels) out.push(`| ${k.kernel} | ${k.calls / p.iterations} | ${fmtMs(k.totalMs / p.iterations)} | ${((100 * k.totalMs) / total).toFixed(1)}% |`);
    out.push('');
  }
  if (r.error) out.push(`Error: ${r.error.name}: ${r.error.message}`);
  return out.join('\n');
}

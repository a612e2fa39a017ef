/** The result as markdown tables: used by the page and by bench/run.ts. */
import type { BenchResult, Cell, Counts, LibName, Row } from './types.js';

const LABEL: Record<LibName, string> = { shadergrad: 'shadergrad WebGPU', tfjs: 'TF.js WebGPU', cpu: 'shadergrad CPU ref', wasm: 'shadergrad wasm' };

const fmtMs = (ms: number): string => (ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0));
const fmtRate = (r: number): string => (r < 1 ? r.toFixed(3) : r < 100 ? r.toFixed(2) : r.toFixed(0));
const ratio = (a: Cell | undefined, b: Cell | undefined): string => (a && b ? `${(a.ms / b.ms).toFixed(2)}x` : '–');

function cell(c: Cell | undefined, unit: Row['unit']): string {
  if (!c) return '–';
  return c.rate === null || !unit ? `${fmtMs(c.ms)} ms` : `${fmtMs(c.ms)} ms, ${fmtRate(c.rate)}`;
}

const COUNT_COLS: [keyof Counts, string][] = [
  ['submits', 'submits'], ['dispatches', 'dispatches'], ['writes', 'buffer writes'],
  ['bindGroups', 'bind groups created'], ['buffers', 'buffers created'], ['readbacks', 'readbacks'],
];

/** The markdown report of a result. */
export function markdown(r: BenchResult): string {
  const out: string[] = [];
  out.push(`Adapter: ${r.adapter}; TF.js ${r.tfjsVersion}; ${r.mode} mode${r.profile ? ', profiled' : ''}; ${r.startedAt}.`);
  out.push('Cells: median ms per run after warm-up (GPU work awaited) and GFLOP/s or GB/s. Ratios are times: above 1x, the second library named (shadergrad WebGPU, or wasm) is faster. All four run round by round, interleaved.');
  out.push('');
  const kernels = r.rows.filter((x) => x.group !== 'train');
  if (kernels.length) {
    out.push('| kernel | unit | shadergrad WebGPU | TF.js WebGPU | shadergrad CPU ref | shadergrad wasm | TF.js ÷ shadergrad | CPU ÷ shadergrad | CPU ÷ wasm |');
    out.push('|---|---|---|---|---|---|---|---|---|');
    for (const x of kernels) {
      const c = x.cells;
      out.push(`| ${x.name} | ${x.unit ?? ''} | ${cell(c.shadergrad, x.unit)} | ${cell(c.tfjs, x.unit)} | ${cell(c.cpu, x.unit)} | ${cell(c.wasm, x.unit)} | ${ratio(c.tfjs, c.shadergrad)} | ${ratio(c.cpu, c.shadergrad)} | ${ratio(c.cpu, c.wasm)} |`);
    }
    out.push('');
  }
  const train = r.rows.filter((x) => x.group === 'train');
  if (train.length) {
    out.push('| training iteration | shadergrad WebGPU | TF.js WebGPU | shadergrad CPU ref | shadergrad wasm | TF.js ÷ shadergrad | CPU ÷ shadergrad | CPU ÷ wasm |');
    out.push('|---|---|---|---|---|---|---|---|');
    for (const x of train) {
      const c = x.cells;
      out.push(`| ${x.name} | ${cell(c.shadergrad, null)} | ${cell(c.tfjs, null)} | ${cell(c.cpu, null)} | ${cell(c.wasm, null)} | ${ratio(c.tfjs, c.shadergrad)} | ${ratio(c.cpu, c.shadergrad)} | ${ratio(c.cpu, c.wasm)} |`);
    }
    out.push('');
    out.push(`| WebGPU calls per iteration | library | ${COUNT_COLS.map(([, h]) => h).join(' | ')} |`);
    out.push(`|---|---|${COUNT_COLS.map(() => '---').join('|')}|`);
    for (const x of train) {
      for (const lib of ['shadergrad', 'tfjs'] as const) {
        const k = x.cells[lib]?.counts;
        if (k) out.push(`| ${x.name} | ${LABEL[lib]} | ${COUNT_COLS.map(([key]) => k[key]).join(' | ')} |`);
      }
    }
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

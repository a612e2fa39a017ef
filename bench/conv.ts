/**
 * The three convolution passes at the DCGAN's layer shapes, on WebGPU and on the CPU
 * reference: milliseconds (median of up to `--repeats` runs after a warm-up, each awaited
 * with a readback of its result) and GFLOP/s, counting 2·N·O·OH·OW·C·KH·KW per pass in
 * conv2d's terms (the useful multiply-adds; padding taps included, a stride's zeros not).
 *
 *   npx tsx bench/conv.ts [--batches 16,64] [--repeats 5] [--budget-ms 2000] [--backends webgpu,cpu]
 *
 * Prints a markdown table. Speed is never asserted; the numbers depend on the adapter
 * (Dawn on SwiftShader, a CPU Vulkan, where there is no GPU) and on what else is running.
 */
import { parseArgs } from 'node:util';
import { conv2dGeometry, convTranspose2dGeometry, describeAdapter, gpu, init, randn, type ConvGeometry, type Tensor } from 'shadergrad/node';
import { convForward, convInputGrad, convWeightGrad } from '../src/ops/conv-gemm.js';

const { values } = parseArgs({
  options: {
    batches: { type: 'string', default: '16,64' },
    repeats: { type: 'string', default: '5' },
    'budget-ms': { type: 'string', default: '2000' },
    backends: { type: 'string', default: 'webgpu,cpu' },
  },
});
const BATCHES = values.batches.split(',').map(Number);
const REPEATS = Number(values.repeats);
const BUDGET_MS = Number(values['budget-ms']);
const BACKENDS = values.backends.split(',') as ('webgpu' | 'cpu')[];

interface Layer {
  name: string;
  transposed: boolean;
  /** Input [C, H, W] (without the batch) and weight shapes. */
  x: [number, number, number];
  w: [number, number, number, number];
  opts: Record<string, unknown>;
}

const LAYERS: Layer[] = [
  // D's convs are stride 1 'same', each followed by a 2x2 average pool (src/gan/dcgan.ts).
  { name: 'D conv1 1→8 28x28', transposed: false, x: [1, 28, 28], w: [8, 1, 5, 5], opts: { padding: 'same' } },
  { name: 'D conv2 8→16 14x14', transposed: false, x: [8, 14, 14], w: [16, 8, 5, 5], opts: { padding: 'same' } },
  { name: 'G convT 25→256 2→3', transposed: true, x: [25, 2, 2], w: [25, 256, 5, 5], opts: { stride: 2, padding: 2 } },
  { name: 'G convT 256→128 3→6', transposed: true, x: [256, 3, 3], w: [256, 128, 5, 5], opts: { stride: 2, padding: 2, outputPadding: 1 } },
  { name: 'G convT 128→64 6→12', transposed: true, x: [128, 6, 6], w: [128, 64, 5, 5], opts: { stride: 2, padding: 2, outputPadding: 1 } },
  { name: 'G convT 64→1 12→28 (6x6)', transposed: true, x: [64, 12, 12], w: [64, 1, 6, 6], opts: { stride: 2, padding: 0 } },
];

type Pass = 'forward' | 'input grad' | 'weight grad';
const PASSES: Pass[] = ['forward', 'input grad', 'weight grad'];

/** The pass as a function of the layer's input, weight and output gradient (conv2d's passes, in the order the op uses them). */
function passFn(l: Layer, p: Pass, g: ConvGeometry): (x: Tensor, w: Tensor, gy: Tensor) => Tensor {
  if (!l.transposed) {
    if (p === 'forward') return (x, w) => convForward(x, w, g, null, 'none', 0);
    if (p === 'input grad') return (_x, w, gy) => convInputGrad(gy, w, g, null, 'none', 0);
    return (x, _w, gy) => convWeightGrad(x, gy, g);
  }
  if (p === 'forward') return (x, w) => convInputGrad(x, w, g, null, 'none', 0);
  if (p === 'input grad') return (_x, w, gy) => convForward(gy, w, g, null, 'none', 0);
  return (x, _w, gy) => convWeightGrad(gy, x, g);
}

async function timeOnce(f: () => Tensor): Promise<number> {
  const t0 = performance.now();
  const out = f();
  await out.data();
  const ms = performance.now() - t0;
  out.dispose();
  return ms;
}

/** Median of up to REPEATS runs (at least one) within BUDGET_MS, after one warm-up. */
async function measure(f: () => Tensor): Promise<number> {
  await timeOnce(f);
  const times: number[] = [];
  const start = performance.now();
  while (times.length < REPEATS && (times.length === 0 || performance.now() - start < BUDGET_MS)) times.push(await timeOnce(f));
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const results = new Map<string, number>();
const key = (b: number, l: Layer, p: Pass, bk: string): string => `${b}|${l.name}|${p}|${bk}`;
const flops = (g: ConvGeometry): number => 2 * g.N * g.O * g.OH * g.OW * g.C * g.KH * g.KW;
const geoms = new Map<string, ConvGeometry>();
let adapter = '';

for (const bk of BACKENDS) {
  await init({ backend: bk, verbose: false });
  if (bk === 'webgpu') adapter = describeAdapter(gpu().adapterInfo);
  for (const batch of BATCHES) {
    for (const l of LAYERS) {
      {
        const x = randn([batch, ...l.x]);
        const w = randn(l.w);
        const g = l.transposed ? convTranspose2dGeometry(x, w, l.opts) : conv2dGeometry(x, w, l.opts);
        geoms.set(`${batch}|${l.name}`, g);
        const gy = randn(l.transposed ? [g.N, g.C, g.H, g.W] : [g.N, g.O, g.OH, g.OW]);
        for (const p of PASSES) {
          const f = passFn(l, p, g);
          const ms = await measure(() => f(x, w, gy));
          results.set(key(batch, l, p, bk), ms);
          process.stderr.write(`${bk} batch ${batch} ${l.name} ${p}: ${ms.toFixed(2)} ms\n`);
        }
        for (const t of [x, w, gy]) t.dispose();
      }
    }
  }
}
const cell = (ms: number | undefined, f: number): string => (ms === undefined ? '–' : `${ms < 10 ? ms.toFixed(2) : ms.toFixed(1)} ms, ${(f / ms / 1e6).toFixed(2)}`);
console.log(`WebGPU adapter: ${adapter || 'not run'}; cells: median ms, GFLOP/s\n`);
console.log(`| batch | layer | pass | MFLOP | ${BACKENDS.map((b) => (b === 'webgpu' ? 'WebGPU' : 'CPU reference')).join(' | ')} |`);
console.log(`|---|---|---|---|${BACKENDS.map(() => '---').join('|')}|`);
for (const batch of BATCHES) {
  for (const l of LAYERS) {
    const f = flops(geoms.get(`${batch}|${l.name}`)!);
    for (const p of PASSES) {
      console.log(`| ${batch} | ${l.name} | ${p} | ${(f / 1e6).toFixed(1)} | ${BACKENDS.map((bk) => cell(results.get(key(batch, l, p, bk)), f)).join(' | ')} |`);
    }
  }
}

/**
 * The e2e page: imports shadergrad from source, runs three checks on WebGPU against the
 * CPU backend, shows the results in the page and leaves them as JSON on window.__shadergrad
 * for test/e2e/browser.test.ts.
 */
import { Adam, describeAdapter, gpu, init, matmul, shutdown, tensor } from '../../../src/index.js';
import { iteration, mlp, randomArray } from '../../fixtures.js';

interface CheckResult { ok: boolean; detail: string }
export interface PageResult {
  ok: boolean;
  adapter: string | null;
  error: { name: string; message: string; stack?: string } | null;
  matmul?: CheckResult & { maxErr: number };
  training?: CheckResult & { gpu: number[]; cpu: number[]; maxRel: number };
  submits?: CheckResult & { perIteration: number[] };
  ms: Record<string, number>;
}

declare global {
  interface Window { __shadergrad?: PageResult }
}

// (a) matmul of odd shape: [65,127] x [33,127]^T + bias[33], relu.
const M = 65, K = 127, N = 33;
async function matmulOnCurrent(): Promise<Float32Array> {
  const a = tensor(randomArray(M * K, 11), [M, K]);
  const b = tensor(randomArray(N * K, 12), [N, K]);
  const bias = tensor(randomArray(N, 13, -0.5, 0.5), [N]);
  const c = matmul(a, b, { transB: true, bias, activation: 'relu' });
  const out = await c.data();
  for (const t of [a, b, bias, c]) t.dispose();
  return out;
}

// (b) the MLP of test/training.test.ts.
const STEPS = 10;
/** Trains STEPS iterations; on webgpu also counts the submits each iteration made. */
async function train(onGpu: boolean): Promise<{ losses: number[]; submits: number[] }> {
  const model = mlp(7);
  const opt = new Adam(model.parameters(), { lr: 0.01 });
  const losses: number[] = [];
  const submits: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    const before = onGpu ? gpu().stats.submits : 0;
    const l = iteration(model, opt, i);
    if (onGpu) submits.push(gpu().stats.submits - before);
    losses.push(await l.item()); // the readback is outside the counted window
    l.dispose();
  }
  return { losses, submits };
}

function show(r: PageResult): void {
  const status = document.getElementById('status')!;
  status.textContent = r.ok ? 'PASS' : 'FAIL';
  status.className = r.ok ? 'pass' : 'fail';
  const lines = [`adapter: ${r.adapter ?? '(none)'}`];
  if (r.matmul) lines.push(`(a) matmul 65x127 · (33x127)ᵀ + bias, relu: ${r.matmul.ok ? 'ok' : 'FAIL'} — ${r.matmul.detail}`);
  if (r.training) {
    lines.push(`(b) MLP losses: ${r.training.ok ? 'ok' : 'FAIL'} — ${r.training.detail}`);
    lines.push('    step   webgpu      cpu');
    r.training.gpu.forEach((g, i) => lines.push(`    ${String(i).padStart(4)}   ${g.toFixed(6)}    ${r.training!.cpu[i]?.toFixed(6)}`));
  }
  if (r.submits) lines.push(`(c) submits per iteration: ${r.submits.ok ? 'ok' : 'FAIL'} — ${r.submits.perIteration.join(' ')}`);
  if (r.error) lines.push(`error: ${r.error.name}: ${r.error.message}`);
  lines.push(`timings (ms): ${JSON.stringify(r.ms)}`);
  document.getElementById('out')!.textContent = lines.join('\n');
}

async function main(): Promise<PageResult> {
  const r: PageResult = { ok: false, adapter: null, error: null, ms: {} };
  const t0 = performance.now();
  const lap = (name: string, since: number) => (r.ms[name] = Math.round(performance.now() - since));
  try {
    let t = performance.now();
    await init({ backend: 'webgpu' });
    r.adapter = describeAdapter(gpu().adapterInfo);
    lap('init', t);

    // (a)
    t = performance.now();
    const mmGpu = await matmulOnCurrent();
    await init({ backend: 'cpu' });
    const mmCpu = await matmulOnCurrent();
    let maxErr = 0;
    let bad = -1;
    for (let i = 0; i < mmCpu.length; i++) {
      const err = Math.abs(mmGpu[i]! - mmCpu[i]!);
      if (!(err <= 1e-4 + 1e-4 * Math.abs(mmCpu[i]!)) && bad < 0) bad = i;
      if (!(err <= maxErr)) maxErr = err; // NaN-safe
    }
    const lenOk = mmGpu.length === M * N && mmCpu.length === M * N;
    const someZero = mmCpu.some((v) => v === 0), somePos = mmCpu.some((v) => v > 0);
    r.matmul = {
      ok: lenOk && bad < 0 && someZero && somePos,
      maxErr,
      detail: bad >= 0 ? `mismatch at [${bad}]: gpu ${mmGpu[bad]} vs cpu ${mmCpu[bad]}` : `${mmGpu.length} values, max |err| ${maxErr.toExponential(2)}`,
    };
    lap('matmul', t);

    // (b) + (c)
    t = performance.now();
    const cpuRun = await train(false);
    lap('trainCpu', t);
    t = performance.now();
    await init({ backend: 'webgpu' });
    const gpuRun = await train(true);
    lap('trainGpu', t);
    const rel = gpuRun.losses.map((g, i) => Math.abs(g - cpuRun.losses[i]!) / Math.abs(cpuRun.losses[i]!));
    const maxRel = rel.reduce((m, v) => (v > m || Number.isNaN(v) ? v : m), 0);
    r.training = {
      ok: rel.length === STEPS && rel.every((v) => v < 1e-3) && cpuRun.losses[STEPS - 1]! < cpuRun.losses[0]!,
      gpu: gpuRun.losses,
      cpu: cpuRun.losses,
      maxRel,
      detail: `${STEPS} steps, max relative difference ${maxRel.toExponential(2)}`,
    };
    r.submits = { ok: gpuRun.submits.length === STEPS && gpuRun.submits.every((s) => s === 1), perIteration: gpuRun.submits, detail: gpuRun.submits.join(' ') };
    r.ok = r.matmul.ok && r.training.ok && r.submits.ok;
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    r.error = { name: err.constructor?.name ?? err.name, message: err.message, stack: err.stack };
  } finally {
    try { shutdown(); } catch { /* the result matters more */ }
  }
  lap('total', t0);
  return r;
}

void main().then((r) => {
  show(r);
  window.__shadergrad = r;
});

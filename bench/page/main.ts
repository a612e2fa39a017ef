/**
 * The benchmark page. `?quick=1` runs a small subset, `?profile=1` adds per-kernel times of
 * the training iterations, `?rows=<regex>` runs only the rows whose id or name matches.
 * Phases: shadergrad WebGPU, TF.js WebGPU, shadergrad's CPU reference and its wasm
 * backend, TF.js WASM and TF.js CPU interleaved round by round (each library's calls
 * pinned to its backend, see pinnedImpl and tfImpl); then the profile. The result is
 * left on `window.__bench`.
 */
import './install.js';
import { describeAdapter, gpu, init, shutdown } from 'shadergrad';
import { PRESETS } from 'shadergrad/gan';
import { CONV_LAYERS, cases, type Case } from './cases.js';
import { measureRow, profileRuns, type Lib, type Rounds } from './measure.js';
import { markdown } from './report.js';
import { pinnedImpl, shadergradImpl } from './sg.js';
import { initTf, tfImpl, tfVersion } from './tf.js';
import { measured, type BenchResult, type ProfileSection, type Row } from './types.js';
import { KernelProfile } from './webgpu-hooks.js';

const params = new URLSearchParams(location.search);
const QUICK = params.get('quick') === '1';
const PROFILE = params.get('profile') === '1';
const ROWS = params.get('rows');

/**
 * SwiftShader runs WebGPU on the CPU, about 1000x slower than a GPU: few rounds, small
 * budgets. A full run warms training up for up to 5 iterations (20 s), and for at least
 * 2 on WebGPU: the calls counted should be those of the steady state, and shadergrad's
 * second DCGAN iteration still creates bind groups (42 at batch 16, Dawn in Node; none
 * from the third on, since its pool hands the second the buffers the first freed). A
 * library whose warm-up run takes over 5 s (a kernel) or 10 s (an iteration) is timed
 * twice, not three times: TF.js's CPU backend took 17-25 s for a G weight gradient at
 * batch 64 and 15 s for a DCGAN iteration at batch 16 here (other work on both cores),
 * and TF.js WebGPU 10-15 s for those weight gradients.
 */
type Kind = 'kernel' | 'train';
const ROUNDS: Record<Kind, Rounds> = QUICK
  ? { kernel: { warmup: 1, min: 2, max: 3, budgetMs: 500 }, train: { warmup: 1, min: 2, max: 2, budgetMs: 0 } }
  : {
    kernel: { warmup: 1, min: 3, max: 7, budgetMs: 3000, slow: { ms: 5000, rounds: 2 } },
    train: { warmup: 5, warmupMin: 2, warmupBudgetMs: 20_000, min: 3, max: 5, budgetMs: 6000, slow: { ms: 10_000, rounds: 2 } },
  };
const PROFILE_ITERATIONS = QUICK ? 2 : 3;

const log = (line: string): void => {
  (window.__benchLog ??= []).push(line);
  console.log(`[bench] ${line}`);
  const el = document.getElementById('log');
  if (el) el.textContent += `${line}\n`;
};

/** The page's DCGAN table must be the preset's, or TF.js would train another model. */
function checkLayers(): void {
  const c = PRESETS.dcgan;
  const g = CONV_LAYERS.filter((l) => l.transposed);
  const d = CONV_LAYERS.filter((l) => !l.transposed);
  const ok = g.length === c.gChannels.length - 1 && d.length === c.dChannels.length
    && g.every((l, i) => l.O === c.gChannels[i] && l.C === c.gChannels[i + 1] && l.OH === c.gSizes[i] && l.H === c.gSizes[i + 1])
    && d.every((l, i) => l.C === [1, ...c.dChannels][i] && l.O === c.dChannels[i] && l.H === 28 / 2 ** i && l.k === c.kernel);
  if (!ok) throw new Error('bench/page/cases.ts: CONV_LAYERS no longer match PRESETS.dcgan (src/gan/dcgan.ts); update the table');
}

async function timePhase(rows: Row[], list: Case[], libs: Lib[], rounds: Record<Kind, Rounds>): Promise<void> {
  for (const c of list) {
    const t0 = performance.now();
    const cells = await measureRow(c, libs, rounds[c.group === 'train' ? 'train' : 'kernel'], log);
    let row = rows.find((r) => r.id === c.id);
    if (!row) rows.push((row = { id: c.id, group: c.group, name: c.name, unit: c.unit, work: c.work, ...(c.spec.kind === 'train' && { iterations: c.spec.iterations }), cells: {} }));
    Object.assign(row.cells, cells);
    const summary = Object.entries(cells).map(([lib, cell]) => `${lib} ${measured(cell) ? `${cell.ms.toFixed(2)} ms` : 'unsupported'}`).join(', ');
    log(`${c.name}: ${summary} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
}

async function profilePhase(list: Case[], libs: { lib: Lib; device: GPUDevice }[]): Promise<ProfileSection[]> {
  const out: ProfileSection[] = [];
  for (const c of list.filter((x) => x.spec.kind === 'train' && x.spec.iterations === 1)) {
    for (const { lib, device } of libs) {
      const impl = lib.impl(c.spec);
      try {
        await profileRuns(impl, 1, new KernelProfile(device)); // warm-up: pipelines compiled, pools filled
        const p = new KernelProfile(device);
        await profileRuns(impl, PROFILE_ITERATIONS, p);
        out.push({ workload: c.name, lib: lib.name, source: p.source, iterations: PROFILE_ITERATIONS, kernels: await p.result() });
        log(`profile ${c.name} on ${lib.name}: ${p.source}`);
      } finally {
        impl.dispose();
      }
    }
  }
  return out;
}

async function main(): Promise<BenchResult> {
  const started = performance.now();
  const r: BenchResult = {
    mode: QUICK ? 'quick' : 'full', profile: PROFILE, adapter: '', adapterId: '', features: [], subgroups: false, userAgent: navigator.userAgent,
    tfjsVersion: tfVersion(), wasmThreads: 0, tfjsWasm: null, startedAt: new Date().toISOString(), phases: {}, rows: [], profiles: [], error: null,
  };
  const phase = async (name: string, fn: () => Promise<void>): Promise<void> => {
    const t0 = performance.now();
    await fn();
    r.phases[name] = Math.round(performance.now() - t0);
  };
  // Rows land here as they are measured, so a run cut short still has them.
  window.__benchPartial = r;
  try {
    checkLayers();
    const rows = ROWS === null ? null : new RegExp(ROWS);
    const list = cases(QUICK).filter((c) => !rows || rows.test(c.id) || rows.test(c.name));
    const sg: Lib = { name: 'shadergrad', gpu: true, impl: shadergradImpl };
    const tfl: Lib = { name: 'tfjs', gpu: true, impl: (spec) => tfImpl('webgpu', spec) };
    let tfDevice: GPUDevice | null = null;
    let others: Lib[] = [];
    await phase('init', async () => {
      // The CPU reference and wasm backends stay usable after WebGPU becomes current, so
      // their rows run round by round beside the WebGPU libraries (pinnedImpl).
      const cpuB = await init({ backend: 'cpu' });
      const wasmB = await init({ backend: 'wasm' });
      r.wasmThreads = (wasmB as { threads?: number }).threads ?? 1;
      others = [
        { name: 'cpu', gpu: false, impl: (spec) => pinnedImpl(cpuB, spec) },
        { name: 'wasm', gpu: false, impl: (spec) => pinnedImpl(wasmB, spec) },
        // TF.js's WASM backend has no conv filter-gradient kernel, for one.
        { name: 'tfjs-wasm', gpu: false, mayLack: true, impl: (spec) => tfImpl('wasm', spec) },
        { name: 'tfjs-cpu', gpu: false, mayLack: true, impl: (spec) => tfImpl('cpu', spec) },
      ];
      await init({ backend: 'webgpu' });
      const tf = await initTf();
      tfDevice = tf.device;
      r.tfjsWasm = tf.wasm;
    });
    const info = gpu().adapterInfo;
    r.adapter = describeAdapter(info);
    r.adapterId = [info?.vendor, info?.architecture].filter(Boolean).join(' ') || 'unknown adapter';
    r.features = [...gpu().device.features].filter((f) => f.includes('timestamp') || f === 'subgroups');
    r.subgroups = gpu().subgroups;
    log(`adapter ${r.adapter}${r.subgroups ? ' (subgroups twins on)' : ''}; shadergrad wasm: ${r.wasmThreads} thread(s); TF.js WASM: ${r.tfjsWasm!.binary}, ${r.tfjsWasm!.threads} thread(s); ${list.length} rows`);
    await phase('timing', () => timePhase(r.rows, list, [sg, tfl, ...others], ROUNDS));
    if (PROFILE) await phase('profile', async () => void (r.profiles = await profilePhase(list, [{ lib: sg, device: gpu().device }, { lib: tfl, device: tfDevice! }])));
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    r.error = { name: err.name, message: err.message, stack: err.stack };
    log(`error: ${err.name}: ${err.message}`);
  } finally {
    try {
      shutdown();
    } catch { /* the result matters more */ }
  }
  r.phases.total = Math.round(performance.now() - started);
  return r;
}

void main().then((r) => {
  document.getElementById('out')!.textContent = markdown(r);
  document.getElementById('status')!.textContent = r.error ? 'FAILED' : 'done';
  window.__bench = r;
});

/**
 * The demo page: train a GAN on MNIST digits in the browser. This file wires the page:
 * it starts the backend and loads the digits, turns the buttons into Session calls, and
 * keeps `window.__demo` (src/state.ts) up to date. Training is the library's TrainingRun
 * (src/session.ts), drawing is src/view.ts.
 */
import { FormatError, ValueError } from 'shadergrad';
import type { Digits } from 'shadergrad/data';
import { startCpu, startWasm, startWebGpu, type BackendKind, type Started } from './backend.js';
import { canvasHash, drawGray } from './canvas.js';
import { Controls, byId, type Settings } from './controls.js';
import { digitsFor, loadDigits, trainingDigits } from './digits.js';
import { download } from './download.js';
import { CheckpointSampler } from './sampler.js';
import { Session } from './session.js';
import { initialState, type DemoStatus } from './state.js';
import { View } from './view.js';

const state = initialState();
window.__demo = state;

const controls = new Controls();
const view = new View();
const sampler = new CheckpointSampler();
const el = {
  device: byId('device'),
  notice: byId('notice'),
  noticeText: byId('notice-text'),
  switchBackend: byId<HTMLButtonElement>('switch-backend'),
  loading: byId('loading'),
  loadingText: byId('loading-text'),
  dataProgress: byId<HTMLProgressElement>('data-progress'),
  status: byId('status'),
  message: byId('message'),
  start: byId<HTMLButtonElement>('start'),
  pause: byId<HTMLButtonElement>('pause'),
  reset: byId<HTMLButtonElement>('reset'),
  saveCheckpoint: byId<HTMLButtonElement>('save-checkpoint'),
  saveGif: byId<HTMLButtonElement>('save-gif'),
  saveSvg: byId<HTMLButtonElement>('save-svg'),
  ckFile: byId<HTMLInputElement>('ck-file'),
  ckInfo: byId('ck-info'),
  ckGrid: byId<HTMLCanvasElement>('ck-grid'),
  resample: byId<HTMLButtonElement>('resample'),
};

let train: Digits | null = null;
let backendReady = false;
let session: Session | null = null;
let saving = false;
let sampling = false;
let sampleSeed = 0;

function setStatus(status: DemoStatus, text: string): void {
  state.status = status;
  el.status.textContent = text;
  el.status.dataset.status = status;
  refresh();
  view.invalidate(true);
}

/** Shows a failure on the page (and in `__demo.error`); null clears it. */
function showError(message: string | null): void {
  state.error = message;
  el.message.textContent = message ?? '';
  el.message.hidden = message === null;
}

/** Enables what makes sense in the current state. */
function refresh(): void {
  const st = state.status;
  const running = st === 'training' || st === 'paused';
  const canStart = backendReady && train !== null && (st === 'ready' || st === 'done' || st === 'error');
  el.start.disabled = saving || !(canStart || st === 'paused');
  el.start.textContent = st === 'paused' ? 'Resume' : 'Start';
  el.pause.disabled = st !== 'training';
  el.reset.disabled = saving || !(running || ((st === 'done' || st === 'error') && session !== null));
  controls.setEnabled(!running && st !== 'stopping' && st !== 'loading');
  const hasRun = session !== null && st !== 'stopping';
  el.saveCheckpoint.disabled = !hasRun || saving || (session!.done && !session!.finalCheckpoint);
  el.saveGif.disabled = !hasRun || session!.run.frames.length === 0;
  el.saveSvg.disabled = !hasRun || session!.run.history.length === 0;
  // Switching backends destroys the WebGPU device, and with it a run's tensors: only with no run.
  el.switchBackend.disabled = session !== null || sampling;
  el.ckFile.disabled = !backendReady || sampling;
  el.resample.disabled = !backendReady || sampling || !sampler.loaded;
}

function fileStem(s: Settings, step: number): string {
  const digits = s.digits.length === 10 ? 'all' : s.digits.join('');
  return `${s.model}-digits-${digits}-step${step}`;
}

function saveFile(name: string, data: Uint8Array | string, type: string): void {
  download(name, data, type);
  state.downloads.push(name);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// ---- starting up ----------------------------------------------------------------------

/** The backend the notice's button switches to. */
let switchTarget: Exclude<BackendKind, 'webgpu'> = 'wasm';

function backendStarted(b: Started & { ok: true }, why = ''): void {
  backendReady = true;
  state.backend = b.kind;
  state.adapter = b.adapter;
  el.device.textContent = b.kind === 'webgpu' ? `WebGPU · ${b.adapter}` : b.adapter;
  el.device.dataset.kind = b.kind;
  if (b.software) {
    notice('This WebGPU adapter is a software rasteriser: the shaders run on the CPU, so training is slow. '
      + 'The WebAssembly SIMD backend is usually several times faster on such a machine.', 'Use WebAssembly', 'wasm');
  } else if (b.kind === 'wasm') {
    notice(`${why}Training on WebAssembly SIMD: the same code as on WebGPU, on this computer's CPU cores (${b.adapter}). `
      + 'A GPU is faster for the DCGAN; the MLP GAN trains about as fast.', null);
  } else if (b.kind === 'cpu') {
    notice(`${why}Training on the CPU backend: the same code as on WebGPU, in plain TypeScript on this page's thread. `
      + 'It is much slower than a GPU (a DCGAN step takes seconds), and the page may respond late while a step runs.', null);
  } else {
    el.notice.hidden = true;
  }
}

function notice(text: string, button: string | null, target: Exclude<BackendKind, 'webgpu'> = 'wasm'): void {
  el.noticeText.textContent = text;
  el.switchBackend.hidden = button === null;
  el.switchBackend.textContent = button ?? '';
  switchTarget = target;
  el.notice.hidden = false;
}

/** WebAssembly, or the CPU backend where WebAssembly SIMD does not start. */
async function startFallback(why: string): Promise<void> {
  const w = await startWasm();
  if (w.ok) {
    backendStarted(w, why);
    return;
  }
  notice(`${why}${w.reason} The CPU backend runs the same code, much slower.`, 'Train on the CPU instead', 'cpu');
  el.device.textContent = 'no WebGPU';
  if (state.status === 'loading') setStatus('no-webgpu', 'No WebGPU in this browser.');
}

function maybeReady(): void {
  if (backendReady && train && state.status === 'loading') setStatus('ready', 'Ready: pick a model and press Start.');
  else refresh();
}

el.switchBackend.addEventListener('click', async () => {
  if (session || sampling) return;
  sampler.free();
  el.ckInfo.textContent = '';
  el.ckGrid.width = 0;
  if (switchTarget === 'wasm') await startFallback('');
  else backendStarted((await startCpu()) as Started & { ok: true });
  if (state.status === 'no-webgpu' && backendReady) state.status = 'loading';
  maybeReady();
});

async function boot(): Promise<void> {
  refresh();
  const data = loadDigits((got, total) => {
    el.dataProgress.max = Math.max(total, got, 1);
    el.dataProgress.value = got;
    el.loadingText.textContent = `Loading digits… ${(got / 1048576).toFixed(1)}${total ? ` of ${(total / 1048576).toFixed(1)}` : ''} MB`;
  }).then((all) => {
    state.digits = all.n;
    train = trainingDigits(all);
    el.loading.hidden = true;
    maybeReady();
  }, (e: unknown) => {
    el.loadingText.textContent = 'The digits did not load.';
    showError(`Loading the digits failed: ${errorText(e)}`);
    setStatus('error', 'No digits to train on.');
  });
  const b = await startWebGpu();
  if (b.ok) backendStarted(b);
  else await startFallback(`${b.reason} `);
  maybeReady();
  await data;
}

// ---- training -------------------------------------------------------------------------

function onFinished(s: Session): void {
  if (s !== session) return;
  const r = s.result;
  if (state.status === 'stopping') return; // Reset is waiting for this; it sets the state
  if (s.error) {
    const msg = errorText(s.error);
    if (!(s.error instanceof ValueError)) console.error(s.error);
    showError(`Training stopped: ${msg}`);
    setStatus('error', `Failed at step ${s.recorder.lastStep}.`);
  } else if (r) {
    setStatus('done', `Done: ${r.stepsRun} steps in ${r.seconds.toFixed(1)} s. Download the results, or change the settings and start again.`);
  }
}

el.start.addEventListener('click', () => {
  if (session && state.status === 'paused') {
    session.resume();
    setStatus('training', `Training ${session.title}…`);
    return;
  }
  if (!train) return;
  showError(null);
  let s: Session;
  try {
    const settings = controls.read();
    const data = digitsFor(train, settings.digits);
    session?.dispose();
    session = null;
    s = new Session(settings, data, () => {
      state.step = s.recorder.lastStep;
      state.steps = s.recorder.target;
      view.invalidate();
      refresh(); // the first grid and the first logs enable their downloads
    });
  } catch (e) {
    if (!(e instanceof ValueError)) console.error(e);
    showError(errorText(e));
    return;
  }
  session = s;
  state.model = s.settings.model;
  state.grids = [];
  state.warnings = [];
  s.finished.then(() => onFinished(s));
  view.show(s);
  setStatus('training', `Training ${s.title}…`);
});

el.pause.addEventListener('click', () => {
  if (!session || state.status !== 'training') return;
  session.pause();
  setStatus('paused', `Paused at step ${session.trainer.step}.`);
});

el.reset.addEventListener('click', async () => {
  const s = session;
  if (!s) return;
  if (!s.done) {
    setStatus('stopping', 'Stopping after this step…');
    s.stop();
    await s.finished;
  }
  s.dispose();
  session = null;
  state.model = null;
  state.step = 0;
  state.steps = 0;
  view.show(null);
  showError(null);
  setStatus('ready', 'Ready: pick a model and press Start.');
});

// ---- downloads ------------------------------------------------------------------------

el.saveCheckpoint.addEventListener('click', async () => {
  const s = session;
  if (!s || saving) return;
  saving = true;
  refresh();
  try {
    const { bytes, step } = await s.checkpoint();
    saveFile(`${fileStem(s.settings, step)}.safetensors`, bytes, 'application/octet-stream');
  } catch (e) {
    console.error(e);
    showError(`Saving the checkpoint failed: ${errorText(e)}`);
  } finally {
    saving = false;
    refresh();
  }
});

el.saveGif.addEventListener('click', () => {
  const gif = session?.gif();
  if (session && gif) saveFile(`${fileStem(session.settings, session.recorder.grid?.step ?? 0)}-progress.gif`, gif, 'image/gif');
});

el.saveSvg.addEventListener('click', () => {
  const svg = session?.lossSvg();
  if (session && svg) saveFile(`${fileStem(session.settings, session.recorder.lastStep)}-loss.svg`, svg, 'image/svg+xml');
});

// ---- sampling a checkpoint from disk --------------------------------------------------

async function drawCheckpointSamples(file: string, model: string, step: number): Promise<void> {
  const grid = await sampler.sample(sampleSeed);
  drawGray(el.ckGrid, grid);
  state.sampled = { file, model, step, hash: canvasHash(el.ckGrid) };
}

/** Runs one sampling job at a time, showing its failure; the buttons wait for it. */
async function samplingJob(job: () => Promise<void>): Promise<void> {
  if (sampling) return;
  sampling = true;
  refresh();
  try {
    await job();
  } catch (e) {
    if (!(e instanceof FormatError || e instanceof ValueError)) console.error(e);
    showError(`That checkpoint cannot be sampled: ${errorText(e)}`);
  } finally {
    sampling = false;
    refresh();
  }
}

let loadedFile = { name: '', model: '', step: 0 };

el.ckFile.addEventListener('change', () => {
  const f = el.ckFile.files?.[0];
  if (!f) return;
  void samplingJob(async () => {
    showError(null);
    const info = sampler.load(new Uint8Array(await f.arrayBuffer()));
    loadedFile = { name: f.name, model: info.model, step: info.step };
    sampleSeed = 0;
    el.ckInfo.textContent = `${info.model}${info.digits ? `, digits ${info.digits}` : ''}, step ${info.step}`;
    await drawCheckpointSamples(f.name, info.model, info.step);
  });
  el.ckFile.value = ''; // choosing the same file again loads it again
});

el.resample.addEventListener('click', () => {
  void samplingJob(async () => {
    sampleSeed++;
    await drawCheckpointSamples(loadedFile.name, loadedFile.model, loadedFile.step);
  });
});

void boot();

/**
 * `shadergrad train`: flag parsing and file writing around a `TrainingRun` (src/gan/run.ts),
 * which does the training. It streams log.jsonl a line per step as the steps are read
 * back, writes checkpoint.safetensors every --checkpoint-every steps and at the end (each
 * time atomically, and at the end before any picture), then samples.png, progress.gif and
 * loss.svg (plus metrics.json when the classifier is available). SIGINT (Ctrl-C) or
 * SIGTERM stops after the current step, writes everything and exits with 130 or 143; a
 * second signal exits at once.
 *
 * The data are the built-in digits of the `mnist` package, or `--images`/`--labels` IDX
 * files of the user's (recorded in the checkpoint, so `--resume` finds them again; the
 * digit metrics are skipped for them). Everything that can be checked is checked before
 * the backend starts: the flags, the output folder (`checkOutputFolder`), the checkpoint,
 * the data files and their image size; every failure is one line naming the path.
 */
import { existsSync } from 'node:fs';
import { mkdir, open, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { filterDigits, toSigned } from '../data/dataset.js';
import { idxFilesToDigits } from '../data/files.js';
import { mnistSplit } from '../data/standard-split.js';
import type { Digits } from '../data/types.js';
import { FormatError, ValueError } from '../errors.js';
import { resumeTrainer, type GanCheckpoint } from '../gan/checkpoint.js';
import { PRESETS, PRESET_TRAINING, fmtImageShape, type GanConfig, type PresetName } from '../gan/models.js';
import { DEFAULT_RUN_OPTIONS, TrainingRun, type RunResult } from '../gan/run.js';
import { GanTrainer, DEFAULT_OPTIONS, OPTION_LIMITS, type StepLog } from '../gan/trainer.js';
import { choice, digits as parseDigits, int, limited, num, parse, usage, type Flags } from './args.js';
import { CLASSIFIER_PATH, hasMnist, initBackend, noMnist, readCheckpointFile, readIn, writeOut } from './common.js';
import { evaluateCheckpoint } from './eval.js';
import { removeStaleTemps } from './files.js';
import { FileError, checkOutputFile, checkOutputFolder, withFile } from './fs-errors.js';
import { Progress } from './progress.js';

export const TRAIN_FLAGS: Flags = {
  model: { type: 'string', default: 'mlp-small', help: `the model: ${Object.keys(PRESETS).join(', ')} (mlp-small: G 100-128-784, D 784-128-1)` },
  digits: { type: 'string', default: '3', help: 'digits to learn: "3", "0,1,7" or "all" (with --images: the labels to keep)' },
  images: { type: 'string', help: 'train on this IDX images file (raw or gzipped, u8 [n,28,28], e.g. the full MNIST or Fashion-MNIST train-images-idx3-ubyte.gz) instead of the built-in digits; needs --labels. The sample metrics are then skipped: the classifier scores MNIST digits against the built-in ones (`eval` can still score a checkpoint of MNIST files)' },
  labels: { type: 'string', help: 'the IDX labels file (u8 [n], 0..9) of --images' },
  steps: { type: 'string', help: `generator steps (total, when resuming) (default ${presetDefaults('steps')})` },
  batch: { type: 'string', default: String(DEFAULT_OPTIONS.batchSize), help: 'batch size' },
  seed: { type: 'string', default: '1', help: 'seed of weights, noise, dropout and data order' },
  out: { type: 'string', default: 'runs/default', help: 'output folder' },
  k: { type: 'string', default: '1', help: 'discriminator steps per generator step' },
  'd-warmup': { type: 'string', help: `discriminator-only steps before the first generator step (default ${presetDefaults('dWarmup')})` },
  'mode-seeking': { type: 'string', help: `weight of the mode-seeking term in G's loss, which keeps G from collapsing to one image (Mao et al. 2019; 0: none) (default ${presetDefaults('modeSeeking')})` },
  loss: { type: 'string', default: DEFAULT_OPTIONS.loss, help: 'generator loss: nonsaturating (-log D(G(z))) or minimax (log(1-D(G(z))))' },
  optimizer: { type: 'string', default: DEFAULT_OPTIONS.optimizer, help: 'adam or sgd' },
  lr: { type: 'string', help: `learning rate of G, and of D unless --lr-d is given (default ${presetDefaults('lr')})` },
  'lr-d': { type: 'string', help: `learning rate of D (default ${presetDefaults('lrD')})` },
  beta1: { type: 'string', default: String(DEFAULT_OPTIONS.betas[0]), help: "Adam's beta1" },
  beta2: { type: 'string', default: String(DEFAULT_OPTIONS.betas[1]), help: "Adam's beta2" },
  momentum: { type: 'string', default: String(DEFAULT_OPTIONS.momentum), help: "SGD's momentum" },
  decay: { type: 'string', default: '0', help: 'step decay per epoch: lr_e = lr_{e-1} / (1 + decay * e)' },
  dropout: { type: 'string', help: `dropout probability in the discriminator (default 0; dcgan: ${PRESETS.dcgan.dDropout})` },
  backend: { type: 'string', default: 'auto', help: 'auto (WebGPU on a hardware adapter, else wasm), webgpu, wasm (WebAssembly SIMD) or cpu' },
  'sample-every': { type: 'string', default: String(DEFAULT_RUN_OPTIONS.sampleEvery), help: 'steps between progress grids (GIF frames)' },
  'checkpoint-every': { type: 'string', default: String(DEFAULT_RUN_OPTIONS.checkpointEvery), help: 'steps between checkpoints (0: only at the end)' },
  'log-every': { type: 'string', default: String(DEFAULT_RUN_OPTIONS.logEvery), help: 'steps between loss readbacks (every step is still logged)' },
  'eval-samples': { type: 'string', default: '1000', help: 'samples scored by the classifier at the end (0 to skip; skipped when training on --images)' },
  resume: { type: 'string', help: 'continue from this checkpoint (its model, digits, options and data files win; --images/--labels say where its files are now)' },
  quiet: { type: 'boolean', default: false, help: 'no progress bar' },
};

/** `3000; dcgan: 1000`: a training default of the presets, for the help text. */
function presetDefaults(key: 'steps' | 'lr' | 'lrD' | 'dWarmup' | 'modeSeeking'): string {
  const value = (name: PresetName) => String({ ...DEFAULT_OPTIONS, ...PRESET_TRAINING[name] }[key] ?? 'the --lr');
  const names = Object.keys(PRESETS) as PresetName[];
  const common = value('mlp-small');
  const others = names.filter((n) => value(n) !== common).map((n) => `${n}: ${value(n)}`);
  return others.length ? `${common}; ${others.join(', ')}` : common;
}

/** Exit codes of a run stopped by a signal: 128 + the signal's number, as a shell reports it. */
const SIGNAL_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/** The preset, with the --dropout flag's probability in D when given. */
function modelConfig(model: PresetName, dropout: number | undefined): GanConfig {
  const base: GanConfig = PRESETS[model];
  return dropout === undefined ? base : { ...base, dDropout: dropout };
}

/**
 * The log lines of steps up to `step` from an earlier log.jsonl in the output folder (a
 * resumed run redoes the steps after its checkpoint), or [] when there is none.
 */
async function earlierLog(path: string, step: number): Promise<StepLog[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return [];
  }
  const out: StepLog[] = [];
  for (const line of text.split('\n')) {
    try {
      const l = JSON.parse(line) as StepLog;
      if (Number.isInteger(l?.step) && l.step <= step && l.step === out.length + 1) out.push(l);
    } catch {
      // A line cut by a kill, or a blank one: the resumed run writes it again.
    }
  }
  return out;
}

/** Writes the pictures of a finished run; the checkpoint is already on disk. */
async function writePictures(out: string, r: RunResult): Promise<void> {
  await writeOut('train', join(out, 'samples.png'), r.samplesPng);
  await writeOut('train', join(out, 'progress.gif'), r.gif);
  await writeOut('train', join(out, 'loss.svg'), r.lossSvg);
}

/** The files train writes in --out. */
const OUTPUT_FILES = ['checkpoint.safetensors', 'log.jsonl', 'samples.png', 'progress.gif', 'loss.svg', 'metrics.json'] as const;

/** The preset a checkpoint's config is (dropout aside), for checkpoints that do not record it. */
function presetOf(config: GanConfig): string | null {
  const same = (a: GanConfig, b: GanConfig) => JSON.stringify({ ...a, dDropout: 0 }) === JSON.stringify({ ...b, dDropout: 0 });
  for (const [name, p] of Object.entries(PRESETS)) if (same(config, p)) return name;
  return null;
}

/** True when the flag was on the command line (not just its default). */
function given(argv: string[], flag: string): boolean {
  return argv.some((x) => x === `--${flag}` || x.startsWith(`--${flag}=`));
}

/** Where the images come from: the `mnist` package's digits, or a pair of IDX files. */
type DataSource = { kind: 'mnist' } | { kind: 'idx'; images: string; labels: string; recorded: boolean };

/** The data of a run: --images/--labels, else the files a resumed checkpoint trained on, else the built-in digits. */
function dataSource(a: Record<string, string | boolean | undefined>, ck: GanCheckpoint | null): DataSource {
  const images = a.images;
  const labels = a.labels;
  if (typeof images === 'string' || typeof labels === 'string') {
    if (typeof images !== 'string') throw new ValueError('train: --labels needs --images (the images file of those labels)');
    if (typeof labels !== 'string') throw new ValueError('train: --images needs --labels (the labels file of those images)');
    if (images === '' || labels === '') throw new ValueError('train: --images and --labels must name files');
    return { kind: 'idx', images, labels, recorded: false };
  }
  if (ck?.metadata.data === 'idx') {
    const { images: i, labels: l } = ck.metadata;
    if (!i || !l) throw new FormatError('train: the checkpoint says it trained on IDX files but does not name them; pass --images and --labels');
    return { kind: 'idx', images: i, labels: l, recorded: true };
  }
  return { kind: 'mnist' };
}

/** The training images of `src` with labels in `keep`, in [0, 1]; every failure is one line. */
async function loadData(src: DataSource, keep: number[]): Promise<Digits> {
  let all: Digits;
  if (src.kind === 'mnist') {
    if (!hasMnist()) throw new ValueError(`${noMnist('train')}, or train on IDX files of your own with --images and --labels`);
    all = mnistSplit().train;
  } else {
    const read = async (path: string) => {
      try {
        return { path, bytes: await readIn('train', path) };
      } catch (e) {
        if (e instanceof FileError && src.recorded) {
          throw new FileError(`${e.message} (the checkpoint trained on it; pass --images and --labels to say where the files are now)`, e.exitCode, { cause: e });
        }
        throw e;
      }
    };
    const [images, labels] = [await read(src.images), await read(src.labels)];
    try {
      all = idxFilesToDigits(images, labels);
    } catch (e) {
      if (e instanceof FormatError) throw new FormatError(`train: ${e.message}`, { cause: e });
      throw e;
    }
  }
  const have = new Set(all.labels);
  if (!keep.some((d) => have.has(d))) {
    const where = src.kind === 'mnist' ? 'the built-in digits' : src.labels;
    throw new ValueError(`train: no image of ${where} has a label in ${keep.join(',')}`);
  }
  return filterDigits(all, keep);
}

export async function trainCommand(argv: string[]): Promise<void> {
  const a = parse('train', argv, TRAIN_FLAGS);
  if (a.help) return void console.log(usage('train', 'train a GAN on real MNIST digits (or on IDX files of your own)', TRAIN_FLAGS));
  const L = OPTION_LIMITS;
  const model = choice('train', 'model', a.model, Object.keys(PRESETS) as PresetName[]);
  const digitList = parseDigits('train', a.digits);
  const preset = { ...DEFAULT_OPTIONS, ...PRESET_TRAINING[model] };
  const steps = int('train', 'steps', a.steps ?? String(preset.steps), 1, 10_000_000);
  const opts = {
    batchSize: limited('train', 'batch', a.batch, L.batchSize),
    seed: limited('train', 'seed', a.seed, L.seed),
    k: limited('train', 'k', a.k, L.k),
    loss: choice('train', 'loss', a.loss, ['nonsaturating', 'minimax'] as const),
    optimizer: choice('train', 'optimizer', a.optimizer, ['adam', 'sgd'] as const),
    lr: limited('train', 'lr', a.lr ?? String(preset.lr), L.lr),
    // An explicit --lr sets both networks' rate unless --lr-d is given too.
    lrD: a['lr-d'] !== undefined ? limited('train', 'lr-d', a['lr-d'], L.lr) : a.lr === undefined ? preset.lrD : undefined,
    betas: [limited('train', 'beta1', a.beta1, L.beta), limited('train', 'beta2', a.beta2, L.beta)] as [number, number],
    momentum: limited('train', 'momentum', a.momentum, L.momentum),
    decay: limited('train', 'decay', a.decay, L.decay),
    dWarmup: limited('train', 'd-warmup', a['d-warmup'] ?? String(preset.dWarmup), L.dWarmup),
    modeSeeking: limited('train', 'mode-seeking', a['mode-seeking'] ?? String(preset.modeSeeking), L.modeSeeking),
    fixedSamples: 64,
  };
  const dropout = a.dropout === undefined ? undefined : num('train', 'dropout', a.dropout, 0, 0.95);
  const sampleEvery = int('train', 'sample-every', a['sample-every'], 1, 1_000_000);
  const checkpointEvery = int('train', 'checkpoint-every', a['checkpoint-every'], 0, 10_000_000);
  const logEvery = int('train', 'log-every', a['log-every'], 1, 1_000_000);
  const evalN = int('train', 'eval-samples', a['eval-samples'], 0, 100_000);
  const backend = choice('train', 'backend', a.backend, ['auto', 'webgpu', 'wasm', 'cpu'] as const);
  const out = String(a.out);
  const quiet = a.quiet === true;
  // The output folder is checked before anything else: a bad --out fails at once, not after training.
  checkOutputFolder('train', '--out', out);
  for (const f of OUTPUT_FILES) checkOutputFile('train', '--out', join(out, f));

  const ck = typeof a.resume === 'string' ? await readCheckpointFile('train', a.resume) : null;
  if (ck && ck.state.step >= steps) throw new ValueError(`train: the checkpoint is already at step ${ck.state.step}; ask for more --steps`);
  const trainDigits = ck?.metadata.digits ? parseDigits('train', ck.metadata.digits) : digitList;
  const modelName = ck ? ck.metadata.model ?? presetOf(ck.config) ?? 'custom' : model;
  const config = ck ? ck.config : modelConfig(model, dropout);
  const src = dataSource(a, ck);
  const notes: string[] = [];
  if (ck && given(argv, 'model') && model !== modelName) notes.push(`--model ${model} is ignored: the checkpoint's model is ${modelName}`);
  if (ck && given(argv, 'digits') && ck.metadata.digits && digitList.join(',') !== trainDigits.join(',')) notes.push(`--digits ${digitList.join(',')} is ignored: the checkpoint trained on ${trainDigits.join(',')}`);
  for (const n of notes) console.error(`train: ${n}`);

  let raw: Digits | null = await loadData(src, trainDigits);
  const [, h, w] = config.imageShape;
  if (raw.height !== h || raw.width !== w) {
    const what = src.kind === 'idx' ? src.images : 'the built-in digits';
    throw new ValueError(`train: the images of ${what} are ${raw.height}x${raw.width} but the ${modelName} model makes ${h}x${w} images (${fmtImageShape(config.imageShape)}); give images of ${h}x${w}`);
  }

  await initBackend(backend, (s) => console.error(s));
  const data = toSigned(raw);
  raw = null; // 60,000 images are 188 MB a copy: keep only the signed one
  const trainer = ck ? resumeTrainer(ck, data) : new GanTrainer(config, opts, data);
  await withFile('train', 'write', out, () => mkdir(out, { recursive: true }));
  await removeStaleTemps(out, OUTPUT_FILES);
  const logPath = join(out, 'log.jsonl');
  const ckPath = join(out, 'checkpoint.safetensors');
  const history = ck ? await earlierLog(logPath, trainer.step) : [];
  // A resumed run's log keeps the steps up to its checkpoint; the ones after are trained again.
  await writeOut('train', logPath, history.map((l) => `${JSON.stringify(l)}\n`).join(''));
  const what = src.kind === 'mnist' ? `digits ${trainDigits.join(',')}` : `labels ${trainDigits.join(',')} of ${src.images}`;
  const resumed = ck ? ` (resuming at step ${trainer.step})` : '';
  console.error(`training ${modelName} on ${what} (${data.n} ${src.kind === 'mnist' ? 'real ' : ''}images) for ${steps - trainer.step} steps${resumed} -> ${out}`);

  const metadata: Record<string, string> = { digits: trainDigits.join(','), model: modelName, data: src.kind };
  if (src.kind === 'idx') Object.assign(metadata, { images: resolve(src.images), labels: resolve(src.labels) });
  const run = new TrainingRun(trainer, {
    steps, sampleEvery, checkpointEvery, logEvery, history, metadata,
    title: `${modelName} on ${src.kind === 'mnist' ? what : `labels ${trainDigits.join(',')} of ${basename(src.images)}`}`,
  });
  const bar = new Progress(steps - trainer.step, process.stderr, quiet);
  const start = trainer.step;
  let signalCode = 0;
  const onSignal = (sig: keyof typeof SIGNAL_CODES) => {
    if (signalCode) process.exit(signalCode);
    signalCode = SIGNAL_CODES[sig];
    bar.note(`${sig}: stopping after this step and writing the checkpoint (send it again to quit at once)`);
    run.stop();
  };
  const handlers = { SIGINT: () => onSignal('SIGINT'), SIGTERM: () => onSignal('SIGTERM') };
  for (const [sig, h] of Object.entries(handlers)) process.on(sig, h);
  const log = await withFile('train', 'write', logPath, () => open(logPath, 'a'));
  let result: RunResult | null = null;
  try {
    for await (const e of run) {
      if (e.type === 'step') {
        await withFile('train', 'write', logPath, () => log.write(`${JSON.stringify(e.log)}\n`));
        const l = e.log;
        bar.update(l.step - start, `D ${l.dLoss.toFixed(3)}  G ${l.gLoss.toFixed(3)}  D(x) ${l.dReal.toFixed(2)}  D(G(z)) ${l.dFake.toFixed(2)}`);
      } else if (e.type === 'warning') {
        bar.note(`warning: ${e.message}`);
      } else if (e.type === 'checkpoint') {
        await writeOut('train', ckPath, e.bytes);
      } else if (e.type === 'end') {
        result = e.result;
        await writePictures(out, result);
      }
    }
  } finally {
    for (const [sig, h] of Object.entries(handlers)) process.off(sig, h);
    await log.close().catch(() => {});
  }
  const r = result!;
  if (r.stopped) bar.note(`stopped at step ${r.step}; wrote what was trained`);
  console.error(`trained ${r.stepsRun} steps in ${r.seconds.toFixed(1)} s (${(r.stepsRun / r.seconds).toFixed(2)} steps/s); wrote samples.png, progress.gif, loss.svg, log.jsonl, checkpoint.safetensors to ${out}`);
  if (signalCode) {
    process.exitCode = signalCode;
    if (evalN > 0) console.error('interrupted: skipping the sample metrics');
  } else if (evalN > 0 && src.kind === 'idx') {
    console.error(`not scoring the samples: the classifier's metrics compare them with the built-in MNIST digits, and this run trained on ${src.images} (if those are MNIST digits, \`shadergrad eval --checkpoint ${ckPath}\` scores them)`);
  } else if (evalN > 0 && !existsSync(CLASSIFIER_PATH)) {
    console.error(`no classifier at ${CLASSIFIER_PATH}; skipping the sample metrics`);
  } else if (evalN > 0) {
    const m = await evaluateCheckpoint(ckPath, trainDigits, evalN, 0);
    await writeOut('train', join(out, 'metrics.json'), `${JSON.stringify({ ...m.json, steps: r.step, seconds: r.seconds, stepsPerSecond: r.stepsRun / r.seconds }, null, 2)}\n`);
    console.log(m.table);
  }
}

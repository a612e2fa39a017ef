/**
 * `shadergrad train`: flag parsing and file writing around a `TrainingRun` (src/gan/run.ts),
 * which does the training. It streams log.jsonl a line per step as the steps are read
 * back, writes checkpoint.safetensors every --checkpoint-every steps and at the end (each
 * time atomically, and at the end before any picture), then samples.png, progress.gif and
 * loss.svg (plus metrics.json when the classifier is available). SIGINT (Ctrl-C) or
 * SIGTERM stops after the current step, writes everything and exits with 130 or 143; a
 * second signal exits at once.
 */
import { existsSync } from 'node:fs';
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { filterDigits, toSigned } from '../data/dataset.js';
import { mnistSplit } from '../data/standard-split.js';
import { ValueError } from '../errors.js';
import { readCheckpoint, resumeTrainer } from '../gan/checkpoint.js';
import { PRESETS, type GanConfig, type PresetName } from '../gan/models.js';
import { DEFAULT_RUN_OPTIONS, TrainingRun, type RunResult } from '../gan/run.js';
import { GanTrainer, DEFAULT_OPTIONS, type StepLog } from '../gan/trainer.js';
import { choice, digits as parseDigits, int, num, parse, usage, type Flags } from './args.js';
import { CLASSIFIER_PATH, initBackend, readIn } from './common.js';
import { evaluateCheckpoint } from './eval.js';
import { writeAtomic } from './files.js';
import { Progress } from './progress.js';

export const TRAIN_FLAGS: Flags = {
  model: { type: 'string', default: 'mlp-small', help: `the model: ${Object.keys(PRESETS).join(', ')} (mlp-small: G 100-128-784, D 784-128-1)` },
  digits: { type: 'string', default: '3', help: 'digits to learn: "3", "0,1,7" or "all"' },
  steps: { type: 'string', default: '3000', help: 'generator steps (total, when resuming)' },
  batch: { type: 'string', default: String(DEFAULT_OPTIONS.batchSize), help: 'batch size' },
  seed: { type: 'string', default: '1', help: 'seed of weights, noise, dropout and data order' },
  out: { type: 'string', default: 'runs/default', help: 'output folder' },
  k: { type: 'string', default: '1', help: 'discriminator steps per generator step' },
  loss: { type: 'string', default: DEFAULT_OPTIONS.loss, help: 'generator loss: nonsaturating (-log D(G(z))) or minimax (log(1-D(G(z))))' },
  optimizer: { type: 'string', default: DEFAULT_OPTIONS.optimizer, help: 'adam or sgd' },
  lr: { type: 'string', default: String(DEFAULT_OPTIONS.lr), help: 'learning rate of both networks' },
  beta1: { type: 'string', default: String(DEFAULT_OPTIONS.betas[0]), help: "Adam's beta1" },
  beta2: { type: 'string', default: String(DEFAULT_OPTIONS.betas[1]), help: "Adam's beta2" },
  momentum: { type: 'string', default: String(DEFAULT_OPTIONS.momentum), help: "SGD's momentum" },
  decay: { type: 'string', default: '0', help: 'step decay per epoch: lr_e = lr_{e-1} / (1 + decay * e)' },
  dropout: { type: 'string', default: '0', help: 'dropout probability in the discriminator' },
  backend: { type: 'string', default: 'auto', help: 'auto (WebGPU on a hardware adapter, else CPU), webgpu or cpu' },
  'sample-every': { type: 'string', default: String(DEFAULT_RUN_OPTIONS.sampleEvery), help: 'steps between progress grids (GIF frames)' },
  'checkpoint-every': { type: 'string', default: String(DEFAULT_RUN_OPTIONS.checkpointEvery), help: 'steps between checkpoints (0: only at the end)' },
  'log-every': { type: 'string', default: String(DEFAULT_RUN_OPTIONS.logEvery), help: 'steps between loss readbacks (every step is still logged)' },
  'eval-samples': { type: 'string', default: '1000', help: 'samples scored by the classifier at the end (0 to skip)' },
  resume: { type: 'string', help: 'continue from this checkpoint (its model and options win)' },
  quiet: { type: 'boolean', default: false, help: 'no progress bar' },
};

/** Exit codes of a run stopped by a signal: 128 + the signal's number, as a shell reports it. */
const SIGNAL_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/** The preset with the --dropout flag applied (to a model whose D has dropout). */
function modelConfig(model: PresetName, dropout: number): GanConfig {
  const base: GanConfig = PRESETS[model];
  if ('dDropout' in base) return { ...base, dDropout: dropout };
  if (dropout > 0) throw new ValueError(`train: --dropout does not apply to the ${model} model`);
  return base;
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
  await writeAtomic(join(out, 'samples.png'), r.samplesPng);
  await writeAtomic(join(out, 'progress.gif'), r.gif);
  await writeAtomic(join(out, 'loss.svg'), r.lossSvg);
}

export async function trainCommand(argv: string[]): Promise<void> {
  const a = parse('train', argv, TRAIN_FLAGS);
  if (a.help) return void console.log(usage('train', 'train a GAN on real MNIST digits', TRAIN_FLAGS));
  const model = choice('train', 'model', a.model, Object.keys(PRESETS) as PresetName[]);
  const digitList = parseDigits('train', a.digits);
  const steps = int('train', 'steps', a.steps, 1, 10_000_000);
  const opts = {
    batchSize: int('train', 'batch', a.batch, 1, 4096),
    seed: int('train', 'seed', a.seed, 0, 2 ** 32 - 1),
    k: int('train', 'k', a.k, 1, 100),
    loss: choice('train', 'loss', a.loss, ['nonsaturating', 'minimax'] as const),
    optimizer: choice('train', 'optimizer', a.optimizer, ['adam', 'sgd'] as const),
    lr: num('train', 'lr', a.lr, 0, 10, true),
    betas: [num('train', 'beta1', a.beta1, 0, 0.999999), num('train', 'beta2', a.beta2, 0, 0.999999)] as [number, number],
    momentum: num('train', 'momentum', a.momentum, 0, 0.999999),
    decay: num('train', 'decay', a.decay, 0, 1000),
    fixedSamples: 64,
  };
  const dropout = num('train', 'dropout', a.dropout, 0, 0.95);
  const sampleEvery = int('train', 'sample-every', a['sample-every'], 1, 1_000_000);
  const checkpointEvery = int('train', 'checkpoint-every', a['checkpoint-every'], 0, 10_000_000);
  const logEvery = int('train', 'log-every', a['log-every'], 1, 1_000_000);
  const evalN = int('train', 'eval-samples', a['eval-samples'], 0, 100_000);
  const out = String(a.out);
  const quiet = a.quiet === true;
  const ck = typeof a.resume === 'string' ? readCheckpoint(await readIn('train', a.resume)) : null;
  const trainDigits = ck?.metadata.digits ? parseDigits('train', ck.metadata.digits) : digitList;
  const modelName = ck?.metadata.model ?? model;

  await initBackend(choice('train', 'backend', a.backend, ['auto', 'webgpu', 'cpu'] as const), (s) => console.error(s));
  const data = toSigned(filterDigits(mnistSplit().train, trainDigits));
  const trainer = ck ? resumeTrainer(ck, data) : new GanTrainer(modelConfig(model, dropout), opts, data);
  if (trainer.step >= steps) throw new ValueError(`train: the checkpoint is already at step ${trainer.step}; ask for more --steps`);
  await mkdir(out, { recursive: true });
  const logPath = join(out, 'log.jsonl');
  const ckPath = join(out, 'checkpoint.safetensors');
  const history = ck ? await earlierLog(logPath, trainer.step) : [];
  // A resumed run's log keeps the steps up to its checkpoint; the ones after are trained again.
  await writeAtomic(logPath, history.map((l) => `${JSON.stringify(l)}\n`).join(''));
  console.error(`training ${modelName} on digits ${trainDigits.join(',')} (${data.n} real images) for ${steps - trainer.step} steps -> ${out}`);

  const run = new TrainingRun(trainer, {
    steps, sampleEvery, checkpointEvery, logEvery, history,
    metadata: { digits: trainDigits.join(','), model: modelName },
    title: `${modelName} on digits ${trainDigits.join(',')}`,
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
  const log = await open(logPath, 'a');
  let result: RunResult | null = null;
  try {
    for await (const e of run) {
      if (e.type === 'step') {
        await log.write(`${JSON.stringify(e.log)}\n`);
        const l = e.log;
        bar.update(l.step - start, `D ${l.dLoss.toFixed(3)}  G ${l.gLoss.toFixed(3)}  D(x) ${l.dReal.toFixed(2)}  D(G(z)) ${l.dFake.toFixed(2)}`);
      } else if (e.type === 'warning') {
        bar.note(`warning: ${e.message}`);
      } else if (e.type === 'checkpoint') {
        await writeAtomic(ckPath, e.bytes);
      } else if (e.type === 'end') {
        result = e.result;
        await writePictures(out, result);
      }
    }
  } finally {
    for (const [sig, h] of Object.entries(handlers)) process.off(sig, h);
    await log.close();
  }
  const r = result!;
  if (r.stopped) bar.note(`stopped at step ${r.step}; wrote what was trained`);
  console.error(`trained ${r.stepsRun} steps in ${r.seconds.toFixed(1)} s (${(r.stepsRun / r.seconds).toFixed(2)} steps/s); wrote samples.png, progress.gif, loss.svg, log.jsonl, checkpoint.safetensors to ${out}`);
  if (signalCode) {
    process.exitCode = signalCode;
    if (evalN > 0) console.error('interrupted: skipping the sample metrics');
  } else if (evalN > 0 && !existsSync(CLASSIFIER_PATH)) {
    console.error(`no classifier at ${CLASSIFIER_PATH}; skipping the sample metrics`);
  } else if (evalN > 0) {
    const m = await evaluateCheckpoint(ckPath, trainDigits, evalN, 0);
    await writeAtomic(join(out, 'metrics.json'), `${JSON.stringify({ ...m.json, steps: r.step, seconds: r.seconds, stepsPerSecond: r.stepsRun / r.seconds }, null, 2)}\n`);
    console.log(m.table);
  }
}

/**
 * The training form: its defaults (a preset's PRESET_TRAINING over DEFAULT_OPTIONS, as the
 * CLI's flags), and reading it into checked settings. The limits are the trainer's own
 * OPTION_LIMITS, so the form refuses exactly what GanTrainer would.
 */
import { ValueError } from 'shadergrad';
import {
  DEFAULT_OPTIONS, OPTION_LIMITS, PRESETS, PRESET_TRAINING, fmtLimit, withinLimit,
  type Limit, type ModelKind, type PresetName, type TrainOptions,
} from 'shadergrad/gan';
import { parseDigits } from './digits.js';

export interface Settings {
  model: PresetName;
  digits: number[];
  /** The preset's training options with the form's over them (every option the form has). */
  options: Partial<TrainOptions>;
  steps: number;
  /** Steps between sample grids (and GIF frames). */
  sampleEvery: number;
  /** Steps between loss readbacks: how often the charts move. */
  logEvery: number;
}

/**
 * How often a run shows progress, per model kind. An MLP step is cheap, so its losses are
 * read back every 10 steps (each readback waits for the GPU); a DCGAN step is slow enough
 * that every step is read back, or the charts would sit still for many seconds.
 */
const CADENCE: Record<ModelKind, { sampleEvery: number; logEvery: number }> = {
  mlp: { sampleEvery: 50, logEvery: 10 },
  dcgan: { sampleEvery: 10, logEvery: 1 },
};

const STEP_LIMIT: Limit = { min: 1, max: 10_000_000, integer: true };
const EVERY_LIMIT: Limit = { min: 1, max: 1_000_000, integer: true };

/** The form's elements, by the ids of demo/index.html. */
export class Controls {
  readonly form = byId<HTMLFormElement>('settings');
  readonly model = byId<HTMLSelectElement>('model');
  readonly digits = byId<HTMLInputElement>('digits');
  readonly optimizer = byId<HTMLSelectElement>('optimizer');
  readonly lr = byId<HTMLInputElement>('lr');
  readonly lrD = byId<HTMLInputElement>('lr-d');
  readonly dWarmup = byId<HTMLInputElement>('d-warmup');
  readonly modeSeeking = byId<HTMLInputElement>('mode-seeking');
  readonly k = byId<HTMLInputElement>('k');
  readonly batch = byId<HTMLInputElement>('batch');
  readonly seed = byId<HTMLInputElement>('seed');
  readonly steps = byId<HTMLInputElement>('steps');
  readonly every = byId<HTMLInputElement>('every');

  constructor() {
    for (const name of Object.keys(PRESETS)) this.model.add(new Option(name, name));
    this.model.value = 'mlp-small';
    this.digits.value = '3';
    this.optimizer.value = DEFAULT_OPTIONS.optimizer;
    this.k.value = String(DEFAULT_OPTIONS.k);
    this.batch.value = String(DEFAULT_OPTIONS.batchSize);
    this.seed.value = String(DEFAULT_OPTIONS.seed);
    this.fillPreset();
    this.model.addEventListener('change', () => this.fillPreset());
  }

  /** The model's learning rates, warm-up, run length and progress cadence, as the CLI would default them. */
  fillPreset(): void {
    const name = this.model.value as PresetName;
    const preset = { ...DEFAULT_OPTIONS, ...PRESET_TRAINING[name] };
    this.lr.value = String(preset.lr);
    this.lrD.value = preset.lrD === undefined ? '' : String(preset.lrD);
    this.dWarmup.value = String(preset.dWarmup);
    this.modeSeeking.value = String(preset.modeSeeking);
    this.steps.value = String(preset.steps);
    this.every.value = String(CADENCE[PRESETS[name].kind].sampleEvery);
  }

  /** Locks the form while a run owns its settings. */
  setEnabled(on: boolean): void {
    for (const el of Array.from(this.form.elements)) (el as HTMLInputElement).disabled = !on;
  }

  /** The form as settings; a ValueError naming the field for a bad value. */
  read(): Settings {
    const model = this.model.value as PresetName;
    if (!(model in PRESETS)) throw new ValueError(`model: unknown preset ${JSON.stringify(model)}`);
    const L = OPTION_LIMITS;
    // Options the form does not show (none today) still come from the preset, as in the CLI.
    const { steps: _, ...presetOptions } = PRESET_TRAINING[model];
    return {
      model,
      digits: parseDigits(this.digits.value),
      options: {
        ...presetOptions,
        optimizer: this.optimizer.value === 'sgd' ? 'sgd' : 'adam',
        lr: field('learning rate', this.lr, L.lr),
        // Empty: D trains at G's rate.
        lrD: this.lrD.value.trim() === '' ? undefined : field('D learning rate', this.lrD, L.lr),
        k: field('k', this.k, L.k),
        dWarmup: field('D warm-up', this.dWarmup, L.dWarmup),
        modeSeeking: field('mode seeking', this.modeSeeking, L.modeSeeking),
        batchSize: field('batch size', this.batch, L.batchSize),
        seed: field('seed', this.seed, L.seed),
      },
      steps: field('steps', this.steps, STEP_LIMIT),
      sampleEvery: field('grid every', this.every, EVERY_LIMIT),
      logEvery: CADENCE[PRESETS[model].kind].logEvery,
    };
  }
}

function field(name: string, input: HTMLInputElement, limit: Limit): number {
  const text = input.value.trim();
  const v = text === '' ? NaN : Number(text);
  if (!withinLimit(v, limit)) {
    throw new ValueError(`${name} must be ${limit.integer ? 'an integer' : 'a number'} in ${fmtLimit(limit)}, got ${JSON.stringify(text)}`);
  }
  return v;
}

export function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`demo: the page has no #${id}`);
  return el as T;
}

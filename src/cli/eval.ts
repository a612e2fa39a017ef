/** `shadergrad eval`: scores a checkpoint's samples with the committed digit classifier. */
import { mnistSplit } from '../data/standard-split.js';
import { ValueError } from '../errors.js';
import { SIDE, loadClassifier } from '../eval/classifier.js';
import { evaluateSamples, formatMetrics, type SampleMetrics } from '../eval/metrics.js';
import { drawSamples, loadGenerator, type GanCheckpoint } from '../gan/checkpoint.js';
import { fmtImageShape } from '../gan/models.js';
import { choice, digits as parseDigits, int, parse, usage, type Flags } from './args.js';
import { CLASSIFIER_PATH, initBackend, readCheckpointFile, readIn } from './common.js';

export const EVAL_FLAGS: Flags = {
  checkpoint: { type: 'string', help: 'checkpoint.safetensors written by train (required)', required: 'the checkpoint.safetensors that train wrote' },
  digits: { type: 'string', help: 'target digits, e.g. "3" or "all" (default: the digits the checkpoint was trained on)' },
  n: { type: 'string', default: '1000', help: 'number of samples to score' },
  seed: { type: 'string', default: '0', help: 'seed of the noise' },
  json: { type: 'boolean', default: false, help: 'print only the JSON' },
  backend: { type: 'string', default: 'auto', help: 'auto, webgpu, wasm or cpu' },
};

/** Metrics of n samples of a checkpoint, or of the one at a path (the backend must be initialised). */
export async function evaluateCheckpoint(checkpoint: string | GanCheckpoint, digits: number[] | null, n: number, seed: number): Promise<{ metrics: SampleMetrics; json: object; table: string }> {
  const ck = typeof checkpoint === 'string' ? await readCheckpointFile('eval', checkpoint) : checkpoint;
  if (ck.metadata.data === 'idx') {
    console.error(`eval: note: this checkpoint trained on ${ck.metadata.images ?? 'IDX files'}; the metrics compare its samples with the built-in MNIST digits, so they mean something only if those files hold MNIST digits`);
  }
  const target = digits ?? (ck.metadata.digits ? parseDigits('eval', ck.metadata.digits) : null);
  if (!target) throw new ValueError('eval: the checkpoint does not record its digits; pass --digits');
  const [c, h, w] = ck.config.imageShape;
  if (c !== 1 || h !== SIDE || w !== SIDE) {
    throw new ValueError(`eval: the classifier scores 1x${SIDE}x${SIDE} digits, but this checkpoint's generator makes ${fmtImageShape(ck.config.imageShape)} images`);
  }
  // [n, 1, 28, 28] samples are the classifier's n*784 floats as they are.
  const samples = await drawSamples(loadGenerator(ck), ck.config, n, seed);
  const { model, metadata } = loadClassifier(await readIn('eval', CLASSIFIER_PATH));
  const metrics = await evaluateSamples(model, samples, n, { digits: target, heldOut: mnistSplit().heldOut });
  const json = { ...metrics, classifierHeldOutAccuracy: Number(metadata.held_out_accuracy ?? metadata.heldOutAccuracy ?? NaN) };
  return { metrics, json, table: formatMetrics(metrics) };
}

export async function evalCommand(argv: string[]): Promise<void> {
  const a = parse('eval', argv, EVAL_FLAGS);
  if (a.help) return void console.log(usage('eval', "score a checkpoint's samples: fraction of target digits, class entropy, Frechet distance", EVAL_FLAGS));
  const digits = typeof a.digits === 'string' ? parseDigits('eval', a.digits) : null;
  const n = int('eval', 'n', a.n, 2, 100_000);
  const seed = int('eval', 'seed', a.seed, 0, 2 ** 32 - 1);
  const backend = choice('eval', 'backend', a.backend, ['auto', 'webgpu', 'wasm', 'cpu'] as const);
  // The file is read first: a bad one fails at once, before a backend starts.
  const ck = await readCheckpointFile('eval', String(a.checkpoint));
  await initBackend(backend, (s) => console.error(s));
  const r = await evaluateCheckpoint(ck, digits, n, seed);
  if (!a.json) console.log(`${r.table}\n`);
  console.log(JSON.stringify(r.json, null, 2));
}

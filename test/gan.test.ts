import { describe, expect, it } from 'vitest';
import { FormatError, Generator, scope, bceWithLogits, full } from '../src/index.js';
import { GanTrainer, type StepLog } from '../src/gan/trainer.js';
import { PRESETS, buildDiscriminator, buildGenerator, type MlpGanConfig } from '../src/gan/models.js';
import { loadGenerator, readCheckpoint, resumeTrainer, saveCheckpoint } from '../src/gan/checkpoint.js';
import { CollapseMonitor } from '../src/gan/monitor.js';
import { stateDict } from '../src/nn/state.js';
import { decodeSafetensors, encodeSafetensors } from '../src/io/safetensors.js';
import type { Digits } from '../src/data/types.js';
import { BACKENDS, randomArray, run, skipReason } from './helpers.js';

// A small GAN keeps SwiftShader runs short; the full presets are exercised by the CLI test.
const TINY: MlpGanConfig = { ...PRESETS['mlp-small'], zDim: 8, gHidden: [16], dHidden: [16], dDropout: 0.2 };
const OPTS = { batchSize: 8, seed: 3, lr: 2e-3, fixedSamples: 4 };

/** 40 fake "images" in [-1, 1]: enough for several epochs of batch 8. */
function fakeData(): Digits {
  const n = 40;
  return { images: randomArray(n * 784, 77), labels: new Uint8Array(n).fill(3), n, height: 28, width: 28 };
}

async function steps(t: GanTrainer, n: number): Promise<StepLog[]> {
  const out: StepLog[] = [];
  for (let i = 0; i < n; i++) out.push(await t.trainStep());
  return out;
}

describe.skipIf(skipReason('webgpu'))('GAN trainer on both backends', () => {
  it('the first 20 steps give the same losses on cpu and webgpu (k=2, dropout, Adam)', async () => {
    const logs: Record<string, StepLog[]> = {};
    for (const bk of BACKENDS) logs[bk] = await run(bk, () => steps(new GanTrainer(TINY, { ...OPTS, k: 2 }, fakeData()), 20));
    logs.cpu!.forEach((c, i) => {
      const g = logs.webgpu![i]!;
      for (const key of ['dLoss', 'gLoss', 'dReal', 'dFake'] as const) {
        expect(Math.abs(g[key] - c[key]), `step ${i + 1} ${key}: ${g[key]} vs ${c[key]}`).toBeLessThan(1e-3 * Math.max(1, Math.abs(c[key])));
      }
    });
    expect(logs.cpu![19]!.epoch).toBeGreaterThan(0);
  });
});

describe.each(BACKENDS)('GAN on %s', (bk) => {
  describe.skipIf(skipReason(bk))('', () => {
    it('a checkpoint round-trips bit-exactly, and resuming gives the same next losses', async () => {
      await run(bk, async () => {
        const opts = { ...OPTS, optimizer: 'sgd' as const, momentum: 0.5, decay: 0.1 };
        const whole = await steps(new GanTrainer(TINY, opts, fakeData()), 8);
        const first = new GanTrainer(TINY, opts, fakeData());
        await steps(first, 5);
        const bytes = await saveCheckpoint(first);
        const ck = readCheckpoint(bytes);
        const G = await stateDict(first.G);
        for (const [name, v] of Object.entries(G)) {
          expect(ck.tensors[`generator.${name}`]!.shape).toEqual(v.shape);
          expect(new Uint32Array(ck.tensors[`generator.${name}`]!.data.buffer)).toEqual(new Uint32Array(v.data.buffer));
        }
        expect(ck.state.step).toBe(5);
        const resumed = await steps(resumeTrainer(ck, fakeData()), 3);
        expect(resumed).toEqual(whole.slice(5));
      });
    });

    it('during the generator step the discriminator gets no weight gradients', async () => {
      await run(bk, async () => {
        const g = new Generator(1);
        const G = buildGenerator(TINY, g);
        const D = buildDiscriminator(TINY, g, new Generator(2));
        D.requiresGrad(false);
        scope(() => bceWithLogits(D.forward(G.forward(full([4, TINY.zDim], 0.5))), full([4, 1], 1)).backward());
        for (const p of D.parameters()) expect(p.grad).toBeNull();
        for (const p of G.parameters()) expect(p.grad).not.toBeNull();
        const gw = await G.parameters()[0]!.grad!.data();
        expect(gw.some((v) => v !== 0)).toBe(true);
      });
    });

    it('loadGenerator reproduces the trainer generator samples', async () => {
      await run(bk, async () => {
        const t = new GanTrainer(TINY, OPTS, fakeData());
        await steps(t, 2);
        const G = loadGenerator(readCheckpoint(await saveCheckpoint(t)));
        const a = await t.sample();
        const b = await G.forward(t.fixedZ).data();
        expect(Array.from(b)).toEqual(Array.from(a));
      });
    });
  });
});

describe('checkpoint refusal', () => {
  it('refuses truncated, foreign and inconsistent files with a FormatError naming the problem', async () => {
    await run('cpu', async () => {
      const t = new GanTrainer(TINY, OPTS, fakeData());
      const bytes = await saveCheckpoint(t);
      expect(() => readCheckpoint(bytes.subarray(0, bytes.length - 10))).toThrow(FormatError);
      const file = decodeSafetensors(bytes);
      const rebuild = (tensors: typeof file.tensors, meta: Record<string, string>) =>
        encodeSafetensors(Object.fromEntries(Object.entries(tensors).map(([k, v]) => [k, { dtype: 'F32' as const, shape: v.shape, data: v.data }])), meta);
      expect(() => readCheckpoint(rebuild(file.tensors, { ...file.metadata, format: 'other/9' }))).toThrow(/format is "other\/9"/);
      expect(() => readCheckpoint(rebuild(file.tensors, { ...file.metadata, config: '{"kind":"mlp"' }))).toThrow(/"config" is not valid JSON/);
      expect(() => readCheckpoint(rebuild(file.tensors, { ...file.metadata, state: '{"step":-1}' }))).toThrow(/"state" is missing fields/);
      const bigger = JSON.stringify({ ...TINY, gHidden: [32] });
      expect(() => resumeTrainer(readCheckpoint(rebuild(file.tensors, { ...file.metadata, config: bigger })), fakeData())).toThrow(/tensor "generator.0.weight" has shape \[16,8\], the model expects \[32,8\]/);
      const { ['generator.0.bias']: _dropped, ...rest } = file.tensors;
      expect(() => resumeTrainer(readCheckpoint(rebuild(rest, file.metadata)), fakeData())).toThrow(/missing tensor "generator.0.bias"/);
    });
  });
});

describe('collapse monitor', () => {
  it('warns once after D(G(z)) stays saturated for the window, and on identical samples', () => {
    const m = new CollapseMonitor(10, { window: 5 });
    const warnings = [0.5, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.3].map((d, i) => m.step(d, i + 1));
    expect(warnings.filter(Boolean)).toHaveLength(1);
    expect(warnings[5]).toMatch(/rejects every sample/);
    const same = new Float32Array(4 * 784).fill(0.2);
    expect(m.samples(same, 4, 784, 9)).toMatch(/all alike/);
    expect(m.samples(randomArray(4 * 784, 5), 4, 784, 9)).toBeNull();
  });
});

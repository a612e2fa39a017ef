import { describe, expect, it } from 'vitest';
import { FormatError, Generator, gpu, gradcheck, ValueError, Sequential, add, assign, memory, scope, bceWithLogits, full, tensor, type Tensor } from '../src/index.js';
import { Module, buffer } from '../src/nn/module.js';
import { GanTrainer, modeSeekingTerm, type StepLog } from '../src/gan/trainer.js';
import { MODEL_KINDS, PRESETS, buildModels, type MlpGanConfig } from '../src/gan/models.js';
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

/** A module with a buffer: counts its training-mode forwards in [count, -count]. */
class CountForwards extends Module {
  readonly count = buffer(full([2], 0));
  forward(x: Tensor): Tensor {
    if (this.training) scope(() => assign(this.count, add(this.count, tensor(new Float32Array([1, -1]), [2]))));
    return x;
  }
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

  it('an iteration (k D steps and a G step) is one submit and no readback; the warm-up is one submit per D step', async () => {
    await run('webgpu', async () => {
      const t = new GanTrainer(TINY, { ...OPTS, k: 2, dWarmup: 2 }, fakeData());
      const rt = gpu();
      const s0 = { ...rt.stats };
      t.queueWarmupStep();
      t.queueWarmupStep();
      expect(rt.stats.submits - s0.submits, 'warm-up submits').toBe(2);
      for (let i = 0; i < 3; i++) {
        const s = { ...rt.stats };
        t.queueStep();
        expect(rt.stats.submits - s.submits, `iteration ${i + 1}: submits`).toBe(1);
        expect(rt.stats.readbacks - s.readbacks, `iteration ${i + 1}: readbacks`).toBe(0);
      }
      expect((await t.readLogs()).map((l) => l.step)).toEqual([1, 2, 3]);
      t.dispose();
    });
  });

  it("an MLP GAN iteration of mlp-small (D step + G step, Adam) is 29 dispatches", async () => {
    await run('webgpu', async () => {
      // mlp-small's own widths: where a backward GEMM pair would undo an activation for each
      // element of g in 3 or more tiles, g * act'(y) is made once (src/ops/matmul.ts), and
      // the tiles depend on the widths.
      const t = new GanTrainer(PRESETS['mlp-small'], OPTS, fakeData());
      t.queueStep();
      const s = { ...gpu().stats };
      t.queueStep();
      // D step: noise, G forward (2), D forward (2) on the joint batch (a concat along the
      // batch: buffer copies, no dispatch), BCE and its gradient (2), D's backward (3 GEMMs:
      // dX of layer 2, and each layer's dW with its db, and g * act'(y) of layer 1, whose
      // dW stages g in 13 column tiles), Adam, sigmoid and mean of the logits (2): 14. G
      // step: noise, G and D forward (4), BCE and its gradient (2), the backward (5 GEMMs:
      // D's two dX, and dX, dW + db of G's last layer, dW + db of its first; g * act'(y)
      // of D's layer 1 and of G's last), Adam: 15. The step's logged numbers are joined by
      // copies too.
      expect(gpu().stats.dispatches - s.dispatches).toBe(29);
      await t.readLogs();
      t.dispose();
    });
  });
});

describe.each(BACKENDS)('GAN on %s', (bk) => {
  describe.skipIf(skipReason(bk))('', () => {
    it('a checkpoint round-trips bit-exactly, and resuming gives the same next losses', async () => {
      await run(bk, async () => {
        const opts = { ...OPTS, optimizer: 'sgd' as const, momentum: 0.5, decay: 0.1, dWarmup: 2 };
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

    it('steps queued and read back together log exactly what one readback per step logs', async () => {
      await run(bk, async () => {
        const opts = { ...OPTS, k: 2 };
        const each = await steps(new GanTrainer(TINY, opts, fakeData()), 7);
        const t = new GanTrainer(TINY, opts, fakeData());
        for (let i = 0; i < 5; i++) t.queueStep();
        expect(t.pendingLogs).toBe(5);
        const first = await t.readLogs();
        expect(t.pendingLogs).toBe(0);
        t.queueStep();
        t.queueStep();
        expect([...first, ...(await t.readLogs())]).toEqual(each);
        expect(await t.readLogs()).toEqual([]);
      });
    });

    it('dWarmup: the first step starts with that many D-only steps, as a first step with k = 1 + dWarmup does, and later steps have none', async () => {
      await run(bk, async () => {
        const warm = new GanTrainer(TINY, { ...OPTS, dWarmup: 3 }, fakeData());
        const k4 = new GanTrainer(TINY, { ...OPTS, k: 4 }, fakeData());
        const [a] = await steps(warm, 1);
        const [b] = await steps(k4, 1);
        expect(a).toEqual(b);
        for (const m of ['G', 'D'] as const) {
          const [sa, sb] = [await stateDict(warm[m]), await stateDict(k4[m])];
          for (const name of Object.keys(sa)) expect(sa[name]!.data).toEqual(sb[name]!.data);
        }
        expect([warm.optD.t, warm.optG.t]).toEqual([4, 1]);
        await steps(warm, 2);
        expect([warm.optD.t, warm.optG.t]).toEqual([6, 3]);
      });
    });

    it('dispose() gives back every byte the trainer held, steps still queued included', async () => {
      await run(bk, async () => {
        const before = memory().bytesInUse;
        const t = new GanTrainer(TINY, OPTS, fakeData());
        await steps(t, 2);
        t.queueStep();
        expect(memory().bytesInUse).toBeGreaterThan(before);
        t.dispose();
        expect(memory().bytesInUse).toBe(before);
      });
    });

    it('D on the real and fake batch as one batch of 2B rows logs what two batches of B log (dropout masks included)', async () => {
      await run(bk, async () => {
        const joint = new GanTrainer(TINY, { ...OPTS, k: 2 }, fakeData());
        const split = new GanTrainer(TINY, { ...OPTS, k: 2 }, fakeData());
        // The trainer runs D on the two batches apart when D mixes its samples (batchnorm);
        // taking its joint labels away forces that path on this MLP.
        (split as unknown as { jointLabels: Tensor | null }).jointLabels?.dispose();
        Object.assign(split, { jointLabels: null });
        const [a, b] = [await steps(joint, 6), await steps(split, 6)];
        a.forEach((l, i) => {
          for (const key of ['dLoss', 'gLoss', 'dReal', 'dFake'] as const) {
            expect(Math.abs(l[key] - b[i]![key]), `step ${i + 1} ${key}: ${l[key]} vs ${b[i]![key]}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(b[i]![key])));
          }
        });
        joint.dispose();
        split.dispose();
      });
    });

    it('during the generator step the discriminator gets no weight gradients', async () => {
      await run(bk, async () => {
        const { G, D } = buildModels(TINY, new Generator(1), new Generator(2));
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

    it('G makes [B, 1, 28, 28] images and the MLP D starts with a Flatten: checkpoints name its first Linear discriminator.1', async () => {
      await run(bk, async () => {
        const t = new GanTrainer(TINY, OPTS, fakeData());
        const out = scope(() => t.G.forward(t.fixedZ));
        expect(out.shape).toEqual([4, 1, 28, 28]);
        const logits = scope(() => t.D.forward(out));
        expect(logits.shape).toEqual([4, 1]);
        out.dispose();
        logits.dispose();
        const ck = readCheckpoint(await saveCheckpoint(t));
        expect(ck.config.imageShape).toEqual([1, 28, 28]);
        expect(ck.tensors['discriminator.1.weight']!.shape).toEqual([16, 784]);
        expect(ck.tensors['discriminator.0.weight']).toBeUndefined();
        expect(ck.tensors['optimizer.discriminator.exp_avg.1.weight']!.shape).toEqual([16, 784]);
      });
    });

    it('checkpoints save and load module buffers, and sampling runs G in eval mode', async () => {
      await run(bk, async () => {
        // Every training-mode forward of G adds 1 to a buffer: 2 per step with k = 1
        // (one fake batch for D, one for G's own step); sample() must add nothing.
        const mlp = MODEL_KINDS.mlp.build;
        MODEL_KINDS.mlp.build = (c, init, dropout) => {
          const m = mlp(c, init, dropout);
          return { G: new Sequential(m.G, new CountForwards()), D: m.D };
        };
        try {
          const opts = { ...OPTS, seed: 5 };
          const first = new GanTrainer(TINY, opts, fakeData());
          for (let i = 0; i < 3; i++) {
            await first.trainStep();
            await first.sample();
          }
          expect(first.G.training).toBe(true);
          const bytes = await saveCheckpoint(first);
          const ck = readCheckpoint(bytes);
          expect(Array.from(ck.tensors['generator.1.count']!.data)).toEqual([6, -6]);
          const resumed = resumeTrainer(ck, fakeData());
          const count = resumed.G.buffers()[0]!;
          expect(Array.from(await count.data())).toEqual([6, -6]);
          await resumed.trainStep();
          expect(Array.from(await count.data())).toEqual([8, -8]);
          expect(Array.from(await loadGenerator(ck).buffers()[0]!.data())).toEqual([6, -6]);
        } finally {
          MODEL_KINDS.mlp.build = mlp;
        }
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
      // A format /1 file (an MLP D without Flatten, layers numbered from 0) is refused by name.
      expect(() => readCheckpoint(rebuild(file.tensors, { ...file.metadata, format: 'shadergrad-gan/1' }))).toThrow(/shadergrad-gan\/1.*reads only shadergrad-gan\/2/);
      expect(() => readCheckpoint(rebuild(file.tensors, { ...file.metadata, config: JSON.stringify({ ...TINY, imageShape: [1, 28] }) }))).toThrow(/imageShape must be \[channels, height, width\]/);
      expect(() => readCheckpoint(rebuild(file.tensors, { ...file.metadata, config: JSON.stringify({ ...TINY, kind: 'vae' }) }))).toThrow(/unknown model kind "vae"; expected one of mlp/);
      // Options written before dWarmup existed mean no warm-up; a bad value is named.
      const { dWarmup: _w, ...older } = t.options;
      expect(readCheckpoint(rebuild(file.tensors, { ...file.metadata, options: JSON.stringify(older) })).options.dWarmup).toBe(0);
      expect(() => readCheckpoint(rebuild(file.tensors, { ...file.metadata, options: JSON.stringify({ ...older, dWarmup: -1 }) }))).toThrow(/dWarmup must be an integer in \[0, 100000\], got -1/);
    });
  });
});

describe('image shapes', () => {
  it('refuses images whose size differs from the config, naming both sizes', async () => {
    await run('cpu', () => {
      const n = 16;
      const small: Digits = { images: randomArray(n * 32 * 32, 1), labels: new Uint8Array(n), n, height: 32, width: 32 };
      expect(() => new GanTrainer(TINY, OPTS, small)).toThrow(ValueError);
      expect(() => new GanTrainer(TINY, OPTS, small)).toThrow('train: the images are 1x32x32 (channels x height x width) but the mlp model expects 1x28x28');
      expect(() => new GanTrainer({ ...TINY, imageShape: [3, 28, 28] }, OPTS, fakeData())).toThrow(/images are 1x28x28 .* expects 3x28x28/);
    });
  });

  it('an MLP for 1x32x32 images trains on 32x32 data', async () => {
    await run('cpu', async () => {
      const n = 16;
      const data: Digits = { images: randomArray(n * 32 * 32, 1), labels: new Uint8Array(n), n, height: 32, width: 32 };
      const t = new GanTrainer({ ...TINY, imageShape: [1, 32, 32] }, OPTS, data);
      const log = await t.trainStep();
      expect(Number.isFinite(log.dLoss) && Number.isFinite(log.gLoss)).toBe(true);
      expect((await t.sample()).length).toBe(4 * 32 * 32);
      expect(t.D.parameters()[0]!.shape).toEqual([16, 1024]);
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

  it('calls samples alike below 0.35 of the real spread: the collapsed DCGAN measured 0.24', () => {
    // Sample i has the value v at pixel i only, so every pair lies sqrt(2) v apart.
    const apart = (d: number): Float32Array => {
      const x = new Float32Array(4 * 784);
      for (let i = 0; i < 4; i++) x[i * 784 + i] = d / Math.SQRT2;
      return x;
    };
    const m = new CollapseMonitor(18.1);
    expect(m.samples(apart(4.4), 4, 784, 500)).toMatch(/all alike \(mean pairwise distance 4\.40 vs 18\.10/);
    expect(m.samples(apart(0.36 * 18.1), 4, 784, 500)).toBeNull();
  });
});

describe.each(BACKENDS)('mode-seeking term on %s', (bk) => {
  it('equals mean over pairs of d(z1, z2) / (d(G1, G2) + 1e-5) in float64, and its gradient matches central differences', async () => {
    await run(bk, async () => {
      // 5 rows: pairs (0, 2) and (1, 3); the odd row is left out.
      const [B, Z, P] = [5, 3, 7];
      const zv = randomArray(B * Z, 11), iv = randomArray(B * P, 12);
      const d = (v: Float32Array, n: number, i: number, j: number): number => {
        let s = 0;
        for (let k = 0; k < n; k++) s += Math.abs(v[i * n + k]! - v[j * n + k]!);
        return s / n;
      };
      const want = (d(zv, Z, 0, 2) / (d(iv, P, 0, 2) + 1e-5) + d(zv, Z, 1, 3) / (d(iv, P, 1, 3) + 1e-5)) / 2;
      const got = (await modeSeekingTerm(tensor(zv, [B, Z]), tensor(iv, [B, 1, 1, P])).data())[0]!;
      expect(Math.abs(got - want) / want).toBeLessThan(1e-5);
      // z made inside: gradcheck evaluates the function on its own float64 backend too.
      const r = await gradcheck((x) => modeSeekingTerm(tensor(zv, [B, Z]), x), [tensor(iv, [B, 1, 1, P])], { atol: 1e-3, rtol: 1e-2 });
      expect(r.ok, `worst ${r.worst}`).toBe(true);
    });
  });
});

describe('mode-seeking option', () => {
  it('is checked: a negative weight or a batch of 1 is refused with the option named', async () => {
    await run('cpu', () => {
      expect(() => new GanTrainer(TINY, { ...OPTS, modeSeeking: -1 }, fakeData())).toThrow(/modeSeeking must be a number in \[0, 100\], got -1/);
      expect(() => new GanTrainer(TINY, { ...OPTS, batchSize: 1, modeSeeking: 1 }, fakeData())).toThrow(/modeSeeking compares pairs .* batch of at least 2, got 1/);
    });
  });

  it('changes G\'s steps but not the logged adversarial loss\'s meaning: same first D step, different G after', async () => {
    const [a, b] = await run('cpu', async () => [await steps(new GanTrainer(TINY, OPTS, fakeData()), 3), await steps(new GanTrainer(TINY, { ...OPTS, modeSeeking: 1 }, fakeData()), 3)]);
    expect(b[0]!.dLoss).toBeCloseTo(a[0]!.dLoss, 6);
    expect(b[0]!.gLoss).toBeCloseTo(a[0]!.gLoss, 6);
    expect(Math.abs(b[2]!.dLoss - a[2]!.dLoss)).toBeGreaterThan(1e-6);
  });
});

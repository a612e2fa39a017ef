/**
 * The page of the throwaway app: it imports the installed package through its public
 * entries only (as a web developer would), trains one step of a small MLP with Adam on
 * navigator.gpu, and samples the generator of a GAN checkpoint that the test made in Node
 * (gan.safetensors, noise.npy in public/). The results go to window.__consumer.
 */
import { Adam, LeakyReLU, Linear, Sequential, bceWithLogits, describeAdapter, gpu, init, noGrad, scope, tensor } from 'shadergrad';
import { batches, type Digits } from 'shadergrad/data';
import { loadGenerator, readCheckpoint } from 'shadergrad/gan';
import { decodeNpy } from 'shadergrad/io';
// Whole namespaces too, so the bundle holds every module of the four browser entries (not
// just what tree-shaking keeps), and the test sees what each entry exports.
import * as core from 'shadergrad';
import * as data from 'shadergrad/data';
import * as gan from 'shadergrad/gan';
import * as io from 'shadergrad/io';

export interface ConsumerResult {
  adapter: string | null;
  loss: number | null;
  /** Per parameter: whether the Adam step changed any of its values. */
  changed: boolean[];
  samples: number[];
  sampleShape: number[];
  error: string | null;
  /** Each browser entry's export names. */
  exports: Record<string, string[]>;
}

declare global {
  interface Window { __consumer?: ConsumerResult }
}

async function fetchBytes(path: string): Promise<Uint8Array> {
  const res = await fetch(path);
  if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** 64 seeded 4x4 "images" labelled by their first pixel's sign. */
function toyData(): Digits {
  const n = 64, pix = 16;
  const images = new Float32Array(n * pix);
  const labels = new Uint8Array(n);
  let s = 12345;
  for (let i = 0; i < images.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    images[i] = s / 2 ** 32 - 0.5;
  }
  for (let i = 0; i < n; i++) labels[i] = images[i * pix]! > 0 ? 1 : 0;
  return { images, labels, n, height: 4, width: 4 };
}

async function trainOneStep(r: ConsumerResult): Promise<void> {
  const model = new Sequential(new Linear(16, 8), new LeakyReLU(0.2), new Linear(8, 1));
  const opt = new Adam(model.parameters(), { lr: 1e-2 });
  const before = await Promise.all(model.parameters().map((p) => p.data()));
  const batch = batches(toyData(), 32, { seed: 1, epoch: 0 }).next().value!;
  const loss = scope(() => {
    const x = tensor(batch.images, [32, 16]);
    const y = tensor(Array.from(batch.labels), [32, 1]);
    opt.zeroGrad();
    const l = bceWithLogits(model.forward(x), y).mean(); // a Tensor method: the class must come with its methods
    l.backward();
    opt.step();
    return l;
  });
  r.loss = await loss.item();
  const after = await Promise.all(model.parameters().map((p) => p.data()));
  r.changed = after.map((a, i) => a.some((v, j) => v !== before[i]![j]));
}

async function sampleCheckpoint(r: ConsumerResult): Promise<void> {
  const ck = readCheckpoint(await fetchBytes('./gan.safetensors'));
  const G = loadGenerator(ck);
  G.eval();
  const noise = decodeNpy(await fetchBytes('./noise.npy'));
  const z = tensor(noise.data, noise.shape);
  const out = noGrad(() => G.forward(z));
  r.sampleShape = [...out.shape];
  r.samples = Array.from(await out.data());
}

async function main(): Promise<void> {
  const r: ConsumerResult = { adapter: null, loss: null, changed: [], samples: [], sampleShape: [], error: null, exports: {} };
  for (const [name, ns] of Object.entries({ core, data, gan, io })) r.exports[name] = Object.keys(ns).sort();
  try {
    await init();
    r.adapter = describeAdapter(gpu().adapterInfo);
    await trainOneStep(r);
    await sampleCheckpoint(r);
  } catch (e) {
    r.error = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e);
  }
  document.getElementById('status')!.textContent = r.error ? 'FAIL' : 'DONE';
  document.getElementById('out')!.textContent = JSON.stringify({ ...r, samples: r.samples.length, exports: undefined }, null, 2);
  window.__consumer = r;
}

void main();

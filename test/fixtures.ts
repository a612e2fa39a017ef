/**
 * Test fixtures shared by the Node suites and the browser page (test/e2e/page): seeded
 * data independent of the engine's own generator, and the small MLP training task.
 * No vitest imports here, so a page bundle can use it.
 */
import { Adam, Generator, LeakyReLU, Linear, Sequential, bceWithLogits, scope, tensor, type Tensor } from '../src/index.js';

/** Deterministic values in [lo, hi) from a seeded LCG, independent of the engine's generator. */
export function randomArray(n: number, seed = 1, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + ((hi - lo) * s) / 4294967296;
  }
  return out;
}

export const MLP_BATCH = 16;
export const MLP_IN = 24;

/** A 24-32-1 MLP with LeakyReLU, Xavier-initialised from Generator(seed). */
export function mlp(seed: number): Sequential {
  const g = new Generator(seed);
  return new Sequential(new Linear(MLP_IN, 32, { init: 'xavier', generator: g }), new LeakyReLU(0.2), new Linear(32, 1, { init: 'xavier', generator: g }));
}

/** A fixed binary task: label = 1 when the first feature is positive. */
export function batch(i: number): { x: Float32Array; y: Float32Array } {
  const x = randomArray(MLP_BATCH * MLP_IN, 100 + i);
  const y = new Float32Array(MLP_BATCH).map((_, r) => (x[r * MLP_IN]! > 0 ? 1 : 0));
  return { x, y };
}

/** One iteration: forward, BCE loss, backward, Adam step. Returns the loss tensor. */
export function iteration(model: Sequential, opt: Adam, i: number): Tensor {
  const { x, y } = batch(i % 7);
  return scope(() => {
    opt.zeroGrad();
    const loss = bceWithLogits(model.forward(tensor(x, [MLP_BATCH, MLP_IN])), tensor(y, [MLP_BATCH, 1]));
    loss.backward();
    opt.step();
    return loss;
  });
}

/** mulberry32: a small seeded generator in [0, 1), so random test choices reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Number of image descriptors (frames) in a GIF, by walking its blocks. */
export function gifFrames(b: Uint8Array): number {
  let p = 13 + (b[10]! & 0x80 ? 3 * 2 ** ((b[10]! & 7) + 1) : 0);
  let frames = 0;
  const skipSubBlocks = () => {
    while (b[p]! !== 0) p += b[p]! + 1;
    p++;
  };
  while (p < b.length && b[p] !== 0x3b) {
    if (b[p] === 0x21) {
      p += 2;
      skipSubBlocks();
    } else if (b[p] === 0x2c) {
      frames++;
      const flags = b[p + 9]!;
      p += 10 + (flags & 0x80 ? 3 * 2 ** ((flags & 7) + 1) : 0) + 1;
      skipSubBlocks();
    } else throw new Error(`bad GIF block 0x${b[p]!.toString(16)} at ${p}`);
  }
  return frames;
}

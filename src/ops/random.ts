/**
 * Random tensors and dropout from a counter-based generator (random.wgsl, src/cpu/random.ts):
 * draw i of a Generator is a pure function of (seed, offset + i), so the same seed gives
 * the same numbers on every backend (bit for bit on the CPU reference and wasm, whose
 * kernels are src/wasm/assembly/random.ts) and a dropout mask can be recomputed in backward.
 */
import * as cpu from '../cpu/random.js';
import { backend } from '../context.js';
import { ValueError } from '../errors.js';
import { kernel } from '../gpu/kernel.js';
import { record } from '../autograd/tape.js';
import type { Tensor } from '../tensor.js';
import { arr, backendOf, checkShape, empty, gs, isGpu, isWasm, ws, type Shape } from './util.js';

const randK = kernel({ shader: 'random', entry: 'rand' });
const randnK = kernel({ shader: 'random', entry: 'randn' });
const dropoutK = kernel({ shader: 'random', entry: 'dropout' });

const U32 = 2 ** 32;

/** A seeded stream of random draws (torch.Generator). `take(n)` reserves n counters. */
export class Generator {
  private offset = 0;
  private stream = 0;

  constructor(readonly seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed >= U32) throw new ValueError(`Generator: seed must be an integer in [0, 2^32), got ${seed}`);
  }

  /** The kernel key and first counter of the next `n` draws; advances the generator. */
  take(n: number): { key: number; offset: number } {
    if (this.offset + n > U32) {
      // Counters are u32: move to a fresh stream rather than wrap around onto old draws.
      this.stream++;
      this.offset = 0;
    }
    const key = cpu.pcg((this.seed ^ cpu.pcg(this.stream * 0x9e3779b9)) >>> 0);
    const at = this.offset;
    this.offset += n;
    return { key, offset: at };
  }

  /** Position in the stream, for checkpoints. */
  get state(): { seed: number; stream: number; offset: number } {
    return { seed: this.seed, stream: this.stream, offset: this.offset };
  }

  set state(s: { seed: number; stream: number; offset: number }) {
    if (s.seed !== this.seed) throw new ValueError(`Generator: state is for seed ${s.seed}, this generator has seed ${this.seed}`);
    this.stream = s.stream;
    this.offset = s.offset;
  }
}

let defaultGen = new Generator(0);

/** Reseeds the default generator (torch.manual_seed). */
export function manualSeed(seed: number): void {
  defaultGen = new Generator(seed);
}

export function defaultGenerator(): Generator {
  return defaultGen;
}

export interface RandomOptions {
  generator?: Generator;
}

function draw(shape: Shape, k: typeof randK, a: number, b: number, perElement: number, gen: Generator, op: string): Tensor {
  checkShape(op, shape);
  const bk = backend();
  const out = empty(shape, bk);
  const { key, offset } = gen.take(out.size * perElement);
  if (isGpu(bk)) {
    bk.dispatch(k, {
      bindings: { x: null, out: gs(out) },
      params: { n: out.size, key, offset, a, b },
      threads: out.size,
    });
  } else if (isWasm(bk)) {
    (k === randK ? bk.k.rand : bk.k.randn)(out.size, key, offset, a, b, ws(out).ptr);
  } else if (k === randK) {
    cpu.rand(arr(out), out.size, key, offset, a, b);
  } else {
    cpu.randn(arr(out), out.size, key, offset, a, b);
  }
  return out;
}

/** Uniform samples in [low, high). */
export function rand(shape: Shape, opts: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  const { low = 0, high = 1 } = opts;
  if (!Number.isFinite(low) || !Number.isFinite(high) || high < low) throw new ValueError(`rand: need finite low <= high, got [${low}, ${high})`);
  return draw(shape, randK, low, high, 1, opts.generator ?? defaultGen, 'rand');
}

/**
 * Normal samples N(0, std^2) truncated at two standard deviations (TensorFlow's
 * truncated_normal initialiser): draws beyond 2 std are drawn again. Drawn on the host
 * with the CPU reference of the generator, then uploaded, so every backend gets the same
 * values; meant for initialisation, not for per-step noise.
 */
export function truncatedNormal(shape: Shape, opts: RandomOptions & { std?: number } = {}): Tensor {
  const { std = 1 } = opts;
  if (!(std >= 0) || !Number.isFinite(std)) throw new ValueError(`truncatedNormal: std must be a finite number >= 0, got ${std}`);
  checkShape('truncatedNormal', shape);
  const gen = opts.generator ?? defaultGen;
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float64Array(n);
  let filled = 0;
  while (filled < n) {
    // 95.4% of draws land within 2 std, so a round of n - filled + 16 rarely needs a second.
    const m = n - filled + 16;
    const draws = new Float64Array(m);
    const { key, offset } = gen.take(2 * m);
    cpu.randn(draws, m, key, offset, 0, 1);
    for (let i = 0; i < m && filled < n; i++) if (Math.abs(draws[i]!) <= 2) out[filled++] = draws[i]! * std;
  }
  const t = empty(shape, backend());
  t.backend.write(t.storage, out);
  return t;
}

/** Normal samples with `mean` and `std` (Box-Muller). */
export function randn(shape: Shape, opts: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  const { mean = 0, std = 1 } = opts;
  if (!Number.isFinite(mean) || !(std >= 0) || !Number.isFinite(std)) throw new ValueError(`randn: need a finite mean and std >= 0, got mean ${mean}, std ${std}`);
  return draw(shape, randnK, mean, std, 2, opts.generator ?? defaultGen, 'randn');
}

function applyDropout(x: Tensor, p: number, key: number, offset: number): Tensor {
  const out = empty(x.shape, x.backend);
  const scale = 1 / (1 - p);
  if (isGpu(x.backend)) {
    x.backend.dispatch(dropoutK, {
      bindings: { x: gs(x), out: gs(out) },
      params: { n: x.size, key, offset, a: p, b: scale },
      threads: x.size,
    });
  } else if (isWasm(x.backend)) {
    x.backend.k.dropout(x.size, key, offset, p, scale, ws(x).ptr, ws(out).ptr);
  } else {
    cpu.dropout(arr(x), arr(out), x.size, key, offset, p, scale);
  }
  return out;
}

/**
 * Inverted dropout: zeroes each element with probability p and scales the rest by 1/(1-p).
 * The mask is never stored: backward redraws it from the same (key, offset).
 */
export function dropout(x: Tensor, p: number, opts: RandomOptions = {}): Tensor {
  backendOf('dropout', x);
  if (!(p >= 0 && p < 1)) throw new ValueError(`dropout: p must be in [0, 1), got ${p}`);
  if (p === 0) return record(x.viewAs(x.shape), 'dropout', [x], (g) => [g.viewAs(x.shape)]);
  const { key, offset } = (opts.generator ?? defaultGen).take(x.size);
  const out = applyDropout(x, p, key, offset);
  return record(out, 'dropout', [x], (g) => [applyDropout(g, p, key, offset)]);
}

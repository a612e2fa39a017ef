/**
 * The wasm backend's threads and builds: matmul and the three conv passes on one thread
 * and on three (every kernel split, however small) give bit-identical numbers on odd
 * shapes, transposes and fused epilogues, and both match the CPU reference; so does the
 * plain build (no relaxed SIMD), forced beside the relaxed one; `destroy()` ends the
 * threads and leaves a backend that still computes, and a backend that becomes garbage
 * ends its threads.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backward, conv2d, convTranspose2d, matmul, tensor, type Activation, type Tensor } from '../src/index.js';
import { CpuBackend } from '../src/cpu/backend.js';
import { withBackend } from '../src/context.js';
import type { Backend } from '../src/backend.js';
import { WasmBackend } from '../src/wasm/backend.js';
import { KERNELS_RELAXED } from '../src/wasm/kernels.gen.js';
import { expectClose, randomArray } from './helpers.js';

// Node 20's V8 has relaxed SIMD behind a flag (Node 22's has it on): switched on here, before
// any module is compiled, so that this file runs both builds, the relaxed one by default.
const relaxedBytes = Uint8Array.from(atob(KERNELS_RELAXED), (ch) => ch.charCodeAt(0));
if (!WebAssembly.validate(relaxedBytes)) setFlagsFromString('--experimental-wasm-relaxed-simd');

let one: WasmBackend;
let three: WasmBackend;
let plain: WasmBackend;
const cpu = new CpuBackend('float32');

beforeAll(async () => {
  one = await WasmBackend.create({ threads: 1 });
  three = await WasmBackend.create({ threads: 3, minTaskMacs: 0 });
  plain = await WasmBackend.create({ threads: 2, minTaskMacs: 0, relaxedSimd: false });
});

afterAll(() => {
  three.destroy();
  plain.destroy();
});

/** Runs `fn` with `b` current and reads back every tensor it returns. */
async function on(b: Backend, fn: () => Tensor[]): Promise<Float32Array[]> {
  const ts = withBackend(b, fn);
  return Promise.all(ts.map((t) => t.data()));
}

/** Bit-for-bit equality, NaNs and signed zeros included, naming the first difference. */
function expectIdentical(a: Float32Array, b: Float32Array, what: string): void {
  expect(a.length, `${what}: length`).toBe(b.length);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  const i = ua.findIndex((v, j) => v !== ub[j]);
  if (i >= 0) expect.fail(`${what}: element ${i} differs: ${a[i]} vs ${b[i]}`);
}

interface MatmulCase { M: number; K: number; N: number; transA?: boolean; transB?: boolean; bias?: boolean; act?: Activation }

const MATMULS: MatmulCase[] = [
  { M: 67, K: 131, N: 45 },
  { M: 67, K: 131, N: 45, transA: true },
  { M: 67, K: 131, N: 45, transB: true },
  { M: 67, K: 131, N: 45, transA: true, transB: true },
  // Few column tiles: split by rows.
  { M: 131, K: 67, N: 9, transB: true, bias: true, act: 'relu' },
  // K past one packed block (256), N past one (512).
  { M: 21, K: 600, N: 530, bias: true, act: 'tanh' },
  { M: 64, K: 784, N: 128, transB: true, bias: true, act: 'leakyRelu' },
  { M: 33, K: 5, N: 17, bias: true, act: 'sigmoid' },
  { M: 5, K: 1, N: 11, bias: true, act: 'tanh' },
];

const name = (c: MatmulCase): string =>
  `${c.M}x${c.K}x${c.N}${c.transA ? ' transA' : ''}${c.transB ? ' transB' : ''}${c.bias ? ` + bias, ${c.act}` : ''}`;

describe('wasm matmul: threads and builds', () => {
  it.each(MATMULS.map((c) => [name(c), c] as const))('%s', async (_, c) => {
    const av = randomArray(c.M * c.K, c.M + c.K);
    const bv = randomArray(c.K * c.N, c.K + c.N);
    const biasv = randomArray(c.N, c.N);
    const op = (): Tensor[] => {
      const a = tensor(av, c.transA ? [c.K, c.M] : [c.M, c.K]);
      const b = tensor(bv, c.transB ? [c.N, c.K] : [c.K, c.N]);
      const bias = c.bias ? tensor(biasv, [c.N]) : null;
      return [matmul(a, b, { transA: c.transA, transB: c.transB, bias, activation: c.act ?? 'none', alpha: 0.2 })];
    };
    const [single] = await on(one, op);
    const [split] = await on(three, op);
    const [forced] = await on(plain, op);
    const [ref] = await on(cpu, op);
    expectIdentical(split!, single!, 'three threads vs one');
    expectClose(single!, ref!, 1e-4, 1e-4, 'wasm vs CPU reference');
    expectClose(forced!, ref!, 1e-4, 1e-4, 'plain build vs CPU reference');
  });
});

interface ConvCase { name: string; op: 'conv2d' | 'convTranspose2d'; x: number[]; w: number[]; opts: Record<string, unknown>; act: Activation }

const CONVS: ConvCase[] = [
  { name: 'conv2d 3x3 pad 1 on 5 odd images', op: 'conv2d', x: [5, 3, 9, 7], w: [6, 3, 3, 3], opts: { padding: 1 }, act: 'relu' },
  { name: "conv2d 5x5 stride 2 'same'", op: 'conv2d', x: [3, 2, 13, 11], w: [5, 2, 5, 5], opts: { stride: 2, padding: 'same' }, act: 'leakyRelu' },
  { name: 'convTranspose2d 5x5 stride 2 pad 2, outputPadding 1', op: 'convTranspose2d', x: [4, 7, 5, 6], w: [7, 3, 5, 5], opts: { stride: 2, padding: 2, outputPadding: 1 }, act: 'tanh' },
  { name: 'conv2d one image, one channel', op: 'conv2d', x: [1, 1, 12, 10], w: [4, 1, 3, 3], opts: {}, act: 'sigmoid' },
  { name: 'conv2d 3x3 pad 1, 8 channels on 9 images of 17x15', op: 'conv2d', x: [9, 8, 17, 15], w: [16, 8, 3, 3], opts: { padding: 1 }, act: 'none' },
  { name: 'convTranspose2d 4x4 stride 2 on 7 images', op: 'convTranspose2d', x: [7, 16, 7, 7], w: [16, 8, 4, 4], opts: { stride: 2, padding: 1 }, act: 'relu' },
];

describe('wasm convolutions: threads and builds', () => {
  it.each(CONVS.map((c) => [c.name, c] as const))('%s: output and gradients', async (_, c) => {
    const count = (s: number[]): number => s.reduce((a, b) => a * b, 1);
    const oc = c.op === 'conv2d' ? c.w[0]! : c.w[1]!;
    const xv = randomArray(count(c.x), count(c.x));
    const wv = randomArray(count(c.w), count(c.w));
    const bv = randomArray(oc, oc);
    const op = (): Tensor[] => {
      const [x, w, bias] = [tensor(xv, c.x).requireGrad(), tensor(wv, c.w).requireGrad(), tensor(bv, [oc]).requireGrad()];
      const conv = c.op === 'conv2d' ? conv2d : convTranspose2d;
      const y = conv(x, w, { ...c.opts, bias, activation: c.act, alpha: 0.2 });
      backward(y, tensor(randomArray(y.size, y.size), y.shape));
      return [y, x.grad!, w.grad!, bias.grad!];
    };
    const single = await on(one, op);
    const split = await on(three, op);
    const forced = await on(plain, op);
    const ref = await on(cpu, op);
    ['output', 'dx', 'dw', 'dbias'].forEach((what, i) => {
      expectIdentical(split[i]!, single[i]!, `${what}: three threads vs one`);
      expectClose(single[i]!, ref[i]!, 1e-4, 1e-4, `${what}: wasm vs CPU reference`);
      expectClose(forced[i]!, ref[i]!, 1e-4, 1e-4, `${what}: plain build vs CPU reference`);
    });
  });
});

describe('wasm backend options', () => {
  it('runs the threads it was asked for, the relaxed build where it validates, the plain one when refused', () => {
    expect(one.threads).toBe(1);
    expect(three.threads).toBe(3);
    expect(one.relaxed && three.relaxed).toBe(WebAssembly.validate(relaxedBytes));
    expect(plain.relaxed).toBe(false);
    // The suites above are large enough that the workers took part, not only the calling thread.
    expect(three.workerTasks).toBeGreaterThan(0);
    expect(plain.workerTasks).toBeGreaterThan(0);
  });

  it('refuses a thread count that is not a positive integer', async () => {
    await expect(WasmBackend.create({ threads: 0 })).rejects.toThrow('threads must be a positive integer, got 0');
    await expect(WasmBackend.create({ threads: 1.5 })).rejects.toThrow('got 1.5');
  });

  it('ends the threads of a backend that nothing references any more', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // Only the pool is kept: the backend that owns it becomes garbage.
    const pool = await (async () => ((await WasmBackend.create({ threads: 2 })) as unknown as { pool: { threads: number } }).pool)();
    expect(pool.threads).toBe(2);
    for (let i = 0; i < 20 && pool.threads > 1; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(pool.threads).toBe(1);
  });

  it('still computes on one thread after destroy()', async () => {
    const b = await WasmBackend.create({ threads: 2, minTaskMacs: 0 });
    const op = (): Tensor[] => [matmul(tensor(randomArray(40 * 30, 1), [40, 30]), tensor(randomArray(30 * 50, 2), [30, 50]))];
    const [before] = await on(b, op);
    b.destroy();
    expect(b.threads).toBe(1);
    const [after] = await on(b, op);
    expectIdentical(after!, before!, 'after destroy vs before');
  });
});

/**
 * The wasm backend's elementwise kernels against the CPU reference in float32, on sizes
 * that exercise the vector body and the one-lane tail (1, 3, 1027): every unary row and
 * every binary row forward and backward, the binary ones on each broadcast the kernel
 * takes as one block (same shapes, a row vector over rows, a column, a scalar) and on
 * broadcasts that run as a loop of blocks; and the fused BCE mean and its gradient, which compute in float64 like the
 * reference and must equal it bit for bit.
 */
import { describe, expect, it } from 'vitest';
import { UNARY, backward, mul, tensor, type Tensor, type UnaryName } from '../src/index.js';
import { scaledBceWithLogits } from '../src/ops/loss.js';
import { unary, unaryGrad } from '../src/ops/unary.js';
import { BINARY, binaryGrad, binaryRaw, broadcastShapes, type BinaryName } from '../src/ops/broadcast.js';
import { CpuBackend } from '../src/cpu/backend.js';
import { withBackend } from '../src/context.js';
import type { Backend } from '../src/backend.js';
import { WasmBackend } from '../src/wasm/backend.js';
import { expectClose, randomArray } from './helpers.js';

const SIZES = [1, 3, 1027];
const wasm = await WasmBackend.create({ threads: 1 });
const cpu = new CpuBackend('float32');

/** Inputs in the op's domain: positive for log and sqrt, spread over [-3, 3] elsewhere. */
function input(name: UnaryName, n: number): Float32Array {
  const x = randomArray(n, n, -3, 3);
  return name === 'log' || name === 'sqrt' ? x.map((v) => Math.abs(v) + 0.1) : x;
}

/**
 * f(x) of the unary op `name` on backend `b`, and g f'(x) from x and `y0`, the reference's
 * f(x) (near |y| = 1 tanh's derivative 1 - y² would magnify the forward pass's last-bit differences).
 */
async function unaryOn(b: Backend, name: UnaryName, n: number, y0?: Float32Array): Promise<Float32Array[]> {
  const a = name === 'leakyRelu' ? 0.2 : 0.5;
  const [y, dx] = withBackend(b, () => {
    const x = tensor(input(name, n), [n]);
    const y = unary(name, x, a);
    return [y, unaryGrad(name, x, y0 ? tensor(y0, [n]) : y, tensor(randomArray(n, 7), [n]), a)] as Tensor[];
  });
  return Promise.all([y!.data(), dx!.data()]);
}

describe('wasm unary kernels', () => {
  for (const name of Object.keys(UNARY) as UnaryName[]) {
    it(`${name} matches the CPU reference forward and backward on ${SIZES.join(', ')} elements`, async () => {
      for (const n of SIZES) {
        const [wy, wdx] = await unaryOn(cpu, name, n);
        const [y, dx] = await unaryOn(wasm, name, n, wy);
        expectClose(y!, wy!, 1e-6, 1e-7, `${name} forward, n=${n}`);
        expectClose(dx!, wdx!, 1e-6, 1e-7, `${name} backward, n=${n}`);
      }
    });
  }
});

// The kernel's own blocks (same shapes, a row vector, a column, a scalar), then broadcasts
// it runs as a loop of blocks: [1, C, 1, 1] over [N, C, H, W] (batchnorm's scale), a
// middle dim, and a scalar-like [1, 1] against a 3-D array.
const BROADCASTS: [number[], number[]][] = [
  [[1027], [1027]], [[3, 1027], [1027]], [[3, 5], [3, 1]], [[1], [3, 3]], [[7, 1], [1, 3]],
  [[2, 3, 5], [2, 1, 5]], [[4, 3, 2, 5], [1, 3, 1, 1]], [[2, 1, 3, 9], [2, 4, 1, 9]], [[2, 3, 4], [1, 1]],
];

/** op(a, b) and g * d op / d a, g * d op / d b at the broadcast shape, on backend `b`. */
async function binaryOn(bk: Backend, name: BinaryName, sa: number[], sb: number[]): Promise<Float32Array[]> {
  const shape = broadcastShapes(name, sa, sb);
  const n = shape.reduce((x, y) => x * y, 1);
  const outs = withBackend(bk, () => {
    const size = (s: number[]): number => s.reduce((x, y) => x * y, 1);
    const a = tensor(randomArray(size(sa), 3, -3, 3), sa);
    // b away from 0 for div; a target in [0, 1] for bceLogits.
    const b = tensor(randomArray(size(sb), 4, 0.5, 1), sb);
    const g = tensor(randomArray(n, 5), shape);
    return [binaryRaw(name, a, b, shape), binaryGrad(name, 0, a, b, g), binaryGrad(name, 1, a, b, g)];
  });
  return Promise.all(outs.map((t) => t.data()));
}

describe('wasm binary kernels', () => {
  for (const name of Object.keys(BINARY) as BinaryName[]) {
    if (name === 'first') continue;
    it(`${name} matches the CPU reference forward and backward on ${BROADCASTS.length} broadcasts`, async () => {
      for (const [sa, sb] of BROADCASTS) {
        const got = await binaryOn(wasm, name, sa, sb);
        const want = await binaryOn(cpu, name, sa, sb);
        ['forward', 'd/da', 'd/db'].forEach((what, i) => expectClose(got[i]!, want[i]!, 1e-6, 1e-7, `${name} ${what} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`));
      }
    });
  }
});

/** 2 x the BCE mean of n logits in [-20, 20] against targets in [0, 1], and d/dlogits of 3 times it, on backend `b`. */
async function bceOn(b: Backend, n: number): Promise<Float32Array[]> {
  const [loss, dx] = withBackend(b, () => {
    const x = tensor(randomArray(n, 8, -20, 20), [n]).requireGrad();
    const loss = scaledBceWithLogits(x, tensor(randomArray(n, 9, 0, 1), [n]), 2);
    backward(mul(loss, 3));
    return [loss, x.grad!] as Tensor[];
  });
  return Promise.all([loss!.data(), dx!.data()]);
}

describe('wasm fused BCE', () => {
  it('the scaled mean and its gradient equal the CPU reference bit for bit on 1, 3 and 1027 logits', async () => {
    for (const n of SIZES) {
      const got = await bceOn(wasm, n);
      const want = await bceOn(cpu, n);
      expect(Array.from(got[0]!), `loss, n=${n}`).toEqual(Array.from(want[0]!));
      expect(Array.from(got[1]!), `dx, n=${n}`).toEqual(Array.from(want[1]!));
    }
  });
});

import { describe, expect, it } from 'vitest';
import { matmul, tensor } from '../src/index.js';
import { matmul as cpuMatmul } from '../src/cpu/matmul.js';
import { MATMUL_LIMITS } from '../src/ops/matmul.js';
import { ACTIVATIONS, activate, type Activation } from '../src/cpu/activations.js';
import { BACKENDS, expectClose, randomArray, run, skipReason } from './helpers.js';
import { gpu } from '../src/index.js';

/** The textbook triple loop in float64: an oracle independent of the reference's loop order. */
function naive(a: Float32Array, b: Float32Array, M: number, N: number, K: number, tA: boolean, tB: boolean, bias: Float32Array | null, act: Activation, alpha: number): Float64Array {
  const c = new Float64Array(M * N);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += (tA ? a[k * M + i]! : a[i * K + k]!) * (tB ? b[j * K + k]! : b[k * N + j]!);
    c[i * N + j] = activate(act, s + (bias ? bias[j]! : 0), alpha);
  }
  return c;
}

// 120 x 70 takes gemmTile's tall 128 x 32 tile (test/gemm-tile.test.ts).
const SHAPES: [number, number, number][] = [[1, 1, 1], [7, 13, 5], [5, 300, 9], [65, 127, 33], [64, 128, 100], [120, 70, 37]];
const TRANS: [boolean, boolean][] = [[false, false], [true, false], [false, true], [true, true]];

describe('cpu reference matmul', () => {
  it.each(SHAPES)('matches the textbook loop for %i x %i x %i, every transpose', (M, N, K) => {
    for (const [tA, tB] of TRANS) {
      const a = randomArray(M * K, 1);
      const b = randomArray(K * N, 2);
      const c = new Float32Array(M * N);
      cpuMatmul(a, b, c, M, N, K, tA, tB, null, 'none', 0);
      expectClose(c, naive(a, b, M, N, K, tA, tB, null, 'none', 0), 1e-5, 1e-5, `tA=${tA} tB=${tB}`);
    }
  });
});

describe.each(BACKENDS)('matmul on %s', (bk) => {
  describe.skipIf(skipReason(bk))('', () => {
    it.each(SHAPES)('%i x %i x %i, all four transpose combinations, every tile and the chosen one', async (M, N, K) => {
      await run(bk, async () => {
        for (const [tA, tB] of TRANS) {
          for (const tile of [undefined, 32, 64, 128] as const) {
            const a = randomArray(M * K, 3);
            const b = randomArray(K * N, 4);
            const out = matmul(tensor(a, tA ? [K, M] : [M, K]), tensor(b, tB ? [N, K] : [K, N]), { transA: tA, transB: tB, tile });
            expectClose(await out.data(), naive(a, b, M, N, K, tA, tB, null, 'none', 0), 1e-4, 1e-4, `tA=${tA} tB=${tB} tile=${tile}`);
          }
        }
      });
    });

    it.each(['none', 'relu', 'leakyRelu', 'tanh', 'sigmoid'] as Activation[])('fused bias + %s epilogue on 65 x 127 x 33', async (act) => {
      await run(bk, async () => {
        const [M, N, K] = [65, 127, 33];
        const a = randomArray(M * K, 5);
        const b = randomArray(N * K, 6);
        const bias = randomArray(N, 7);
        const out = matmul(tensor(a, [M, K]), tensor(b, [N, K]), { transB: true, bias: tensor(bias, [N]), activation: act, alpha: 0.2 });
        expectClose(await out.data(), naive(a, b, M, N, K, false, true, bias, act, 0.2), 1e-4, 1e-4, act);
      });
    });

    // The backward GEMMs read g * act'(y) where g lies and, on WebGPU, sum it into the bias
    // gradient in the weight-gradient pass: every gradient against float64, on a shape that
    // spans several tiles with ragged edges, for each transpose and activation; and on two
    // narrow shapes whose GEMMs of at most 8 rows take lib/gemm.wgsl's WIDE blocks, sums
    // included (70 x 300 x 5: op(B)'s columns over three 128-wide tiles; 70 x 6 x 45: op(A)'s rows).
    const CASES: [Activation, number, number, number][] = [
      ...ACTIVATIONS.map((act): [Activation, number, number, number] => [act, 70, 67, 45]),
      ['tanh', 70, 300, 5],
      ['leakyRelu', 70, 6, 45],
      ['relu', 120, 70, 37],
    ];
    describe.each(TRANS)('backward, transA=%s transB=%s', (tA, tB) => {
      // On WebGPU both ways: g * act'(y) undone in each GEMM as it is staged, and made once.
      it.each(CASES)('dA, dB and dBias through bias + %s on %i x %i x %i', async (act, M, N, K) => {
        for (const undoOnceAt of bk === 'webgpu' ? [Infinity, 0] : [Infinity]) await run(bk, async () => {
          const a = randomArray(M * K, 11);
          const b = randomArray(K * N, 12);
          const bias = randomArray(N, 13);
          const g = randomArray(M * N, 14);
          const ta = tensor(a, tA ? [K, M] : [M, K]).requireGrad();
          const tb = tensor(b, tB ? [N, K] : [K, N]).requireGrad();
          const tbias = tensor(bias, [N]).requireGrad();
          const out = matmul(ta, tb, { transA: tA, transB: tB, bias: tbias, activation: act, alpha: 0.2 });
          const d0 = bk === 'webgpu' ? gpu().stats.dispatches : 0;
          const saved = MATMUL_LIMITS.undoOnceAt;
          MATMUL_LIMITS.undoOnceAt = undoOnceAt;
          try {
            out.backward(tensor(g, [M, N]));
          } finally {
            MATMUL_LIMITS.undoOnceAt = saved;
          }
          const once = undoOnceAt === 0 && act !== 'none';
          if (bk === 'webgpu') expect(gpu().stats.dispatches - d0, 'dispatches of the backward').toBe(once ? 3 : 2);
          // The oracle: dZ = g * act'(y) from the backend's own y, so a kink decides alike.
          const y = await out.data();
          const dz = new Float64Array(M * N).map((_, i) => g[i]! * actGrad(act, y[i]!, 0.2));
          const opA = (i: number, k: number) => (tA ? a[k * M + i]! : a[i * K + k]!);
          const opB = (k: number, j: number) => (tB ? b[j * K + k]! : b[k * N + j]!);
          const dA = new Float64Array(M * K);
          const dB = new Float64Array(K * N);
          const dBias = new Float64Array(N);
          for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
            const d = dz[i * N + j]!;
            dBias[j] += d;
            for (let k = 0; k < K; k++) {
              dA[tA ? k * M + i : i * K + k] += d * opB(k, j);
              dB[tB ? j * K + k : k * N + j] += d * opA(i, k);
            }
          }
          const how = once ? ', made once' : '';
          expectClose(await ta.grad!.data(), dA, 1e-4, 1e-4, `dA ${act}${how}`);
          expectClose(await tb.grad!.data(), dB, 1e-4, 1e-4, `dB ${act}${how}`);
          expectClose(await tbias.grad!.data(), dBias, 1e-4, 1e-4, `dBias ${act}${how}`);
        });
      });
    });
  });
});

/** act'(x) in terms of y = act(x), as backward reads it. */
function actGrad(act: Activation, y: number, alpha: number): number {
  switch (act) {
    case 'none': return 1;
    case 'relu': return y > 0 ? 1 : 0;
    case 'leakyRelu': return y > 0 ? 1 : alpha;
    case 'tanh': return 1 - y * y;
    case 'sigmoid': return y * (1 - y);
  }
}

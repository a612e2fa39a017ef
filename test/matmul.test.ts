import { describe, it } from 'vitest';
import { matmul, tensor } from '../src/index.js';
import { matmul as cpuMatmul } from '../src/cpu/matmul.js';
import { activate, type Activation } from '../src/cpu/activations.js';
import { BACKENDS, expectClose, randomArray, run, skipReason } from './helpers.js';

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

const SHAPES: [number, number, number][] = [[1, 1, 1], [7, 13, 5], [65, 127, 33], [64, 128, 100]];
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
    it.each(SHAPES)('%i x %i x %i, all four transpose combinations, both tiles', async (M, N, K) => {
      await run(bk, async () => {
        for (const [tA, tB] of TRANS) {
          for (const tile of [32, 64] as const) {
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
  });
});

/** CPU reference of matmul with transposes, bias and activation (see src/shaders/matmul.wgsl). */
import { activate, type Activation } from './activations.js';

export type Arr = Float32Array | Float64Array;

/**
 * c[M,N] = act(op(a) op(b) + bias). Loops run in the order that walks memory contiguously
 * for each layout (i-k-j when B is [K,N], i-j-k dot products when B is [N,K]), so the
 * reference is honest about CPU speed in benchmarks.
 */
export function matmul(
  a: Arr, b: Arr, c: Arr, M: number, N: number, K: number,
  transA: boolean, transB: boolean, bias: Arr | null, act: Activation, alpha: number,
): void {
  const row = new Float64Array(N);
  for (let i = 0; i < M; i++) {
    row.fill(0);
    if (transB) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        const bo = j * K;
        if (transA) for (let k = 0; k < K; k++) s += a[k * M + i]! * b[bo + k]!;
        else {
          const ao = i * K;
          for (let k = 0; k < K; k++) s += a[ao + k]! * b[bo + k]!;
        }
        row[j] = s;
      }
    } else {
      for (let k = 0; k < K; k++) {
        const av = transA ? a[k * M + i]! : a[i * K + k]!;
        if (av === 0) continue;
        const bo = k * N;
        for (let j = 0; j < N; j++) row[j]! += av * b[bo + j]!;
      }
    }
    const co = i * N;
    for (let j = 0; j < N; j++) c[co + j] = activate(act, row[j]! + (bias ? bias[j]! : 0), alpha);
  }
}

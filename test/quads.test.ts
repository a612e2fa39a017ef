/**
 * The GEMM's subgroups twin (lib/gemm-rows.subgroups.wgsl) and the device check that gates
 * it (src/gpu/quads.ts). On Dawn with SwiftShader, whose subgroups are 4 lanes wide, init()
 * keeps the twin, so the kernel tests run on it; here the same products also run on the
 * plain kernels and must give the very same floats (the twin only changes who reads a
 * value), both matching float64 loops.
 */
import { describe, expect, it } from 'vitest';
import { backward, conv2d, gpu, matmul, mul, sum, tensor, type Tensor } from '../src/index.js';
import { quadsAreConsecutive } from '../src/gpu/quads.js';
import { expectClose, randomArray, run, skipReason, use } from './helpers.js';

/** x [N, C, H, W] (x) w [O, C, KH, KW], stride 1, no padding, in float64. */
function naiveConv(x: Float32Array, w: Float32Array, [N, C, H, W]: number[], [O, , KH, KW]: number[]): Float64Array {
  const OH = H! - KH! + 1;
  const OW = W! - KW! + 1;
  const y = new Float64Array(N! * O! * OH * OW);
  for (let n = 0; n < N!; n++) for (let o = 0; o < O!; o++) for (let i = 0; i < OH; i++) for (let j = 0; j < OW; j++) {
    let s = 0;
    for (let c = 0; c < C!; c++) for (let kh = 0; kh < KH!; kh++) for (let kw = 0; kw < KW!; kw++) {
      s += x[((n * C! + c) * H! + i + kh) * W! + j + kw]! * w[((o * C! + c) * KH! + kh) * KW! + kw]!;
    }
    y[((n * O! + o) * OH + i) * OW + j] = s;
  }
  return y;
}

const X_SHAPE = [2, 9, 13, 11];
const W_SHAPE = [36, 9, 3, 3];
const X_SIZE = 2 * 9 * 13 * 11;
const W_SIZE = 36 * 9 * 3 * 3;

/** The products under test: matmul in its four layouts and a conv's three passes, as arrays. */
async function products(): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  const [M, N, K] = [70, 300, 45];
  const a = randomArray(M * K, 1);
  const b = randomArray(K * N, 2);
  for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    out.push(await matmul(tensor(a, tA ? [K, M] : [M, K]), tensor(b, tB ? [N, K] : [K, N]), { transA: tA, transB: tB }).data());
  }
  // 9 input channels: dx's GEMM has 9 rows, past the 4 x 32 blocks of at most 8.
  const x = tensor(randomArray(X_SIZE, 3), X_SHAPE).requireGrad();
  const w = tensor(randomArray(W_SIZE, 4), W_SHAPE).requireGrad();
  const y: Tensor = conv2d(x, w);
  backward(sum(mul(y, tensor(randomArray(y.size, 5), y.shape))));
  out.push(await y.data(), await x.grad!.data(), await w.grad!.data());
  return out;
}

describe.skipIf(skipReason('webgpu'))('quad sharing in the GEMM', () => {
  it('is on exactly where the device has 4-lane subgroups whose quads are consecutive invocations', async () => {
    await run('webgpu', async () => {
      const rt = gpu();
      const fourWide = rt.device.features.has('subgroups') && rt.adapterInfo?.subgroupMaxSize === 4;
      expect(rt.subgroups).toBe(fourWide && (await quadsAreConsecutive(rt)));
      // SwiftShader (CI) is such a device: the kernel tests exercise the twin there.
      if (/swiftshader/i.test(`${rt.adapterInfo?.vendor} ${rt.adapterInfo?.architecture} ${rt.adapterInfo?.description}`)) expect(rt.subgroups).toBe(true);
    });
  });

  it('gives the same floats as the plain kernels, both matching float64', async ({ skip }) => {
    await use('webgpu');
    if (!gpu().subgroups) skip('this device builds no subgroups twins');
    await run('webgpu', async () => {
      const rt = gpu();
      const twin = await products();
      rt.useSubgroups(false);
      let plain: Float32Array[];
      try {
        // Without subgroups the check's kernel reports no lanes at all: it can fail.
        expect(await quadsAreConsecutive(rt)).toBe(false);
        plain = await products();
      } finally {
        rt.useSubgroups(true);
      }
      expect(twin.length).toBe(plain.length);
      twin.forEach((t, i) => expect(t, `product ${i}`).toEqual(plain[i]));
      const a = randomArray(70 * 45, 1);
      const b = randomArray(45 * 300, 2);
      const want = new Float64Array(70 * 300);
      for (let i = 0; i < 70; i++) for (let j = 0; j < 300; j++) for (let k = 0; k < 45; k++) want[i * 300 + j] += a[i * 45 + k]! * b[k * 300 + j]!;
      expectClose(twin[0]!, want, 1e-4, 1e-4, 'matmul');
      expectClose(twin[4]!, naiveConv(randomArray(X_SIZE, 3), randomArray(W_SIZE, 4), X_SHAPE, W_SHAPE), 1e-4, 1e-4, 'conv2d');
    });
  });
});

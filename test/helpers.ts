/**
 * Test helpers: the backends every suite runs on, a validation error scope around GPU
 * work, deterministic test data, and an allclose check that reports the worst element.
 */
import { expect } from 'vitest';
import { gpu, backend, type Tensor } from '../src/index.js';
// The Node entry's init: WebGPU comes from Dawn (with the SwiftShader fallback).
import { init } from '../src/node.js';

export type BackendName = 'cpu' | 'webgpu' | 'wasm';
export const BACKENDS: BackendName[] = ['cpu', 'webgpu', 'wasm'];

/** Why WebGPU tests are skipped here, or null when an adapter exists. */
export const noGpuReason: string | null = await (async () => {
  try {
    await init({ backend: 'webgpu', verbose: false });
    return null;
  } catch (e) {
    return (e as Error).message;
  }
})();
// CI, whose machines have WebGPU (SwiftShader), sets this: there a failing init() is a
// failure of every WebGPU test, not a reason to skip them.
if (noGpuReason && process.env.SHADERGRAD_REQUIRE_WEBGPU) throw new Error(`WebGPU is required here (SHADERGRAD_REQUIRE_WEBGPU) but init() failed: ${noGpuReason}`);
if (noGpuReason) console.warn(`WebGPU tests skipped: ${noGpuReason}`);

export function skipReason(b: BackendName): string | false {
  return b === 'webgpu' && noGpuReason ? `no WebGPU: ${noGpuReason}` : false;
}

/** Makes `b` current (re-initialising only when it changes). */
export async function use(b: BackendName): Promise<void> {
  const cur = (() => {
    try {
      return backend().kind;
    } catch {
      return null;
    }
  })();
  if (cur !== b) await init({ backend: b, verbose: false });
}

/**
 * Runs `fn` on backend `b`; on WebGPU inside validation and out-of-memory error scopes,
 * failing the test on any error the device reports, even one that arrives after `fn`.
 */
export async function run<T>(b: BackendName, fn: () => Promise<T> | T): Promise<T> {
  await use(b);
  if (b !== 'webgpu') return fn();
  const device = gpu().device;
  device.pushErrorScope('validation');
  device.pushErrorScope('out-of-memory');
  let result: T;
  try {
    result = await fn();
  } finally {
    gpu().flush();
    const oom = await device.popErrorScope();
    const val = await device.popErrorScope();
    expect(oom?.message ?? null, 'out-of-memory error').toBeNull();
    expect(val?.message ?? null, 'validation error').toBeNull();
  }
  return result;
}

export { randomArray } from './fixtures.js';

/** Asserts |a - b| <= atol + rtol |b| elementwise, naming the worst index. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-5, atol = 1e-5, what = ''): void {
  expect(actual.length, `${what} length`).toBe(expected.length);
  let worst = -1;
  let worstErr = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const err = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (Number.isNaN(a) !== Number.isNaN(e) || err > worstErr) {
      worst = i;
      worstErr = Number.isNaN(err) ? Infinity : err;
    }
  }
  if (worst >= 0) {
    expect.fail(`${what} mismatch at [${worst}]: got ${actual[worst]}, expected ${expected[worst]} (rtol ${rtol}, atol ${atol})`);
  }
}

export async function values(t: Tensor): Promise<Float32Array> {
  return t.data();
}

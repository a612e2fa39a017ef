/**
 * `init()`: picks the backend. WebGPU comes from `navigator.gpu` in a browser and from the
 * `webgpu` package (Dawn) in Node; where Node finds no hardware adapter it retries with
 * the SwiftShader ICD that Debian's chromium ships, as DESIGN.md describes.
 */
import { CpuBackend } from '../cpu/backend.js';
import { backend, hasBackend, setBackend } from '../context.js';
import { DeviceError, ValueError } from '../errors.js';
import { GpuRuntime } from './runtime.js';
import type { Backend } from '../backend.js';

export interface InitOptions {
  backend?: 'webgpu' | 'cpu';
  powerPreference?: GPUPowerPreference;
  /** Print the chosen adapter (default true in Node, false in a browser). */
  verbose?: boolean;
}

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

// Dawn instances must outlive their devices; keep the one that gave us an adapter.
let nodeGpu: GPU | null = null;

async function createNodeGpu(): Promise<GPU | null> {
  const spec = 'webgpu';
  let mod: { create: (flags: string[]) => GPU; globals: object };
  try {
    mod = (await import(/* @vite-ignore */ spec)) as typeof mod;
  } catch (e) {
    throw new DeviceError(`WebGPU is not available: the \`webgpu\` package could not be loaded (${(e as Error).message})`);
  }
  Object.assign(globalThis, mod.globals);
  return mod.create([]);
}

async function requestAdapter(powerPreference: GPUPowerPreference | undefined): Promise<GPUAdapter> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  if (!isNode) {
    if (!nav?.gpu) throw new DeviceError('WebGPU is not available in this browser (navigator.gpu is missing); try a recent Chrome or enable WebGPU');
    const a = await nav.gpu.requestAdapter({ powerPreference });
    if (!a) throw new DeviceError('WebGPU is available but no adapter was found (navigator.gpu.requestAdapter() returned null)');
    return a;
  }
  nodeGpu ??= await createNodeGpu();
  let adapter = await nodeGpu!.requestAdapter({ powerPreference });
  if (!adapter && process.platform === 'linux' && !process.env.VK_ICD_FILENAMES) {
    const { existsSync } = await import('node:fs');
    if (existsSync(SWIFTSHADER_ICD)) {
      process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
      nodeGpu = await createNodeGpu();
      adapter = await nodeGpu!.requestAdapter({ powerPreference });
    }
  }
  if (!adapter) {
    throw new DeviceError(
      'WebGPU has no adapter in Node: no GPU driver was found and the SwiftShader fallback ' +
        `(${SWIFTSHADER_ICD}, with the Vulkan loader libvulkan1) is missing; on Debian run \`apt-get install -y libvulkan1 chromium\``,
    );
  }
  return adapter;
}

/** A one-line description of the adapter, e.g. `google swiftshader (SwiftShader driver 5.0.0)`. */
export function describeAdapter(info: GPUAdapterInfo | null): string {
  if (!info) return 'unknown adapter';
  const main = [info.vendor, info.architecture, info.device].filter(Boolean).join(' ') || 'unknown adapter';
  return info.description ? `${main} (${info.description})` : main;
}

/**
 * Initialises shadergrad on `backend` ('webgpu' by default) and makes it current.
 * A previous WebGPU device is destroyed first, so `init()` also recovers from a lost device.
 */
export async function init(opts: InitOptions = {}): Promise<Backend> {
  const kind = opts.backend ?? 'webgpu';
  if (kind !== 'webgpu' && kind !== 'cpu') throw new ValueError(`init: backend must be 'webgpu' or 'cpu', got ${JSON.stringify(kind)}`);
  if (hasBackend()) shutdown();
  if (kind === 'cpu') {
    const b = new CpuBackend('float32');
    setBackend(b);
    return b;
  }
  const adapter = await requestAdapter(opts.powerPreference);
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
    },
    label: 'shadergrad',
  });
  const rt = new GpuRuntime(device, adapter.info ?? null);
  await rt.compileAll();
  setBackend(rt);
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  if (opts.verbose ?? (isNode && !process.env.VITEST)) console.error(`shadergrad: WebGPU on ${describeAdapter(rt.adapterInfo)}`);
  return rt;
}

/** Destroys the current WebGPU device (if any) and forgets the backend. */
export function shutdown(): void {
  if (!hasBackend()) return;
  const b = backend();
  if (b instanceof GpuRuntime) b.destroy();
  setBackend(null);
}

/** The current WebGPU runtime, or a DeviceError naming the backend in use. */
export function gpu(): GpuRuntime {
  const b = backend();
  if (!(b instanceof GpuRuntime)) throw new DeviceError(`this needs the webgpu backend, but the current backend is ${b.kind}`);
  return b;
}

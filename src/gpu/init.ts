/**
 * `init()`: picks the backend. WebGPU comes from `opts.gpu`, else from the default source
 * that the Node entry installs (Dawn, see src/node.ts), else from `navigator.gpu`.
 *
 * This file is reached by every browser bundle, so it imports nothing from Node and knows
 * nothing of Dawn or SwiftShader: that code lives in src/node.ts (`shadergrad/node`), which
 * a browser app never imports.
 */
import { CpuBackend } from '../cpu/backend.js';
import { backend, hasBackend, setBackend } from '../context.js';
import { DeviceError, ValueError } from '../errors.js';
import { quadsAreConsecutive } from './quads.js';
import { GpuRuntime, isCpuAdapter, type Settle } from './runtime.js';
import { WasmBackend } from '../wasm/backend.js';
import type { Backend } from '../backend.js';

/**
 * Anything that hands out WebGPU adapters: `navigator.gpu`, a Dawn instance in Node, a test
 * double. `settle`, if given, is how the runtime waits for a promise of the source's devices
 * (a readback's buffer mapping) instead of a plain `await`.
 */
export type GpuSource = Pick<GPU, 'requestAdapter'> & { settle?: Settle };

export interface InitOptions {
  /** 'webgpu' (the default), 'wasm' (WebAssembly SIMD kernels, no GPU) or 'cpu' (the plain-TypeScript reference). */
  backend?: 'webgpu' | 'wasm' | 'cpu';
  powerPreference?: GPUPowerPreference;
  /** Print the chosen adapter to the console (default false; the Node entry's `init` defaults it to true). */
  verbose?: boolean;
  /** Where WebGPU comes from, instead of `navigator.gpu` (or, in Node, the Dawn that `shadergrad/node` installs). */
  gpu?: GpuSource;
  /** The wasm backend's threads, the calling one included (default: the core count, at most 8; see WasmOptions). */
  threads?: number;
}

// Installed by the Node entry so that a plain `init()` in Node finds Dawn.
let defaultGpu: GpuSource | null = null;

/**
 * Sets the WebGPU source that `init()` uses when `InitOptions.gpu` is not given (before
 * `navigator.gpu`); `null` removes it. The Node entry installs Dawn here.
 */
export function setDefaultGpu(source: GpuSource | null): void {
  defaultGpu = source;
}

function inNode(): boolean {
  // Read through globalThis so that this file needs neither Node's types nor its globals.
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof proc?.versions?.node === 'string';
}

function gpuSource(opts: InitOptions): GpuSource {
  if (opts.gpu) return opts.gpu;
  if (defaultGpu) return defaultGpu;
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  if (inNode()) {
    throw new DeviceError(
      "WebGPU in Node needs Dawn, which the 'shadergrad' entry never loads: import { init } from 'shadergrad/node' instead (or pass init({ gpu }))",
    );
  }
  throw new DeviceError('WebGPU is not available in this browser (navigator.gpu is missing); try a recent Chrome or enable WebGPU');
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
 * Throws a `DeviceError` when there is no WebGPU or no adapter, a `ValueError` for an
 * unknown backend.
 */
export async function init(opts: InitOptions = {}): Promise<Backend> {
  const kind = opts.backend ?? 'webgpu';
  if (kind !== 'webgpu' && kind !== 'wasm' && kind !== 'cpu') throw new ValueError(`init: backend must be 'webgpu', 'wasm' or 'cpu', got ${JSON.stringify(kind)}`);
  if (hasBackend()) shutdown();
  if (kind === 'cpu') {
    const b = new CpuBackend('float32');
    setBackend(b);
    return b;
  }
  if (kind === 'wasm') {
    const b = await WasmBackend.create({ threads: opts.threads });
    setBackend(b);
    return b;
  }
  const source = gpuSource(opts);
  const adapter = await source.requestAdapter({ powerPreference: opts.powerPreference });
  if (!adapter) throw new DeviceError('WebGPU is available but no adapter was found (requestAdapter() returned null)');
  // Subgroups only on a CPU adapter, the one kind of device where the GEMM's quad sharing was measured to pay.
  const quads = adapter.features.has('subgroups') && isCpuAdapter(adapter.info);
  const device = await adapter.requestDevice({
    requiredFeatures: quads ? ['subgroups' as GPUFeatureName] : [], // not yet in @webgpu/types' GPUFeatureName
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
    },
    label: 'shadergrad',
  });
  const rt = new GpuRuntime(device, adapter.info ?? null, source.settle?.bind(source));
  if (rt.subgroups && !(await quadsAreConsecutive(rt))) rt.useSubgroups(false);
  await rt.compileAll();
  setBackend(rt);
  if (opts.verbose) console.error(`shadergrad: WebGPU on ${describeAdapter(rt.adapterInfo)}`);
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

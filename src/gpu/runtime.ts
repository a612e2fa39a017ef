/**
 * The WebGPU backend: one command encoder and one open compute pass collect every
 * dispatch of a step; `flush()` submits them at once. Uniform params go to a per-step
 * uniform arena bound with dynamic offsets, uploads to a per-step staging arena copied in
 * stream order, so nothing written from the CPU can overtake work already encoded.
 */
import type { Backend, GpuStorage, Storage } from '../backend.js';
import { DeviceError } from '../errors.js';
import { BufferPool, newBufferId, type GpuBuf, type MemoryInfo } from './pool.js';
import { sourceLine, subgroupsSource, writeUniform, type Kernel } from './kernel.js';
import { WGSL, type ShaderName } from '../shaders/wgsl.gen.js';

export type DispatchArgs = {
  /** Storage for each WGSL binding by variable name; `null` binds a dummy (unused) buffer. */
  bindings: Record<string, GpuStorage | null>;
  /** Values of the `params` uniform struct by member name. */
  params?: Record<string, number | readonly number[]>;
  /** Pipeline-overridable constants; each distinct set is its own cached pipeline. */
  constants?: Record<string, number | boolean>;
} & (
  /** A 1-D kernel's thread count (one per element, usually): the grid comes from its workgroup size. */
  | { threads: number; workgroups?: undefined }
  /** Workgroup counts, for kernels with their own layout (matmul's 2-D tiles). */
  | { workgroups: readonly [number, number?, number?]; threads?: undefined }
);

/** Waits for a promise of the device (see `GpuSource.settle`). */
export type Settle = <T>(p: Promise<T>) => Promise<T>;

export interface GpuStats {
  submits: number;
  dispatches: number;
  uploads: number;
  readbacks: number;
  pipelines: number;
  bindGroups: number;
}

const SLOT = 256; // minUniformBufferOffsetAlignment is at most 256 on every device
const UNIFORM_ARENA = 1 << 20;
const UPLOAD_ARENA = 4 << 20;
const MAX_WG = 65535;

/** Splits `groups` workgroups over x and y so neither exceeds the 65535 limit (lib/grid.wgsl undoes it). */
export function grid(groups: number): [number, number] {
  if (groups <= MAX_WG) return [Math.max(1, groups), 1];
  const y = Math.ceil(groups / MAX_WG);
  return [Math.ceil(groups / y), y];
}

/** The workgroups of a 1-D dispatch of `threads` threads. */
function threadGrid(k: Kernel, threads: number): [number, number] {
  if (k.workgroupSize === null) throw new Error(`${k.label}: \`threads\` is for 1-D kernels (override WG); give \`workgroups\``);
  if (!Number.isInteger(threads) || threads < 0) throw new Error(`${k.label}: threads must be a non-negative integer, got ${threads}`);
  return grid(Math.ceil(threads / k.workgroupSize));
}

/**
 * A CPU adapter (SwiftShader): its SIMD groups, and so its subgroups, are 4 lanes wide. Its
 * few cores need far fewer workgroups in flight than a GPU, and it is the one kind of device
 * where the GEMM's quad sharing was measured to pay (init asks for subgroups only there).
 */
export function isCpuAdapter(info: GPUAdapterInfo | null | undefined): boolean {
  return info?.subgroupMaxSize === 4;
}

export class GpuRuntime implements Backend {
  readonly kind = 'webgpu' as const;
  readonly precision = 'float32' as const;
  readonly alignElements: number;
  readonly pool: BufferPool;
  readonly stats: GpuStats = { submits: 0, dispatches: 0, uploads: 0, readbacks: 0, pipelines: 0, bindGroups: 0 };
  lostReason: string | null = null;
  private pendingError: DeviceError | null = null;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private readonly uniformBuf: GPUBuffer;
  private readonly uniformMirror = new ArrayBuffer(UNIFORM_ARENA);
  private readonly uniformView = new DataView(this.uniformMirror);
  private uniformUsed = 0;
  private readonly uploadBuf: GPUBuffer;
  private uploadUsed = 0;
  private afterSubmit: (() => void)[] = [];
  private readonly dummy: GpuBuf;
  /** A dummy of its own for each writable binding slot left unbound: a buffer written in a dispatch may not be bound twice. */
  private readonly writableDummies = new Map<number, GPUBuffer>();
  private readonly modules = new Map<ShaderName, GPUShaderModule>();
  /**
   * Whether kernels are built from their subgroups twins (kernel.ts's subgroupsSource): only on a
   * device with the feature, and only until `useSubgroups(false)` (init's quad check).
   */
  subgroups: boolean;
  /** Whether the adapter is a CPU one (`isCpuAdapter`); tile choices measured there use it. */
  readonly cpuAdapter: boolean;
  private readonly layouts = new Map<ShaderName, { bgl: GPUBindGroupLayout; pl: GPUPipelineLayout }>();
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly bindGroups = new Map<string, GPUBindGroup>();
  private readonly staging = new Map<number, GPUBuffer[]>();

  /**
   * `settle` is how a readback waits for its buffer mapping: plain `await` unless the
   * WebGPU source has its own way (Dawn in Node, whose polling would otherwise spin; see
   * `GpuSource.settle`).
   */
  constructor(readonly device: GPUDevice, readonly adapterInfo: GPUAdapterInfo | null, private readonly settle: Settle = (p) => p) {
    this.subgroups = device.features.has('subgroups');
    this.cpuAdapter = isCpuAdapter(adapterInfo);
    this.alignElements = device.limits.minStorageBufferOffsetAlignment / 4;
    this.pool = new BufferPool(device);
    this.uniformBuf = device.createBuffer({ size: UNIFORM_ARENA, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, label: 'uniform-arena' });
    this.uploadBuf = device.createBuffer({ size: UPLOAD_ARENA, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, label: 'upload-arena' });
    this.dummy = { id: newBufferId(), bytes: 16, buffer: device.createBuffer({ size: 16, usage: GPUBufferUsage.STORAGE, label: 'unused-binding' }) };
    device.addEventListener('uncapturederror', (e) => {
      const err = (e as GPUUncapturedErrorEvent).error;
      this.pendingError ??= new DeviceError(`WebGPU error: ${err.message}`);
    });
    void device.lost.then((info) => {
      this.lostReason = `${info.reason}${info.message ? `: ${info.message}` : ''}`;
    });
  }

  /** Throws if the device is lost or an earlier command failed validation. */
  check(): void {
    if (this.lostReason !== null) throw new DeviceError(`WebGPU device lost (${this.lostReason}); call init() again`);
    const e = this.pendingError;
    if (e) {
      this.pendingError = null;
      throw e;
    }
  }

  alloc(n: number): GpuStorage {
    const buf = this.pool.acquire(n * 4);
    return { kind: 'gpu', buf, offset: 0, bytes: buf.bytes, refs: 1, pooled: true };
  }

  release(s: Storage): void {
    if (s.kind === 'gpu' && s.pooled) this.pool.release(s.buf);
  }

  view(s: Storage, at: number, n: number): GpuStorage {
    const g = s as GpuStorage;
    return { kind: 'gpu', buf: g.buf, offset: g.offset + at * 4, bytes: Math.max(4, n * 4), refs: 1, pooled: false };
  }

  private getEncoder(): GPUCommandEncoder {
    this.check();
    return (this.encoder ??= this.device.createCommandEncoder({ label: 'shadergrad-step' }));
  }

  private endPass(): GPUCommandEncoder {
    const enc = this.getEncoder();
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    return enc;
  }

  write(s: Storage, data: ArrayLike<number>): void {
    const g = s as GpuStorage;
    const src = data instanceof Float32Array ? data : Float32Array.from(data);
    const bytes = src.byteLength;
    if (bytes === 0) return;
    this.stats.uploads++;
    if (bytes > UPLOAD_ARENA) {
      const tmp = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.COPY_SRC, mappedAtCreation: true, label: 'upload' });
      new Float32Array(tmp.getMappedRange()).set(src);
      tmp.unmap();
      this.endPass().copyBufferToBuffer(tmp, 0, g.buf.buffer, g.offset, bytes);
      this.afterSubmit.push(() => tmp.destroy());
      return;
    }
    if (this.uploadUsed + bytes > UPLOAD_ARENA) this.flush();
    const at = this.uploadUsed;
    this.device.queue.writeBuffer(this.uploadBuf, at, src.buffer, src.byteOffset, bytes);
    this.endPass().copyBufferToBuffer(this.uploadBuf, at, g.buf.buffer, g.offset, bytes);
    this.uploadUsed += Math.ceil(bytes / 16) * 16;
  }

  copy(src: Storage, dst: Storage, n: number): void {
    const a = src as GpuStorage;
    const b = dst as GpuStorage;
    this.endPass().copyBufferToBuffer(a.buf.buffer, a.offset, b.buf.buffer, b.offset, n * 4);
  }

  zero(s: Storage, n: number): void {
    const g = s as GpuStorage;
    this.endPass().clearBuffer(g.buf.buffer, g.offset, Math.ceil((n * 4) / 4) * 4);
  }

  /** Submits everything encoded so far as one command buffer. */
  flush(): void {
    this.check();
    if (!this.encoder) return;
    this.endPass();
    if (this.uniformUsed > 0) this.device.queue.writeBuffer(this.uniformBuf, 0, this.uniformMirror, 0, this.uniformUsed);
    this.device.queue.submit([this.encoder.finish()]);
    this.stats.submits++;
    this.encoder = null;
    this.uniformUsed = 0;
    this.uploadUsed = 0;
    for (const f of this.afterSubmit) f();
    this.afterSubmit = [];
  }

  async read(s: Storage, n: number): Promise<Float32Array> {
    const g = s as GpuStorage;
    const bytes = Math.max(4, n * 4);
    const size = Math.ceil(bytes / 256) * 256;
    const list = this.staging.get(size) ?? [];
    this.staging.set(size, list);
    const st = list.pop() ?? this.device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, label: 'readback' });
    this.endPass().copyBufferToBuffer(g.buf.buffer, g.offset, st, 0, bytes);
    this.stats.readbacks++;
    this.flush();
    try {
      await this.settle(st.mapAsync(GPUMapMode.READ, 0, bytes));
    } catch (e) {
      this.check();
      throw new DeviceError(`readback failed: ${(e as Error).message}`);
    }
    const out = new Float32Array(st.getMappedRange(0, bytes).slice(0));
    st.unmap();
    list.push(st);
    this.check();
    return n === out.length ? out : out.subarray(0, n);
  }

  memory(): MemoryInfo {
    return this.pool.info();
  }

  /** The source `shader` is built from on this device. */
  source(shader: ShaderName): string {
    return (this.subgroups && subgroupsSource(shader)) || WGSL[shader];
  }

  /** Stops (or starts) building kernels from their subgroups twins; call before the first dispatch of any kernel that has one. */
  useSubgroups(on: boolean): void {
    if (on && !this.device.features.has('subgroups')) throw new Error('useSubgroups: the device has no subgroups feature');
    if (on === this.subgroups) return;
    this.subgroups = on;
    this.modules.clear();
    this.pipelines.clear();
  }

  private module(shader: ShaderName): GPUShaderModule {
    let m = this.modules.get(shader);
    if (!m) {
      m = this.device.createShaderModule({ code: this.source(shader), label: `${shader}.wgsl` });
      this.modules.set(shader, m);
    }
    return m;
  }

  /**
   * Compiles every WGSL file and throws one DeviceError listing each error at its file and
   * line under src/shaders/ (inside an include where it is one, listed once with the kernels
   * that include it).
   */
  async compileAll(): Promise<void> {
    const problems = new Map<string, string[]>();
    for (const shader of Object.keys(WGSL) as ShaderName[]) {
      const info = await this.module(shader).getCompilationInfo();
      const twin = this.subgroups && subgroupsSource(shader) !== undefined;
      const lines = this.source(shader).split('\n');
      for (const m of info.messages) {
        if (m.type !== 'error') continue;
        const at = sourceLine(shader, m.lineNum, twin);
        const key = `${at.file}:${at.line}:${m.linePos}: ${m.message}\n    ${lines[m.lineNum - 1] ?? ''}`;
        problems.set(key, [...(problems.get(key) ?? []), `${shader}.wgsl`]);
      }
    }
    const report = [...problems].map(([key, kernels]) => (kernels.length === 1 && key.startsWith(`${kernels[0]}:`) ? key : `${key}\n    (in ${kernels.join(', ')})`));
    if (report.length) throw new DeviceError(`shader compilation failed:\n${report.join('\n')}`);
  }

  private layout(k: Kernel): { bgl: GPUBindGroupLayout; pl: GPUPipelineLayout } {
    let l = this.layouts.get(k.shader);
    if (!l) {
      const entries: GPUBindGroupLayoutEntry[] = k.info.bindings.map((b) => ({
        binding: b.binding,
        visibility: GPUShaderStage.COMPUTE,
        buffer: b.kind === 'uniform' ? { type: 'uniform', hasDynamicOffset: true } : { type: b.kind },
      }));
      const bgl = this.device.createBindGroupLayout({ entries, label: k.shader });
      l = { bgl, pl: this.device.createPipelineLayout({ bindGroupLayouts: [bgl], label: k.shader }) };
      this.layouts.set(k.shader, l);
    }
    return l;
  }

  private pipeline(k: Kernel, given: Record<string, number | boolean> | undefined): GPUComputePipeline {
    let key = k.label;
    const consts: Record<string, number> = {};
    if (given && 'WG' in given) throw new Error(`${k.label}: WG is the kernel's declared workgroupSize, not a constant to pass`);
    const constants = k.workgroupSize === null ? given : { ...given, WG: k.workgroupSize };
    if (constants) {
      for (const name of Object.keys(constants).sort()) {
        if (!k.info.overrides.has(name)) throw new Error(`${k.label}: no override constant named ${name}`);
        const v = constants[name]!;
        consts[name] = typeof v === 'boolean' ? Number(v) : v;
        key += `|${name}=${consts[name]}`;
      }
    }
    let p = this.pipelines.get(key);
    if (!p) {
      p = this.device.createComputePipeline({
        label: key,
        layout: this.layout(k).pl,
        compute: { module: this.module(k.shader), entryPoint: k.entry, constants: consts },
      });
      this.pipelines.set(key, p);
      this.stats.pipelines++;
    }
    return p;
  }

  /** Encodes one dispatch of `k` into the current compute pass. */
  dispatch(k: Kernel, args: DispatchArgs): void {
    const [x, y = 1, z = 1] = args.threads === undefined ? args.workgroups : threadGrid(k, args.threads);
    this.check();
    const pipeline = this.pipeline(k, args.constants);
    const u = k.info.uniform;
    let slot = 0;
    if (u) {
      // A full uniform arena submits what is encoded so far; the pass below is then opened
      // on a fresh encoder, never on the one just finished.
      if (this.uniformUsed + SLOT > UNIFORM_ARENA) this.flush();
      slot = this.uniformUsed;
      new Uint8Array(this.uniformMirror, slot, SLOT).fill(0);
      writeUniform(k, args.params ?? {}, this.uniformView, slot);
      this.uniformUsed += SLOT;
    }
    const bg = this.bindGroup(k, args.bindings);
    this.pass ??= this.getEncoder().beginComputePass({ label: 'shadergrad' });
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, bg, u ? [slot] : []);
    this.pass.dispatchWorkgroups(x, y, z);
    this.stats.dispatches++;
  }

  private bindGroup(k: Kernel, bindings: Record<string, GpuStorage | null>): GPUBindGroup {
    let key = k.shader;
    const entries: GPUBindGroupEntry[] = [];
    for (const b of k.info.bindings) {
      if (b.kind === 'uniform') {
        entries.push({ binding: b.binding, resource: { buffer: this.uniformBuf, offset: 0, size: Math.ceil(k.info.uniform!.size / 16) * 16 } });
        continue;
      }
      const s = bindings[b.name];
      if (s === undefined) throw new Error(`${k.label}: binding "${b.name}" was not given`);
      if (s === null) {
        entries.push({ binding: b.binding, resource: { buffer: b.kind === 'storage' ? this.writableDummy(b.binding) : this.dummy.buffer } });
        key += `|${b.binding}:-`;
        continue;
      }
      const size = s.bytes;
      entries.push({ binding: b.binding, resource: { buffer: s.buf.buffer, offset: s.offset, size } });
      key += `|${b.binding}:${s.buf.id}@${s.offset}+${size}`;
    }
    let bg = this.bindGroups.get(key);
    if (!bg) {
      if (this.bindGroups.size > 8192) this.bindGroups.clear();
      bg = this.device.createBindGroup({ layout: this.layout(k).bgl, entries, label: k.label });
      this.bindGroups.set(key, bg);
      this.stats.bindGroups++;
    }
    return bg;
  }

  private writableDummy(binding: number): GPUBuffer {
    let d = this.writableDummies.get(binding);
    if (!d) {
      d = this.device.createBuffer({ size: 16, usage: GPUBufferUsage.STORAGE, label: `unused-writable-binding-${binding}` });
      this.writableDummies.set(binding, d);
    }
    return d;
  }

  destroy(): void {
    this.encoder = null;
    this.pass = null;
    this.pool.destroy();
    this.device.destroy();
  }
}


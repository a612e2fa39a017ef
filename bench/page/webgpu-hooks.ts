/**
 * Counts WebGPU calls and, while profiling, times every dispatch, by wrapping the API's
 * prototype methods. `install()` must run before any library creates a device; it sees
 * every library on the page alike (shadergrad and TensorFlow.js are counted the same way).
 *
 * Profiling writes a timestamp before and after each dispatch inside its compute pass
 * ('chromium-experimental-timestamp-query-inside-passes', which `install({ profile: true })`
 * asks every requestDevice for where the adapter has it), resolves them when the encoder
 * finishes and reads them back after the submit. Without the feature a dispatch is charged
 * the JS time since the previous dispatch of its pass (the op's CPU-side encode time).
 * The hooks' own buffers and readbacks go through the unwrapped methods, so they are
 * never counted.
 */
import type { Counts, KernelTime } from './types.js';

const INSIDE_PASSES = 'chromium-experimental-timestamp-query-inside-passes';
/** Timestamps per query set: the WebGPU maximum, two per dispatch. */
const QUERIES = 4096;

const counts: Counts = { submits: 0, dispatches: 0, writes: 0, bindGroups: 0, buffers: 0, readbacks: 0 };

/** A copy of the running counts. */
export function snapshot(): Counts {
  return { ...counts };
}

/** The counts made since `before`. */
export function since(before: Counts): Counts {
  const now = snapshot();
  return Object.fromEntries(Object.entries(now).map(([k, v]) => [k, v - before[k as keyof Counts]])) as unknown as Counts;
}

interface EncoderRec {
  device: GPUDevice;
  querySet: GPUQuerySet | null;
  /** The kernel of each timed dispatch: queries 2i and 2i + 1. */
  names: string[];
}

interface Profile {
  kernels: Map<string, KernelTime>;
  pending: Promise<void>[];
  source: 'timestamp-query' | 'cpu-encode';
}

let profiling: Profile | null = null;
const encoders = new WeakMap<GPUCommandEncoder, EncoderRec>();
const passes = new WeakMap<GPUComputePassEncoder, { rec: EncoderRec | null; kernel: string; last: number }>();
const finished = new WeakMap<GPUCommandBuffer, { rec: EncoderRec; resolve: GPUBuffer; read: GPUBuffer }>();

function charge(p: Profile, kernel: string, ms: number): void {
  const k = p.kernels.get(kernel) ?? { kernel, calls: 0, totalMs: 0 };
  k.calls++;
  k.totalMs += Math.max(0, ms);
  p.kernels.set(kernel, k);
}

type Method<T, K extends keyof T> = T[K] extends (...a: infer A) => infer R ? (this: T, ...a: A) => R : never;

/** Replaces `proto[name]` with `wrap(original)`; returns the original. */
function hook<T extends object, K extends keyof T>(proto: T, name: K, wrap: (orig: Method<T, K>) => Method<T, K>): Method<T, K> {
  const orig = proto[name] as Method<T, K>;
  Object.defineProperty(proto, name, { value: wrap(orig), writable: true, configurable: true });
  return orig;
}

let installed = false;

/** Wraps the WebGPU prototypes (once). With `profile`, devices are asked for in-pass timestamps. */
export function install(opts: { profile: boolean }): void {
  if (installed) return;
  installed = true;
  if (typeof GPUDevice === 'undefined') return;
  const createBuffer = hook(GPUDevice.prototype, 'createBuffer', (orig) => function (d) {
    counts.buffers++;
    return orig.call(this, d);
  });
  hook(GPUDevice.prototype, 'createBindGroup', (orig) => function (d) {
    counts.bindGroups++;
    return orig.call(this, d);
  });
  hook(GPUQueue.prototype, 'writeBuffer', (orig) => function (...a) {
    counts.writes++;
    return orig.apply(this, a);
  });
  const mapAsync = hook(GPUBuffer.prototype, 'mapAsync', (orig) => function (...a) {
    counts.readbacks++;
    return orig.apply(this, a);
  });
  hook(GPUQueue.prototype, 'submit', (orig) => function (buffers) {
    counts.submits++;
    orig.call(this, buffers);
    for (const cb of buffers) {
      const f = finished.get(cb);
      if (f && profiling) profiling.pending.push(readTimestamps(profiling, f, mapAsync));
    }
  });
  for (const name of ['dispatchWorkgroups', 'dispatchWorkgroupsIndirect'] as const) {
    hook(GPUComputePassEncoder.prototype, name, (orig) => function (this: GPUComputePassEncoder, ...a: unknown[]): undefined {
      counts.dispatches++;
      const p = profiling && passes.get(this);
      if (!p) return void (orig as (...x: unknown[]) => void).apply(this, a);
      const rec = p.rec;
      const i = rec ? rec.names.length : -1;
      const timed = rec !== null && 2 * i + 1 < QUERIES;
      if (timed) {
        rec.querySet ??= rec.device.createQuerySet({ type: 'timestamp', count: QUERIES });
        (this as unknown as { writeTimestamp(q: GPUQuerySet, i: number): void }).writeTimestamp(rec.querySet, 2 * i);
      }
      (orig as (...x: unknown[]) => void).apply(this, a);
      if (timed) {
        (this as unknown as { writeTimestamp(q: GPUQuerySet, i: number): void }).writeTimestamp(rec.querySet!, 2 * i + 1);
        rec.names.push(p.kernel);
      } else {
        const now = performance.now();
        charge(profiling!, p.kernel, now - p.last);
        p.last = now;
      }
    });
  }
  hook(GPUComputePassEncoder.prototype, 'setPipeline', (orig) => function (pipeline) {
    const p = profiling && passes.get(this);
    // shadergrad's labels are `shader:entry|constants`; the constants only pick tile sizes.
    if (p) p.kernel = (pipeline.label || 'unlabelled').split('|')[0]!;
    return orig.call(this, pipeline);
  });
  hook(GPUDevice.prototype, 'createCommandEncoder', (orig) => function (d) {
    const enc = orig.call(this, d);
    if (profiling?.source === 'timestamp-query' && this.features.has(INSIDE_PASSES)) encoders.set(enc, { device: this, querySet: null, names: [] });
    return enc;
  });
  hook(GPUCommandEncoder.prototype, 'beginComputePass', (orig) => function (d) {
    const pass = orig.call(this, d);
    if (profiling) passes.set(pass, { rec: encoders.get(this) ?? null, kernel: 'unlabelled', last: performance.now() });
    return pass;
  });
  hook(GPUCommandEncoder.prototype, 'finish', (orig) => function (d) {
    const rec = encoders.get(this);
    if (!rec?.querySet || rec.names.length === 0) return orig.call(this, d);
    const bytes = rec.names.length * 16;
    const resolve = createBuffer.call(rec.device, { size: bytes, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    const read = createBuffer.call(rec.device, { size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.resolveQuerySet(rec.querySet, 0, rec.names.length * 2, resolve, 0);
    this.copyBufferToBuffer(resolve, 0, read, 0, bytes);
    const cb = orig.call(this, d);
    finished.set(cb, { rec, resolve, read });
    return cb;
  });
  hook(GPUAdapter.prototype, 'requestDevice', (orig) => async function (d) {
    const want = opts.profile ? ['timestamp-query', INSIDE_PASSES].filter((f) => this.features.has(f)) as GPUFeatureName[] : [];
    const requiredFeatures = [...new Set([...(d?.requiredFeatures ?? []), ...want])];
    const device = await orig.call(this, { ...d, requiredFeatures });
    // A validation error that no library catches (TF.js catches none) must not pass unseen:
    // the work it rejected would time as if it ran.
    device.addEventListener('uncapturederror', (e) => console.error(`WebGPU error on device '${device.label}': ${(e as GPUUncapturedErrorEvent).error.message}`));
    return device;
  });
}

/** Charges `p` with the dispatch times of a submitted command buffer, then frees its query objects. */
async function readTimestamps(p: Profile, f: { rec: EncoderRec; resolve: GPUBuffer; read: GPUBuffer }, mapAsync: (this: GPUBuffer, mode: number) => Promise<undefined>): Promise<void> {
  const { rec, resolve, read } = f;
  try {
    await mapAsync.call(read, GPUMapMode.READ);
    const t = new BigUint64Array(read.getMappedRange());
    rec.names.forEach((name, i) => charge(p, name, Number(t[2 * i + 1]! - t[2 * i]!) / 1e6));
    read.unmap();
  } finally {
    read.destroy();
    resolve.destroy();
    rec.querySet?.destroy();
  }
}

/** Whether a device can time dispatches inside a compute pass. */
export function canTimeDispatches(device: GPUDevice): boolean {
  return device.features.has('timestamp-query') && device.features.has(INSIDE_PASSES);
}

/**
 * A profile: dispatches made inside `during()` are timed (on the GPU where `device` can
 * write timestamps inside passes) and charged to their kernel; `result()` waits for every
 * timestamp to come back and lists the kernels by total time, largest first.
 */
export class KernelProfile {
  private readonly p: Profile;

  constructor(device: GPUDevice) {
    this.p = { kernels: new Map(), pending: [], source: canTimeDispatches(device) ? 'timestamp-query' : 'cpu-encode' };
  }

  get source(): 'timestamp-query' | 'cpu-encode' {
    return this.p.source;
  }

  async during<T>(fn: () => Promise<T>): Promise<T> {
    profiling = this.p;
    try {
      return await fn();
    } finally {
      profiling = null;
    }
  }

  async result(): Promise<KernelTime[]> {
    await Promise.all(this.p.pending);
    return [...this.p.kernels.values()].sort((a, b) => b.totalMs - a.totalMs);
  }
}

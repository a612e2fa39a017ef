/** Helpers shared by the ops: output allocation, backend checks, storage accessors. */
import type { Backend, CpuStorage, GpuStorage } from '../backend.js';
import type { Arr } from '../cpu/matmul.js';
import { ShapeError, StateError, fmtShape } from '../errors.js';
import { GpuRuntime } from '../gpu/runtime.js';
import { Tensor } from '../tensor.js';
import type { WasmBackend } from '../wasm/backend.js';
import type { WasmStorage } from '../wasm/heap.js';

export type Shape = readonly number[];

/** Checks that every dim is a positive integer. */
export function checkShape(op: string, shape: Shape): void {
  if (!Array.isArray(shape) && !(shape as unknown as { length?: number }).length) throw new ShapeError(`${op}: shape must be an array of sizes, got ${String(shape)}`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d <= 0) throw new ShapeError(`${op}: every dim must be a positive integer, got ${fmtShape(shape)}`);
  }
  if (shape.length > 8) throw new ShapeError(`${op}: at most 8 dims are supported, got ${fmtShape(shape)}`);
}

/** Checks that the inputs are live tensors on one backend and returns that backend. */
export function backendOf(op: string, ...ts: Tensor[]): Backend {
  let b: Backend | null = null;
  for (const t of ts) {
    if (!(t instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor, got ${t === null ? 'null' : typeof t}`);
    if (t.disposed) throw new StateError(`${op}: input tensor ${fmtShape(t.shape)} (#${t.id}) was used after dispose()`);
    if (b && t.backend !== b) throw new StateError(`${op}: inputs live on different backends (${b.kind} and ${t.backend.kind})`);
    b = t.backend;
  }
  return b!;
}

/** A new, uninitialised tensor of `shape` on `b`. */
export function empty(shape: Shape, b: Backend): Tensor {
  const n = shape.reduce((x, y) => x * y, 1);
  return new Tensor(shape, b.alloc(n), b);
}

export function isGpu(b: Backend): b is GpuRuntime {
  return b.kind === 'webgpu';
}

export function isWasm(b: Backend): b is WasmBackend {
  return b.kind === 'wasm';
}

/** A tensor's storage on the wasm backend (its block's byte offset is `ptr`). */
export function ws(t: Tensor): WasmStorage {
  return t.storage as WasmStorage;
}

export function gs(t: Tensor): GpuStorage {
  return t.storage as GpuStorage;
}

export function arr(t: Tensor): Arr {
  return (t.storage as CpuStorage).data;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function sizeOf(shape: Shape): number {
  return shape.reduce((x, y) => x * y, 1);
}

/** Row-major element strides of `shape`. */
export function strides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d]!;
  }
  return s;
}

/** Pads a list of up to 8 dims to the 8 slots of an `array<vec4u, 2>` uniform. */
export function pad8(v: readonly number[]): number[] {
  const out = [...v];
  while (out.length < 8) out.push(0);
  return out;
}

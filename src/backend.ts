/**
 * The storage interface shared by the two backends. `webgpu` keeps tensors in pooled GPU
 * buffers and encodes work into one command encoder; `cpu` keeps them in typed arrays and
 * runs the reference kernels at once. Ops branch on `backend.kind`; everything above ops
 * (autograd, nn, optim, gan) is backend-agnostic.
 */
import type { GpuBuf } from './gpu/pool.js';

export interface MemoryInfo {
  /** Bytes of storage currently held by live tensors (optimizer arenas included). */
  bytesInUse: number;
  /** Bytes of free buffers waiting in the pool. */
  bytesPooled: number;
  /** Buffers created since init (a flat count after warm-up means no leak). */
  buffersCreated: number;
}

export interface CpuStorage {
  kind: 'cpu';
  data: Float32Array | Float64Array;
  refs: number;
  /** False for views into an optimizer arena: releasing them frees nothing. */
  pooled: boolean;
}

export interface GpuStorage {
  kind: 'gpu';
  buf: GpuBuf;
  /** Byte offset into `buf`; a multiple of minStorageBufferOffsetAlignment. */
  offset: number;
  /** Bytes bound for this storage: the bucket for pooled buffers, exact for arena views. */
  bytes: number;
  refs: number;
  pooled: boolean;
}

export type Storage = CpuStorage | GpuStorage;

export interface Backend {
  readonly kind: 'webgpu' | 'cpu' | 'wasm';
  /** float64 only for the CPU oracle that gradcheck uses. */
  readonly precision: 'float32' | 'float64';
  /** Elements between arena views, so every view is a legal binding offset. */
  readonly alignElements: number;
  alloc(n: number): Storage;
  release(s: Storage): void;
  /** A non-pooled view of `n` elements at element offset `at` of `s`. */
  view(s: Storage, at: number, n: number): Storage;
  write(s: Storage, data: ArrayLike<number>): void;
  read(s: Storage, n: number): Promise<Float32Array>;
  copy(src: Storage, dst: Storage, n: number): void;
  zero(s: Storage, n: number): void;
  flush(): void;
  memory(): MemoryInfo;
}

/**
 * The WebAssembly backend's memory: one `WebAssembly.Memory` that the kernels module
 * imports (shared with the worker threads when there are any), carved into blocks by a
 * free-list allocator (blocks of the same byte size are reused, so the memory in use stays
 * flat over training). Growing the memory detaches its old ArrayBuffer (a shared one keeps
 * its old length instead), so nothing keeps a typed array across an allocation: storages
 * hand out a view of their block each time `data` is read.
 */
import type { CpuStorage } from '../backend.js';
import { DeviceError } from '../errors.js';

const PAGE = 65536;
/** The kernels' own static data and stack sit below this. */
const BASE = PAGE;
/** Every block starts on a 64-byte boundary (SIMD loads, cache lines). */
const ALIGN = 64;
/** 1 GiB: the most the backend grows to. */
export const MAX_PAGES = 16384;

export class Heap {
  private top = BASE;
  private readonly free = new Map<number, number[]>();
  private f32all: Float32Array;
  bytesInUse = 0;
  bytesFree = 0;
  blocksCreated = 0;

  constructor(readonly memory: WebAssembly.Memory) {
    this.f32all = new Float32Array(memory.buffer);
  }

  /** A block of at least `bytes` bytes; its byte offset. */
  alloc(bytes: number): number {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    const list = this.free.get(size);
    const reused = list?.pop();
    this.bytesInUse += size;
    if (reused !== undefined) {
      this.bytesFree -= size;
      return reused;
    }
    const at = this.top;
    const end = at + size;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      try {
        this.memory.grow(pages);
      } catch {
        this.bytesInUse -= size;
        throw new DeviceError(`wasm backend: cannot grow memory to ${((have + pages * PAGE) / 2 ** 20).toFixed(0)} MiB for a ${bytes}-byte tensor (the limit is ${(MAX_PAGES * PAGE) / 2 ** 20} MiB)`);
      }
    }
    this.top = end;
    this.blocksCreated++;
    return at;
  }

  /** Gives back a block that `alloc(bytes)` returned. */
  release(at: number, bytes: number): void {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(at);
    this.bytesInUse -= size;
    this.bytesFree += size;
  }

  /** A float32 view of `n` elements at byte offset `at`, valid until the next allocation. */
  f32(at: number, n: number): Float32Array {
    if (this.f32all.buffer !== this.memory.buffer) this.f32all = new Float32Array(this.memory.buffer);
    return this.f32all.subarray(at >>> 2, (at >>> 2) + n);
  }
}

/**
 * A tensor's storage on the wasm backend. It is a `CpuStorage`, so every op that has no
 * kernel of its own here runs its CPU reference on `data`, a fresh view of the block.
 */
export class WasmStorage implements CpuStorage {
  readonly kind = 'cpu' as const;
  refs = 1;
  constructor(readonly heap: Heap, readonly ptr: number, readonly n: number, readonly pooled: boolean) {}
  get data(): Float32Array {
    return this.heap.f32(this.ptr, this.n);
  }
}

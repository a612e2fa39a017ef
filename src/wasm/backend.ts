/**
 * The WebAssembly backend: tensors live in one WebAssembly memory (src/wasm/heap.ts) and
 * the heavy ops (matmul, the convolutions) run AssemblyScript kernels with 128-bit SIMD
 * (src/wasm/assembly/kernels.ts, src/wasm/ops.ts). Every other op runs its CPU reference
 * on views of that memory, so the backend is complete from the start and each kernel that
 * moves into AssemblyScript is checked against the same reference.
 */
import type { Backend, MemoryInfo, Storage } from '../backend.js';
import { Heap, MAX_PAGES, WasmStorage } from './heap.js';
import { KERNELS_WASM_BASE64 } from './kernels.gen.js';

/** The kernels module's exports (pointers are byte offsets into the memory). */
export interface Kernels {
  gemm(M: number, N: number, K: number, a: number, b: number, c: number, accumulate: boolean): void;
  transpose(R: number, C: number, src: number, dst: number): void;
  im2col(C: number, H: number, W: number, KH: number, KW: number, OH: number, OW: number, sh: number, sw: number, dh: number, dw: number, pt: number, pl: number, x: number, col: number): void;
  col2im(C: number, H: number, W: number, KH: number, KW: number, OH: number, OW: number, sh: number, sw: number, dh: number, dw: number, pt: number, pl: number, col: number, x: number): void;
}

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const s = atob(base64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export class WasmBackend implements Backend {
  readonly kind = 'wasm' as const;
  readonly precision = 'float32' as const;
  readonly alignElements = 16;

  private constructor(readonly heap: Heap, readonly k: Kernels) {}

  /** Compiles the kernels (asynchronously: browsers refuse to compile large modules synchronously). */
  static async create(): Promise<WasmBackend> {
    const memory = new WebAssembly.Memory({ initial: 64, maximum: MAX_PAGES });
    const module = await WebAssembly.compile(decode(KERNELS_WASM_BASE64));
    const instance = await WebAssembly.instantiate(module, {
      env: {
        memory,
        abort: () => {
          throw new Error('wasm kernel aborted');
        },
      },
    });
    return new WasmBackend(new Heap(memory), instance.exports as unknown as Kernels);
  }

  alloc(n: number): WasmStorage {
    return new WasmStorage(this.heap, this.heap.alloc(n * 4), n, true);
  }

  release(s: Storage): void {
    const w = s as WasmStorage;
    if (w.pooled) this.heap.release(w.ptr, w.n * 4);
  }

  view(s: Storage, at: number, n: number): WasmStorage {
    const w = s as WasmStorage;
    return new WasmStorage(this.heap, w.ptr + at * 4, n, false);
  }

  write(s: Storage, data: ArrayLike<number>): void {
    (s as WasmStorage).data.set(data);
  }

  async read(s: Storage, n: number): Promise<Float32Array> {
    return Float32Array.from((s as WasmStorage).data.subarray(0, n));
  }

  copy(src: Storage, dst: Storage, n: number): void {
    (dst as WasmStorage).data.set((src as WasmStorage).data.subarray(0, n));
  }

  zero(s: Storage, n: number): void {
    (s as WasmStorage).data.fill(0, 0, n);
  }

  flush(): void {}

  memory(): MemoryInfo {
    return { bytesInUse: this.heap.bytesInUse, bytesPooled: this.heap.bytesFree, buffersCreated: this.heap.blocksCreated };
  }

  /**
   * Scratch memory for one kernel call: `fn` gets the byte offsets of blocks of the given
   * float counts (0 for a count of 0: nothing is taken), freed after.
   */
  scratch<T>(sizes: number[], fn: (...ptrs: number[]) => T): T {
    const ptrs = sizes.map((n) => (n > 0 ? this.heap.alloc(n * 4) : 0));
    try {
      return fn(...ptrs);
    } finally {
      ptrs.forEach((p, i) => {
        if (sizes[i]! > 0) this.heap.release(p, sizes[i]! * 4);
      });
    }
  }
}

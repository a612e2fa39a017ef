/**
 * The WebAssembly backend: tensors live in one WebAssembly memory (src/wasm/heap.ts) and
 * the heavy ops (matmul, the convolutions) run AssemblyScript kernels with 128-bit SIMD
 * (src/wasm/assembly/, src/wasm/ops.ts). Every other op runs its CPU reference on views of that memory, so
 * the backend is complete from the start and each kernel that moves into AssemblyScript
 * is checked against the same reference.
 */
import type { Backend, MemoryInfo, Storage } from '../backend.js';
import { Heap, MAX_PAGES, WasmStorage } from './heap.js';
import { KERNELS_PLAIN, KERNELS_RELAXED } from './kernels.gen.js';

/** Kernel exports that split their work into tasks: each takes (task, tasks, scratch) last. */
export type JobKernel = 'gemm' | 'convForward' | 'convInputGrad' | 'convWeightGrad';

type Geometry = [N: number, C: number, H: number, W: number, O: number, KH: number, KW: number, OH: number, OW: number,
  sh: number, sw: number, dh: number, dw: number, pt: number, pl: number];

/** The kernels module's exports (pointers are byte offsets into the memory; see src/wasm/assembly/). */
export interface Kernels {
  gemmScratchBytes(): number;
  gemm(M: number, N: number, K: number, a: number, lda: number, transA: boolean, b: number, ldb: number, transB: boolean,
    c: number, ldc: number, accumulate: boolean, bias: number, biasPerRow: boolean, act: number, alpha: number,
    splitRows: boolean, task: number, tasks: number, scratch: number): void;
  convForward(...args: [...Geometry, x: number, w: number, y: number, bias: number, act: number, alpha: number, task: number, tasks: number, scratch: number]): void;
  convInputGrad(...args: [...Geometry, gy: number, w: number, dx: number, bias: number, act: number, alpha: number, task: number, tasks: number, scratch: number]): void;
  convWeightGrad(...args: [...Geometry, x: number, gy: number, dw: number, task: number, tasks: number, scratch: number]): void;
}

export interface WasmOptions {
  /** Use relaxed SIMD's fused multiply-add where the engine has it (default true; false forces the plain build). */
  relaxedSimd?: boolean;
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
  /** Bytes of scratch one thread's GEMM needs (its packed block of B). */
  private readonly gemmScratch: number;

  private constructor(readonly heap: Heap, readonly k: Kernels, readonly relaxed: boolean) {
    this.gemmScratch = k.gemmScratchBytes();
  }

  /** Compiles the kernels (asynchronously: browsers refuse to compile large modules synchronously). */
  static async create(opts: WasmOptions = {}): Promise<WasmBackend> {
    const relaxed = opts.relaxedSimd !== false && WebAssembly.validate(decode(KERNELS_RELAXED));
    const memory = new WebAssembly.Memory({ initial: 64, maximum: MAX_PAGES });
    const module = await WebAssembly.compile(decode(relaxed ? KERNELS_RELAXED : KERNELS_PLAIN));
    const instance = await WebAssembly.instantiate(module, {
      env: {
        memory,
        abort: () => {
          throw new Error('wasm kernel aborted');
        },
      },
    });
    return new WasmBackend(new Heap(memory), instance.exports as unknown as Kernels, relaxed);
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
   * Runs kernel `fn` whole, as one task (`fn(...args, 0, 1, scratch)`), with a block of
   * GEMM scratch plus `extraBytes` freed after.
   */
  run(fn: JobKernel, args: number[], extraBytes = 0): void {
    const bytes = this.gemmScratch + extraBytes;
    const scratch = this.heap.alloc(bytes);
    try {
      (this.k[fn] as unknown as (...a: number[]) => void)(...args, 0, 1, scratch);
    } finally {
      this.heap.release(scratch, bytes);
    }
  }
}

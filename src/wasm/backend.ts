/**
 * The WebAssembly backend: tensors live in one WebAssembly memory (src/wasm/heap.ts) and
 * the ops run AssemblyScript kernels with 128-bit SIMD (src/wasm/assembly/): matmul and
 * the convolutions (src/wasm/ops.ts) on several threads where the memory can be shared
 * (src/wasm/threads.ts), the elementwise ops, reductions, random numbers, batchnorm, BCE,
 * pooling and the optimizer steps on the calling thread. What still runs the CPU reference
 * on views of that memory is O(C) or rare: batchnorm's running and eval statistics, and
 * truncatedNormal (an initializer). Each kernel is checked against the same reference.
 */
import type { Backend, MemoryInfo, Storage } from '../backend.js';
import { ValueError } from '../errors.js';
import { Heap, MAX_PAGES, WasmStorage } from './heap.js';
import { CONTROL_BYTES, ThreadPool, canShareMemory, defaultThreads, type JobKernel } from './threads.js';

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
  adam(n: number, p: number, g: number, m: number, v: number, lr: number, beta1: number, beta2: number, eps: number, wd: number, bc1: number, bc2: number): void;
  unary(op: number, n: number, x: number, out: number, a: number): void;
  unaryGrad(op: number, n: number, x: number, y: number, g: number, out: number, a: number): void;
  binary(op: number, side: number, rows: number, cols: number, a: number, aRow: number, aBcast: boolean,
    b: number, bRow: number, bBcast: boolean, g: number, out: number): void;
  sumRows(K: number, R: number, x: number, out: number, scale: number): void;
  sumColumns(K: number, R: number, x: number, out: number, scale: number): void;
  sumGathered(K: number, R: number, x: number, koff: number, roff: number, out: number, scale: number): void;
  rand(n: number, key: number, offset: number, lo: number, hi: number, out: number): void;
  randn(n: number, key: number, offset: number, mean: number, std: number, out: number): void;
  dropout(n: number, key: number, offset: number, p: number, scale: number, x: number, out: number): void;
  bnStats(C: number, hw: number, m: number, x: number, stat: number, eps: number): void;
  bnApply(C: number, hw: number, m: number, x: number, stat: number, gamma: number, beta: number, out: number): void;
  bnGradSums(C: number, hw: number, m: number, x: number, g: number, stat: number, sums: number): void;
  bnGradInput(C: number, hw: number, m: number, x: number, g: number, stat: number, gamma: number, sums: number, out: number): void;
  bceLoss(n: number, x: number, y: number, out: number, k: number): void;
  bceGrad(n: number, x: number, y: number, out: number, up: number): void;
  poolForward(planes: number, h: number, w: number, oh: number, ow: number, kh: number, kw: number, sh: number, sw: number, x: number, out: number, arg: number): void;
  poolBackward(planes: number, h: number, w: number, oh: number, ow: number, kh: number, kw: number, sh: number, sw: number, g: number, dx: number, arg: number): void;
  copy2d(src: number, dst: number, rows: number, cols: number, srcStride: number, dstStride: number, srcOff: number, dstOff: number): void;
  sgd(n: number, p: number, g: number, buf: number, lr: number, momentum: number, wd: number, first: boolean): void;
}

export interface WasmOptions {
  /**
   * Threads that run the kernels, the calling one included (default: the core count, at
   * most 8). 1 where a shared memory cannot be made: no SharedArrayBuffer, or a browser
   * page that is not cross-origin isolated.
   */
  threads?: number;
  /** Use relaxed SIMD's fused multiply-add where the engine has it (default true; false forces the plain build). */
  relaxedSimd?: boolean;
  /**
   * Multiply-adds below which a task is not worth a thread (default MIN_TASK_MACS); 0
   * splits every kernel into as many tasks as it has threads, which tests use to split small shapes.
   */
  minTaskMacs?: number;
}

/**
 * Multiply-adds below which a task is not worth a thread: handing a job to the workers and
 * waiting for them costs some microseconds. Measured on an idle 2-core x86 (Node 20), a
 * GEMM split over two threads ran 0.7x as fast at 64K multiply-adds, 1.3x at 256K, 1.7x
 * from 1M on; so a job splits from 128K.
 */
export const MIN_TASK_MACS = 1 << 16;

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const s = atob(base64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * Ends the threads of a backend that nothing references any more. `shutdown()` and a later
 * `init()` only forget the backend, which stays usable (a page may keep timing it beside
 * WebGPU), so its threads live as long as it does unless `destroy()` ends them first.
 */
const orphans = typeof FinalizationRegistry === 'undefined' ? null : new FinalizationRegistry<ThreadPool>((pool) => pool.destroy());

export class WasmBackend implements Backend {
  readonly kind = 'wasm' as const;
  readonly precision = 'float32' as const;
  readonly alignElements = 16;
  /** Bytes of scratch one thread's GEMM needs (its packed block of B). */
  private readonly gemmScratch: number;

  private constructor(readonly heap: Heap, readonly k: Kernels, readonly relaxed: boolean, readonly minTaskMacs: number, private pool: ThreadPool | null) {
    this.gemmScratch = k.gemmScratchBytes();
    if (pool) orphans?.register(this, pool, pool);
  }

  /** Threads that take a kernel's tasks, the calling one included. */
  get threads(): number {
    return this.pool?.threads ?? 1;
  }

  /** Tasks that worker threads have run (0 on one thread): how much of the work they took. */
  get workerTasks(): number {
    return this.pool?.workerTasks ?? 0;
  }

  /**
   * Compiles the kernels (asynchronously: browsers refuse to compile large modules
   * synchronously) and starts the worker threads (warning and running on one thread if
   * they cannot start). Throws a ValueError for a thread count that is not a positive integer.
   */
  static async create(opts: WasmOptions = {}): Promise<WasmBackend> {
    const asked = opts.threads ?? defaultThreads();
    if (!Number.isInteger(asked) || asked < 1) throw new ValueError(`wasm backend: threads must be a positive integer, got ${asked}`);
    const threads = canShareMemory() ? asked : 1;
    const shared = threads > 1;
    // Loaded on first use: the four builds are 150 KB of base64 that an app on WebGPU never
    // needs, and a bundler puts a dynamic import in a chunk of its own.
    const { KERNELS_PLAIN, KERNELS_PLAIN_SHARED, KERNELS_RELAXED, KERNELS_RELAXED_SHARED } = await import('./kernels.gen.js');
    const relaxed = opts.relaxedSimd !== false && WebAssembly.validate(decode(KERNELS_RELAXED));
    const source = relaxed ? (shared ? KERNELS_RELAXED_SHARED : KERNELS_RELAXED) : (shared ? KERNELS_PLAIN_SHARED : KERNELS_PLAIN);
    const memory = new WebAssembly.Memory({ initial: 64, maximum: MAX_PAGES, shared });
    const module = await WebAssembly.compile(decode(source));
    const instance = await WebAssembly.instantiate(module, {
      env: {
        memory,
        abort: () => {
          throw new Error('wasm kernel aborted');
        },
      },
    });
    const heap = new Heap(memory);
    let pool: ThreadPool | null = null;
    if (shared) {
      try {
        pool = await ThreadPool.start(module, memory, heap.alloc(CONTROL_BYTES), threads - 1);
      } catch (e) {
        // A page whose CSP refuses blob: workers, say: the kernels still run, on this thread.
        console.warn(`shadergrad: ${(e as Error).message}; the wasm backend runs on one thread`);
      }
    }
    return new WasmBackend(heap, instance.exports as unknown as Kernels, relaxed, opts.minTaskMacs ?? MIN_TASK_MACS, pool);
  }

  /** Ends the worker threads; the backend still works, on the calling thread alone. */
  destroy(): void {
    if (!this.pool) return;
    orphans?.unregister(this.pool);
    this.pool.destroy();
    this.pool = null;
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
   * Runs kernel `fn` as `tasks` tasks, each `fn(...args, task, tasks, scratch)`: on the
   * calling thread alone when there is one task (or one thread), else on every thread.
   * Each thread gets its own block of GEMM scratch plus `extraBytes`, freed after.
   */
  parallel(fn: JobKernel, args: number[], tasks: number, extraBytes = 0): void {
    const stride = Math.ceil((this.gemmScratch + extraBytes) / 64) * 64;
    const pool = tasks > 1 ? this.pool : null;
    const bytes = stride * (pool?.threads ?? 1);
    const scratch = this.heap.alloc(bytes);
    const call = this.k[fn] as unknown as (...a: number[]) => void;
    try {
      if (pool) pool.run(fn, args, tasks, scratch, stride, (t, n) => call(...args, t, n, scratch));
      else for (let t = 0; t < tasks; t++) call(...args, t, tasks, scratch);
    } finally {
      this.heap.release(scratch, bytes);
    }
  }
}

/**
 * Worker threads for the wasm backend: each worker instantiates the kernels module on the
 * backend's shared `WebAssembly.Memory`, then sleeps until the calling thread posts a job,
 * a kernel export and its arguments, split into numbered tasks. Every thread, the caller
 * included, claims tasks one at a time and calls `kernel(...args, task, tasks, scratch)`
 * with a scratch block of its own; the caller returns when every task is done, so the
 * engine's ops stay synchronous. A task is a fixed share of the output (kernels.ts), so
 * which thread runs it changes nothing in the numbers.
 *
 * The workers come from a source string, not a file (`new Worker(code, { eval: true })`
 * in Node, a Blob URL in browsers), so the built package and bundled pages need no path
 * to a worker script. In Node they are unref'd: idle workers do not keep a process alive.
 */
import { DeviceError } from '../errors.js';

/** Kernel exports that run as jobs, by their position (what the control block holds). */
export const JOB_KERNELS = ['gemm', 'convForward', 'convInputGrad', 'convWeightGrad'] as const;
export type JobKernel = (typeof JOB_KERNELS)[number];

/** Int32 slots of the control block, then up to MAX_ARGS float64 arguments at ARGS_BYTE. */
const SLOT = { gen: 0, fn: 1, nargs: 2, scratch: 3, stride: 4, done: 5, stop: 6, failed: 7, workerTasks: 8 } as const;
/** The claim word, a BigInt64 at CLAIM_BYTE: generation << 32 | tasks << 16 | next task. */
const CLAIM_BYTE = 64;
const ARGS_BYTE = 128;
const MAX_ARGS = 32;
export const CONTROL_BYTES = ARGS_BYTE + MAX_ARGS * 8;

/**
 * Claims and runs tasks of generation `gen` until none is left, counting each one done in
 * ctl[doneSlot]; `call` runs one task and never throws. The workers run this same function
 * (its source text goes into theirs, bound to a name of their own, since a minifier may
 * rename it), so it uses nothing from outside its body.
 */
function runTasks(claim: BigInt64Array, ctl: Int32Array, doneSlot: number, gen: number, call: (t: number, tasks: number) => void): void {
  for (;;) {
    const v = Atomics.load(claim, 0);
    if (Number(v >> 32n) !== gen) return;
    const tasks = Number((v >> 16n) & 0xffffn);
    const t = Number(v & 0xffffn);
    if (t >= tasks) return;
    if (Atomics.compareExchange(claim, 0, v, v + 1n) !== v) continue;
    call(t, tasks);
    if (Atomics.add(ctl, doneSlot, 1) + 1 === tasks) Atomics.notify(ctl, doneSlot);
  }
}

/** How long an idle worker polls for the next job before it sleeps (an op's next GEMM is often microseconds away). */
const SPIN = 20000;

/** The worker: instantiate, say ready, then sleep on the generation slot and run each job's tasks. */
const WORKER_SOURCE = `'use strict';
const runTasks = ${runTasks.toString()};
async function main(d, post) {
  const { module, memory, control, id, names } = d;
  const { exports } = await WebAssembly.instantiate(module, { env: { memory, abort() { throw new Error('wasm kernel aborted'); } } });
  const ctl = new Int32Array(memory.buffer, control, ${ARGS_BYTE / 4});
  const claim = new BigInt64Array(memory.buffer, control + ${CLAIM_BYTE}, 1);
  const args = new Float64Array(memory.buffer, control + ${ARGS_BYTE}, ${MAX_ARGS});
  let seen = Atomics.load(ctl, ${SLOT.gen});
  post('ready');
  for (;;) {
    for (let i = 0; i < ${SPIN} && Atomics.load(ctl, ${SLOT.gen}) === seen; i++);
    Atomics.wait(ctl, ${SLOT.gen}, seen);
    seen = Atomics.load(ctl, ${SLOT.gen});
    if (Atomics.load(ctl, ${SLOT.stop})) return;
    runTasks(claim, ctl, ${SLOT.done}, seen, (t, tasks) => {
      Atomics.add(ctl, ${SLOT.workerTasks}, 1);
      try {
        const a = Array.from(args.subarray(0, ctl[${SLOT.nargs}]));
        exports[names[ctl[${SLOT.fn}]]](...a, t, tasks, ctl[${SLOT.scratch}] + id * ctl[${SLOT.stride}]);
      } catch (e) {
        Atomics.store(ctl, ${SLOT.failed}, 1);
      }
    });
  }
}
if (typeof self === 'undefined') {
  const { workerData, parentPort } = process.getBuiltinModule('node:worker_threads');
  main(workerData, (m) => parentPort.postMessage(m)).catch((e) => parentPort.postMessage(String(e)));
} else {
  self.onmessage = (e) => main(e.data, (m) => self.postMessage(m)).catch((err) => self.postMessage(String(err)));
}
`;

/** The least a worker handle needs: Node's Worker and the browser's both fit. */
interface WorkerLike {
  terminate(): unknown;
}

interface NodeWorkerThreads {
  Worker: new (code: string, opts: { eval: true; workerData: unknown }) => WorkerLike & {
    unref(): void;
    once(ev: 'message' | 'error', fn: (m: unknown) => void): void;
  };
}

/** Node's worker_threads, reached without an import so browser bundles never see it; null outside Node. */
function nodeWorkerThreads(): NodeWorkerThreads | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return (proc?.getBuiltinModule?.('node:worker_threads') as NodeWorkerThreads | undefined) ?? null;
}

/** The threads that can run here by default: the core count (at most `cap`), or 1 where memory cannot be shared. */
export function defaultThreads(cap = 8): number {
  if (!canShareMemory()) return 1;
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const os = proc?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number } | undefined;
  const n = os?.availableParallelism?.() ?? (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  return Math.max(1, Math.min(cap, n));
}

/** SharedArrayBuffer exists and, in a browser, the page is cross-origin isolated (else a shared memory cannot be made or posted). */
export function canShareMemory(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  if (nodeWorkerThreads()) return true;
  return (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true && typeof Worker !== 'undefined';
}

/** How long the workers may take to compile and say ready. */
const START_MS = 10_000;

/** Starts one worker on `data`; `started` settles with its first message ('ready') or its first error. */
function spawn(data: object): { worker: WorkerLike; started: Promise<void> } {
  const failed = (why: unknown) => new DeviceError(`wasm backend: a worker thread failed to start: ${String(why)}`);
  const node = nodeWorkerThreads();
  if (node) {
    const w = new node.Worker(WORKER_SOURCE, { eval: true, workerData: data });
    w.unref();
    return {
      worker: w,
      started: new Promise((resolve, reject) => {
        w.once('message', (m) => (m === 'ready' ? resolve() : reject(failed(m))));
        w.once('error', (e) => reject(failed(e)));
      }),
    };
  }
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  const w = new Worker(url);
  return {
    worker: w,
    started: new Promise((resolve, reject) => {
      w.onmessage = (e) => {
        URL.revokeObjectURL(url);
        if (e.data === 'ready') resolve();
        else reject(failed(e.data));
      };
      w.onerror = (e) => {
        URL.revokeObjectURL(url);
        reject(failed(e.message));
      };
      w.postMessage(data);
    }),
  };
}

export class ThreadPool {
  private readonly ctl: Int32Array;
  private readonly claim: BigInt64Array;
  private readonly args: Float64Array;
  private gen = 0;
  /** False on a browser's main thread, where Atomics.wait throws: it polls instead. */
  private readonly canWait: boolean;

  private constructor(memory: WebAssembly.Memory, control: number, private readonly workers: WorkerLike[]) {
    // The control block sits at a fixed offset that never moves; views of a shared buffer stay valid as it grows.
    this.ctl = new Int32Array(memory.buffer, control, ARGS_BYTE / 4);
    this.claim = new BigInt64Array(memory.buffer, control + CLAIM_BYTE, 1);
    this.args = new Float64Array(memory.buffer, control + ARGS_BYTE, MAX_ARGS);
    let canWait = true;
    try {
      Atomics.wait(this.ctl, SLOT.stop, 1, 0);
    } catch {
      canWait = false;
    }
    this.canWait = canWait;
  }

  /** Threads that take tasks, the caller included. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /** Tasks the workers have run since the start (the caller takes the rest). */
  get workerTasks(): number {
    return Atomics.load(this.ctl, SLOT.workerTasks);
  }

  /**
   * Starts `count` workers on `memory` (shared) with the compiled kernels `module`;
   * `control` is the byte offset of CONTROL_BYTES of memory that only the pool uses.
   * Throws a DeviceError when a worker cannot be made or does not start within START_MS.
   */
  static async start(module: WebAssembly.Module, memory: WebAssembly.Memory, control: number, count: number): Promise<ThreadPool> {
    const workers: WorkerLike[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const started: Promise<void>[] = [];
      for (let id = 1; id <= count; id++) {
        const w = spawn({ module, memory, control, id, names: JOB_KERNELS });
        workers.push(w.worker);
        started.push(w.started);
      }
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DeviceError(`wasm backend: the worker threads did not start within ${START_MS / 1000} s`)), START_MS);
      });
      await Promise.race([Promise.all(started), late]);
    } catch (e) {
      for (const w of workers) void w.terminate();
      throw e;
    } finally {
      clearTimeout(timer);
    }
    return new ThreadPool(memory, control, workers);
  }

  /**
   * Runs tasks 0..tasks-1 of kernel `fn` on every thread and returns when all are done:
   * `self` runs one task on the calling thread (with the scratch block of thread 0), the
   * workers call the export with `args`, then (task, tasks, scratch + id * stride).
   */
  run(fn: JobKernel, args: readonly number[], tasks: number, scratch: number, stride: number, self: (task: number, tasks: number) => void): void {
    if (args.length > MAX_ARGS) throw new DeviceError(`wasm backend: ${fn} takes ${args.length} arguments, the job block holds ${MAX_ARGS}`);
    if (tasks > 0xffff) throw new DeviceError(`wasm backend: ${tasks} tasks, more than a job holds (65535)`);
    const ctl = this.ctl;
    ctl[SLOT.fn] = JOB_KERNELS.indexOf(fn);
    ctl[SLOT.nargs] = args.length;
    ctl[SLOT.scratch] = scratch;
    ctl[SLOT.stride] = stride;
    ctl[SLOT.failed] = 0;
    this.args.set(args);
    Atomics.store(ctl, SLOT.done, 0);
    const gen = (this.gen = (this.gen + 1) & 0x7fffffff);
    Atomics.store(this.claim, 0, (BigInt(gen) << 32n) | (BigInt(tasks) << 16n));
    Atomics.store(ctl, SLOT.gen, gen);
    Atomics.notify(ctl, SLOT.gen);
    let error: unknown = null;
    runTasks(this.claim, ctl, SLOT.done, gen, (t, n) => {
      try {
        self(t, n);
      } catch (e) {
        error ??= e;
      }
    });
    // The tasks still running are short, so poll a while before sleeping: a wake-up costs more.
    let polls = 0;
    for (let d = Atomics.load(ctl, SLOT.done); d < tasks; d = Atomics.load(ctl, SLOT.done)) {
      if (this.canWait && ++polls > SPIN) Atomics.wait(ctl, SLOT.done, d);
    }
    if (error) throw error;
    if (ctl[SLOT.failed]) throw new DeviceError(`wasm backend: ${fn} failed on a worker thread`);
  }

  /** Stops and ends the workers. */
  destroy(): void {
    Atomics.store(this.ctl, SLOT.stop, 1);
    Atomics.add(this.ctl, SLOT.gen, 1);
    Atomics.notify(this.ctl, SLOT.gen);
    for (const w of this.workers) void w.terminate();
    this.workers.length = 0;
  }
}

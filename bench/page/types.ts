/**
 * What the benchmark page leaves on `window.__bench` for bench/run.ts and
 * test/e2e/bench.test.ts: plain JSON, no classes.
 */

/**
 * The libraries compared: shadergrad on WebGPU, TensorFlow.js on WebGPU, shadergrad's CPU
 * reference and its wasm backend, TensorFlow.js on its WASM and CPU backends.
 */
export type LibName = 'shadergrad' | 'tfjs' | 'cpu' | 'wasm' | 'tfjs-wasm' | 'tfjs-cpu';
export const LIBS: readonly LibName[] = ['shadergrad', 'tfjs', 'cpu', 'wasm', 'tfjs-wasm', 'tfjs-cpu'];

/** WebGPU calls made during one timed run, counted by wrapping the API's prototypes. */
export interface Counts {
  submits: number;
  dispatches: number;
  /** queue.writeBuffer calls. */
  writes: number;
  bindGroups: number;
  buffers: number;
  /** GPUBuffer.mapAsync calls. */
  readbacks: number;
}

/** One library's numbers for one row. */
export interface Cell {
  /** Median milliseconds of the timed runs. */
  ms: number;
  /** Every timed run, in order. */
  times: number[];
  /** `work / ms` in the row's unit (GFLOP/s or GB/s); null for a training row. */
  rate: number | null;
  /** The median of each count over the timed runs; null where no WebGPU is used. */
  counts: Counts | null;
}

/** A row a library could not run: what it threw (TF.js: a kernel it does not have). */
export interface Unsupported {
  unsupported: string;
}

export const measured = (c: Cell | Unsupported | undefined): c is Cell => c !== undefined && !('unsupported' in c);

export interface Row {
  id: string;
  /** matmul, conv, batchnorm, adam or train. */
  group: string;
  name: string;
  unit: 'GFLOP/s' | 'GB/s' | null;
  /** FLOPs (GFLOP/s rows) or bytes (GB/s rows) of one run. */
  work: number;
  /** Training rows: iterations per run (the calls counted in a run are divided by it). */
  iterations?: number;
  cells: Partial<Record<LibName, Cell | Unsupported>>;
}

/** One kernel's share of a profiled workload. */
export interface KernelTime {
  kernel: string;
  calls: number;
  totalMs: number;
}

export interface ProfileSection {
  workload: string;
  lib: LibName;
  /** GPU time from timestamps written around each dispatch, or the JS time spent encoding it. */
  source: 'timestamp-query' | 'cpu-encode';
  iterations: number;
  /** Sorted by total time, largest first. */
  kernels: KernelTime[];
}

export interface BenchResult {
  mode: 'quick' | 'full';
  profile: boolean;
  adapter: string;
  /** Vendor and architecture only, e.g. `google swiftshader`: the results' file name. */
  adapterId: string;
  /** The adapter's features that matter here (timestamp-query and its in-pass variant, subgroups). */
  features: string[];
  /** Whether shadergrad's kernels were built from their subgroups twins (the GEMM's quad sharing). */
  subgroups: boolean;
  userAgent: string;
  tfjsVersion: string;
  /** The threads of shadergrad's wasm backend (1 unless the page is cross-origin isolated). */
  wasmThreads: number;
  /** Which binary TF.js's WASM backend loaded, and with how many threads (null until it has). */
  tfjsWasm: { binary: string; threads: number; crossOriginIsolated: boolean } | null;
  startedAt: string;
  /** Wall time of each phase of the page, ms. */
  phases: Record<string, number>;
  rows: Row[];
  profiles: ProfileSection[];
  error: { name: string; message: string; stack?: string } | null;
}

declare global {
  interface Window {
    __bench?: BenchResult;
    /** The result as far as it has got (the same object, filled in as rows are measured). */
    __benchPartial?: BenchResult;
    /** Progress lines, for the runner to echo while it waits. */
    __benchLog?: string[];
  }
}

/**
 * Timing: each library's version of a row is warmed up, then timed round by round (every
 * library once per round, so noise from the rest of the machine hits them alike), each run
 * from the start of its work until the device has finished it. A row reports the median.
 * A library marked `mayLack` that throws (TF.js on a backend without a kernel the row
 * needs) leaves the row, its cell saying what it threw, and the others go on; an error
 * of any other library stops the page.
 */
import type { Case, Spec } from './cases.js';
import type { Impl } from './impl.js';
import type { Cell, Counts, LibName, Unsupported } from './types.js';
import { since, snapshot, type KernelProfile } from './webgpu-hooks.js';

export interface Lib {
  name: LibName;
  /** Whether its WebGPU calls are counted (false on the CPU and wasm backends). */
  gpu: boolean;
  /** Whether it may lack what a row needs: what it throws becomes its cell. */
  mayLack?: boolean;
  impl(spec: Spec): Impl;
}

export interface Rounds {
  /** Untimed runs first (at least one), while within `warmupBudgetMs` when that is given. */
  warmup: number;
  warmupBudgetMs?: number;
  /**
   * Warm-ups a WebGPU library runs whatever the budget and the slow rule say (default 1):
   * its first run builds pipelines and its second may still bind buffers it has not bound
   * before (a buffer pool hands out what the first run freed).
   */
  warmupMin?: number;
  /** Rounds always run, and the most run while within `budgetMs`. */
  min: number;
  max: number;
  budgetMs: number;
  /** A library whose first warm-up run took longer than `slow.ms` gets no more warm-ups and `slow.rounds` timed rounds at most. */
  slow?: { ms: number; rounds: number };
}

/** The median of a non-empty list. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function medianCounts(cs: Counts[]): Counts {
  const keys = Object.keys(cs[0]!) as (keyof Counts)[];
  return Object.fromEntries(keys.map((k) => [k, median(cs.map((c) => c[k]))])) as unknown as Counts;
}

/** One timed run: the work the device does and the WebGPU calls made, the untimed parts around it excluded. */
async function timeOnce(impl: Impl): Promise<{ ms: number; counts: Counts }> {
  await impl.prepare?.();
  const before = snapshot();
  const t0 = performance.now();
  await impl.run();
  const ms = performance.now() - t0;
  const counts = since(before);
  await impl.after?.();
  return { ms, counts };
}

/** Runs slower than this are logged as they finish, so a long row shows progress. */
const SLOW_MS = 5000;

interface LibRun {
  lib: Lib;
  impl: Impl;
  times: number[];
  counts: Counts[];
  /** Its first warm-up took longer than `Rounds.slow.ms`. */
  slow: boolean;
  failed: boolean;
}

const reason = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Times a row on each library, interleaved round by round. */
export async function measureRow(c: Case, libs: Lib[], r: Rounds, log: (line: string) => void = () => {}): Promise<Partial<Record<LibName, Cell | Unsupported>>> {
  const cells: Partial<Record<LibName, Cell | Unsupported>> = {};
  const fail = (lib: Lib, e: unknown): void => {
    if (!lib.mayLack) throw e;
    cells[lib.name] = { unsupported: reason(e) };
    log(`  ${c.name}: ${lib.name} cannot run it: ${reason(e)}`);
  };
  const runs: LibRun[] = [];
  /** One run of `x`; null (and `x` out of the row) if it threw. */
  const timed = async (x: LibRun, what: string): Promise<{ ms: number; counts: Counts } | null> => {
    try {
      const t = await timeOnce(x.impl);
      if (t.ms > SLOW_MS) log(`  ${c.name}: ${x.lib.name} ${what} ${(t.ms / 1000).toFixed(1)} s`);
      return t;
    } catch (e) {
      fail(x.lib, e);
      x.failed = true;
      try {
        x.impl.dispose();
      } catch { /* what it threw first is recorded */ }
      return null;
    }
  };
  try {
    for (const lib of libs) {
      try {
        runs.push({ lib, impl: lib.impl(c.spec), times: [], counts: [], slow: false, failed: false });
      } catch (e) {
        fail(lib, e);
      }
    }
    for (const x of runs) {
      const t0 = performance.now();
      for (let i = 0; i < Math.max(1, r.warmup); i++) {
        if (i >= (x.lib.gpu ? r.warmupMin ?? 1 : 1) && (x.slow || (r.warmupBudgetMs !== undefined && performance.now() - t0 > r.warmupBudgetMs))) break;
        const t = await timed(x, `warm-up ${i + 1}`);
        if (!t) break;
        x.slow = r.slow !== undefined && t.ms > r.slow.ms;
      }
    }
    const start = performance.now();
    for (let round = 0; round < r.max; round++) {
      if (round >= r.min && performance.now() - start > r.budgetMs) break;
      for (const x of runs) {
        if (x.failed || (x.slow && x.times.length >= r.slow!.rounds)) continue;
        const t = await timed(x, `round ${round + 1}`);
        if (!t) continue;
        x.times.push(t.ms);
        x.counts.push(t.counts);
      }
    }
  } finally {
    for (const x of runs) if (!x.failed) x.impl.dispose();
  }
  for (const x of runs.filter((y) => !y.failed)) {
    const ms = median(x.times);
    cells[x.lib.name] = { ms, times: x.times, rate: c.unit ? c.work / ms / 1e6 : null, counts: x.lib.gpu ? medianCounts(x.counts) : null };
  }
  return cells;
}

/** Runs `impl` `iterations` times, profiling only the timed part of each run. */
export async function profileRuns(impl: Impl, iterations: number, profile: KernelProfile): Promise<void> {
  for (let i = 0; i < iterations; i++) {
    await impl.prepare?.();
    await profile.during(() => impl.run());
    await impl.after?.();
  }
}

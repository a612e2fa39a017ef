/**
 * The benchmark page (bench/) in headless Chromium, quick mode: every row gets a finite,
 * positive time (and rate) from each library, or, on TF.js's WASM and CPU backends, a cell
 * saying the backend lacks a kernel the row needs; the training row's WebGPU calls are
 * counted, and nothing is logged as an error. Speed itself is never asserted.
 */
import { describe, expect, it } from 'vitest';
import { LIBS, measured, type LibName } from '../../bench/page/types.js';
import { runBenchPage } from '../../bench/runner.js';
import { CHROMIUM, NO_CHROMIUM } from '../../scripts/chromium.js';

const PAGE_TIMEOUT_MS = 150_000;

/** The libraries that may find a row unsupported: TF.js on a backend without one of its kernels. */
const MAY_LACK: LibName[] = ['tfjs-wasm', 'tfjs-cpu'];

describe.skipIf(NO_CHROMIUM !== null)(NO_CHROMIUM ?? `the benchmark page in headless Chromium (${CHROMIUM})`, () => {
  it('runs quick mode: finite positive numbers in every row, no console error', async () => {
    const log: string[] = [];
    const { result: r, consoleErrors, pageErrors, wallMs } = await runBenchPage({ quick: true, profile: false, timeoutMs: PAGE_TIMEOUT_MS, onLog: (l) => log.push(l) });
    console.log(`bench e2e: quick mode in ${(wallMs / 1000).toFixed(1)} s on ${r.adapter}; phases ${JSON.stringify(r.phases)}`);

    expect(pageErrors, 'uncaught page errors').toEqual([]);
    expect(r.error, `the page threw: ${r.error?.name}: ${r.error?.message}\n${r.error?.stack ?? ''}\n${log.join('\n')}`).toBeNull();
    expect(consoleErrors, 'console errors').toEqual([]);
    expect(r.mode).toBe('quick');
    expect(r.adapter).toBeTruthy();
    expect(r.rows.length).toBeGreaterThan(0);
    expect(new Set(r.rows.map((x) => x.group))).toEqual(new Set(['matmul', 'conv', 'batchnorm', 'adam', 'train']));

    expect(r.tfjsWasm?.binary, 'the WASM binary TF.js loaded').toMatch(/^tfjs-backend-wasm(-simd|-threaded-simd)?\.wasm$/);
    expect(r.tfjsWasm!.threads).toBeGreaterThanOrEqual(1);
    expect(r.wasmThreads, "shadergrad wasm's threads").toBeGreaterThanOrEqual(1);

    for (const row of r.rows) {
      for (const lib of LIBS) {
        const c = row.cells[lib];
        expect(c, `${row.name}: no ${lib} cell`).toBeDefined();
        if (!measured(c)) {
          // Only TF.js's WASM and CPU may lack a kernel, and the cell says which.
          expect(MAY_LACK, `${row.name}, ${lib}: threw ${c!.unsupported}`).toContain(lib);
          expect(c!.unsupported, `${row.name}, ${lib}`).toMatch(/^Kernel '\w+' not registered for backend/);
          continue;
        }
        expect(c.times.length, `${row.name}, ${lib}: timed runs`).toBeGreaterThanOrEqual(2);
        for (const t of [c.ms, ...c.times]) expect(Number.isFinite(t) && t > 0, `${row.name}, ${lib}: time ${t}`).toBe(true);
        if (row.unit) expect(Number.isFinite(c.rate) && c.rate! > 0, `${row.name}, ${lib}: rate ${c.rate}`).toBe(true);
        expect(c.counts !== null, `${row.name}, ${lib}: counts only on WebGPU`).toBe(lib === 'shadergrad' || lib === 'tfjs');
      }
    }
    // Both TF.js backends ran something: the matmuls at least.
    for (const row of r.rows.filter((x) => x.group === 'matmul')) {
      for (const lib of MAY_LACK) expect(measured(row.cells[lib]), `${row.name}, ${lib}`).toBe(true);
    }
    // The WebGPU calls of a training iteration are counted for both WebGPU libraries.
    for (const row of r.rows.filter((x) => x.group === 'train')) {
      for (const lib of ['shadergrad', 'tfjs'] as const) {
        const c = row.cells[lib];
        if (!measured(c)) throw new Error(`${row.name}, ${lib}: not measured`);
        const k = c.counts!;
        expect(k.submits, `${row.name}, ${lib}: submits`).toBeGreaterThan(0);
        expect(k.dispatches, `${row.name}, ${lib}: dispatches`).toBeGreaterThan(k.submits);
      }
    }
  }, PAGE_TIMEOUT_MS + 60_000);
});

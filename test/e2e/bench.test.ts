/**
 * The benchmark page (bench/) in headless Chromium, quick mode: every row gets a finite,
 * positive time (and rate) from each library, the training row's WebGPU calls are counted,
 * and nothing is logged as an error. Speed itself is never asserted.
 */
import { describe, expect, it } from 'vitest';
import { LIBS } from '../../bench/page/types.js';
import { runBenchPage } from '../../bench/runner.js';
import { CHROMIUM, NO_CHROMIUM } from '../../scripts/chromium.js';

const PAGE_TIMEOUT_MS = 150_000;

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

    for (const row of r.rows) {
      for (const lib of LIBS) {
        const c = row.cells[lib];
        expect(c, `${row.name}: no ${lib} cell`).toBeDefined();
        expect(c!.times.length, `${row.name}, ${lib}: timed runs`).toBeGreaterThanOrEqual(2);
        for (const t of [c!.ms, ...c!.times]) expect(Number.isFinite(t) && t > 0, `${row.name}, ${lib}: time ${t}`).toBe(true);
        if (row.unit) expect(Number.isFinite(c!.rate) && c!.rate! > 0, `${row.name}, ${lib}: rate ${c!.rate}`).toBe(true);
        expect(c!.counts === null, `${row.name}, ${lib}: counts only on WebGPU`).toBe(lib === 'cpu' || lib === 'wasm');
      }
    }
    // The WebGPU calls of a training iteration are counted for both WebGPU libraries.
    for (const row of r.rows.filter((x) => x.group === 'train')) {
      for (const lib of ['shadergrad', 'tfjs'] as const) {
        const k = row.cells[lib]!.counts!;
        expect(k.submits, `${row.name}, ${lib}: submits`).toBeGreaterThan(0);
        expect(k.dispatches, `${row.name}, ${lib}: dispatches`).toBeGreaterThan(k.submits);
      }
    }
  }, PAGE_TIMEOUT_MS + 60_000);
});

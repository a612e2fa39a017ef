/**
 * What the page is doing, kept on `window.__demo` for people in the console and for
 * test/e2e/demo.test.ts, which reads it instead of scraping text. The page writes it;
 * nothing reads it back to make a decision.
 */
export type DemoStatus =
  | 'loading'    // fetching the digits, starting the backend
  | 'no-webgpu'  // WebGPU missing or failed: the message and the CPU offer are shown
  | 'ready'      // a backend and the digits: Start is enabled
  | 'training'
  | 'paused'
  | 'stopping'   // Reset asked the run to stop; it finishes its step and its final events
  | 'done'
  | 'error';

export interface DemoState {
  status: DemoStatus;
  backend: 'webgpu' | 'wasm' | 'cpu' | null;
  /** describeAdapter() of the WebGPU adapter, or "CPU backend". */
  adapter: string | null;
  /** Digits loaded from the IDX files (all of them, before the split). */
  digits: number;
  model: string | null;
  /** The last step whose numbers were read back, and the run's target. */
  step: number;
  steps: number;
  /** Every sample grid drawn on the canvas, with an FNV-1a hash of the canvas's pixels after drawing it. */
  grids: { step: number; hash: number }[];
  /** File names handed to the browser to download, in order. */
  downloads: string[];
  /** The checkpoint last sampled through the file input, with the hash of its canvas. */
  sampled: { file: string; model: string; step: number; hash: number } | null;
  warnings: string[];
  /** The message of the last failure shown on the page (a bad setting, a bad file, a failed run). */
  error: string | null;
}

declare global {
  interface Window { __demo: DemoState }
}

export function initialState(): DemoState {
  return {
    status: 'loading', backend: null, adapter: null, digits: 0, model: null, step: 0, steps: 0,
    grids: [], downloads: [], sampled: null, warnings: [], error: null,
  };
}

/**
 * How `shadergrad/node` waits on Dawn (the `webgpu` package): its readbacks go through
 * `settleQuietly` (GpuSource.settle) instead of a plain `await`. Node-only (setImmediate).
 */
/** How long a wait on Dawn polls before it sleeps: a small readback is usually back by then. */
const POLL_MS = 2;
/** The sleeps between Dawn's polls after that. */
const SLEEP_MS = 1;
const sleepCell = new Int32Array(new SharedArrayBuffer(4));
const nextImmediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Waits for `p`, a promise of a Dawn device, without a busy loop. Dawn's Node binding polls
 * its devices from a setImmediate callback that re-queues itself for as long as one of their
 * promises is pending, so a plain `await` keeps one core busy for the whole wait. On a CPU
 * adapter (SwiftShader) that core is one the device's own worker threads need: a readback
 * after 300 queued 64x784x128 matmuls took 2.0 s with the plain await and 1.2 s this way on
 * a 2-core machine. After POLL_MS of polling, the thread sleeps SLEEP_MS (Atomics.wait
 * blocks it, where a timer would leave the loop spinning on Dawn's callback) and lets Dawn
 * poll once between sleeps.
 */
export async function settleQuietly<T>(p: Promise<T>): Promise<T> {
  let settled = false;
  const mark = (): void => {
    settled = true;
  };
  p.then(mark, mark);
  const start = performance.now();
  while (!settled && performance.now() - start < POLL_MS) await nextImmediate();
  while (!settled) {
    Atomics.wait(sleepCell, 0, 0, SLEEP_MS);
    await nextImmediate();
  }
  return p;
}

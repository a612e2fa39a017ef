/** Backend-level helpers of the public API. */
import { backend } from './context.js';
import type { MemoryInfo } from './gpu/pool.js';

/** Submits all encoded GPU work now (a no-op on the CPU backend). */
export function flush(): void {
  backend().flush();
}

/** Bytes in use and pooled, and buffers created, on the current backend. */
export function memory(): MemoryInfo {
  return backend().memory();
}

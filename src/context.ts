/**
 * The current backend. `init()` sets it; ops allocate their outputs on the backend of
 * their inputs, and creation functions (tensor, zeros, randn) on the current one.
 */
import type { Backend } from './backend.js';
import { DeviceError } from './errors.js';

let current: Backend | null = null;

export function setBackend(b: Backend | null): void {
  current = b;
}

/** The backend that new tensors are created on; throws before `init()`. */
export function backend(): Backend {
  if (!current) throw new DeviceError('shadergrad is not initialised: call `await init()` first');
  return current;
}

export function hasBackend(): boolean {
  return current !== null;
}

/** Runs `fn` with `b` as the current backend (gradcheck's float64 oracle uses this). */
export function withBackend<T>(b: Backend, fn: () => T): T {
  const prev = current;
  current = b;
  try {
    return fn();
  } finally {
    current = prev;
  }
}

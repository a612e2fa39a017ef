/**
 * The error classes of shadergrad. Every public function validates its input and throws
 * one of these before anything is dispatched, with a message that names the op and the
 * expected and actual shapes or values, e.g. `matmul: inner dimensions differ: [64,784] x [128,784]`.
 */

/** Tensor shapes that do not fit the op (mismatched, wrong rank, not broadcastable). */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

/** A bad argument value: a NaN or negative learning rate, beta outside [0,1), p outside [0,1). */
export class ValueError extends Error {
  override name = 'ValueError';
}

/** No WebGPU, no adapter, a lost device, a shader that failed to compile or validate. */
export class DeviceError extends Error {
  override name = 'DeviceError';
}

/** A malformed file: wrong magic, truncated body, a header that claims more data than exists. */
export class FormatError extends Error {
  override name = 'FormatError';
}

/** Misuse of a tensor's lifetime or graph: use after dispose, backward without a gradient. */
export class StateError extends Error {
  override name = 'StateError';
}

/** `[2,3]` style formatting for shapes in error messages. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** shadergrad: a WebGPU compute-shader ML engine. The public API, re-exports only. */
export { init, shutdown, gpu, describeAdapter, type InitOptions } from './gpu/init.js';
export { backend } from './context.js';
export type { Backend } from './backend.js';
export type { MemoryInfo } from './gpu/pool.js';
export type { GpuStats } from './gpu/runtime.js';
export { Tensor } from './tensor.js';
export { scope } from './scope.js';
export * from './ops/index.js';
export { backward } from './autograd/backward.js';
export { noGrad, isGradEnabled } from './autograd/tape.js';
export { gradcheck, type GradcheckOptions, type GradcheckResult } from './autograd/gradcheck.js';
export { ShapeError, ValueError, DeviceError, FormatError, StateError } from './errors.js';
export { flush, memory } from './runtime-api.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export { Module, Linear, ReLU, LeakyReLU, Tanh, Sigmoid, Dropout, Sequential } from './nn/index.js';
export { Adam, SGD, StepDecay } from './optim/index.js';

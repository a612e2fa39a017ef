/**
 * `shadergrad`: a WebGPU compute-shader ML engine. The core API (tensors, ops, autograd,
 * nn, optim, init), re-exports only, and browser-safe: nothing reachable from here imports
 * Node. More entries: `shadergrad/gan`, `shadergrad/io`, `shadergrad/data` and, for Node
 * (Dawn, files, the mnist package), `shadergrad/node`.
 */
export { init, shutdown, gpu, describeAdapter, type InitOptions, type GpuSource } from './gpu/init.js';
export { backend } from './context.js';
export type { Backend } from './backend.js';
export type { MemoryInfo } from './backend.js';
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
export { Module, Linear, ReLU, LeakyReLU, Tanh, Sigmoid, Dropout, Flatten, Reshape, Sequential, Conv2d, ConvTranspose2d, BatchNorm2d, AvgPool2d, MaxPool2d, parameter, buffer } from './nn/index.js';
export { Adam, SGD, StepDecay } from './optim/index.js';
export { stateDict, loadStateDict, type NamedArray } from './nn/state.js';

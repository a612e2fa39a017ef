// The wasm backend's kernels, in AssemblyScript with 128-bit SIMD: the module that
// scripts/build-wasm.mjs compiles. Every pointer is a byte offset into the memory that
// src/wasm/heap.ts manages; all arrays are float32, row-major.
export { gemm, gemmScratchBytes } from './gemm';
export { convForward, convInputGrad, convWeightGrad, im2col, col2im } from './conv';
export { adam, sgd } from './optim';
export { unary, unaryGrad } from './unary';
export { binary, bceLoss, bceGrad } from './binary';
export { sumRows, sumColumns, sumGathered } from './reduce';
export { rand, randn, dropout } from './random';
export { bnStats, bnApply, bnGradSums, bnGradInput } from './batchnorm';
export { poolForward, poolBackward } from './pool';
export { copy2d } from './copy';

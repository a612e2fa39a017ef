/** The public op set (the chainable Tensor methods in src/tensor.ts alias these). */

export { add, sub, mul, div, maximum, broadcastShapes } from './binary.js';
export { matmul, type MatmulOptions, type Activation } from './matmul.js';
export { conv2d, convTranspose2d, conv2dGeometry, convTranspose2dGeometry, type Conv2dOptions, type ConvTranspose2dOptions, type ConvOptions, type ConvGeometry } from './conv.js';
export { sum, mean } from './reduce.js';
export { reshape, flatten, concat, slice, permute } from './shape.js';
export { neg, exp, log, sqrt, relu, leakyRelu, tanh, sigmoid, abs, square, UNARY, type UnaryName } from './unary.js';
export { tensor, zeros, ones, full } from './create.js';
export { rand, randn, truncatedNormal, dropout, manualSeed, Generator, defaultGenerator } from './random.js';
export { bceWithLogits } from './loss.js';
export { adamUpdate, sgdUpdate, assign } from './optim.js';
export { batchNorm2d, type BatchNormOptions } from './batchnorm.js';
export { avgPool2d, maxPool2d, type Size2 } from './pool.js';

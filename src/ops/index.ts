/** The public op set (the chainable Tensor methods in src/tensor.ts alias these). */

export { add, sub, mul, div, maximum, broadcastShapes } from './binary.js';
export { matmul, type MatmulOptions, type Activation } from './matmul.js';
export { sum, mean } from './reduce.js';
export { reshape, flatten, concat, slice } from './shape.js';
export { neg, exp, log, sqrt, relu, leakyRelu, tanh, sigmoid, abs, square, UNARY, type UnaryName } from './unary.js';
export { tensor, zeros, ones, full } from './create.js';
export { rand, randn, dropout, manualSeed, Generator, defaultGenerator } from './random.js';
export { bceWithLogits } from './loss.js';
export { adamUpdate, sgdUpdate, assign } from './optim.js';

export { Module, parameter, buffer } from './module.js';
export { Linear, ReLU, LeakyReLU, Tanh, Sigmoid, Dropout, Flatten, Reshape, Sequential, ActivationModule, type LinearOptions } from './layers.js';
export { initWeight, initBias, type InitScheme } from './init.js';
export { stateDict, loadStateDict, type NamedArray } from './state.js';

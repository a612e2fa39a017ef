export { Module, parameter } from './module.js';
export { Linear, ReLU, LeakyReLU, Tanh, Sigmoid, Dropout, Sequential, ActivationModule, type LinearOptions } from './layers.js';
export { initWeight, initBias, type InitScheme } from './init.js';

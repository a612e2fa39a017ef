export { Module, parameter, buffer } from './module.js';
export { Linear, ReLU, LeakyReLU, Tanh, Sigmoid, Dropout, Flatten, Reshape, Sequential, ActivationModule, FusingLayer, type LinearOptions } from './layers.js';
export { initWeight, initBias, type InitScheme } from './init.js';
export { MinibatchStd } from './minibatch.js';
export { stateDict, loadStateDict, type NamedArray } from './state.js';
export { Conv2d, ConvTranspose2d, BatchNorm2d, AvgPool2d, MaxPool2d, type ConvInit, type ConvLayerOptions, type Conv2dLayerOptions, type ConvTranspose2dLayerOptions, type BatchNormLayerOptions } from './conv.js';

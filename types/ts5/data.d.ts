// TypeScript < 6 has no WebGPU in lib.dom: this entry adds @webgpu/types (TypeScript 6+,
// whose lib.dom declares WebGPU and would clash with it, reads dist/data/index.d.ts directly).
/// <reference types="@webgpu/types" />
export * from '../../dist/data/index.js';

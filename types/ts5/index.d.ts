// TypeScript < 6 has no WebGPU in lib.dom: this entry adds @webgpu/types (TypeScript 6+,
// whose lib.dom declares WebGPU and would clash with it, reads dist/index.d.ts directly).
/// <reference types="@webgpu/types" />
export * from '../../dist/index.js';

/**
 * The activations: one list for both places that apply them, matmul's fused epilogue and
 * the unary ops (src/ops/unary.ts builds its activation rows from ACTIVATION_FNS). A
 * code of matmul's ACT override is a position in ACTIVATIONS, the same position as the
 * arm of `activate` in src/shaders/lib/activations.wgsl.
 */
export const ACTIVATIONS = ['none', 'relu', 'leakyRelu', 'tanh', 'sigmoid'] as const;

export type Activation = (typeof ACTIVATIONS)[number];

export function sigmoid(v: number): number {
  const e = Math.exp(-Math.abs(v));
  return v >= 0 ? 1 / (1 + e) : e / (1 + e);
}

export interface ActivationFn {
  f: (v: number, alpha: number) => number;
  /** The derivative in terms of the output y = f(v), which is what backward keeps. */
  dy: (y: number, alpha: number) => number;
}

export const ACTIVATION_FNS: { readonly [K in Activation]: ActivationFn } = {
  none: { f: (v) => v, dy: () => 1 },
  relu: { f: (v) => (v > 0 ? v : 0), dy: (y) => (y > 0 ? 1 : 0) },
  leakyRelu: { f: (v, a) => (v > 0 ? v : a * v), dy: (y, a) => (y > 0 ? 1 : a) },
  tanh: { f: (v) => Math.tanh(v), dy: (y) => 1 - y * y },
  sigmoid: { f: (v) => sigmoid(v), dy: (y) => y * (1 - y) },
};

export function activate(act: Activation, v: number, alpha: number): number {
  return ACTIVATION_FNS[act].f(v, alpha);
}

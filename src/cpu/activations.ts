/** The activations a matmul epilogue can apply, shared by the CPU references. */
export type Activation = 'none' | 'relu' | 'leakyRelu' | 'tanh' | 'sigmoid';

/** Codes of the ACT override in matmul.wgsl. */
export const ACT_CODE: { [K in Activation]: number } = { none: 0, relu: 1, leakyRelu: 2, tanh: 3, sigmoid: 4 };

export function sigmoid(v: number): number {
  const e = Math.exp(-Math.abs(v));
  return v >= 0 ? 1 / (1 + e) : e / (1 + e);
}

export function activate(act: Activation, v: number, alpha: number): number {
  switch (act) {
    case 'relu': return v > 0 ? v : 0;
    case 'leakyRelu': return v > 0 ? v : alpha * v;
    case 'tanh': return Math.tanh(v);
    case 'sigmoid': return sigmoid(v);
    default: return v;
  }
}

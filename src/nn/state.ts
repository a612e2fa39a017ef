/** state_dict in and out of a Module, with PyTorch's names and layouts. */
import { FormatError, fmtShape } from '../errors.js';
import type { Module } from './module.js';

export interface NamedArray {
  shape: number[];
  data: Float32Array;
}

/** Every parameter's values by PyTorch-style name (`0.weight` is [out, in]). */
export async function stateDict(m: Module, prefix = ''): Promise<Record<string, NamedArray>> {
  const out: Record<string, NamedArray> = {};
  for (const [name, p] of m.namedParameters()) out[prefix + name] = { shape: [...p.shape], data: await p.data() };
  return out;
}

/**
 * Writes `tensors[prefix + name]` into each parameter. Every parameter must be present with
 * its exact shape, and no tensor under `prefix` may be left unused: a checkpoint of
 * another architecture is refused whole, before anything is written.
 */
export function loadStateDict(m: Module, tensors: Record<string, NamedArray>, prefix = '', what = 'checkpoint'): void {
  const params = m.namedParameters();
  const expected = new Set(params.map(([n]) => prefix + n));
  for (const [name, p] of params) {
    const t = tensors[prefix + name];
    if (!t) throw new FormatError(`${what}: missing tensor "${prefix + name}" ${fmtShape(p.shape)}`);
    if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i])) {
      throw new FormatError(`${what}: tensor "${prefix + name}" has shape ${fmtShape(t.shape)}, the model expects ${fmtShape(p.shape)}`);
    }
  }
  for (const name of Object.keys(tensors)) {
    if (name.startsWith(prefix) && !expected.has(name)) throw new FormatError(`${what}: unexpected tensor "${name}" (the model has no such parameter)`);
  }
  for (const [name, p] of params) p.backend.write(p.storage, tensors[prefix + name]!.data);
}

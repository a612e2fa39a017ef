/** state_dict in and out of a Module, with PyTorch's names and layouts, buffers included. */
import { FormatError, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor.js';
import type { Module } from './module.js';

export interface NamedArray {
  shape: number[];
  data: Float32Array;
}

/** Parameters then buffers, by dotted name: what a state dict holds. */
function entries(m: Module): [string, Tensor][] {
  return [...m.namedParameters(), ...m.namedBuffers()];
}

/** Every parameter's and buffer's values by PyTorch-style name (`0.weight` is [out, in]). */
export async function stateDict(m: Module, prefix = ''): Promise<Record<string, NamedArray>> {
  const out: Record<string, NamedArray> = {};
  for (const [name, p] of entries(m)) out[prefix + name] = { shape: [...p.shape], data: await p.data() };
  return out;
}

/**
 * Writes `tensors[prefix + name]` into each parameter and buffer. Every one must be present
 * with its exact shape and finite values, and no tensor under `prefix` may be left unused:
 * a checkpoint of another architecture is refused whole, before anything is written.
 */
export function loadStateDict(m: Module, tensors: Record<string, NamedArray>, prefix = '', what = 'checkpoint'): void {
  const all = entries(m);
  const expected = new Set(all.map(([n]) => prefix + n));
  for (const [name, p] of all) {
    const t = tensors[prefix + name];
    if (!t) throw new FormatError(`${what}: missing tensor "${prefix + name}" ${fmtShape(p.shape)}`);
    if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i])) {
      throw new FormatError(`${what}: tensor "${prefix + name}" has shape ${fmtShape(t.shape)}, the model expects ${fmtShape(p.shape)}`);
    }
  }
  for (const name of Object.keys(tensors)) {
    if (name.startsWith(prefix) && !expected.has(name)) throw new FormatError(`${what}: unexpected tensor "${name}" (the model has no such parameter or buffer)`);
  }
  for (const [name] of all) checkFinite(what, prefix + name, tensors[prefix + name]!.data);
  for (const [name, p] of all) p.backend.write(p.storage, tensors[prefix + name]!.data);
}

/** Refuses values with NaN or ±Infinity, naming the tensor and how many there are. */
export function checkFinite(what: string, name: string, data: ArrayLike<number>): void {
  let bad = 0;
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) bad++;
  if (bad > 0) throw new FormatError(`${what}: tensor "${name}" holds ${bad} non-finite value${bad === 1 ? '' : 's'} (NaN or Infinity) of ${data.length}`);
}
